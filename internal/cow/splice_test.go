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
		l := c.Leaf()
		a := l.Len()
		keys, vals := []K{k}, []int{i % 7}
		if i%3 == 0 {
			a-- // replace the last entry, and add one after k
			keys, vals = []K{K(10 + 3*i - 1), k}, []int{i % 5, i % 7}
		}
		if a == 0 {
			keys[0], _ = l.EntryAt(0) // keep the leaf's first key
		}
		require.True(t, tr.SpliceLeaf(&c, a, l.Len(), keys, vals), "append %d", i)
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
		l := c.Leaf()
		require.True(t, tr.SpliceLeaf(&c, l.Len(), l.Len(), []int{k}, []int{k}))
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

// lastLeafOf returns the tree's last leaf and its origin, by a walk down
// the right edge.
func lastLeafOf[K Number, V, M any](tr *Tree[K, V, M]) (ptr, K) {
	p, origin := tr.root, tr.base
	for h := int(tr.levels); h > 0; h-- {
		in := asInner[K, M](p)
		origin = childOrigin(origin, in.keys[in.n-1])
		p = in.p[in.n-1].p
	}
	return p, origin
}

// appendLast appends k -> v to tr through LastLeaf and SpliceLast.
func appendLast[K Number, V, M any](t *testing.T, tr *Tree[K, V, M], k K, v V) {
	t.Helper()
	l, ok := tr.LastLeaf()
	require.True(t, ok)
	require.True(t, tr.SpliceLast(&l, l.Len(), l.Len(), []K{k}, []V{v}))
}

// TestLastLeaf_Kept pins when the writer token keeps the last leaf (see
// plainOwner): after every append of a tree without summaries (so that
// the next append skips the descent: the leaf kept is the last, at its
// origin, also after the append that splits it and for float keys, whose
// origins are 0), and never after any other write, after Clear, in a
// writer that marks, or in a token a Clone shared or a Freeze dropped.
func TestLastLeaf_Kept(t *testing.T) {
	t.Run("int64", func(t *testing.T) { lastLeafKept[int64](t) })
	t.Run("float64", func(t *testing.T) { lastLeafKept[float64](t) })
	t.Run("measured", func(t *testing.T) {
		var m sumMeasure[int64]
		tr := NewMeasuredFanout[int64, int, float64](4)
		tr.Set(0, 1)
		for k := range int64(40) {
			appendLast(t, tr, k+1, int(k))
			tr.Settle(m)
			require.False(t, tr.owner.keeping(), "a writer that marks keeps no last leaf")
			require.NoError(t, tr.Verify(m))
		}
	})
}

func lastLeafKept[K Number](t *testing.T) {
	tr := NewFanout[K, int](4)
	tr.Set(100, 0)
	require.Nil(t, tr.owner.keptTail(), "Set keeps no last leaf")
	kept := func(what string) {
		t.Helper()
		require.NoError(t, tr.Verify(nil), what)
		p, origin := lastLeafOf(tr)
		require.NotNil(t, tr.owner, what)
		require.Equal(t, p, tr.owner.keptTail(), "%s: the writer keeps the last leaf", what)
		require.Equal(t, origin, *keptOrigin[K](tr.owner), what)
		l, _ := tr.LastLeaf()
		require.Equal(t, p, l.p, what)
	}
	notKept := func(what string) {
		t.Helper()
		require.NoError(t, tr.Verify(nil), what)
		require.True(t, tr.owner == nil || tr.owner.keptTail() == nil, "%s: the writer keeps a last leaf", what)
	}
	k := K(100)
	next := func() K { k += 3; return k }
	for i := range 30 { // through several splits of the last leaf
		appendLast(t, tr, next(), i)
		kept(fmt.Sprintf("append %d", i))
	}
	require.Positive(t, tr.Height())
	writes := []struct {
		what  string
		write func()
	}{
		{"Set at the end", func() { tr.Set(next(), 1) }},
		{"Set inside", func() { tr.Set(101, 1) }},
		{"Delete", func() { tr.Delete(101) }},
		{"DeleteRange", func() { tr.DeleteRange(k-10, k) }},
		{"Shift", func() { tr.Shift(k-1, 2) }},
		{"Shift all", func() { tr.Shift(0, 2) }},
		{"Clear", func() { tr.Clear(); tr.Set(k, 0) }},
	}
	for _, w := range writes {
		appendLast(t, tr, next(), 7)
		kept("append before " + w.what)
		w.write()
		notKept(w.what)
		for range 6 {
			appendLast(t, tr, next(), 8)
			kept("append after " + w.what)
		}
	}
	// A Clone shares the token: the kept leaf is the clone's too, so the
	// next append copies it (and the right edge), leaving the clone's alone.
	appendLast(t, tr, next(), 9)
	c := tr.Clone()
	before, _ := lastLeafOf(tr)
	appendLast(t, tr, next(), 10)
	after, _ := lastLeafOf(tr)
	require.NotEqual(t, before, after, "an append after Clone wrote the shared last leaf")
	require.Equal(t, tr.Len()-1, c.Len())
	require.NoError(t, c.Verify(nil))
	kept("append after Clone")
	tr.Freeze()
	require.Nil(t, tr.owner)
	appendLast(t, tr, next(), 11)
	p, _ := lastLeafOf(tr)
	require.NotEqual(t, after, p, "an append after Freeze wrote the frozen last leaf")
	kept("append after Freeze")
}
