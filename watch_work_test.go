package flatseg

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flatseg/flatseg/fst"
)

// TestStore_WaitRange_Work counts the values the wake-up check of WaitRange
// compares (calls of the store's equality) for a range of k segments high
// in a store of n, after a one-key ShiftRight near the start (which moves
// every segment of the range: the check stops at the first), after a
// ShiftRight by the period of the values (which moves every segment and
// changes nothing: the check compares them all) and after an Insert there
// (which moves none). It must not grow with n: at most two comparisons per
// segment of the range in either version, and none when the range's
// subtrees are shared. (A Diff from the start of the span, as WaitRange did before,
// compares values at every boundary it passes: about 2n after a shift.)
// The nodes the walk enters, O(k/B + log n), are counted by cow's
// TestDiffIntervals_Work.
func TestStore_WaitRange_Work(t *testing.T) {
	t.Parallel()
	for _, n := range []int{1_000, 10_000, 100_000} {
		calls := 0
		eq := func(a, b int) bool { calls++; return a == b }
		segs := make([]fst.Segment[int, int], n)
		for i := range segs {
			segs[i] = fst.Segment[int, int]{Start: i * 10, End: i*10 + 10, Value: 1 + i%2}
		}
		tree, err := fst.BuildFunc(0, n*10, 0, eq, segs)
		require.NoError(t, err)
		for _, k := range []int{1, 10, 100} {
			start := (n - k - 10) * 10 // high in the span, k segments below its end
			end := start + k*10
			for _, w := range []struct {
				name    string
				write   func(tx *Txn[int, int]) error
				changed bool
				most    int
			}{
				{"shift", func(tx *Txn[int, int]) error { return tx.ShiftRight(10, 1, false) }, true, 2*k + 2},
				// Shifting by the period of the values moves every segment
				// and changes no value: the check compares them all.
				{"shift-period", func(tx *Txn[int, int]) error { return tx.ShiftRight(10, 20, false) }, false, 2*k + 2},
				{"insert", func(tx *Txn[int, int]) error { _, err := tx.Insert(10, 15, 7); return err }, false, 0},
			} {
				t.Run(fmt.Sprintf("write=%s/n=%d/k=%d", w.name, n, k), func(t *testing.T) {
					s, err := NewFrom(tree)
					require.NoError(t, err)
					before := s.Snapshot()
					require.NoError(t, s.Update(w.write))
					calls = 0
					require.Equal(t, w.changed, changedWithin(before, s.Snapshot(), start, end))
					t.Logf("%d values compared", calls)
					require.LessOrEqual(t, calls, w.most, "values compared")
				})
			}
		}
	}
}
