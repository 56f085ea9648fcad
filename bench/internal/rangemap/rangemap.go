// Package rangemap holds the "just use a sorted map" baselines of the
// comparison in bench/cmd/compare: a flat segment map kept in a
// general-purpose ordered map from segment start to segment end and value,
// with the semantics of mdds::flat_segment_tree (and fst.Tree) for keys in
// the span.
//
// One algorithm, [Map], runs on three ordered maps a Go programmer would
// reach for:
//
//   - [Immutable]: github.com/benbjohnson/immutable's persistent SortedMap;
//   - [Tidwall]: github.com/tidwall/btree's Map, copied in O(1) by Copy;
//   - [Google]: github.com/google/btree's BTreeG, copied in O(1) by Clone.
//
// Search is a floor search (the greatest start at or below the key). Insert
// deletes the boundaries its range covers, sets the new ones and merges equal
// neighbours: O((c+1) log n) for c covered segments. ShiftLeft and ShiftRight
// delete and re-insert every later segment, O(k log n) for k segments after
// the shift point: an ordered map keyed by absolute positions cannot move
// them all at once. The tests check every backend against a dense model and
// against fst.Tree.
//
// # Concurrency
//
// A Map is not safe for concurrent writes. Any number of goroutines may read
// a Map that no goroutine writes; [Map.Clone] counts as a write to the
// receiver (the B-tree backends stamp it with a new owner), and after it the
// clone and the original may be used independently, each by its own writer,
// while readers read the other.
package rangemap

import (
	"errors"
	"fmt"
	"iter"

	"github.com/flatseg/flatseg/fst"
)

// ErrInvalidRange is returned for an empty, reversed or out-of-span range.
var ErrInvalidRange = errors.New("rangemap: invalid range")

// entry is what the ordered map holds under a segment's start.
type entry[K fst.Key, V comparable] struct {
	end   K
	value V
}

// Sorted is what [Map] needs of an ordered map from segment start to
// segment end and value; [Immutable], [Tidwall] and [Google] implement it.
// Writes return the map to use from then on: the receiver itself for a
// mutable map, a new version for a persistent one.
type Sorted[K fst.Key, V comparable, S any] interface {
	// load returns a map holding segs, whose starts increase. It is called
	// on the zero value.
	load(segs []fst.Segment[K, V]) S
	// floor returns the greatest start at or below k.
	floor(k K) (K, entry[K, V], bool)
	// lower returns the greatest start below k.
	lower(k K) (K, entry[K, V], bool)
	// ascend calls yield for every start at or above from, in increasing
	// order, until yield returns false.
	ascend(from K, yield func(K, entry[K, V]) bool)
	set(k K, e entry[K, V]) S
	delete(k K) S
	// clone returns an independent copy in O(1).
	clone() S
	len() int
}

// Map is a flat segment map over the half-open span [min, max), kept in the
// ordered map S (one of [Immutable], [Tidwall] and [Google]). Create one with
// [New] or [Build]; the zero Map is not usable.
type Map[K fst.Key, V comparable, S Sorted[K, V, S]] struct {
	s        S
	min, max K
	init     V
}

// New returns a Map over [lo, hi) whose every key holds init.
func New[K fst.Key, V comparable, S Sorted[K, V, S]](lo, hi K, init V) (*Map[K, V, S], error) {
	return Build[K, V, S](lo, hi, init, nil)
}

// Build returns a Map over [lo, hi) holding segs, which must be in
// increasing order and must not overlap; gaps between them hold init, each is
// clipped to the span and equal neighbours are merged, so the result is what
// inserting every segment in order would give. It loads the ordered map in
// key order (the backend's bulk path where it has one) in O(n log n).
func Build[K fst.Key, V comparable, S Sorted[K, V, S]](lo, hi K, init V, segs []fst.Segment[K, V]) (*Map[K, V, S], error) {
	if !(lo < hi) {
		return nil, fmt.Errorf("%w: span [%v, %v)", ErrInvalidRange, lo, hi)
	}
	cover := make([]fst.Segment[K, V], 0, 2*len(segs)+1)
	add := func(s fst.Segment[K, V]) {
		if !(s.Start < s.End) {
			return
		}
		if l := len(cover) - 1; cover[l].Value == s.Value {
			cover[l].End = s.End
			return
		}
		cover = append(cover, s)
	}
	cover = append(cover, fst.Segment[K, V]{Start: lo, End: lo, Value: init})
	for i, s := range segs {
		s.Start, s.End = max(s.Start, lo), min(s.End, hi)
		if !(s.Start < s.End) {
			continue
		}
		at := cover[len(cover)-1].End
		if s.Start < at {
			return nil, fmt.Errorf("%w: segment %d [%v, %v) starts before %v", ErrInvalidRange, i, s.Start, s.End, at)
		}
		add(fst.Segment[K, V]{Start: at, End: s.Start, Value: init})
		add(s)
	}
	add(fst.Segment[K, V]{Start: cover[len(cover)-1].End, End: hi, Value: init})
	if cover[0].Start == cover[0].End { // a segment other than init starts at lo
		cover = cover[1:]
	}
	var z S
	return &Map[K, V, S]{s: z.load(cover), min: lo, max: hi, init: init}, nil
}

// Len returns the number of segments.
func (r *Map[K, V, S]) Len() int { return r.s.len() }

// Clone returns an independent copy of r in O(1); later writes to either
// copy the parts they change.
func (r *Map[K, V, S]) Clone() *Map[K, V, S] {
	c := *r
	c.s = r.s.clone()
	return &c
}

