package fst_test

import (
	"bytes"
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flatseg/flatseg/fst"
)

// Measured trees in the model harness: the same operations and checks as
// the plain trees (a *fst.Measured is a subject), and in config.extra, after
// every operation and on every clone kept, Measure over windows of the key
// palette against a fold of the model's segments, and Seek and SeekBackward
// against their definitions. Three measures: a sum (commutative and
// subtractable), counts, and the first, last, least and greatest value
// (neither commutative nor subtractable); one over NewMeasuredFunc with
// slice values; and float keys with infinite and huge bounds.

// sumOf is the sum of v·n: a Measure over int values.
type sumOf[K intKey] struct{}

func (sumOf[K]) Of(v int, n K) int64      { return int64(v) * int64(n) }
func (sumOf[K]) Combine(a, b int64) int64 { return a + b }
func (sumOf[K]) preds(thr int) []func(int64) bool {
	return []func(int64) bool{func(s int64) bool { return s > int64(thr) }}
}

// keeps is nil: values may be negative, so a sum over a threshold can pass
// on a part and fail on the whole, which Filter's keep must not.
func (sumOf[K]) keeps(int) []func(int64) bool { return nil }

// counts counts keys and keys holding 0.
type counts struct{ Keys, Zeros int64 }

type countsOf[K intKey] struct{}

func (countsOf[K]) Of(v int, n K) counts {
	c := counts{Keys: int64(n)}
	if v == 0 {
		c.Zeros = int64(n)
	}
	return c
}
func (countsOf[K]) Combine(a, b counts) counts { return counts{a.Keys + b.Keys, a.Zeros + b.Zeros} }

// countsOf is also a Folder, with loops of its own.
var _ fst.Folder[int, int, counts] = countsOf[int]{}

func (countsOf[K]) Fold(vals []int, starts []K, end K) counts {
	checkRuns(vals, starts, end)
	var c counts
	for i, v := range vals {
		n := int64(runLen(starts, end, i))
		c.Keys += n
		if v == 0 {
			c.Zeros += n
		}
	}
	return c
}

func (countsOf[K]) Prefixes(ms []counts) {
	for i := 1; i < len(ms); i++ {
		ms[i].Keys += ms[i-1].Keys
		ms[i].Zeros += ms[i-1].Zeros
	}
}

func (countsOf[K]) Suffixes(ms []counts) {
	for i := len(ms) - 2; i >= 0; i-- {
		ms[i].Keys += ms[i+1].Keys
		ms[i].Zeros += ms[i+1].Zeros
	}
}

// checkRuns panics unless Fold's arguments keep its contract: as many
// values as starts, at least one, every run's length above zero.
func checkRuns[K fst.Key, V any](vals []V, starts []K, end K) {
	if len(vals) != len(starts) || len(vals) == 0 {
		panic(fmt.Sprintf("Fold of %d values and %d starts", len(vals), len(starts)))
	}
	for i := range starts {
		if n := runLen(starts, end, i); !(n > 0) {
			panic(fmt.Sprintf("Fold of a run of length %v", n))
		}
	}
}

// runLen is the length of run i of a Fold.
func runLen[K fst.Key](starts []K, end K, i int) K {
	if i+1 < len(starts) {
		return starts[i+1] - starts[i]
	}
	return end - starts[i]
}

// keeps are preds: counts only grow as runs combine.
func (c countsOf[K]) keeps(thr int) []func(counts) bool { return c.preds(thr) }
func (countsOf[K]) preds(thr int) []func(counts) bool {
	return []func(counts) bool{
		func(c counts) bool { return c.Keys >= int64(thr) },
		func(c counts) bool { return c.Zeros >= int64(thr%4) },
	}
}

// edges is the first, last, least and greatest value of a run.
type edges struct {
	First, Last, Min, Max int
	Has                   bool
}

type edgesOf[K fst.Key] struct{}

