package cow_test

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/flatseg/flatseg/internal/cow"
	"github.com/flatseg/flatseg/internal/testenv"
	"github.com/stretchr/testify/require"
)

// harness applies every operation to a cow.Tree and to a plain map, checks
// Verify and the full content after each one, and keeps earlier clones with
// their expected content to re-check that later writes never reach them.
type harness struct {
	t      testing.TB
	tree   *cow.Plain[int64, int]
	model  map[int64]int
	old    []*cow.Plain[int64, int]
	oldExp []map[int64]int
	log    []string
}

func newHarness(t testing.TB, fanout int) *harness {
	return &harness{t: t, tree: cow.NewFanout[int64, int](fanout), model: map[int64]int{}}
}

func (h *harness) fail(format string, args ...any) {
	h.t.Helper()
	h.t.Fatalf("%s\nops so far:\n%v", fmt.Sprintf(format, args...), h.log)
}

// step runs one operation chosen by the bytes op, a, b over keys in [0, 64).
func (h *harness) step(op, a, b byte) {
	h.t.Helper()
	k1, k2 := int64(a%64), int64(b%64)
	switch op % 8 {
	case 0, 1, 2:
		h.log = append(h.log, fmt.Sprintf("Set(%d,%d)", k1, b))
		h.tree.Set(k1, int(b))
		h.model[k1] = int(b)
	case 3:
		h.log = append(h.log, fmt.Sprintf("Delete(%d)", k1))
		_, want := h.model[k1]
		if got := h.tree.Delete(k1); got != want {
			h.fail("Delete(%d) = %v, want %v", k1, got, want)
		}
		delete(h.model, k1)
	case 4:
		lo, hi := min(k1, k2), max(k1, k2)
		h.log = append(h.log, fmt.Sprintf("DeleteRange(%d,%d)", lo, hi))
		want := 0
		for k := range h.model {
			if lo <= k && k < hi {
				delete(h.model, k)
				want++
			}
		}
		if got := h.tree.DeleteRange(lo, hi); got != want {
			h.fail("DeleteRange(%d,%d) = %d, want %d", lo, hi, got, want)
		}
	case 5:
		lo, hi := k1+32, int64(1)<<40 // everything from lo on
		h.log = append(h.log, fmt.Sprintf("DeleteRange(%d,%d)", lo, hi))
		want := 0
		for k := range h.model {
			if k >= lo {
				delete(h.model, k)
				want++
			}
		}
		if got := h.tree.DeleteRange(lo, hi); got != want {
			h.fail("DeleteRange = %d, want %d", got, want)
		}
	case 6:
		// Shift keys >= p by d, first clearing [p+d, p) when d < 0 as the
		// precondition asks. Keys stay small: the model drops nothing.
		p, d := k1, int64(b%16)-8
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
			next[k] = v
		}
		h.model = next
	case 7:
		h.log = append(h.log, "Clone")
		h.old = append(h.old, h.tree.Clone())
		h.oldExp = append(h.oldExp, maps.Clone(h.model))
		if len(h.old) > 4 {
			h.old, h.oldExp = h.old[1:], h.oldExp[1:]
		}
	}
	h.check()
}

func (h *harness) check() {
	h.t.Helper()
	if err := h.tree.Verify(nil); err != nil {
		h.fail("Verify: %v", err)
	}
	h.compare(h.tree, h.model, "tree")
	for i, o := range h.old {
		h.compare(o, h.oldExp[i], fmt.Sprintf("clone %d", i))
		h.checkDiff(o, h.oldExp[i])
	}
}

// checkDiff compares cow.Diff(old, tree) with the difference of the models.
func (h *harness) checkDiff(old *cow.Plain[int64, int], oldModel map[int64]int) {
	h.t.Helper()
	var want []cow.Change[int64, int]
	for _, k := range slices.Sorted(maps.Keys(mergeKeys(oldModel, h.model))) {
		ov, inOld := oldModel[k]
		nv, inNew := h.model[k]
		if inOld && inNew && ov == nv {
			continue
		}
		want = append(want, cow.Change[int64, int]{Key: k, Old: ov, New: nv, InOld: inOld, InNew: inNew})
	}
	got := slices.Collect(cow.Diff(old, h.tree, func(a, b int) bool { return a == b }))
	if !slices.Equal(got, want) {
		h.fail("Diff\n got %v\nwant %v", got, want)
	}
}

func mergeKeys(a, b map[int64]int) map[int64]bool {
	m := map[int64]bool{}
	for k := range a {
		m[k] = true
	}
	for k := range b {
		m[k] = true
	}
	return m
}

