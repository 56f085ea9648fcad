package cow

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

// sumMeasure sums value × length: enough for Verify to check the
// summaries of the nodes an append splits off.
type sumMeasure[K Number] struct{}

func (sumMeasure[K]) Of(v int, n K) float64        { return float64(v) * float64(n) }
func (sumMeasure[K]) Combine(a, b float64) float64 { return a + b }

// TestSpliceLeaf_AppendSplitsTheLastLeaf appends keys in increasing order
// with one Seek and one SpliceLeaf each, as fst's Insert at the end does:
// SpliceLeaf never refuses (the full last leaf splits unevenly, the new
// nodes climbing the right edge up to a new root), every version verifies
// with its summaries, and every leaf left behind is full.
func TestSpliceLeaf_AppendSplitsTheLastLeaf(t *testing.T) {
	for _, fanout := range []int{4, 5, maxFanout} {
		t.Run(fmt.Sprintf("int64/fanout=%d", fanout), func(t *testing.T) { appendBySplice[int64](t, fanout) })
		t.Run(fmt.Sprintf("float64/fanout=%d", fanout), func(t *testing.T) { appendBySplice[float64](t, fanout) })
	}
}

func appendBySplice[K Number](t *testing.T, fanout int) {
	var m sumMeasure[K]
	tr := NewMeasuredFanout[K, int, float64](fanout)
	tr.Set(0, 1)
	tr.Settle(m)
	const n = 3000
	for i := range n {
		// Keys spaced unevenly, some appends of two entries (a value and
		// the end of its segment) replacing the last one.
		k := K(10 + 3*i + i%2)
		c := tr.Cursor()
		c.Seek(k)
		a := c.LeafLen()
		keys, vals := []K{k}, []int{i % 7}
		if i%3 == 0 {
			a-- // replace the last entry, and add one after k
			keys, vals = []K{K(10 + 3*i - 1), k}, []int{i % 5, i % 7}
		}
		if a == 0 {
			keys[0], _ = c.EntryAt(0) // keep the leaf's first key
		}
		require.True(t, tr.SpliceLeaf(&c, a, c.LeafLen(), keys, vals), "append %d", i)
		tr.Settle(m)
		if i%97 == 0 || i == n-1 {
			require.NoError(t, tr.Verify(m), "after append %d", i)
		}
	}
	require.Positive(t, tr.Height())
	// Every leaf but the last is full.
	var leaves []int
	var walk func(p ptr, h int)
	walk = func(p ptr, h int) {
		if h == 0 {
			leaves = append(leaves, nodeLen(p))
			return
		}
		for _, s := range asInner[K, float64](p).livePayload() {
			walk(s.p, h-1)
		}
	}
	walk(tr.root, tr.Height())
	for i, l := range leaves[:len(leaves)-1] {
		require.Equal(t, fanout, l, "leaf %d of %d", i, len(leaves))
	}
	var prev K
	count := 0
	for k := range tr.All() {
		require.True(t, count == 0 || prev < k, "keys out of order: %v then %v", prev, k)
		prev = k
		count++
	}
	require.Equal(t, tr.Len(), count)
}

// TestVerify_FillOffTheRightEdge: a node on the right edge may hold a
// single entry, any other node at least fanout/2.
func TestVerify_FillOffTheRightEdge(t *testing.T) {
	tr := NewFanout[int, int](4)
	for k := range 41 { // ten full leaves and one
		c := tr.Cursor()
		if tr.Len() == 0 {
			tr.Set(k, k)
			continue
		}
		c.Seek(k)
		require.True(t, tr.SpliceLeaf(&c, c.LeafLen(), c.LeafLen(), []int{k}, []int{k}))
	}
	require.NoError(t, tr.Verify(nil))
	last := tr.root
	for h := tr.Height(); h > 0; h-- {
		in := asInner[int, struct{}](last)
		last = in.p[in.len()-1].p
	}
	require.Less(t, nodeLen(last), 2, "the last leaf took one entry")
	first := asInner[int, struct{}](tr.root).p[0].p
	for kindOf(first) != leafKind {
		first = asInner[int, struct{}](first).p[0].p
	}
	(*header)(first).n = 1 // corrupt: a leaf off the edge under the minimum
	require.ErrorIs(t, tr.Verify(nil), ErrCorrupt)
	require.ErrorContains(t, tr.Verify(nil), "holds 1 < 2")
	(*header)(first).n = 4
	require.NoError(t, tr.Verify(nil))
}
