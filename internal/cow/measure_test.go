package cow_test

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"testing"

	"github.com/flatseg/flatseg/internal/cow"
	"github.com/flatseg/flatseg/internal/testenv"
	"github.com/stretchr/testify/require"
)

// stats is a summary that is neither subtractable nor commutative: the
// first and last values and the minimum go with the sum and the length.
type stats struct {
	Sum, Len    int64
	First, Last int
	Min         int
	Has         bool
}

type statsMeasure struct{}

func (statsMeasure) Of(v int, n int64) stats {
	return stats{Sum: int64(v) * n, Len: n, First: v, Last: v, Min: v, Has: true}
}

func (statsMeasure) Combine(a, b stats) stats {
	switch {
	case !a.Has:
		return b
	case !b.Has:
		return a
	}
	return stats{Sum: a.Sum + b.Sum, Len: a.Len + b.Len, First: a.First, Last: b.Last, Min: min(a.Min, b.Min), Has: true}
}

// measureEnd is where the last segment of the model trees ends.
const measureEnd = 100

// dense is a model's value at every key of [0, measureEnd), -1 below the
// first key (in no segment).
func dense(model map[int64]int) []int {
	d := make([]int, measureEnd)
	v := -1
	for x := range d {
		if w, ok := model[int64(x)]; ok {
			v = w
		}
		d[x] = v
	}
	return d
}

// modelMeasure is the summary of [lo, hi) computed key by key.
func modelMeasure(d []int, lo, hi int64) stats {
	var m statsMeasure
	var acc stats
	for x := max(lo, 0); x < hi && x < measureEnd; x++ {
		if d[x] >= 0 {
			acc = m.Combine(acc, m.Of(d[x], 1))
		}
	}
	return acc
}

// measuredHarness applies random writes to a cow.Measured and a map, and
// after each checks Verify (every summary against its entries), Measure on
// random ranges and Seek and SeekBackward against the model, on the tree
// and on the clones it kept.
type measuredHarness struct {
	t      testing.TB
	rng    *rand.Rand
	tree   *cow.Tree[int64, int, stats]
	model  map[int64]int
	old    []*cow.Tree[int64, int, stats]
	oldExp []map[int64]int
	log    []string
}

func (h *measuredHarness) fail(format string, args ...any) {
	h.t.Helper()
	h.t.Fatalf("%s\nops so far:\n%v", fmt.Sprintf(format, args...), h.log)
}

func (h *measuredHarness) step(op, a, b byte) {
	h.t.Helper()
	var m statsMeasure
	k1, k2 := int64(a%64), int64(b%64)
	switch op % 7 {
	case 0, 1, 2:
		h.log = append(h.log, fmt.Sprintf("Set(%d,%d)", k1, b))
		h.tree.Set(k1, int(b))
		h.model[k1] = int(b)
	case 3:
		h.log = append(h.log, fmt.Sprintf("Delete(%d)", k1))
		h.tree.Delete(k1)
		delete(h.model, k1)
	case 4:
		lo, hi := min(k1, k2), max(k1, k2)
		h.log = append(h.log, fmt.Sprintf("DeleteRange(%d,%d)", lo, hi))
		h.tree.DeleteRange(lo, hi)
		for k := range h.model {
			if lo <= k && k < hi {
				delete(h.model, k)
			}
		}
	case 5:
		p, d := k1, max(int64(b%16)-8, -k1) // keys stay in [0, measureEnd), the dense model's range
		if d < 0 {
			h.tree.DeleteRange(p+d, p)
			for k := range h.model {
				if p+d <= k && k < p {
					delete(h.model, k)
				}
			}
		}
		h.log = append(h.log, fmt.Sprintf("Shift(%d,%d)", p, d))
		h.tree.Shift(p, d)
		next := map[int64]int{}
		for k, v := range h.model {
			if k >= p {
				k += d
			}
			if k < measureEnd-10 {
				next[k] = v
			}
		}
		h.model = next
		h.tree.DeleteRange(measureEnd-10, 1<<40) // every key stays below the end
	case 6:
		h.log = append(h.log, "Clone")
		h.old = append(h.old, h.tree.Clone())
		h.oldExp = append(h.oldExp, maps.Clone(h.model))
		if len(h.old) > 3 {
			h.old, h.oldExp = h.old[1:], h.oldExp[1:]
		}
	}
	h.tree.Settle(m) // once for the several writes of a step, as package fst does
	h.check(h.tree, h.model, "tree")
	for i, o := range h.old {
		h.check(o, h.oldExp[i], fmt.Sprintf("clone %d", i))
	}
}

