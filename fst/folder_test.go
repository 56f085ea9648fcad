package fst_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flatseg/flatseg/fst"
	"github.com/flatseg/flatseg/internal/testenv"
)

// unfolded hides a test measure's Folder methods: the tree then takes the
// one-call-per-entry paths.
type unfolded[K fst.Key, M any, T testMeasure[K, int, M]] struct{ m T }

func (u unfolded[K, M, T]) Of(v int, n K) M  { return u.m.Of(v, n) }
func (u unfolded[K, M, T]) Combine(a, b M) M { return u.m.Combine(a, b) }

// TestFolder_Differential writes the same random operations to two trees
// of a few thousand segments, several levels deep, one whose Measure is a
// Folder and one with the same Of and Combine alone, and after every
// batch of writes asks both the same Measure, Seek, SeekBackward and
// Cursor.Prefix questions over random ranges, which must agree, and
// checks both with Verify (which recomputes every stored summary without
// the Folder). The model tests use small trees; this one reaches the bulk
// paths that need many entries: whole leaf runs, and the middle children
// where a query's two paths part, with pred turning inside them. Two
// measures: edges (not commutative: an order or an off-by-one changes
// First or Last) behind the generic loop Folder, and counts with its own.
func TestFolder_Differential(t *testing.T) {
	t.Parallel()
	for _, fan := range testenv.Pick(t, []int{4, fst.MaxFanout}, []int{4, 7, fst.MaxFanout}) {
		seeds(t, fmt.Sprintf("edges/fanout=%d/", fan), 1, 12, func(t *testing.T, seed uint64) {
			folderDifferential[edges](t, seed, fan, folded[int, edges, edgesOf[int]]{}, edgesOf[int]{})
		})
		seeds(t, fmt.Sprintf("counts/fanout=%d/", fan), 1, 6, func(t *testing.T, seed uint64) {
			folderDifferential[counts](t, seed, fan, countsOf[int]{}, unfolded[int, counts, countsOf[int]]{})
		})
	}
}

func folderDifferential[M comparable](t *testing.T, seed uint64, fanout int, fm interface {
	fst.Folder[int, int, M]
	preds(thr int) []func(M) bool
}, pm fst.Measure[int, int, M]) {
	r := rand.New(rand.NewPCG(seed, 77))
	const span = 1 << 14
	ft, err := fst.NewMeasuredFanout(0, span, 0, fst.Measure[int, int, M](fm), fanout)
	require.NoError(t, err)
	pt, err := fst.NewMeasuredFanout(0, span, 0, pm, fanout)
	require.NoError(t, err)
	both := func(f func(tr *fst.Measured[int, int, M]) error) {
		require.NoError(t, f(ft))
		require.NoError(t, f(pt))
	}
	key := func() int { return r.IntN(span) }
	for round := range testenv.Pick(t, 3, 8) {
		for range 400 {
			switch a, n := key(), 1+r.IntN(24); r.IntN(8) {
			case 0:
				both(func(tr *fst.Measured[int, int, M]) error { return tr.ShiftLeft(a, min(a+n, span)) })
			case 1:
				skip := r.IntN(2) == 0
				both(func(tr *fst.Measured[int, int, M]) error { return tr.ShiftRight(a, n, skip) })
			default:
				v := r.IntN(5)
				both(func(tr *fst.Measured[int, int, M]) error { _, err := tr.Insert(a, a+n, v); return err })
			}
		}
		require.NoError(t, ft.Verify(), "round %d", round)
		require.NoError(t, pt.Verify(), "round %d", round)
		require.True(t, ft.Equal(pt), "round %d: the trees differ", round)
		fc, pc := ft.Cursor(), pt.Cursor()
		var segs []fst.Segment[int, int]
		for s := range ft.All() {
			segs = append(segs, s)
		}
		for q := range 120 {
			a, b := key(), key()
			if a > b {
				a, b = b, a
			}
			b++
			require.Equal(t, pt.Measure(a, b), ft.Measure(a, b), "round %d: Measure(%d, %d)", round, a, b)
			for i, pred := range fm.preds(q) {
				pe, pb, pok := pt.Seek(a, pred)
				fe, fb, fok := ft.Seek(a, pred)
				require.Equal(t, []any{pe, pb, pok}, []any{fe, fb, fok}, "round %d: Seek(%d, pred %d of %d)", round, a, i, q)
				ps, pa, pok := pt.SeekBackward(b, pred)
				fs, fa, fok := ft.SeekBackward(b, pred)
				require.Equal(t, []any{ps, pa, pok}, []any{fs, fa, fok}, "round %d: SeekBackward(%d, pred %d of %d)", round, b, i, q)
			}
			_, _ = pc.Seek(a)
			seg, _ := fc.Seek(a)
			require.Equal(t, pc.Prefix(), fc.Prefix(), "round %d: Prefix at %d", round, a)
			if q%10 == 0 { // and against a fold of the segments
				require.Equal(t, foldMeasure[int, int, M](pm, ident, segs, 0, seg.Start), fc.Prefix(), "round %d: Prefix at %d", round, a)
				require.Equal(t, foldMeasure[int, int, M](pm, ident, segs, a, b), ft.Measure(a, b), "round %d: Measure(%d, %d)", round, a, b)
			}
		}
	}
}

