package fst

import "fmt"

// Insert maps every key of [start, end) to v, overwriting what was there, and
// reports whether the tree changed. A range reaching outside the span is
// clipped to [min, max), as mdds does. It returns ErrNaN for a NaN bound,
// ErrInvalidRange when start >= end or the clipped range is empty (mdds 2.0.3
// aborts on insert_front(min-5, min, v)), and ErrOutOfSpan when the range lies
// wholly outside the span; the tree is then unchanged.
//
// Insert is mdds's insert_front, insert_back and insert(pos, ...): all three
// give the same result, and a search hint buys nothing when every search is
// O(log n). O(log n) when the range covers boundaries of one leaf, O(log² n +
// removed/B) when it covers many nodes' worth (see cow.Tree.DeleteRange); an
// insert that changes nothing allocates nothing.
func (t *Tree[K, V]) Insert(start, end K, v V) (changed bool, err error) {
	s, e, err := t.clip(start, end)
	if err != nil {
		return false, err
	}
	f, _ := t.b.Floor(s)
	if f.Value == v && (!f.HasNext || !(f.Next < e)) {
		return false, nil // [s, e) already maps to v
	}
	var ve V // the value at e, which the keys from e on keep
	eIsBoundary := false
	if e < t.max {
		fe, _ := t.b.Floor(e)
		ve, eIsBoundary = fe.Value, fe.Key == e
	}
	mergeLeft := false // the segment ending at s already holds v
	if s != t.min {
		l, _ := t.b.Lower(s)
		mergeLeft = l.Value == v
	}
	t.b.DeleteRange(s, e)
	if e < t.max {
		switch {
		case ve == v:
			t.b.Delete(e)
		case !eIsBoundary:
			t.b.Set(e, ve)
		}
	}
	if !mergeLeft {
		t.b.Set(s, v)
	}
	return true, nil
}

// clip validates an insert range and clips it to the span.
func (t *Tree[K, V]) clip(start, end K) (K, K, error) {
	switch {
	case isNaN(start) || isNaN(end):
		return start, end, fmt.Errorf("%w: range [%v, %v)", ErrNaN, start, end)
	case !(start < end):
		return start, end, fmt.Errorf("%w: start %v is not below end %v", ErrInvalidRange, start, end)
	case end == t.min:
		return start, end, fmt.Errorf("%w: [%v, %v) is empty once clipped to [%v, %v)", ErrInvalidRange, start, end, t.min, t.max)
	case end < t.min || !(start < t.max):
		return start, end, fmt.Errorf("%w: [%v, %v) lies outside [%v, %v)", ErrOutOfSpan, start, end, t.min, t.max)
	}
	return max(start, t.min), minKey(end, t.max), nil
}