func (h *harness) compare(tr *cow.Plain[int64, int], model map[int64]int, what string) {
	h.t.Helper()
	if tr.Len() != len(model) {
		h.fail("%s: Len = %d, want %d", what, tr.Len(), len(model))
	}
	keys := slices.Sorted(maps.Keys(model))
	i := 0
	for k, v := range tr.All() {
		if i >= len(keys) || keys[i] != k || model[k] != v {
			h.fail("%s: entry %d is (%d,%d), model keys %v", what, i, k, v, keys)
		}
		i++
	}
	if i != len(keys) {
		h.fail("%s: iterated %d entries, want %d", what, i, len(keys))
	}
	// Floor, Lower and Get for every probe key against the model.
	for x := int64(-30); x < 100; x++ {
		var fk, lk int64
		var fok, lok bool
		for _, k := range keys {
			if k <= x {
				fk, fok = k, true
			}
			if k < x {
				lk, lok = k, true
			}
		}
		fkey, fv, ok := tr.Floor(x)
		if ok != fok || (ok && (fkey != fk || fv != model[fk])) {
			h.fail("%s: Floor(%d) = %d,%d,%v want key %d", what, x, fkey, fv, ok, fk)
		}
		iv, ok := tr.Interval(x)
		if ok != fok || (ok && (iv.Start != fk || iv.Value != model[fk])) {
			h.fail("%s: Interval(%d) = %+v,%v want start %d", what, x, iv, ok, fk)
		}
		if ok {
			j, _ := slices.BinarySearch(keys, fk)
			if iv.Open != (j+1 == len(keys)) || (!iv.Open && iv.End != keys[j+1]) {
				h.fail("%s: Interval(%d) = %+v: wrong end", what, x, iv)
			}
		}
		lkey, _, ok := tr.Lower(x)
		if ok != lok || (ok && lkey != lk) {
			h.fail("%s: Lower(%d) = %d,%v want key %d", what, x, lkey, ok, lk)
		}
		v, ok := tr.Get(x)
		mv, mok := model[x]
		if ok != mok || v != mv {
			h.fail("%s: Get(%d) = %d,%v want %d,%v", what, x, v, ok, mv, mok)
		}
	}
}

func runOps(t testing.TB, fanout int, ops []byte) {
	h := newHarness(t, fanout)
	for i := 0; i+2 < len(ops); i += 3 {
		h.step(ops[i], ops[i+1], ops[i+2])
	}
}

func TestTree_RandomOps(t *testing.T) {
	t.Parallel()
	seededOps(t, []int{4, 5, 8, cow.MaxFanout}, testenv.Pick(t, 5, 40), 0, 3*400, runOps)
}

// seededOps runs run on n random op bytes for every fanout and every seed
// from 1 to seeds, in parallel subtests named by both; stream picks the
// random stream, so that two tests draw different ops from one seed.
func seededOps(t *testing.T, fanouts []int, seeds int, stream uint64, n int, run func(t testing.TB, fanout int, ops []byte)) {
	for _, fan := range fanouts {
		for seed := uint64(1); seed <= uint64(seeds); seed++ {
			t.Run(fmt.Sprintf("fanout=%d/seed=%d", fan, seed), func(t *testing.T) {
				t.Parallel()
				r := rand.New(rand.NewPCG(seed, stream))
				ops := make([]byte, n)
				for i := range ops {
					ops[i] = byte(r.UintN(256))
				}
				run(t, fan, ops)
			})
		}
	}
}

func FuzzTree(f *testing.F) {
	f.Add([]byte{0, 1, 2, 0, 3, 4, 4, 0, 60, 7, 0, 0, 6, 10, 250})
	f.Fuzz(func(t *testing.T, ops []byte) {
		runOps(t, 4, ops[:min(len(ops), 3*100)]) // at most 100 ops: every op is checked in full
	})
}

func TestBuild(t *testing.T) {
	t.Parallel()
	for n := range 70 {
		keys := make([]int64, n)
		vals := make([]int, n)
		for i := range keys {
			keys[i], vals[i] = int64(3*i-50), i
		}
		tr, err := cow.BuildFanout(keys, vals, 4)
		require.NoError(t, err)
		require.NoError(t, tr.Verify(nil), "n=%d", n)
		require.Equal(t, n, tr.Len())
		i := 0
		for k, v := range tr.All() {
			require.Equal(t, keys[i], k)
			require.Equal(t, vals[i], v)
			i++
		}
		require.Equal(t, n, i)
	}
	_, err := cow.Build([]int64{1, 1}, []int{0, 0})
	require.ErrorIs(t, err, cow.ErrUnsorted)
}
