package fst

import (
	"github.com/flatseg/flatseg/internal/cow"
)

// A Cursor walks the segments of one version of a tree: [Cursor.Seek]
// moves it to the segment holding a key, [Cursor.Next] and [Cursor.Prev]
// to the neighbouring segments, and on a tree with a [Measure]
// [Cursor.Prefix] returns the summary of everything before its segment.
//
// A cursor reads the version it was made from, forever: [Measured.Cursor]
// takes an O(1) clone, so writes to the tree afterwards never change what
// the cursor returns (the tree's next write copies the nodes it changes,
// as after any Clone). It keeps the path to its segment, so a Seek near
// the previous one climbs only as far as it must (for keys in the same or
// the next segment it does no search at all), and Next and Prev are O(1)
// amortised. That makes a cursor the way to answer lookups that come in
// order, such as the rows of a spreadsheet being drawn: where Search starts
// at the root each time, a cursor walks on from where it is, as mdds's
// search with a hint does.
//
// A Cursor is one allocation; its steps allocate nothing. It must not be
// used by several goroutines at once; make one per goroutine (they are
// cheap), from a tree nobody writes concurrently.
type Cursor[K Key, V, M any] struct {
	t   Measured[K, V, M] // the version read: a clone
	c   cow.Cursor[K, V, M]
	seg Segment[K, V] // the segment the cursor is at, when at
	at  bool
}

// Cursor returns an unpositioned cursor over the tree as it is now: its
// first Next returns the first segment, its first Prev the last. O(1): one
// allocation, and Clone's marking of the tree's nodes as shared.
func (t *Measured[K, V, M]) Cursor() *Cursor[K, V, M] {
	c := &Cursor[K, V, M]{t: *t}
	c.t.b = *t.b.Clone()
	c.c.Reset(&c.t.b)
	return c
}

// Seek moves the cursor to the segment holding key and returns it. For a
// key outside [MinKey, MaxKey), or NaN, it returns false and the cursor
// stays where it was. O(1) when key lies in the cursor's segment or the
// next; otherwise the cursor climbs from its segment to the lowest node
// whose keys span key and descends from there: O(log d) for a key d
// segments away, O(log n) at most. No allocation.
func (c *Cursor[K, V, M]) Seek(key K) (Segment[K, V], bool) {
	switch {
	case !(c.t.min <= key && key < c.t.max): // also NaN
		return Segment[K, V]{}, false
	case c.at && c.seg.Start <= key && key < c.seg.End:
		return c.seg, true
	case c.at && key >= c.seg.End && c.c.Next():
		if c.load(); key < c.seg.End {
			return c.seg, true
		}
	}
	c.c.Seek(key) // the span's min is a boundary: some key is <= key
	c.load()
	return c.seg, true
}

// Next moves the cursor to the segment after its own and returns it, or
// returns false at the last segment, where it stays. On an unpositioned
// cursor it returns the first segment. O(1) amortised, no allocation.
func (c *Cursor[K, V, M]) Next() (Segment[K, V], bool) {
	if !c.at {
		return c.first()
	}
	if !c.c.Next() {
		return c.seg, false
	}
	c.load()
	return c.seg, true
}

// Prev moves the cursor to the segment before its own and returns it, or
// returns false at the first segment, where it stays. On an unpositioned
// cursor it returns the last segment. O(1) amortised, no allocation.
func (c *Cursor[K, V, M]) Prev() (Segment[K, V], bool) {
	if !c.at {
		if !c.c.Last() {
			return Segment[K, V]{}, false
		}
		c.load()
		return c.seg, true
	}
	if !c.c.Prev() {
		return c.seg, false
	}
	c.load()
	return c.seg, true
}

// Prefix returns the summary of the keys [MinKey, Start) of the cursor's
// segment under the tree's Measure: Measure(MinKey(), seg.Start) without a
// second descent, so that a lookup that needs both a segment and what
// comes before it (the top of a row, the segment at a pixel offset) walks
// the tree once. It returns the zero M on an unpositioned cursor and on a
// tree without a Measure. One Combine per level (each inner node keeps the
// running summary of its children) and O(B) Of calls in the leaf.
func (c *Cursor[K, V, M]) Prefix() M {
	m := c.t.measure()
	if !c.at || m == nil {
		var zero M
		return zero
	}
	return c.c.Prefix(m)
}

// first positions the cursor at the first segment.
func (c *Cursor[K, V, M]) first() (Segment[K, V], bool) {
	if !c.c.First() {
		return Segment[K, V]{}, false // the zero tree
	}
	c.load()
	return c.seg, true
}

// load reads the cow cursor's entry into seg.
func (c *Cursor[K, V, M]) load() {
	k, v, next, ok := c.c.Entry()
	if !ok {
		next = c.t.max
	}
	c.seg, c.at = Segment[K, V]{Start: k, End: next, Value: v}, true
}
