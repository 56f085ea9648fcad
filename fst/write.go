package fst

import (
	"fmt"

	"github.com/flatseg/flatseg/internal/cow"

	"github.com/flatseg/flatseg/internal/num"
)

// Insert maps every key of [start, end) to v, overwriting what was there, and
// reports whether the tree changed. A range reaching outside the span is
// clipped to [min, max), as mdds does. It returns ErrNaN for a NaN bound,
// ErrInvalidRange when start >= end, and ErrOutOfSpan when the range shares
// no key with the span (mdds 2.0.3 aborts on insert_front(lo-5, lo, v));
// the tree is then unchanged.
//
// Insert is mdds's insert_front, insert_back and insert(pos, ...): all three
// give the same result, and a search hint buys nothing when every search is
// O(log n). O(log n) when the range covers boundaries of one leaf, O(log² n +
// removed/B) when it covers many nodes' worth (the boundaries it removes
// go in steps that each drop a run of whole nodes); an insert that changes
// nothing allocates nothing. An append (a range from within the last B+tree
// leaf, mdds's insert_back) to a tree without a Measure whose previous
// write was an append, with no Clone or Freeze since, skips the descent:
// O(1) besides the value comparisons and, once per 47 or so, the split of
// the full last leaf.
func (t *Measured[K, V, M]) Insert(start, end K, v V) (changed bool, err error) {
	changed, err = t.insert(start, end, v)
	t.settle()
	return changed, err
}

func (t *Measured[K, V, M]) insert(start, end K, v V) (changed bool, err error) {
	if err := t.checkRange(start, end); err != nil {
		return false, err
	}
	s, e := max(start, t.min), min(end, t.max)
	if changed, done := t.insertInLeaf(s, e, v); done {
		return changed, nil
	}
	// Every value comparison happens before the first change, so that an
	// equality that panics (an interface holding a slice) leaves the tree
	// as it was.
	iv, _ := t.b.Interval(s)
	if t.same(iv.Value, v) && (iv.Open || !(iv.End < e)) {
		return false, nil // [s, e) already maps to v
	}
	var ve V // the value at e, which the keys from e on keep
	eIsBoundary, veIsV := false, false
	if e < t.max {
		var ke K
		ke, ve, _ = t.b.Floor(e)
		eIsBoundary, veIsV = ke == e, t.same(ve, v)
	}
	mergeLeft := false // the segment ending at s already holds v
	if s != t.min {
		_, lv, _ := t.b.Lower(s)
		mergeLeft = t.same(lv, v)
	}
	t.delRange(s, e)
	if e < t.max {
		switch {
		case veIsV:
			t.del(e)
		case !eIsBoundary:
			t.set(e, ve)
		}
	}
	if !mergeLeft {
		t.set(s, v)
	}
	return true, nil
}

// insertInLeaf is Insert of [s, e), clipped to the span, in one descent:
// it finds the leaf holding s, reads from it the values that decide the
// write (the value at s, the one before it, the one at e) and rewrites the
// run of the leaf's entries that [s, e) covers in place. It reports done
// false, having changed nothing, when the write does not stay in that
// leaf (e past the leaf's bound, the entry before s in another leaf, the
// leaf's first key or its fill changing): Insert then writes the general
// way. Every value comparison happens before the write.
//
// When s lies in the tree's last leaf (an append, mdds's insert_back) the
// leaf comes from cow's LastLeaf, with no Seek and no cursor: O(1) on a
// tree whose previous write was such an append (see cow.Tree.LastLeaf).
// Only when the segment before s ends in the leaf before does that path
// give way to the cursor's, which can step back into it.
func (t *Measured[K, V, M]) insertInLeaf(s, e K, v V) (changed, done bool) {
	if l, ok := t.b.LastLeaf(); ok && l.First() <= s {
		changed, done, more := t.spliceLeaf(&l, nil, l.Floor(s), s, e, v)
		if !more {
			return changed, done
		}
	}
	var c cow.Cursor[K, V, M]
	c.Reset(&t.b)
	c.Seek(s) // min is a boundary and s >= min: the leaf holds an entry <= s
	l := c.Leaf()
	changed, done, _ = t.spliceLeaf(&l, &c, c.Index(), s, e, v)
	return changed, done
}