func (edgesOf[K]) Of(v int, _ K) edges { return edges{v, v, v, v, true} }
func (edgesOf[K]) Combine(a, b edges) edges {
	switch {
	case !a.Has:
		return b
	case !b.Has:
		return a
	}
	return edges{a.First, b.Last, min(a.Min, b.Min), max(a.Max, b.Max), true}
}

// keeps are preds: a least value only falls, a greatest only rises.
func (e edgesOf[K]) keeps(thr int) []func(edges) bool { return e.preds(thr) }

func (edgesOf[K]) preds(thr int) []func(edges) bool {
	return []func(edges) bool{
		func(e edges) bool { return e.Has && e.Min <= thr%4 },
		func(e edges) bool { return e.Has && e.Max >= thr%4 },
		func(e edges) bool { return e.Has },
	}
}

// folded makes a test measure a Folder whose methods loop over its Of and
// Combine: with edgesOf, which is not commutative, a run the tree folds out
// of order, or one entry or child too many or too few, changes an answer.
type folded[K fst.Key, M any, T testMeasure[K, int, M]] struct{ m T }

func (f folded[K, M, T]) Of(v int, n K) M              { return f.m.Of(v, n) }
func (f folded[K, M, T]) Combine(a, b M) M             { return f.m.Combine(a, b) }
func (f folded[K, M, T]) preds(thr int) []func(M) bool { return f.m.preds(thr) }
func (f folded[K, M, T]) keeps(thr int) []func(M) bool { return f.m.keeps(thr) }

func (f folded[K, M, T]) Fold(vals []int, starts []K, end K) M {
	checkRuns(vals, starts, end)
	acc := f.m.Of(vals[0], runLen(starts, end, 0))
	for i := 1; i < len(vals); i++ {
		acc = f.m.Combine(acc, f.m.Of(vals[i], runLen(starts, end, i)))
	}
	return acc
}

func (f folded[K, M, T]) Prefixes(ms []M) {
	for i := 1; i < len(ms); i++ {
		ms[i] = f.m.Combine(ms[i-1], ms[i])
	}
}

func (f folded[K, M, T]) Suffixes(ms []M) {
	for i := len(ms) - 2; i >= 0; i-- {
		ms[i] = f.m.Combine(ms[i], ms[i+1])
	}
}

// testMeasure is a Measure over the model's int values (boxed as V) with
// monotone predicates to seek with, one set per threshold, and the tests
// Filter may be given (ones that fail on a combined summary only when they
// fail on each part).
type testMeasure[K fst.Key, V, M any] interface {
	fst.Measure[K, V, M]
	preds(thr int) []func(M) bool
	keeps(thr int) []func(M) bool
}

// boxed adapts a measure over int values to boxed values.
type boxed[K fst.Key, V, M any, T testMeasure[K, int, M]] struct {
	m     T
	unbox func(V) int
}

func (b boxed[K, V, M, T]) Of(v V, n K) M                { return b.m.Of(b.unbox(v), n) }
func (b boxed[K, V, M, T]) Combine(x, y M) M             { return b.m.Combine(x, y) }
func (b boxed[K, V, M, T]) preds(thr int) []func(M) bool { return b.m.preds(thr) }
func (b boxed[K, V, M, T]) keeps(thr int) []func(M) bool { return b.m.keeps(thr) }

// foldMeasure is the summary of [a, b) from the model's segments, in key
// order.
func foldMeasure[K fst.Key, V, M any](m fst.Measure[K, V, M], box func(int) V, segs []fst.Segment[K, int], a, b K) M {
	var acc M
	for _, s := range segs {
		if lo, hi := max(s.Start, a), min(s.End, b); lo < hi {
			acc = m.Combine(acc, m.Of(box(s.Value), hi-lo))
		}
	}
	return acc
}

