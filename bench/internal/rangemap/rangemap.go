// Package rangemap is the "just use a persistent sorted map" baseline of the
// comparison in bench/cmd/compare: a flat segment map kept in a
// github.com/benbjohnson/immutable SortedMap from segment start to segment
// end and value.
//
// It is deliberately naive. Insert deletes the boundaries it covers and adds
// at most two; ShiftLeft and ShiftRight delete and re-insert every later
// segment, so they cost O(k log n) for k segments after the shift point. It
// follows the semantics of mdds::flat_segment_tree (and fst.Tree) for keys in
// the span, and is checked against a dense model and against fst.Tree in the
// tests.
//
// # Concurrency
//
// A [Map] is an immutable value: every write returns a new Map and leaves the
// receiver unchanged, so any number of goroutines may read a Map while
// another derives new versions from it.
package rangemap

import (
	"errors"
	"fmt"
	"iter"

	"github.com/benbjohnson/immutable"
	"github.com/flatseg/flatseg/fst"
)

// ErrInvalidRange is returned for an empty, reversed or out-of-span range.
var ErrInvalidRange = errors.New("rangemap: invalid range")

// entry is what the sorted map holds under a segment's start.
type entry[K fst.Key, V comparable] struct {
	end   K
	value V
}

// descending orders keys from largest to smallest, so that Seek(k) lands on
// the greatest start <= k: the segment containing k.
type descending[K fst.Key] struct{}

func (descending[K]) Compare(a, b K) int {
	switch {
	case a > b:
		return -1
	case a < b:
		return 1
	}
	return 0
}

// Map is a persistent flat segment map over the half-open span [min, max).
// The zero Map is not usable; create one with [New].
type Map[K fst.Key, V comparable] struct {
	m        *immutable.SortedMap[K, entry[K, V]]
	min, max K
	init     V
}

// New returns a Map whose whole span [min, max) holds init.
func New[K fst.Key, V comparable](min, max K, init V) (Map[K, V], error) {
	if !(min < max) {
		return Map[K, V]{}, fmt.Errorf("%w: span [%v, %v)", ErrInvalidRange, min, max)
	}
	m := immutable.NewSortedMap[K, entry[K, V]](descending[K]{})
	m = m.Set(min, entry[K, V]{end: max, value: init})
	return Map[K, V]{m: m, min: min, max: max, init: init}, nil
}

// Len returns the number of segments in O(1).
func (r Map[K, V]) Len() int { return r.m.Len() }

// floor returns the segment containing k, which must be in the span.
func (r Map[K, V]) floor(k K) fst.Segment[K, V] {
	it := r.m.Iterator()
	it.Seek(k)
	start, e, _ := it.Next()
	return fst.Segment[K, V]{Start: start, End: e.end, Value: e.value}
}

// Search returns the segment containing key in O(log n).
func (r Map[K, V]) Search(key K) (fst.Segment[K, V], bool) {
	if !(key >= r.min && key < r.max) {
		return fst.Segment[K, V]{}, false
	}
	return r.floor(key), true
}

// Segments iterates over the segments in key order. The Map is immutable, so
// the iterator stays valid forever.
func (r Map[K, V]) Segments() iter.Seq[fst.Segment[K, V]] {
	return func(yield func(fst.Segment[K, V]) bool) {
		it := r.m.Iterator()
		it.Last() // the smallest key in descending order
		for !it.Done() {
			start, e, _ := it.Prev()
			if !yield(fst.Segment[K, V]{Start: start, End: e.end, Value: e.value}) {
				return
			}
		}
	}
}