// spliceLeaf is insertInLeaf in the leaf l, whose entry i is the last at
// or below s. c is the cursor that found l, positioned at entry i, or nil
// when l is the last leaf from cow's LastLeaf; then, when the value before
// s is the last of the leaf before, it reports more, having compared and
// changed nothing, for the caller to take the cursor's path.
func (t *Measured[K, V, M]) spliceLeaf(l *cow.Leaf[K, V], c *cow.Cursor[K, V, M], i int, s, e K, v V) (changed, done, more bool) {
	ls := t.segmentsOf(l)
	n, up, bounded, end := ls.n, ls.up, ls.bounded, ls.end
	ki, vi := l.EntryAt(i)
	hasLeft := s != t.min
	if c == nil && i == 0 && ki == s && hasLeft {
		return false, false, true // the segment before s is in the leaf before: the cursor can step there
	}
	// Each value is compared with v once: sameI stands for the comparisons
	// of the value at s with v that the decisions below repeat.
	sameI := t.same(vi, v)
	if sameI && !(end(i) < e) {
		return false, true, false // [s, e) already maps to v
	}
	if e > up || e == up && bounded {
		return false, false, false // e lies in a later leaf, or is its first key
	}
	// The segment that ends at s, whose value v would continue.
	mergeLeft := hasLeft && sameI // s is inside the segment of entry i
	if ki == s && hasLeft {
		var lv V
		if i > 0 {
			_, lv = l.EntryAt(i - 1)
		} else if lv, done = leftValue(c); !done {
			return false, false, false
		}
		mergeLeft = t.same(lv, v)
	}
	// The entry at or below e, whose value the keys from e on keep.
	j := i
	for j+1 < n && !(e < end(j)) {
		j++
	}
	kj, ve := l.EntryAt(j)
	a := i // the entries [a, b) lie in [s, e)
	if ki < s {
		a = i + 1
	}
	b := j + 1
	if kj == e {
		b = j
	}
	var keys [2]K
	var vals [2]V
	m := 0
	if !mergeLeft {
		keys[m], vals[m], m = s, v, m+1
	}
	if e < t.max {
		sameE := sameI // the value at e is the one at s (an append's case)
		if j != i {
			sameE = t.same(ve, v)
		}
		switch {
		case sameE:
			if kj == e {
				b = j + 1 // e no longer changes the value
			}
		case kj != e:
			keys[m], vals[m], m = e, ve, m+1
		}
	}
	if c == nil {
		done = t.b.SpliceLast(l, a, b, keys[:m], vals[:m])
	} else {
		done = t.b.SpliceLeaf(c, a, b, keys[:m], vals[:m])
	}
	return done, done, false
}

// leafSegments reads a leaf's entries as segments: n entries, and the end
// of each one's segment (see end).
type leafSegments[K Key, V any] struct {
	l       *cow.Leaf[K, V]
	n       int
	up      K    // the leaf's bound, or the span's end for the last leaf
	bounded bool // a leaf follows: up is its first key
}

// segmentsOf returns the segments of l, a leaf of t.
func (t *Measured[K, V, M]) segmentsOf(l *cow.Leaf[K, V]) leafSegments[K, V] {
	up, bounded := l.Bound()
	if !bounded {
		up = t.max
	}
	return leafSegments[K, V]{l: l, n: l.Len(), up: up, bounded: bounded}
}

// end returns the end of the segment of entry j: the next entry's key, or
// up for the last entry.
func (ls leafSegments[K, V]) end(j int) K {
	if j+1 < ls.n {
		k, _ := ls.l.EntryAt(j + 1)
		return k
	}
	return ls.up
}

// leftValue returns the value of the entry before the cursor's, which is
// the first of its leaf: it steps the cursor back into the leaf before and
// forward again, which restores the path exactly (every frame below the
// node where the two leaves' paths part is refilled the same way). It
// reports false, moving nothing, when the cursor is at the first entry.
// O(log n) node visits, no search.
func leftValue[K Key, V, M any](c *cow.Cursor[K, V, M]) (V, bool) {
	if !c.Prev() {
		var zero V
		return zero, false
	}
	_, v, _, _ := c.Entry()
	c.Next()
	return v, true
}