// measuredExtra returns config.extra for measured subjects: exact says
// whether Measure must equal the model's fold (false for float lengths,
// whose grouping rounds). prev and next step a key by one representable
// value.
func measuredExtra[K fst.Key, V any, M comparable, Mod model[K, Mod]](m testMeasure[K, V, M], prev, next func(K) K) func(h *harness[K, V, *fst.Measured[K, V, M], Mod], tr *fst.Measured[K, V, M], md Mod, what string) {
	return func(h *harness[K, V, *fst.Measured[K, V, M], Mod], tr *fst.Measured[K, V, M], md Mod, what string) {
		h.t.Helper()
		segs := md.segments()
		keys := h.cfg.keys(md)
		n := len(keys)
		measure := tr.Measure
		var zero M
		// Every pair of keys, both ways round: a range reaching outside the
		// span is clipped, and an empty one (start >= end, or beside the
		// span) is the zero summary.
		for i := 0; i < n; i += max(n/7, 1) {
			for j := n - 1; j >= 0; j -= max(n/5, 1) {
				a, b := keys[i], keys[j]
				want := zero
				if max(a, h.lo) < min(b, h.hi) {
					want = foldMeasure(m, h.cfg.box, segs, a, b)
				}
				if got := tr.Measure(a, b); got != want {
					h.fail("%s: Measure(%v, %v) = %+v, want %+v", what, a, b, got, want)
				}
			}
		}
		if got := tr.Measure(keys[n/2], keys[n/2]); got != zero {
			h.fail("%s: Measure of an empty range = %+v, want the zero summary", what, got)
		}
		// Filter over windows of the palette: the model's segments whose
		// part inside the window passes keep.
		for i := 0; i < n; i += max(n/4, 1) {
			a, b := keys[i], keys[n-1-i/2]
			for ki, keep := range m.keeps(i) {
				var want []fst.Segment[K, int]
				if lo, hi := max(a, h.lo), min(b, h.hi); lo < hi {
					for _, sg := range segs {
						if s, e := max(sg.Start, lo), min(sg.End, hi); s < e && keep(foldMeasure(m, h.cfg.box, segs, s, e)) {
							want = append(want, sg)
						}
					}
				}
				var got []fst.Segment[K, int]
				for sg := range tr.Filter(a, b, keep) {
					got = append(got, fst.Segment[K, int]{Start: sg.Start, End: sg.End, Value: h.cfg.unbox(sg.Value)})
				}
				// Keys compare as the tree compares them (-0 == 0, as in
				// the harness's checks of every other read).
				if !slices.Equal(got, want) {
					h.fail("%s: Filter(%v, %v, keep %d/%d) = %v, want %v", what, a, b, i, ki, got, want)
				}
			}
		}
		// Seek and SeekBackward against their definitions: pred holds at
		// the answer and not one key closer to the start; no answer only
		// when pred fails on the whole range.
		for i, from := range keys {
			if i%3 != 0 {
				continue
			}
			for pi, pred := range m.preds(i) {
				end, before, ok := tr.Seek(from, pred)
				from := max(from, h.lo) // a start below the span is clipped
				switch {
				case !(from < h.hi):
					if ok {
						h.fail("%s: Seek(%v) at or past the span's end found %v", what, from, end)
					}
				case !ok:
					if pred(measure(from, h.hi)) {
						h.fail("%s: Seek(%v, pred %d/%d) found nothing, but pred holds at hi", what, from, i, pi)
					}
				case !(from < end && end <= h.hi) || !pred(measure(from, end)):
					h.fail("%s: Seek(%v, pred %d/%d) = %v: not in (from, hi] or pred fails there", what, from, i, pi, end)
				case prev(end) > from && pred(measure(from, prev(end))):
					h.fail("%s: Seek(%v, pred %d/%d) = %v, but pred already holds at %v", what, from, i, pi, end, prev(end))
				case before != measure(from, prev(end)):
					h.fail("%s: Seek(%v, pred %d/%d) = %v with the summary before %+v, want %+v", what, from, i, pi, end, before, measure(from, prev(end)))
				}
				to := keys[n-1-i] // from the other end: reaches past the span too
				start, after, ok := tr.SeekBackward(to, pred)
				to = min(to, h.hi) // an end past the span is clipped
				switch {
				case !(h.lo < to):
					if ok {
						h.fail("%s: SeekBackward(%v) at or below the span's start found %v", what, to, start)
					}
				case !ok:
					if pred(measure(h.lo, to)) {
						h.fail("%s: SeekBackward(%v, pred %d/%d) found nothing, but pred holds at lo", what, to, i, pi)
					}
				case !(h.lo <= start && start < to) || !pred(measure(start, to)):
					h.fail("%s: SeekBackward(%v, pred %d/%d) = %v: not in [lo, to) or pred fails there", what, to, i, pi, start)
				case next(start) < to && pred(measure(next(start), to)):
					h.fail("%s: SeekBackward(%v, pred %d/%d) = %v, but pred still holds at %v", what, to, i, pi, start, next(start))
				case after != measure(next(start), to):
					h.fail("%s: SeekBackward(%v, pred %d/%d) = %v with the summary after %+v, want %+v", what, to, i, pi, start, after, measure(next(start), to))
				}
			}
		}
	}
}

