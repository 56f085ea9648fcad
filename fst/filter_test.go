package fst_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flatseg/flatseg/fst"
	"github.com/flatseg/flatseg/internal/testenv"
)

// ExampleMeasured_Filter lists the runs of visible rows of a range, and
// finds the next visible row after a hidden one, skipping the subtrees
// that hold no visible row without reading them.
func ExampleMeasured_Filter() {
	t := newSheet()
	visible := func(r rows) bool { return r.Visible > 0 }
	for seg := range t.Filter(0, 30, visible) {
		fmt.Printf("visible rows [%d, %d), %d px each\n", seg.Start, min(seg.End, 30), seg.Value.H)
	}
	for seg := range t.Filter(12, t.MaxKey(), visible) {
		fmt.Println("the next visible row after 12 is", seg.Start)
		break
	}
	// Output:
	// visible rows [0, 5), 20 px each
	// visible rows [5, 6), 40 px each
	// visible rows [6, 10), 20 px each
	// visible rows [20, 30), 20 px each
	// the next visible row after 12 is 20
}

// zeros counts the keys holding 0: "holds a zero" fails on a combined run
// only when it fails on each part, as Filter's keep must.
type zeros struct{}

func (zeros) Of(v int, n int64) int64 {
	if v == 0 {
		return n
	}
	return 0
}
func (zeros) Combine(a, b int64) int64 { return a + b }

// TestMeasured_FilterSkips: on a tree of 100,000 segments where three
// hold 0, Filter finds the three while calling keep a few hundred times:
// it skips every subtree whose summary has no zero. Without the skipping
// it would call keep once per segment.
func TestMeasured_FilterSkips(t *testing.T) {
	t.Parallel()
	n := int64(testenv.Pick(t, 30_000, 100_000))
	tr, err := fst.NewMeasured(int64(0), 2*n, 1, fst.Measure[int64, int, int64](zeros{}))
	require.NoError(t, err)
	for i := range n {
		_, err := tr.Insert(2*i, 2*i+1, int(i%7)+1) // no zero, no two neighbours equal
		require.NoError(t, err)
	}
	want := []int64{2 * 17, 2 * (n/2 + 1), 2 * (n - 2)}
	for _, k := range want {
		_, err := tr.Insert(k, k+1, 0)
		require.NoError(t, err)
	}
	calls := 0
	keep := func(z int64) bool { calls++; return z > 0 }
	var got []int64
	for seg := range tr.Filter(0, 2*n, keep) {
		require.Equal(t, 0, seg.Value)
		got = append(got, seg.Start)
	}
	require.Equal(t, want, got)
	require.Less(t, calls, 1000, "keep calls for 3 segments among %d", n)

	// A range that starts inside a zero segment and one that ends there.
	calls = 0
	got = got[:0]
	for seg := range tr.Filter(want[1], want[2]+1, keep) {
		got = append(got, seg.Start)
	}
	require.Equal(t, want[1:], got)

	// The last segment: its subtrees, on the tree's right edge, leave it
	// out of their summaries, so Filter must enter them all the same.
	_, err = tr.Insert(2*n-5, 2*n, 0)
	require.NoError(t, err)
	got = got[:0]
	for seg := range tr.Filter(2*n-1000, 2*n, keep) {
		got = append(got, seg.Start)
	}
	require.Equal(t, []int64{2*n - 5}, got) // merged with the zero at want[2]
}

// TestMeasured_FilterClips: keep sees the part of a segment inside the
// range, at both ends: a zero segment [10, 20) has 3 zeros in [0, 13) and
// in [17, 30), too few for "at least 5", and 10 in [0, 30).
func TestMeasured_FilterClips(t *testing.T) {
	tr, err := fst.NewMeasured(int64(0), 100, 1, fst.Measure[int64, int, int64](zeros{}))
	require.NoError(t, err)
	_, err = tr.Insert(10, 20, 0)
	require.NoError(t, err)
	atLeast5 := func(z int64) bool { return z >= 5 }
	for _, c := range []struct {
		start, end int64
		want       int
	}{{0, 13, 0}, {17, 30, 0}, {0, 30, 1}, {12, 18, 1}, {16, 30, 0}, {15, 30, 1}, {12, 15, 0}} {
		got := 0
		for seg := range tr.Filter(c.start, c.end, atLeast5) {
			require.Equal(t, fst.Segment[int64, int]{Start: 10, End: 20, Value: 0}, seg)
			got++
		}
		require.Equal(t, c.want, got, "Filter(%d, %d)", c.start, c.end)
	}
}