// ShiftLeft removes the keys [start, end) and moves every later segment left
// by end-start; the keys freed at the top of the span take the default value.
// Both ends must lie within [lo, hi]. It returns ErrNaN, ErrInvalidRange
// when start >= end, or ErrOutOfSpan, and then changes nothing. When
// [start, max) already maps to the default value it changes nothing.
//
// O(log n) for integer keys (plus the cost of DeleteRange for a wide range).
// Unlike mdds 2.0.3, the result is always merged (mdds can leave two
// neighbouring leaf nodes with the default value after a ShiftLeft that
// reaches max), and a ShiftLeft that reaches max empties exactly
// [start, max) (for floats mdds computes the tail's start as
// max-(max-start), which rounding can move off start).
//
// # Float keys
//
// The moved keys are rewritten one by one, O(n), each with one float
// subtraction as in mdds: a boundary k moves to k-size with size =
// end-start, and the freed tail starts at max-size. When max-size rounds
// to max (max = +Inf, or a size below half an ulp of max) the freed tail is
// empty. A moved boundary that rounds exactly onto start replaces the
// boundary there, as in mdds. What rounding cannot do exactly is refused
// with ErrInvalidShift, changing nothing: an infinite size (start = -Inf,
// or a size that overflows) when segments would move, a tail that rounds
// to start or below, and moved boundaries that would meet each other or
// the tail.
func (t *Measured[K, V, M]) ShiftLeft(start, end K) error {
	err := t.shiftLeft(start, end)
	t.settle()
	return err
}

func (t *Measured[K, V, M]) shiftLeft(start, end K) error {
	switch {
	case num.IsNaN(start) || num.IsNaN(end):
		return fmt.Errorf("%w: ShiftLeft(%v, %v)", ErrNaN, start, end)
	case !(start < end):
		return fmt.Errorf("%w: ShiftLeft start %v is not below end %v", ErrInvalidRange, start, end)
	case start < t.min || t.max < end:
		return fmt.Errorf("%w: ShiftLeft [%v, %v) reaches outside [%v, %v]", ErrOutOfSpan, start, end, t.min, t.max)
	}
	// Every value comparison happens before the first change (see Insert).
	if iv, _ := t.b.Interval(start); iv.Open && t.same(iv.Value, t.def()) {
		return nil // [start, hi) is all default: removing and refilling changes nothing
	}
	var left V // the value just below start, which does not move
	hasLeft := start != t.min
	if hasLeft {
		_, left, _ = t.b.Lower(start)
	}
	if end == t.max { // nothing moves: [start, hi) takes the default value
		mergeLeft := hasLeft && t.same(left, t.def())
		t.delRange(start, t.max)
		if !mergeLeft {
			t.set(start, t.def())
		}
		return nil
	}
	size := end - start // wraps for signed spans wider than K, but every result below is in range
	tail := t.max - size
	landed := false // float rounding moves the first boundary after end exactly onto start
	if num.IsFloat[K]() {
		var err error
		if landed, err = t.checkFloatShiftLeft(start, end, size, tail); err != nil {
			return err
		}
	}
	fe, _ := t.b.Interval(end)
	startVal := fe.Value // the value from start on after the shift
	if landed {
		_, startVal, _ = t.b.Floor(fe.End) // the first boundary after end
	}
	mergeLeft := hasLeft && t.same(left, startVal)
	lastVal := startVal // the value just below the tail after the shift
	if lk, lv, _ := t.b.Lower(t.max); lk > end {
		lastVal = lv
	}
	setTail := tail < t.max && !t.same(lastVal, t.def())

	t.delRange(start, end)
	t.del(end)
	t.shift(end, -size)
	switch {
	case landed && mergeLeft:
		t.del(start)
	case !landed && !mergeLeft:
		t.set(start, startVal)
	}
	if setTail {
		t.set(tail, t.def())
	}
	return nil
}

// ShiftRight moves every segment at or after pos right by size, opening a gap
// [pos, pos+size); segments pushed to max or beyond are dropped. The gap
// continues the segment that covers pos, except when a boundary starts at
// pos: then it continues the segment before pos (at min: takes the default
// value), unless skipStartNode asks to leave that boundary in place. It
// returns ErrNaN, ErrInvalidShift when size <= 0, or ErrOutOfSpan when pos is
// outside [min, max), and then changes nothing.
//
// O(log n) for integer keys, plus dropping the boundaries pushed past max
// (O(log² n + dropped/B), as for Insert).
//
// # Float keys
//
// O(n): each moved boundary k goes to k+size, one float addition as in
// mdds, and is dropped when that reaches max. When pos+size rounds to pos (a
// size below half an ulp of pos, or pos = -Inf) the gap is empty: the
// boundaries after pos move and the value at pos stays. Refused with
// ErrInvalidShift, changing nothing: pos+size = NaN (pos = -Inf and size =
// +Inf), and moved boundaries that rounding would make meet.
func (t *Measured[K, V, M]) ShiftRight(pos, size K, skipStartNode bool) error {
	err := t.shiftRight(pos, size, skipStartNode)
	t.settle()
	return err
}