// measuredIntConfig is intConfig for a measured subject with measure m.
func measuredIntConfig[V any, M comparable](m testMeasure[int, V, M], box func(int) V, unbox func(V) int, eq func(a, b V) bool) *config[int, V, *fst.Measured[int, V, M], *dense[int]] {
	c := intConfig(box, unbox, eq, fst.Diff[int, V, M], cursorOf[int, V, M])
	c.extra = measuredExtra[int, V, M, *dense[int]](m, func(k int) int { return k - 1 }, func(k int) int { return k + 1 })
	return c
}

func ident(v int) int { return v }

func eqInt(a, b int) bool { return a == b }

var (
	sumConfig    = measuredIntConfig[int, int64](sumOf[int]{}, ident, ident, eqInt)
	countsConfig = measuredIntConfig[int, counts](countsOf[int]{}, ident, ident, eqInt)
	edgesConfig  = measuredIntConfig[int, edges](edgesOf[int]{}, ident, ident, eqInt)
	foldedConfig = measuredIntConfig[int, edges](folded[int, edges, edgesOf[int]]{}, ident, ident, eqInt)
	// NewMeasuredFunc: []int values, not comparable, summed by their model value.
	sliceSumConfig = measuredIntConfig[[]int, int64](boxed[int, []int, int64, sumOf[int]]{sumOf[int]{}, unbox}, box, unbox, sliceEqual)
)

// runMeasured interprets ops on a measured tree of int keys: the first
// three bytes choose the span and the default value, then every four bytes
// are one operation.
func runMeasured[V any, M comparable](t testing.TB, cfg *config[int, V, *fst.Measured[int, V, M], *dense[int]], m fst.Measure[int, V, M], box func(int) V, eq func(a, b V) bool, fanout int, ops []byte) {
	if len(ops) < 3 {
		return
	}
	lo, hi, init := intSpan(ops)
	tr, err := fst.NewMeasuredFuncFanout(lo, hi, box(init), eq, m, fanout)
	if err != nil {
		t.Fatalf("NewMeasuredFuncFanout(%d, %d, %v, %d): %v", lo, hi, init, fanout, err)
	}
	run(t, cfg, lo, hi, init, tr, newDense(lo, hi, init), ops[3:])
}

// measuredRuns are the measured int configurations, by name.
var measuredRuns = []struct {
	name string
	run  func(t testing.TB, fanout int, ops []byte)
}{
	{"sum", func(t testing.TB, f int, ops []byte) {
		runMeasured(t, sumConfig, sumOf[int]{}, ident, eqInt, f, ops)
	}},
	{"counts", func(t testing.TB, f int, ops []byte) {
		runMeasured(t, countsConfig, countsOf[int]{}, ident, eqInt, f, ops)
	}},
	{"edges", func(t testing.TB, f int, ops []byte) {
		runMeasured(t, edgesConfig, edgesOf[int]{}, ident, eqInt, f, ops)
	}},
	{"foldededges", func(t testing.TB, f int, ops []byte) {
		runMeasured(t, foldedConfig, folded[int, edges, edgesOf[int]]{}, ident, eqInt, f, ops)
	}},
	{"func", func(t testing.TB, f int, ops []byte) {
		runMeasured(t, sliceSumConfig, boxed[int, []int, int64, sumOf[int]]{sumOf[int]{}, unbox}, box, sliceEqual, f, ops)
	}},
}

