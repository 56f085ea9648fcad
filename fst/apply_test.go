package fst_test

import (
	"math"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flatseg/flatseg/fst"
)

// The unit tests of Tree.Apply; the model harness (opApply) checks it
// against the dense and float models after random writes.

// applyTree returns a tree over [0, 100) with default 0 and the segments
// [10, 20) 1, [20, 30) 2, [30, 40) 3, [50, 60) 1, fanout 4 so that it has
// several levels.
func applyTree(t *testing.T) *fst.Tree[int, int] {
	t.Helper()
	tr, err := fst.BuildFanout(0, 100, 0, []fst.Segment[int, int]{
		{Start: 10, End: 20, Value: 1}, {Start: 20, End: 30, Value: 2}, {Start: 30, End: 40, Value: 3}, {Start: 50, End: 60, Value: 1},
	}, 4)
	require.NoError(t, err)
	return tr
}

// recorder returns an f that adds d to its argument, and the arguments it
// was called with.
func recorder(d int) (func(int) int, *[]int) {
	var calls []int
	return func(v int) int {
		calls = append(calls, v)
		return v + d
	}, &calls
}

func TestTree_Apply(t *testing.T) {
	t.Parallel()
	tcs := []struct {
		name       string
		start, end int
		f          func(int) int
		calls      []int // the old values f must be given, in order
		want       []fst.Segment[int, int]
		changed    bool
	}{
		{
			name: "whole segments", start: 10, end: 40, f: func(v int) int { return v * 10 },
			calls: []int{1, 2, 3}, changed: true,
			want: []fst.Segment[int, int]{{0, 10, 0}, {10, 20, 10}, {20, 30, 20}, {30, 40, 30}, {40, 50, 0}, {50, 60, 1}, {60, 100, 0}},
		},
		{
			name: "splits the segments at both ends", start: 15, end: 35, f: func(v int) int { return v + 10 },
			calls: []int{1, 2, 3}, changed: true,
			want: []fst.Segment[int, int]{{0, 10, 0}, {10, 15, 1}, {15, 20, 11}, {20, 30, 12}, {30, 35, 13}, {35, 40, 3}, {40, 50, 0}, {50, 60, 1}, {60, 100, 0}},
		},
		{
			name: "one segment's middle", start: 12, end: 18, f: func(v int) int { return v + 1 },
			calls: []int{1}, changed: true,
			want: []fst.Segment[int, int]{{0, 10, 0}, {10, 12, 1}, {12, 18, 2}, {18, 20, 1}, {20, 30, 2}, {30, 40, 3}, {40, 50, 0}, {50, 60, 1}, {60, 100, 0}},
		},
		{
			name: "merges with the neighbours outside the range", start: 20, end: 30, f: func(int) int { return 1 },
			calls: []int{2}, changed: true,
			want: []fst.Segment[int, int]{{0, 10, 0}, {10, 30, 1}, {30, 40, 3}, {40, 50, 0}, {50, 60, 1}, {60, 100, 0}},
		},
		{
			name: "merges on both sides", start: 20, end: 50, f: func(int) int { return 1 },
			calls: []int{2, 3, 0}, changed: true,
			want: []fst.Segment[int, int]{{0, 10, 0}, {10, 60, 1}, {60, 100, 0}},
		},
		{
			name: "merges inside the range", start: 0, end: 100, f: func(v int) int { return min(v, 1) },
			calls: []int{0, 1, 2, 3, 0, 1, 0}, changed: true,
			want: []fst.Segment[int, int]{{0, 10, 0}, {10, 40, 1}, {40, 50, 0}, {50, 60, 1}, {60, 100, 0}},
		},
		{
			name: "a constant over everything", start: 0, end: 100, f: func(int) int { return 7 },
			calls: []int{0, 1, 2, 3, 0, 1, 0}, changed: true,
			want: []fst.Segment[int, int]{{0, 100, 7}},
		},
		{
			name: "clipped below", start: -50, end: 15, f: func(v int) int { return v + 5 },
			calls: []int{0, 1}, changed: true,
			want: []fst.Segment[int, int]{{0, 10, 5}, {10, 15, 6}, {15, 20, 1}, {20, 30, 2}, {30, 40, 3}, {40, 50, 0}, {50, 60, 1}, {60, 100, 0}},
		},
		{
			name: "clipped above", start: 55, end: 1000, f: func(v int) int { return v + 5 },
			calls: []int{1, 0}, changed: true,
			want: []fst.Segment[int, int]{{0, 10, 0}, {10, 20, 1}, {20, 30, 2}, {30, 40, 3}, {40, 50, 0}, {50, 55, 1}, {55, 60, 6}, {60, 100, 5}},
		},
		{
			name: "clipped both ways", start: math.MinInt, end: math.MaxInt, f: func(v int) int { return v },
			calls: []int{0, 1, 2, 3, 0, 1, 0}, changed: false,
			want: []fst.Segment[int, int]{{0, 10, 0}, {10, 20, 1}, {20, 30, 2}, {30, 40, 3}, {40, 50, 0}, {50, 60, 1}, {60, 100, 0}},
		},
		{
			name: "unchanged segments between changed ones", start: 10, end: 60, f: func(v int) int { return v &^ 1 },
			calls: []int{1, 2, 3, 0, 1}, changed: true,
			want: []fst.Segment[int, int]{{0, 20, 0}, {20, 40, 2}, {40, 100, 0}},
		},
	}
	for _, tc := range tcs {
		t.Run(tc.name, func(t *testing.T) {
			tr := applyTree(t)
			var calls []int
			changed, err := tr.Apply(tc.start, tc.end, func(v int) int {
				calls = append(calls, v)
				return tc.f(v)
			})
			require.NoError(t, err)
			assert.Equal(t, tc.changed, changed)
			assert.Equal(t, tc.calls, calls, "f is called once per overlapping segment, in key order")
			assert.Equal(t, tc.want, slices.Collect(tr.All()))
			require.NoError(t, tr.Verify())
		})
	}
}