func segment[K fst.Key, V comparable](start K, e entry[K, V]) fst.Segment[K, V] {
	return fst.Segment[K, V]{Start: start, End: e.end, Value: e.value}
}

// Search returns the segment containing key in O(log n): a floor search.
func (r *Map[K, V, S]) Search(key K) (fst.Segment[K, V], bool) {
	if !(key >= r.min && key < r.max) {
		return fst.Segment[K, V]{}, false
	}
	s, e, _ := r.s.floor(key)
	return segment(s, e), true
}

// Segments iterates over the segments in key order. It must not be used
// while r is written.
func (r *Map[K, V, S]) Segments() iter.Seq[fst.Segment[K, V]] {
	return func(yield func(fst.Segment[K, V]) bool) {
		r.s.ascend(r.min, func(s K, e entry[K, V]) bool { return yield(segment(s, e)) })
	}
}

// Insert sets [start, end) to v and reports whether anything changed: it
// deletes the boundaries the range covers, sets the new ones and merges
// equal neighbours, in O((c+1) log n) for c covered segments.
func (r *Map[K, V, S]) Insert(start, end K, v V) (bool, error) {
	if !(start < end && start >= r.min && end <= r.max) {
		return false, fmt.Errorf("%w: [%v, %v) in [%v, %v)", ErrInvalidRange, start, end, r.min, r.max)
	}
	fs, fe, _ := r.s.floor(start)
	if fe.value == v && fe.end >= end {
		return false, nil
	}
	_, le, _ := r.s.lower(end) // the segment holding the last covered key
	ns, ne := start, end       // the new segment, grown by merges
	// Left edge: keep the part of the first segment before start, or merge
	// with it or with the segment ending at start.
	switch {
	case fs < start && fe.value == v:
		ns = fs
	case fs < start:
		r.s = r.s.set(fs, entry[K, V]{end: start, value: fe.value})
	case start > r.min:
		if ps, pe, _ := r.s.lower(start); pe.value == v {
			ns = ps
		}
	}
	// The covered boundaries: every start in [start, end).
	for {
		s, _, ok := r.s.lower(end)
		if !ok || s < start {
			break
		}
		r.s = r.s.delete(s)
	}
	// Right edge: keep the part of the last segment after end, or merge with
	// it or with the segment starting at end.
	switch {
	case le.end > end && le.value == v:
		ne = le.end
	case le.end > end:
		r.s = r.s.set(end, entry[K, V]{end: le.end, value: le.value})
	case end < r.max:
		if _, nx, _ := r.s.floor(end); nx.value == v {
			ne = nx.end
			r.s = r.s.delete(end)
		}
	}
	r.s = r.s.set(ns, entry[K, V]{end: ne, value: v})
	return true, nil
}

// before returns the start of the segment preceding the one containing k, or
// the start of the one containing k when it is the first: rewriting from
// there lets a changed segment merge with its left neighbour.
func (r *Map[K, V, S]) before(k K) K {
	s, _, _ := r.s.floor(k)
	if p, _, ok := r.s.lower(s); ok {
		return p
	}
	return s
}

// tail returns, in key order, the segments that start at or after from.
func (r *Map[K, V, S]) tail(from K) []fst.Segment[K, V] {
	var out []fst.Segment[K, V]
	r.s.ascend(from, func(s K, e entry[K, V]) bool {
		out = append(out, segment(s, e))
		return true
	})
	return out
}

// replace deletes the segments old and sets segs (ordered, covering what old
// covered) after merging equal neighbours.
func (r *Map[K, V, S]) replace(old, segs []fst.Segment[K, V]) {
	for _, s := range old {
		r.s = r.s.delete(s.Start)
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
		r.s = r.s.set(s.Start, entry[K, V]{end: s.End, value: s.Value})
	}
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

// ShiftLeft removes [start, end) and moves everything after it left by
// end-start; the freed tail of the span takes the initial value. It
// re-inserts every later segment: O(k log n).
func (r *Map[K, V, S]) ShiftLeft(start, end K) error {
	if !(start < end && start >= r.min && end <= r.max) {
		return fmt.Errorf("%w: [%v, %v) in [%v, %v)", ErrInvalidRange, start, end, r.min, r.max)
	}
	from := r.before(start)
	old := r.tail(from)
	d := end - start
	segs := clip(nil, old, from, start, 0)
	segs = clip(segs, old, end, r.max, -d)
	segs = append(segs, fst.Segment[K, V]{Start: r.max - d, End: r.max, Value: r.init})
	r.replace(old, segs)
	return nil
}

// ShiftRight moves everything at or after pos right by size, dropping what
// passes the end of the span. The opened gap [pos, pos+size) takes the value
// just before pos (the initial value at the span's start); with
// skipStartNode, a segment starting exactly at pos stays and takes the gap.
// It re-inserts every later segment: O(k log n).
func (r *Map[K, V, S]) ShiftRight(pos, size K, skipStartNode bool) error {
	if !(pos >= r.min && pos < r.max) || !(size > 0) {
		return fmt.Errorf("%w: shift %v at %v in [%v, %v)", ErrInvalidRange, size, pos, r.min, r.max)
	}
	as, ae, _ := r.s.floor(pos)
	var gap V
	switch {
	case skipStartNode || as < pos:
		gap = ae.value
	case pos == r.min:
		gap = r.init
	default:
		_, pe, _ := r.s.lower(pos)
		gap = pe.value
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
	r.replace(old, segs)
	return nil
}