func TestMeasured_Model(t *testing.T) {
	t.Parallel()
	for _, r := range measuredRuns {
		for _, fan := range []int{4, fst.MaxFanout} {
			seeds(t, fmt.Sprintf("%s/fanout=%d/", r.name, fan), 2, 40, func(t *testing.T, seed uint64) {
				r.run(t, fan, randomOps(seed, 3+4*100))
			})
		}
	}
}

// TestMeasured_ModelOwned is TestMeasured_Model in owned mode (see
// TestTree_ModelOwned) for the sum measure: a writer that marks keeps no
// last leaf, but its appends (LastLeaf's walk down the right edge, then
// SpliceLast) change the nodes it owns in place, which its dirty marks and
// undo log must follow.
func TestMeasured_ModelOwned(t *testing.T) {
	t.Parallel()
	cfg := ownedConfig(sumConfig)
	for _, fan := range []int{4, fst.MaxFanout} {
		seeds(t, fmt.Sprintf("sum/fanout=%d/", fan), 2, 40, func(t *testing.T, seed uint64) {
			runMeasured(t, cfg, sumOf[int]{}, ident, eqInt, fan, randomOps(seed, 3+4*150))
		})
	}
}

func FuzzMeasured(f *testing.F) {
	f.Add([]byte{0, 8, 40, 0, 0, 10, 20, 1, 4, 3, 9, 0, 6, 5, 3, 4, 8, 0, 0, 0})
	f.Add([]byte{2, 0, 7, 1, 0, 0, 255, 2, 6, 0, 11, 0, 4, 1, 2, 0})
	f.Fuzz(func(t *testing.T, ops []byte) {
		if len(ops) < 1 {
			return
		}
		r := measuredRuns[int(ops[0])%len(measuredRuns)]
		r.run(t, 4, ops[1:min(len(ops), 4+4*100)])
	})
}

// Float keys: the edges measure, whose summaries do not depend on lengths,
// so that they are exact whatever the rounding; Seek and SeekBackward then
// land on the next float after a segment's start, the edge case of their
// bisection.
func measuredFloatConfig[K ~float32 | ~float64]() *config[K, int, *fst.Measured[K, int, edges], *fmodel[K]] {
	return &config[K, int, *fst.Measured[K, int, edges], *fmodel[K]]{
		mix:    []weight{{opInsert, 6}, {opAppend, 3}, {opApply, 2}, {opShiftLeft, 4}, {opShiftRight, 4}, {opClone, 2}, {opFreeze, 1}, {opClear, 1}},
		keys:   floatKeys[K],
		sizes:  floatSizes[K],
		values: 4,
		box:    ident,
		unbox:  ident,
		eq:     eqInt,
		keep:   3,
		diff:   fst.Diff[K, int, edges],
		cursor: cursorOf[K, int, edges],
		extra: measuredExtra[K, int, edges, *fmodel[K]](edgesOf[K]{},
			func(k K) K { return nextAfter(k, false) }, func(k K) K { return nextAfter(k, true) }),
	}
}

var (
	measuredFloat64Config = measuredFloatConfig[float64]()
	measuredFloat32Config = measuredFloatConfig[float32]()
)

func runMeasuredFloat[K ~float32 | ~float64](t testing.TB, cfg *config[K, int, *fst.Measured[K, int, edges], *fmodel[K]], fanout int, ops []byte) {
	runFloatOn(t, cfg, func(lo, hi K, init int) (*fst.Measured[K, int, edges], error) {
		return fst.NewMeasuredFanout(lo, hi, init, fst.Measure[K, int, edges](edgesOf[K]{}), fanout)
	}, ops)
}