// TestTree_Apply_Errors: the range rule is Insert's (CheckRange); on an
// error f is not called and nothing changes.
func TestTree_Apply_Errors(t *testing.T) {
	t.Parallel()
	nan := math.NaN()
	tcs := []struct {
		name       string
		start, end float64
		err        error
		zero       bool // on the zero Tree
	}{
		{name: "start equals end", start: 20, end: 20, err: fst.ErrInvalidRange},
		{name: "start above end", start: 30, end: 20, err: fst.ErrInvalidRange},
		{name: "below the span", start: -10, end: 0, err: fst.ErrOutOfSpan},
		{name: "above the span", start: 100, end: 110, err: fst.ErrOutOfSpan},
		{name: "infinite below", start: math.Inf(-1), end: -1, err: fst.ErrOutOfSpan},
		{name: "NaN start", start: nan, end: 50, err: fst.ErrNaN},
		{name: "NaN end", start: 0, end: nan, err: fst.ErrNaN},
		{name: "NaN both", start: nan, end: nan, err: fst.ErrNaN},
		{name: "zero Tree", start: 0, end: 1, err: fst.ErrOutOfSpan, zero: true},
	}
	for _, tc := range tcs {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := fst.New(0.0, 100.0, 0)
			require.NoError(t, err)
			_, err = tr.Insert(10, 60, 1)
			require.NoError(t, err)
			if tc.zero {
				tr = new(fst.Tree[float64, int])
			}
			before := tr.Clone()
			f, calls := recorder(1)
			changed, err := tr.Apply(tc.start, tc.end, f)
			require.ErrorIs(t, err, tc.err)
			assert.False(t, changed)
			assert.Empty(t, *calls, "f is not called on an error")
			assert.True(t, tr.Equal(before), "nothing changes")
			require.NoError(t, tr.Verify())
			require.ErrorIs(t, tr.CheckRange(tc.start, tc.end), tc.err, "the rule is CheckRange's")
			_, err = tr.Insert(tc.start, tc.end, 5)
			require.ErrorIs(t, err, tc.err, "and Insert's")
		})
	}
}