// countingFolder is foldedSum that counts its calls.
type countingFolder struct{ of, combine, fold, scans *int }

func (c countingFolder) Of(v, n int64) int64      { *c.of++; return v * n }
func (c countingFolder) Combine(a, b int64) int64 { *c.combine++; return a + b }
func (c countingFolder) Fold(vals, starts []int64, end int64) int64 {
	*c.fold++
	return foldedSum{}.Fold(vals, starts, end)
}
func (c countingFolder) Prefixes(ms []int64) { *c.scans++; foldedSum{}.Prefixes(ms) }
func (c countingFolder) Suffixes(ms []int64) { *c.scans++; foldedSum{}.Suffixes(ms) }

// TestFolder_Calls pins what a Folder buys: a write to a tree three levels
// deep settles its summaries with one Fold for the changed leaf and a
// Prefixes and a Suffixes per changed inner node, and no call of Of or
// Combine; a Measure over many leaves calls Of only for the two segments
// its range cuts and Combine about once per level, and folds the whole
// segments of its two leaves in one call each. (Without a Folder, that
// write makes about 50 calls per level; see BenchmarkMeasuredCalls.)
func TestFolder_Calls(t *testing.T) {
	var of, combine, fold, scans int
	m := countingFolder{&of, &combine, &fold, &scans}
	const n = 20000
	segs := make([]fst.Segment[int64, int64], n)
	for i := range segs {
		segs[i] = fst.Segment[int64, int64]{Start: int64(i) * 16, End: int64(i+1) * 16, Value: int64(i + 1)}
	}
	plain, err := fst.Build(int64(0), n*16, int64(0), segs)
	require.NoError(t, err)
	tr, err := fst.WithMeasure(plain, fst.Measure[int64, int64, int64](m))
	require.NoError(t, err)
	require.Equal(t, 0, of+combine, "WithMeasure: calls of Of and Combine")
	levels := 3 // 20000 segments at fanout 47, built full: 426 leaves, 10 inner nodes, a root

	of, combine, fold, scans = 0, 0, 0, 0
	_, err = tr.Insert(16*777+3, 16*777+9, -1)
	require.NoError(t, err)
	require.Equal(t, [4]int{0, 0, 1, 2 * (levels - 1)}, [4]int{of, combine, fold, scans}, "Insert: Of, Combine, Fold, Prefixes+Suffixes")

	of, combine, fold, scans = 0, 0, 0, 0
	lo, hi := int64(16*100+5), int64(16*19000+7)
	want := tr.Measure(lo, hi)
	require.Equal(t, 2, of, "Measure: Of for the two cut segments")
	require.Equal(t, 2, fold, "Measure: one Fold per leaf")
	// Combine: the Of and Fold parts of the two leaves and one stored
	// summary per level below the root, plus one per root child between the
	// two paths (the root has 10).
	require.LessOrEqual(t, combine, 4+2*levels+10, "Measure: Combine calls")
	require.Equal(t, prefixSum(hi)-prefixSum(lo)+(-1-778)*6, want)
	require.NoError(t, tr.Verify())
}

// panickyFolder is foldedSum whose Fold or scans panic once armed.
type panickyFolder struct {
	foldedSum
	fold, scan *bool
}

func (p panickyFolder) Fold(vals, starts []int64, end int64) int64 {
	if *p.fold {
		panic("fold")
	}
	return p.foldedSum.Fold(vals, starts, end)
}

func (p panickyFolder) Prefixes(ms []int64) {
	if *p.scan {
		panic("prefixes")
	}
	p.foldedSum.Prefixes(ms)
}

// TestFolder_PanicChangesNothing: a write whose Folder panics in Fold or
// in Prefixes leaves the tree as it was, summaries included, as a
// panicking Of or Combine does.
func TestFolder_PanicChangesNothing(t *testing.T) {
	for _, which := range []string{"fold", "prefixes"} {
		t.Run(which, func(t *testing.T) {
			var fold, scan bool
			tr, err := fst.NewMeasuredFanout(0, 1<<12, 0, fst.Measure[int64, int64, int64](panickyFolder{foldedSum{}, &fold, &scan}), 4)
			require.NoError(t, err)
			r := rand.New(rand.NewPCG(5, 6))
			for i := range 300 {
				a := r.Int64N(1 << 12)
				_, err := tr.Insert(a, a+1+r.Int64N(30), r.Int64N(4))
				require.NoError(t, err)
				if i%10 != 9 {
					continue
				}
				before := tr.Clone()
				sum := tr.Measure(0, 1<<12)
				fold, scan = which == "fold", which == "prefixes"
				require.Panics(t, func() { _ = tr.ShiftRight(r.Int64N(1<<12), 1+r.Int64N(9), false) })
				fold, scan = false, false
				require.True(t, tr.Equal(before), "after a panic at op %d", i)
				require.Equal(t, sum, tr.Measure(0, 1<<12))
				require.NoError(t, tr.Verify())
			}
		})
	}
}
