package cow_test

// Tests of single behaviours on small trees with hand-checked expected
// values, for what the model tests (model_test.go, measure_test.go) do not
// exercise: error texts, Freeze, Clear, the ordered iterators, stale
// summaries before Settle, and Diff of trees that keep summaries.

import (
	"iter"
	"slices"
	"testing"

	"github.com/flatseg/flatseg/internal/cow"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The summarised tests below keep a spreadsheet's rows: the entry r -> row
// stands for rows r, r+1, ... up to the next entry (the last entry, up to
// the end a query is given). Each run of rows is summarised by its height in
// pixels and the number of its visible rows; hidden rows count for neither.

// row is the format of a run of rows.
type row struct {
	H      uint16 // height in pixels
	Hidden bool
}

// rows is the summary of some rows: their height and how many are visible.
type rows struct{ H, Visible int64 }

// rowMeasure is the Measure of rows.
type rowMeasure struct{}

func (rowMeasure) Of(r row, n int64) rows {
	if r.Hidden {
		return rows{}
	}
	return rows{int64(r.H) * n, n}
}

func (rowMeasure) Combine(a, b rows) rows { return rows{a.H + b.H, a.Visible + b.Visible} }

// sheet returns rows 0 to 999 20 pixels high, but for row 5 (40 pixels)
// and rows 10 to 19 (hidden), settled. Its nodes hold at most 4 entries, so
// the five entries lie in two leaves, [0 5 6] and [10 20], under a root
// that keeps a summary of each.
func sheet(t testing.TB) *cow.Tree[int64, row, rows] {
	t.Helper()
	tr, err := cow.BuildMeasuredFanout[int64, row, rows](rowMeasure{},
		[]int64{0, 5, 6, 10, 20},
		[]row{{H: 20}, {H: 40}, {H: 20}, {H: 20, Hidden: true}, {H: 20}}, 4)
	require.NoError(t, err)
	require.NoError(t, tr.Verify(rowMeasure{}))
	require.Equal(t, 1, tr.Height(), "two leaves under the root")
	return tr
}

const sheetEnd = 1000 // the rows are [0, 1000)

// collect2 returns the keys and the values seq yields, in its order.
func collect2[K, V any](seq iter.Seq2[K, V]) ([]K, []V) {
	var ks []K
	var vs []V
	for k, v := range seq {
		ks, vs = append(ks, k), append(vs, v)
	}
	return ks, vs
}

// TestTree_Build_Unsorted: Build names the first pair of keys out of order
// and leaves the tree empty.
func TestTree_Build_Unsorted(t *testing.T) {
	t.Parallel()
	tr := new(cow.Plain[int, string])
	err := tr.Build([]int{2, 1}, []string{"a", "b"})
	require.ErrorIs(t, err, cow.ErrUnsorted)
	assert.EqualError(t, err, "cow: keys not strictly increasing: keys[0]=2, keys[1]=1")
	assert.Zero(t, tr.Len())
	assert.NoError(t, tr.Verify(nil))
}

// A frozen tree can be shared with readers: a later write copies what it
// changes instead of writing the shared nodes.
func TestTree_Freeze(t *testing.T) {
	tr, err := cow.Build([]int{1, 2}, []string{"a", "b"})
	require.NoError(t, err)
	tr.Freeze()
	published := tr.Clone()
	tr.Set(1, "changed")
	v, _ := published.Get(1)
	assert.Equal(t, "a", v)
	v, _ = tr.Get(1)
	assert.Equal(t, "changed", v)

	// Freeze itself retires the writer token, with no Clone to mark it
	// shared: the tree writes its own leaf in place until it is frozen, and
	// after each Freeze its next write takes a fresh token and copies the leaf.
	assert.Zero(t, testing.AllocsPerRun(10, func() { tr.Set(2, "x") }), "an owned leaf is written in place")
	assert.Equal(t, 2.0, testing.AllocsPerRun(10, func() { tr.Freeze(); tr.Set(2, "y") }), "a fresh token and a copy of the leaf")
	v, _ = published.Get(2)
	assert.Equal(t, "b", v)
	require.NoError(t, tr.Verify(nil))
}

// Clear empties the tree in O(1), keeping its settings; a clone taken
// before keeps every entry.
func TestTree_Clear(t *testing.T) {
	t.Parallel()
	tr, err := cow.BuildFanout([]int{1, 2}, []string{"a", "b"}, 4)
	require.NoError(t, err)
	kept := tr.Clone()
	tr.Clear()
	assert.Equal(t, 0, tr.Len())
	ks, _ := collect2(tr.All())
	assert.Empty(t, ks)
	_, ok := tr.Get(1)
	assert.False(t, ok)
	require.NoError(t, tr.Verify(nil))

	ks, vs := collect2(kept.All())
	assert.Equal(t, []int{1, 2}, ks)
	assert.Equal(t, []string{"a", "b"}, vs)

	for k := range 20 { // the fanout of 4 survives Clear: 20 keys need inner nodes
		tr.Set(k, "z")
	}
	require.NoError(t, tr.Verify(nil))
	assert.Positive(t, tr.Height())
}

// TestTree_OrderedIterators: Backward, Ascend and Descend yield the entries
// in their order from their bound on, in one leaf and across the nodes of a
// deep tree, and stop when the loop does.
func TestTree_OrderedIterators(t *testing.T) {
	t.Parallel()
	tr, err := cow.Build([]int{1, 2, 3}, []string{"a", "b", "c"})
	require.NoError(t, err)
	for _, tc := range []struct {
		name     string
		seq      iter.Seq2[int, string]
		wantKeys []int
		wantVals []string
	}{
		{"Backward", tr.Backward(), []int{3, 2, 1}, []string{"c", "b", "a"}},
		{"Ascend(2)", tr.Ascend(2), []int{2, 3}, []string{"b", "c"}},
		{"Descend(2)", tr.Descend(2), []int{2, 1}, []string{"b", "a"}},
	} {
		ks, vs := collect2(tc.seq)
		assert.Equal(t, tc.wantKeys, ks, tc.name)
		assert.Equal(t, tc.wantVals, vs, tc.name)
	}

	t.Run("deep", func(t *testing.T) {
		t.Parallel()
		keys := make([]int64, 40)
		for i := range keys {
			keys[i] = int64(i) * 10
		}
		deep, err := cow.BuildFanout(keys, keys, 4)
		require.NoError(t, err)
		require.GreaterOrEqual(t, deep.Height(), 2)
		desc := slices.Clone(keys)
		slices.Reverse(desc)
		got, _ := collect2(deep.Backward())
		require.Equal(t, desc, got, "Backward")
		for from := int64(-5); from <= 400; from++ {
			var up, down []int64
			for _, k := range keys {
				if k >= from {
					up = append(up, k)
				}
			}
			for _, k := range desc {
				if k <= from {
					down = append(down, k)
				}
			}
			got, _ := collect2(deep.Ascend(from))
			require.Equal(t, up, got, "Ascend(%d)", from)
			got, _ = collect2(deep.Descend(from))
			require.Equal(t, down, got, "Descend(%d)", from)
			var first []int64
			for k := range deep.Ascend(from) {
				if len(first) == 3 {
					break
				}
				first = append(first, k)
			}
			require.Equal(t, up[:min(3, len(up))], first, "Ascend(%d) stopped after 3", from)
		}
	})
}

// Several writes may leave the summaries stale and settle once: no query,
// Clone or Freeze may come between them.
func TestTree_Settle(t *testing.T) {
	t.Parallel()
	m := rowMeasure{}
	tr := sheet(t)
	for r := int64(100); r < 200; r += 2 { // banded rows: 30 pixels, then 20
		tr.Set(r, row{H: 30})
		tr.Set(r+1, row{H: 20})
	}
	require.NoError(t, tr.Verify(nil), "the structure is sound while the summaries are stale")
	err := tr.Verify(m)
	require.ErrorIs(t, err, cow.ErrCorrupt) // stale
	assert.ErrorContains(t, err, "dirty")
	tr.Settle(m)
	require.NoError(t, tr.Verify(m))
	assert.Equal(t, rows{2500, 100}, tr.Measure(m, 100, 200, sheetEnd))
}

// Diff compares the entries of two versions of a tree that keeps
// summaries, skipping the subtrees they share.
func TestDiff_WithSummaries(t *testing.T) {
	t.Parallel()
	m := rowMeasure{}
	v1 := sheet(t)
	v2 := v1.Clone()
	v2.Set(10, row{H: 20}) // unhide
	v2.Set(50, row{H: 35})
	v2.Settle(m)
	calls := 0
	got := slices.Collect(cow.Diff(v1, v2, func(a, b row) bool { calls++; return a == b }))
	assert.Equal(t, []cow.Change[int64, row]{
		{Key: 10, Old: row{H: 20, Hidden: true}, New: row{H: 20}, InOld: true, InNew: true},
		{Key: 50, New: row{H: 35}, InNew: true},
	}, got)
	assert.Equal(t, 2, calls, "the shared leaf [0 5 6] is skipped: only keys 10 and 20 are compared")
	assert.Equal(t, rows{420, 20}, v1.Measure(m, 0, 30, sheetEnd))
	assert.Equal(t, rows{620, 30}, v2.Measure(m, 0, 30, sheetEnd))
	require.NoError(t, v1.Verify(m))
	require.NoError(t, v2.Verify(m))
}

// A Builder loads entries that arrive in key order, from a file or a
// network stream, without collecting them first; a key out of order is
// refused with an error naming it and the last key.
func TestBuilder_Add_UnsortedMessage(t *testing.T) {
	t.Parallel()
	b := new(cow.Builder[int, string, struct{}])
	for i, name := range []string{"a", "b", "c"} {
		require.NoError(t, b.Add(10*i, name))
	}
	err := b.Add(5, "late") // keys must increase
	require.ErrorIs(t, err, cow.ErrUnsorted)
	assert.EqualError(t, err, "cow: keys not strictly increasing: key 5 after 20")
	tr := b.Tree()
	assert.Equal(t, 3, tr.Len())
	assert.NoError(t, tr.Verify(nil))
}

// TestBuilder_Add_AfterTree: the builder is spent once Tree has run:
// Tree returns the same tree again, and Add refuses more entries.
func TestBuilder_Add_AfterTree(t *testing.T) {
	t.Parallel()
	m := rowMeasure{}
	b := new(cow.Builder[int64, row, rows])
	require.NoError(t, b.Add(0, row{H: 20}))
	tr := b.Tree()
	tr.Settle(m)
	assert.Same(t, tr, b.Tree())
	assert.EqualError(t, b.Add(1, row{}), "cow: Builder.Add after Tree")
	assert.Equal(t, 1, tr.Len())
	assert.Equal(t, rows{200, 10}, tr.Measure(m, 0, 10, 10))
	assert.NoError(t, tr.Verify(m))
}