func TestMeasured_FloatModel(t *testing.T) {
	t.Parallel()
	for _, fan := range []int{4, fst.MaxFanout} {
		seeds(t, fmt.Sprintf("float64/fanout=%d/", fan), 2, 60, func(t *testing.T, seed uint64) {
			runMeasuredFloat(t, measuredFloat64Config, fan, randomOps(seed, 2+4*150))
		})
		seeds(t, fmt.Sprintf("float32/fanout=%d/", fan), 1, 20, func(t *testing.T, seed uint64) {
			runMeasuredFloat(t, measuredFloat32Config, fan, randomOps(seed, 2+4*150))
		})
	}
}

func FuzzMeasuredFloat(f *testing.F) {
	f.Add([]byte{0, 0, 0, 10, 11, 1, 5, 0, 0, 0})
	f.Add([]byte{3, 1, 0, 20, 1, 1, 3, 0, 5, 8})
	f.Fuzz(func(t *testing.T, ops []byte) {
		if len(ops) > 0 && ops[0]&0x80 != 0 {
			runMeasuredFloat(t, measuredFloat32Config, 4, ops[:min(len(ops), 2+4*100)])
			return
		}
		runMeasuredFloat(t, measuredFloat64Config, 4, ops[:min(len(ops), 2+4*100)])
	})
}

// TestMeasured_WideSpan: an integer span whose width overflows K is refused
// by NewMeasured and WithMeasure (so by every way to a measured tree)
// with ErrInvalidRange alone, before any summary is computed: the tree is
// valid, only too wide for lengths in K.
func TestMeasured_WideSpan(t *testing.T) {
	t.Parallel()
	m := fst.Measure[int8, int, edges](edgesOf[int8]{})
	_, err := fst.NewMeasured(-100, 100, 0, m)
	require.ErrorIs(t, err, fst.ErrInvalidRange)
	_, err = fst.NewMeasured(-100, 27, 0, m)
	require.NoError(t, err, "a width of 127 fits")
	plain, err := fst.Build[int8](-100, 100, 0, []fst.Segment[int8, int]{{Start: -5, End: 5, Value: 1}})
	require.NoError(t, err)
	_, err = fst.WithMeasure(plain, m)
	require.ErrorIs(t, err, fst.ErrInvalidRange)
	var buf bytes.Buffer
	_, err = fst.Encode(&buf, plain, fst.NumberCodec[int]())
	require.NoError(t, err)
	decoded, err := fst.Decode[int8](&buf, fst.NumberCodec[int]())
	require.NoError(t, err, "a valid stream decodes")
	_, err = fst.WithMeasure(decoded, m)
	require.ErrorIs(t, err, fst.ErrInvalidRange)
	require.NotErrorIs(t, err, fst.ErrCorrupt)
}

// TestMeasured_NilMeasure: a nil Measure, and a typed nil one (a nil
// pointer in the interface, which would panic at the first write), are
// refused with ErrNilMeasure.
func TestMeasured_NilMeasure(t *testing.T) {
	t.Parallel()
	_, err := fst.NewMeasured[int8, int, edges](0, 10, 0, nil)
	require.ErrorIs(t, err, fst.ErrNilMeasure)
	var typedNil *edgesOf[int8]
	_, err = fst.NewMeasured[int8, int, edges](0, 10, 0, typedNil)
	require.ErrorIs(t, err, fst.ErrNilMeasure)
	plain, err := fst.New[int8](0, 10, 0)
	require.NoError(t, err)
	_, err = fst.WithMeasure[int8, int, fst.None, edges](plain, typedNil)
	require.ErrorIs(t, err, fst.ErrNilMeasure)
	_, err = fst.WithMeasure(new(fst.Tree[int8, int]), fst.Measure[int8, int, edges](edgesOf[int8]{}))
	require.ErrorIs(t, err, fst.ErrOutOfSpan, "the zero tree")
}