// ShiftLeft removes the keys [start, end) and moves every later segment left
// by end-start; the keys freed at the top of the span take the default value.
// Both ends must lie within [min, max]. It returns ErrNaN, ErrInvalidRange
// when start >= end, or ErrOutOfSpan, and then changes nothing.
//
// O(log n) for integer keys (plus the cost of DeleteRange for a wide range);
// for float keys the moved keys are
// rewritten one by one, O(n), with mdds's rounding; in the rare case where
// rounding would make two moved boundaries meet, it returns ErrInvalidShift
// and changes nothing. Unlike mdds 2.0.3, the result is always merged (mdds
// can leave two neighbouring leaf nodes with the default value after a
// ShiftLeft that reaches max), and a ShiftLeft that reaches max empties
// exactly [start, max) (for floats mdds computes the tail's start as
// max-(max-start), which rounding can move off start).
func (t *Tree[K, V]) ShiftLeft(start, end K) error {
	switch {
	case isNaN(start) || isNaN(end):
		return fmt.Errorf("%w: ShiftLeft(%v, %v)", ErrNaN, start, end)
	case !(start < end):
		return fmt.Errorf("%w: ShiftLeft start %v is not below end %v", ErrInvalidRange, start, end)
	case start < t.min || t.max < end:
		return fmt.Errorf("%w: ShiftLeft [%v, %v) reaches outside [%v, %v]", ErrOutOfSpan, start, end, t.min, t.max)
	}
	size := end - start // wraps for signed spans wider than K, but every result below is in range
	tail := t.max - size
	if f, _ := t.b.Floor(start); !f.HasNext && f.Value == t.init {
		return nil // [start, max) is all default: removing and refilling changes nothing
	}
	if isFloat[K]() {
		if err := t.checkFloatShift(end, true, -size, start, tail, false); err != nil {
			return err
		}
	}
	var ve V = t.init // value from start on, after the shift
	if end < t.max {
		fe, _ := t.b.Floor(end)
		ve = fe.Value
	}
	mergeLeft := false
	if start != t.min {
		l, _ := t.b.Lower(start)
		mergeLeft = l.Value == ve
	}
	t.b.DeleteRange(start, end)
	if end < t.max {
		t.b.Delete(end)
		t.b.Shift(end, -size)
	}
	if vm, landed := t.floatLanded(start); landed {
		// Float rounding moved a boundary exactly onto start: the segment
		// [start, it) is empty and, as in mdds, the moved boundary takes its
		// place (merging with its left neighbour when equal).
		if l, ok := t.b.Lower(start); ok && l.Value == vm {
			t.b.Delete(start)
		}
	} else if !mergeLeft {
		t.b.Set(start, ve)
	}
	if end < t.max {
		if l, _ := t.b.Lower(tail); l.Value != t.init {
			t.b.Set(tail, t.init)
		}
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
// O(log n) for integer keys (plus the cost of DeleteFrom for the dropped
// boundaries); O(n) for float keys (see ShiftLeft).
func (t *Tree[K, V]) ShiftRight(pos, size K, skipStartNode bool) error {
	switch {
	case isNaN(pos) || isNaN(size):
		return fmt.Errorf("%w: ShiftRight(%v, %v)", ErrNaN, pos, size)
	case !(size > 0):
		return fmt.Errorf("%w: ShiftRight size %v must be positive", ErrInvalidShift, size)
	case pos < t.min || !(pos < t.max):
		return fmt.Errorf("%w: ShiftRight position %v outside [%v, %v)", ErrOutOfSpan, pos, t.min, t.max)
	}
	f, _ := t.b.Floor(pos)
	// first is the lowest boundary that moves.
	first, moves := pos, true
	if f.Key == pos && skipStartNode {
		first, moves = f.Next, f.HasNext
	} else if f.Key != pos {
		first, moves = f.Next, f.HasNext
	}
	atMin := pos == t.min && !skipStartNode
	v0 := f.Value // value at min when atMin
	if !moves && (!atMin || v0 == t.init) {
		return nil // nothing moves and the gap continues what is there
	}
	if moves {
		if isFloat[K]() {
			if err := t.checkFloatShift(first, false, size, pos, t.max, true); err != nil {
				return err
			}
			// Drop what one float addition pushes to max or beyond, as mdds.
			cut, any := first, false
			for k := range t.b.Descend(t.max) {
				if k < first || k+size < t.max {
					break
				}
				cut, any = k, true
			}
			if any {
				t.b.DeleteFrom(cut)
			}
		} else {
			// Keys >= max-size leave the span; max-size wraps above max
			// when size exceeds the distance from K's lowest value to max.
			if limit := t.max - size; limit > t.max || limit <= first {
				t.b.DeleteFrom(first)
			} else {
				t.b.DeleteFrom(limit)
			}
		}
		t.b.Shift(first, size)
	}
	if atMin {
		t.b.Set(t.min, t.init)
		if v0 == t.init {
			t.b.Delete(t.min + size) // the moved first boundary would not change the value
		}
	}
	return nil
}

// floatLanded reports whether, for float keys, a boundary sits at k after a
// shift moved one there; integer shifts never land on k.
func (t *Tree[K, V]) floatLanded(k K) (V, bool) {
	if !isFloat[K]() {
		var zero V
		return zero, false
	}
	return t.b.Get(k)
}

// checkFloatShift reports ErrInvalidShift when adding d, with one float
// rounding each, to the boundaries above from (and at from unless exclusive)
// would not leave them strictly increasing and inside (lo, hi); the first may
// land on lo itself (ShiftLeft then lets it replace the boundary at lo).
// Boundaries that land at hi or beyond are dropped when drop is set (a right
// shift) and an error otherwise.
func (t *Tree[K, V]) checkFloatShift(from K, exclusive bool, d, lo, hi K, drop bool) error {
	prev, first := lo, true
	for k := range t.b.Ascend(from) {
		if exclusive && k == from {
			continue
		}
		nk := k + d
		if !(nk < hi) {
			if drop {
				return nil
			}
			return fmt.Errorf("%w: shifting %v by %v reaches %v after rounding", ErrInvalidShift, k, d, hi)
		}
		if !(prev < nk) && !(first && nk == lo) {
			return fmt.Errorf("%w: shifting %v by %v meets %v after rounding", ErrInvalidShift, k, d, prev)
		}
		prev, first = nk, false
	}
	return nil
}