// tail returns, in key order, the segments that start at or after from.
func (r Map[K, V]) tail(from K) []fst.Segment[K, V] {
	var out []fst.Segment[K, V]
	it := r.m.Iterator()
	it.First() // the largest key
	for !it.Done() {
		start, e, _ := it.Next()
		if start < from {
			break
		}
		out = append(out, fst.Segment[K, V]{Start: start, End: e.end, Value: e.value})
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// replaceFrom deletes every segment starting at or after from and inserts
// segs (ordered, covering [from, max)) after merging equal neighbours.
func (r Map[K, V]) replaceFrom(from K, old, segs []fst.Segment[K, V]) Map[K, V] {
	m := r.m
	for _, s := range old {
		m = m.Delete(s.Start)
	}
	var last *fst.Segment[K, V]
	merged := segs[:0:0]
	for _, s := range segs {
		if !(s.Start < s.End) {
			continue
		}
		if last != nil && last.Value == s.Value {
			last.End = s.End
			continue
		}
		merged = append(merged, s)
		last = &merged[len(merged)-1]
	}
	for _, s := range merged {
		m = m.Set(s.Start, entry[K, V]{end: s.End, value: s.Value})
	}
	r.m = m
	return r
}

// clip appends the parts of segs inside [lo, hi), moved by delta.
func clip[K fst.Key, V comparable](dst, segs []fst.Segment[K, V], lo, hi, delta K) []fst.Segment[K, V] {
	for _, s := range segs {
		a, b := max(s.Start, lo), min(s.End, hi)
		if a < b {
			dst = append(dst, fst.Segment[K, V]{Start: a + delta, End: b + delta, Value: s.Value})
		}
	}
	return dst
}

// before returns the start of the segment preceding the one containing k, or
// the start of the one containing k when it is the first: rewriting from there
// lets a changed segment merge with its left neighbour.
func (r Map[K, V]) before(k K) K {
	it := r.m.Iterator()
	it.Seek(k)
	start, _, _ := it.Next()
	if prev, _, ok := it.Next(); ok {
		return prev
	}
	return start
}

// Insert sets [start, end) to v and reports whether anything changed. It
// costs O(c log n) for c covered segments.
func (r Map[K, V]) Insert(start, end K, v V) (Map[K, V], bool, error) {
	if !(start < end && start >= r.min && end <= r.max) {
		return r, false, fmt.Errorf("%w: [%v, %v) in [%v, %v)", ErrInvalidRange, start, end, r.min, r.max)
	}
	first := r.floor(start)
	if first.Value == v && first.End >= end {
		return r, false, nil
	}
	m := r.m
	ns, ne := start, end
	// Left edge: keep the part of the first segment before start, or merge.
	if first.Start < start {
		if first.Value == v {
			ns = first.Start
		} else {
			m = m.Set(first.Start, entry[K, V]{end: start, value: first.Value})
		}
	} else if start > r.min {
		prev := r.floor(prevKey(r, start))
		if prev.Value == v {
			ns = prev.Start
			m = m.Delete(prev.Start)
		}
	}
	// Covered segments: every start in [start, end).
	last := first
	it := r.m.Iterator()
	it.Seek(end)
	for !it.Done() {
		s, e, _ := it.Next()
		if s == end {
			continue
		}
		if s < start {
			break
		}
		if e.end >= end {
			last = fst.Segment[K, V]{Start: s, End: e.end, Value: e.value}
		}
		m = m.Delete(s)
	}
	// Right edge: keep the part of the last segment after end, or merge.
	if last.End > end {
		if last.Value == v {
			ne = last.End
		} else {
			m = m.Set(end, entry[K, V]{end: last.End, value: last.Value})
		}
	} else if end < r.max {
		next := r.floor(end)
		if next.Value == v {
			ne = next.End
			m = m.Delete(end)
		}
	}
	m = m.Set(ns, entry[K, V]{end: ne, value: v})
	r.m = m
	return r, true, nil
}

// prevKey returns a key of the segment just before the one starting at k
// (k > min): that segment's start.
func prevKey[K fst.Key, V comparable](r Map[K, V], k K) K {
	it := r.m.Iterator()
	it.Seek(k)
	it.Next() // the segment starting at k
	s, _, _ := it.Next()
	return s
}

// ShiftLeft removes [start, end) and moves everything after it left by
// end-start; the freed tail of the span takes the initial value. It
// re-inserts every later segment: O(k log n).
func (r Map[K, V]) ShiftLeft(start, end K) (Map[K, V], error) {
	if !(start < end && start >= r.min && end <= r.max) {
		return r, fmt.Errorf("%w: [%v, %v) in [%v, %v)", ErrInvalidRange, start, end, r.min, r.max)
	}
	from := r.before(start)
	old := r.tail(from)
	d := end - start
	segs := clip(nil, old, from, start, 0)
	segs = clip(segs, old, end, r.max, -d)
	segs = append(segs, fst.Segment[K, V]{Start: r.max - d, End: r.max, Value: r.init})
	return r.replaceFrom(from, old, segs), nil
}

// ShiftRight moves everything at or after pos right by size, dropping what
// passes the end of the span. The opened gap [pos, pos+size) takes the value
// just before pos (the initial value at the span's start); with
// skipStartNode, a segment starting exactly at pos stays and takes the gap.
// It re-inserts every later segment: O(k log n).
func (r Map[K, V]) ShiftRight(pos, size K, skipStartNode bool) (Map[K, V], error) {
	if !(pos >= r.min && pos < r.max) || !(size > 0) {
		return r, fmt.Errorf("%w: shift %v at %v in [%v, %v)", ErrInvalidRange, size, pos, r.min, r.max)
	}
	at := r.floor(pos)
	var gap V
	switch {
	case skipStartNode:
		gap = at.Value
	case pos == r.min:
		gap = r.init
	case at.Start < pos:
		gap = at.Value
	default:
		gap = r.floor(prevKey(r, pos)).Value
	}
	from := r.before(pos)
	old := r.tail(from)
	gapEnd := r.max
	if size < r.max-pos {
		gapEnd = pos + size
	}
	segs := clip(nil, old, from, pos, 0)
	segs = append(segs, fst.Segment[K, V]{Start: pos, End: gapEnd, Value: gap})
	if gapEnd < r.max {
		segs = clip(segs, old, pos, r.max-size, size)
	}
	return r.replaceFrom(from, old, segs), nil
}