// TestTree_Apply_Unchanged: an f that changes no value (under the tree's
// equality) reports no change, and writes and copies nothing.
func TestTree_Apply_Unchanged(t *testing.T) { // not parallel: AllocsPerRun
	tr := applyTree(t)
	tr.Freeze() // shared from now on: a write would copy nodes
	before := tr.Clone()
	identity := func(v int) int { return v }
	changed, err := tr.Apply(0, 100, identity)
	require.NoError(t, err)
	assert.False(t, changed)
	assert.True(t, tr.Equal(before))
	// Iterating the segments allocates a few closures, however many
	// segments there are; an Apply that changes nothing allocates at most
	// one thing more (its list of writes, which the loop body's closure
	// moves to the heap), and never a node.
	big, err := fst.NewFanout(0, 10000, 0, 4)
	require.NoError(t, err)
	for i := range 500 {
		_, err := big.Insert(i*20, i*20+10, i%3+1)
		require.NoError(t, err)
	}
	big.Freeze()
	sum := 0
	iterating := testing.AllocsPerRun(50, func() {
		for s := range big.Overlapping(0, 10000) {
			sum += s.Value
		}
	})
	for _, r := range [][2]int{{0, 10000}, {105, 106}, {2000, 3000}} {
		applying := testing.AllocsPerRun(50, func() {
			if changed, err := big.Apply(r[0], r[1], identity); changed || err != nil {
				panic("identity changed the tree")
			}
		})
		assert.LessOrEqual(t, applying, iterating+1, "Apply(%d, %d) copies nothing", r[0], r[1])
	}
	require.NoError(t, big.Verify())

	// Under NewFunc's equality: values that differ but compare equal.
	sameParity := func(a, b int) bool { return a%2 == b%2 }
	pt, err := fst.NewFunc(0, 10, 0, sameParity)
	require.NoError(t, err)
	_, err = pt.Insert(3, 6, 1)
	require.NoError(t, err)
	changed, err = pt.Apply(0, 10, func(v int) int { return v + 2 })
	require.NoError(t, err)
	assert.False(t, changed, "v+2 has v's parity")
	assert.Equal(t, []fst.Segment[int, int]{{0, 3, 0}, {3, 6, 1}, {6, 10, 0}}, slices.Collect(pt.All()), "nothing written")

	// A segment whose result compares equal keeps its old value while
	// another changes, and the changed one merges with it.
	changed, err = pt.Apply(0, 10, func(v int) int { return v + 2 - v%2 }) // 0 -> 2 (equal), 1 -> 2
	require.NoError(t, err)
	assert.True(t, changed)
	assert.Equal(t, []fst.Segment[int, int]{{0, 10, 0}}, slices.Collect(pt.All()), "the unchanged segments keep 0, which [3, 6) joins")
	require.NoError(t, pt.Verify())
}

// TestTree_Apply_Panics: when f or the equality panics, the panic
// propagates and the tree is as it was, and still verifies.
func TestTree_Apply_Panics(t *testing.T) {
	t.Parallel()
	t.Run("f", func(t *testing.T) {
		tr := applyTree(t)
		before := slices.Collect(tr.All())
		calls := 0
		assert.PanicsWithValue(t, "f", func() {
			_, _ = tr.Apply(0, 100, func(v int) int {
				if calls++; calls == 4 {
					panic("f")
				}
				return v + 1
			})
		})
		assert.Equal(t, 4, calls)
		assert.Equal(t, before, slices.Collect(tr.All()))
		require.NoError(t, tr.Verify())
	})

	// poison is a value the equality panics on once armed.
	const poison = 99
	armed := false
	eq := func(a, b int) bool {
		if armed && (a == poison || b == poison) {
			panic("equality")
		}
		return a == b
	}
	newTree := func(t *testing.T) *fst.Tree[int, int] {
		tr, err := fst.BuildFunc(0, 100, 0, eq, []fst.Segment[int, int]{
			{Start: 10, End: 12, Value: 1}, {Start: 12, End: 15, Value: 2}, {Start: 15, End: 20, Value: 3}, {Start: 20, End: 30, Value: poison},
		})
		require.NoError(t, err)
		return tr
	}
	cases := []struct {
		name       string
		start, end int
		f          func(int) int
	}{
		// f's result is compared with the old value before anything is
		// written.
		{"equality before writing", 10, 20, func(v int) int {
			if v == 2 {
				return poison
			}
			return v + 10
		}},
		// The third Insert, [15, 20), compares its value with the
		// poison at 20 after the first two wrote to the clone.
		{"equality while writing", 10, 20, func(v int) int { return v + 10 }},
	}
	for _, tc := range cases { // not parallel: they share armed
		t.Run(tc.name, func(t *testing.T) {
			tr := newTree(t)
			fork := tr.Clone()
			before := slices.Collect(tr.All())
			armed = true
			assert.PanicsWithValue(t, "equality", func() { _, _ = tr.Apply(tc.start, tc.end, tc.f) })
			armed = false
			assert.Equal(t, before, slices.Collect(tr.All()))
			assert.Equal(t, before, slices.Collect(fork.All()))
			require.NoError(t, tr.Verify())
			// Still usable: the same Apply without the panic goes through.
			changed, err := tr.Apply(tc.start, tc.end, func(v int) int { return v + 10 })
			require.NoError(t, err)
			assert.True(t, changed)
			require.NoError(t, tr.Verify())
			assert.Equal(t, before, slices.Collect(fork.All()), "a clone taken before never changes")
		})
	}
}