func (h *measuredHarness) check(tr *cow.Tree[int64, int, stats], model map[int64]int, name string) {
	h.t.Helper()
	var m statsMeasure
	if err := tr.Verify(m); err != nil {
		h.fail("%s: Verify: %v", name, err)
	}
	if got := maps.Collect(tr.All()); !maps.Equal(got, model) {
		h.fail("%s: entries %v, want %v", name, got, model)
	}
	d := dense(model)
	for range 4 {
		lo, hi := h.rng.Int64N(110)-5, h.rng.Int64N(110)-5
		if got, want := tr.Measure(m, lo, hi, measureEnd), modelMeasure(d, lo, hi); got != want {
			h.fail("%s: Measure(%d, %d) = %+v, want %+v", name, lo, hi, got, want)
		}
		from, thr := h.rng.Int64N(measureEnd), h.rng.Int64N(3000)
		preds := []func(stats) bool{
			func(s stats) bool { return s.Sum > thr },
			func(s stats) bool { return s.Len >= 1+thr%40 },
			func(s stats) bool { return s.Has && s.Min <= int(thr%256) },
		}
		for i, pred := range preds {
			x, before, ok := tr.Seek(m, from, measureEnd, pred)
			wx, wok := int64(0), false
			var acc, wbefore stats
			for e := from + 1; e <= measureEnd; e++ {
				wbefore = acc
				if d[e-1] >= 0 {
					acc = m.Combine(acc, m.Of(d[e-1], 1))
				}
				if pred(acc) {
					wx, wok = e, true
					break
				}
			}
			if !wok {
				wbefore = stats{}
			}
			if ok != wok || (ok && x != wx) || before != wbefore {
				h.fail("%s: Seek(%d, pred %d thr %d) = %d, %+v, %v; want %d, %+v, %v", name, from, i, thr, x, before, ok, wx, wbefore, wok)
			}
			to := from + 1
			x, after, ok := tr.SeekBackward(m, to, measureEnd, pred)
			wx, wok, acc = 0, false, stats{}
			var wafter stats
			for s := to - 1; s >= 0 && d[s] >= 0; s-- {
				wafter = acc
				acc = m.Combine(m.Of(d[s], 1), acc)
				if pred(acc) {
					wx, wok = s, true
					break
				}
			}
			if !wok {
				wafter = stats{}
			}
			if ok != wok || (ok && x != wx) || after != wafter {
				h.fail("%s: SeekBackward(%d, pred %d thr %d) = %d, %+v, %v; want %d, %+v, %v", name, to, i, thr, x, after, ok, wx, wafter, wok)
			}
		}
	}
}

func TestMeasured_Model(t *testing.T) {
	t.Parallel()
	seeds := testenv.Pick(t, 5, 200)
	for seed := range seeds {
		for _, fanout := range testenv.Pick(t, []int{4, cow.MaxFanout}, []int{4, 5, 8, cow.MaxFanout}) {
			t.Run(fmt.Sprintf("seed=%d/fanout=%d", seed, fanout), func(t *testing.T) {
				t.Parallel()
				rng := rand.New(rand.NewPCG(uint64(seed), uint64(fanout)))
				h := &measuredHarness{t: t, rng: rng, tree: cow.NewMeasuredFanout[int64, int, stats](fanout), model: map[int64]int{}}
				for range 150 {
					h.step(byte(rng.Uint32()), byte(rng.Uint32()), byte(rng.Uint32()))
				}
			})
		}
	}
}

func TestMeasured_Build(t *testing.T) {
	t.Parallel()
	var m statsMeasure
	keys, vals := []int64{}, []int{}
	model := map[int64]int{}
	for k := int64(0); k < 90; k += 3 {
		keys, vals = append(keys, k), append(vals, int(k%7))
		model[k] = int(k % 7)
	}
	tr, err := cow.BuildMeasuredFanout(m, keys, vals, 4)
	require.NoError(t, err)
	require.NoError(t, tr.Verify(m))
	d := dense(model)
	require.Equal(t, modelMeasure(d, 0, measureEnd), tr.Measure(m, 0, measureEnd, measureEnd))
	b := cow.Builder[int64, int, stats]{}
	for i, k := range keys {
		require.NoError(t, b.Add(k, vals[i]))
	}
	bt := b.Tree()
	require.ErrorIs(t, bt.Verify(m), cow.ErrCorrupt, "unsettled")
	bt.Settle(m)
	require.NoError(t, bt.Verify(m))
	require.Equal(t, modelMeasure(d, 5, 77), bt.Measure(m, 5, 77, measureEnd))
}

// TestMeasured_UndoLogForgets: once a Settle completes, the writer's undo
// log, which keeps copies of the nodes the writes changed, points to no
// node, so that it keeps no old node and no child of one alive.
func TestMeasured_UndoLogForgets(t *testing.T) {
	t.Parallel()
	var m statsMeasure
	keys, vals := []int64{}, []int{}
	for k := int64(0); k < 400; k += 2 {
		keys, vals = append(keys, k), append(vals, int(k%5))
	}
	tr, err := cow.BuildMeasuredFanout(m, keys, vals, 4)
	require.NoError(t, err)
	r := rand.New(rand.NewPCG(7, 8))
	for range 50 {
		k := r.Int64N(400)
		tr.Set(k|1, 9)
		tr.DeleteRange(k, k+r.Int64N(8))
		tr.Settle(m)
		nodes, children := tr.UndoLogRefs()
		require.Zero(t, nodes, "saved nodes' addresses")
		require.Zero(t, children, "child pointers in saved copies")
	}
	require.NoError(t, tr.Verify(m))
}