func (t *Measured[K, V, M]) shiftRight(pos, size K, skipStartNode bool) error {
	switch {
	case num.IsNaN(pos) || num.IsNaN(size):
		return fmt.Errorf("%w: ShiftRight(%v, %v)", ErrNaN, pos, size)
	case !(size > 0):
		return fmt.Errorf("%w: ShiftRight size %v must be positive", ErrInvalidShift, size)
	case pos < t.min || !(pos < t.max):
		return fmt.Errorf("%w: ShiftRight position %v outside [%v, %v)", ErrOutOfSpan, pos, t.min, t.max)
	case num.IsNaN(pos + size):
		return fmt.Errorf("%w: ShiftRight(%v, %v): the gap's end is NaN", ErrInvalidShift, pos, size)
	}
	f, _ := t.b.Interval(pos)
	// first is the lowest boundary that moves: the one at pos, unless
	// skipStartNode keeps it, else the next one.
	first, moves := f.End, !f.Open
	if f.Start == pos && !skipStartNode {
		first, moves = pos, true
	}
	if !moves {
		return nil // nothing moves and the gap continues what is there
	}
	if num.IsFloat[K]() {
		if err := t.checkFloatShiftRight(first, pos, size); err != nil {
			return err
		}
	}
	// At min the gap takes the default value; the first segment moves on,
	// unless rounding left the gap empty.
	fillMin := pos == t.min && !skipStartNode && pos+size != pos
	v0IsInit := fillMin && t.same(f.Value, t.def())

	if num.IsFloat[K]() {
		// Drop what one float addition pushes to max or beyond, as mdds.
		cut, drop := first, false
		for k := range t.b.Descend(t.max) {
			if k < first || k+size < t.max {
				break
			}
			cut, drop = k, true
		}
		if drop {
			t.delRange(cut, t.max)
		}
	} else if limit := t.max - size; limit > t.max || limit <= first {
		// Keys >= hi-size leave the span; hi-size wraps above hi when
		// size exceeds the distance from K's lowest value to hi.
		t.delRange(first, t.max)
	} else {
		t.delRange(limit, t.max)
	}
	t.shift(first, size)
	if fillMin {
		t.set(t.min, t.def())
		if v0IsInit {
			t.del(t.min + size) // the moved first boundary would not change the value
		}
	}
	return nil
}

// checkFloatShiftLeft checks, before anything changes, that a float
// ShiftLeft can be done exactly (see ShiftLeft) and reports whether the
// first moved boundary lands on start.
func (t *Measured[K, V, M]) checkFloatShiftLeft(start, end, size, tail K) (landed bool, err error) {
	if num.IsInf(size) {
		return false, fmt.Errorf("%w: ShiftLeft(%v, %v): infinite shift size", ErrInvalidShift, start, end)
	}
	if !(start < tail) {
		return false, fmt.Errorf("%w: ShiftLeft(%v, %v): the freed tail max-size = %v is not above start", ErrInvalidShift, start, end, tail)
	}
	hi := min(tail, t.max) // moved boundaries stay below the tail, or below max when the tail is empty
	prev := start
	for k := range t.b.Ascend(end) {
		if k == end {
			continue
		}
		nk := k - size
		switch {
		case !(nk < hi):
			return false, fmt.Errorf("%w: shifting %v left by %v reaches the freed tail at %v after rounding", ErrInvalidShift, k, size, hi)
		case nk == start && prev == start && !landed:
			landed = true
		case !(prev < nk):
			return false, fmt.Errorf("%w: shifting %v left by %v meets %v after rounding", ErrInvalidShift, k, size, prev)
		}
		prev = nk
	}
	return landed, nil
}

// checkFloatShiftRight checks, before anything changes, that adding size to
// the boundaries from first on, with one float rounding each, keeps them
// strictly increasing and above pos (the boundary at pos itself may stay at
// pos when the gap rounds to nothing). Boundaries that reach max are
// dropped, and so are all after them: rounding is monotone.
func (t *Measured[K, V, M]) checkFloatShiftRight(first, pos, size K) error {
	prev, firstStep := pos, true
	for k := range t.b.Ascend(first) {
		nk := k + size
		if !(nk < t.max) {
			return nil
		}
		if !(prev < nk) && !(firstStep && k == pos && nk == pos) {
			return fmt.Errorf("%w: shifting %v right by %v meets %v after rounding", ErrInvalidShift, k, size, prev)
		}
		prev, firstStep = nk, false
	}
	return nil
}