// TestTree_Apply_SharedNodes: Apply on a tree whose nodes are shared with
// clones and frozen versions never changes them, and it keeps writing
// correctly after many rounds.
func TestTree_Apply_SharedNodes(t *testing.T) {
	t.Parallel()
	tr, err := fst.NewFanout(0, 1000, 0, 4)
	require.NoError(t, err)
	for i := range 100 {
		_, err := tr.Insert(i*10, i*10+5, i%4+1)
		require.NoError(t, err)
	}
	var versions []*fst.Tree[int, int]
	var contents [][]fst.Segment[int, int]
	for round := range 20 {
		versions = append(versions, tr.Clone())
		contents = append(contents, slices.Collect(tr.All()))
		if round%3 == 0 {
			tr.Freeze()
		}
		_, err := tr.Apply(round*37%900, round*37%900+120, func(v int) int { return (v + 1) % 5 })
		require.NoError(t, err)
		require.NoError(t, tr.Verify())
	}
	for i, v := range versions {
		assert.Equal(t, contents[i], slices.Collect(v.All()), "version %d", i)
		require.NoError(t, v.Verify())
	}
}

// TestTree_Apply_Batch: an Apply is recorded as the Inserts that make the
// difference (Diff against a clone taken before); the batch round-trips
// through AppendBatch and DecodeBatch, and replayed on the starting tree it
// gives the tree Apply made.
func TestTree_Apply_Batch(t *testing.T) {
	t.Parallel()
	tr := applyTree(t)
	start := tr.Clone()
	var b fst.Batch[int, int]
	record := func(lo, hi int, f func(int) int) {
		t.Helper()
		before := tr.Clone()
		_, err := tr.Apply(lo, hi, f)
		require.NoError(t, err)
		for c := range fst.Diff(before, tr) {
			b.Insert(c.Start, c.End, c.New)
		}
	}
	record(15, 55, func(v int) int { return v * 3 })
	record(0, 100, func(v int) int { return v % 4 })
	record(-5, 25, func(v int) int { return v }) // records nothing
	record(45, 200, func(int) int { return 1 })
	require.NotZero(t, b.Len())
	for _, op := range b.All() {
		assert.Equal(t, fst.OpInsert, op.Kind, "no new op kind")
	}

	enc, err := fst.AppendBatch(nil, &b, fst.NumberCodec[int]())
	require.NoError(t, err)
	got, err := fst.DecodeBatch[int](enc, fst.NumberCodec[int]())
	require.NoError(t, err)
	assert.Equal(t, opsOf(&b), opsOf(got), "round trip")

	replay := start.Clone()
	require.NoError(t, got.Apply(replay))
	require.NoError(t, replay.Verify())
	assert.True(t, replay.Equal(tr))
	assert.Equal(t, slices.Collect(tr.All()), slices.Collect(replay.All()))
}
