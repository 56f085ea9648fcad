package fst

import (
	"errors"
	"fmt"
	"iter"

	"github.com/flatseg/flatseg/cow"
)

// Key is the set of key types a Tree accepts: every integer and float type,
// including named types built on them.
type Key interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64 | ~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~float32 | ~float64
}

// Segment is the half-open key range [Start, End) and the value every key in
// it maps to.
type Segment[K Key, V any] struct {
	Start, End K
	Value      V
}

// Errors returned for input mdds would ignore or crash on. Each is wrapped
// with the offending arguments; test with errors.Is. An operation that
// returns an error has changed nothing.
var (
	// ErrInvalidRange: start >= end, or a range that is empty once clipped
	// to [min, max), or min >= max in New.
	ErrInvalidRange = errors.New("fst: invalid range")
	// ErrOutOfSpan: a range wholly outside [min, max), a shift position
	// outside the span, or ShiftLeft bounds beyond it.
	ErrOutOfSpan = errors.New("fst: outside the tree's span")
	// ErrInvalidShift: a shift size <= 0, or a float shift whose rounding
	// would make two distinct boundaries equal.
	ErrInvalidShift = errors.New("fst: invalid shift")
	// ErrNaN: a NaN key.
	ErrNaN = errors.New("fst: NaN key")
	// ErrUnsorted: Build was given segments out of order or overlapping.
	ErrUnsorted = errors.New("fst: segments out of order")
)

// Tree is a flat segment tree: it maps every key of the fixed span [min, max)
// to a value, through non-overlapping segments whose neighbours never hold
// equal values. It behaves as mdds::flat_segment_tree 2.0.3, but every version
// carries its own search tree (there is no build_tree step) and the tree is
// persistent: Clone is O(1) and the two trees share their nodes until one of
// them writes.
//
// Internally the tree stores the segment boundaries (mdds's leaf nodes but
// the last) in a copy-on-write B+tree: boundary key -> value of the segment
// starting there.
//
// # Costs
//
// With n segments: Search O(log n) without allocation; Insert O(log n), or
// O(log² n + removed/B) when it overwrites many nodes' worth of boundaries;
// ShiftLeft and ShiftRight O(log n) for integer keys (O(n) for float keys, to round every moved key
// exactly as mdds does); Clone O(1) and one allocation; iteration O(1) per
// step. The first write after a Clone copies the O(log n) nodes on the paths
// it changes and no others.
//
// # Concurrency and lifetime
//
// A Tree is not safe for a write concurrent with any other use of the same
// Tree. Reads never write, so any number of goroutines may read a Tree that
// nobody writes. Freeze retires the tree's writer token, after which no node
// reachable from it is ever written again; Clone of a frozen tree writes
// nothing at all, so many goroutines may clone one at once. Iterators read
// the tree as it is at each step: do not write a tree while iterating it
// (iterate a Clone instead, which costs O(1)).
type Tree[K Key, V comparable] struct {
	min, max K
	init     V
	b        cow.Tree[K, V] // boundary -> value of the segment starting there; always holds min
}

// New returns a tree over [min, max) with every key mapped to init. It fails
// with ErrNaN for a NaN bound and ErrInvalidRange unless min < max.
func New[K Key, V comparable](min, max K, init V) (*Tree[K, V], error) {
	if isNaN(min) || isNaN(max) {
		return nil, fmt.Errorf("%w: New(%v, %v)", ErrNaN, min, max)
	}
	if !(min < max) {
		return nil, fmt.Errorf("%w: New: min %v must be below max %v", ErrInvalidRange, min, max)
	}
	t := &Tree[K, V]{min: min, max: max, init: init}
	t.b.Set(min, init)
	return t, nil
}

// Build returns a tree over [min, max) holding segs, in O(n + len(segs)).
// The segments must be in increasing order and must not overlap (they may
// leave gaps, which map to init); each is clipped to the span. Equal
// neighbours are merged, so the result is what inserting every segment in
// order would give, with nodes packed full.
func Build[K Key, V comparable](min, max K, init V, segs []Segment[K, V]) (*Tree[K, V], error) {
	t, err := New(min, max, init)
	if err != nil {
		return nil, err
	}
	keys := []K{min}
	vals := []V{init}
	at := func(k K, v V) { // value v from k on
		last := len(keys) - 1
		switch {
		case vals[last] == v:
		case keys[last] == k:
			vals[last] = v
			if last > 0 && vals[last-1] == v {
				keys, vals = keys[:last], vals[:last]
			}
		default:
			keys, vals = append(keys, k), append(vals, v)
		}
	}
	prevEnd := min
	for i, s := range segs {
		if isNaN(s.Start) || isNaN(s.End) {
			return nil, fmt.Errorf("%w: segment %d is [%v, %v)", ErrNaN, i, s.Start, s.End)
		}
		if !(s.Start < s.End) {
			return nil, fmt.Errorf("%w: segment %d is [%v, %v)", ErrInvalidRange, i, s.Start, s.End)
		}
		if i > 0 && s.Start < segs[i-1].End {
			return nil, fmt.Errorf("%w: segment %d [%v, %v) starts before segment %d ends at %v",
				ErrUnsorted, i, s.Start, s.End, i-1, segs[i-1].End)
		}
		start, end := maxKey(s.Start, min), minKey(s.End, max)
		if !(start < end) {
			continue // wholly outside the span
		}
		if prevEnd < start {
			at(prevEnd, init)
		}
		at(start, s.Value)
		prevEnd = end
	}
	if prevEnd < max {
		at(prevEnd, init)
	}
	b, err := cow.Build(keys, vals)
	if err != nil {
		return nil, err
	}
	t.b = b.Fork()
	return t, nil
}

func minKey[K Key](a, b K) K {
	if a < b {
		return a
	}
	return b
}

func maxKey[K Key](a, b K) K {
	if a < b {
		return b
	}
	return a
}

func isNaN[K Key](k K) bool { return k != k }

// same is the value equality that decides merging, the changed flag, Equal
// and Diff.
func (t *Tree[K, V]) same(a, b V) bool { return a == b }

// isFloat reports whether K is a float type; it is constant per instantiation.
func isFloat[K Key]() bool {
	var half K = 1
	half /= 2
	return half != 0
}

// MinKey returns the lower end of the span (inclusive). O(1).
func (t *Tree[K, V]) MinKey() K { return t.min }

// MaxKey returns the upper end of the span (exclusive). O(1).
func (t *Tree[K, V]) MaxKey() K { return t.max }

// DefaultValue returns the value of keys no segment was inserted for, and the
// value ShiftLeft and ShiftRight give to the keys they free. O(1).
func (t *Tree[K, V]) DefaultValue() V { return t.init }

// LeafSize returns the number of mdds leaf nodes: the number of segments
// plus one (the node at max). O(1).
func (t *Tree[K, V]) LeafSize() int { return t.b.Len() + 1 }

// Len returns the number of segments. O(1).
func (t *Tree[K, V]) Len() int { return t.b.Len() }

// Search returns the segment holding key, or false when key is outside
// [min, max) or NaN. O(log n), no allocation.
func (t *Tree[K, V]) Search(key K) (Segment[K, V], bool) {
	if !(t.min <= key && key < t.max) { // also false for NaN
		return Segment[K, V]{}, false
	}
	f, _ := t.b.Floor(key)
	return t.segment(f), true
}

// segment turns a boundary lookup into the segment it starts.
func (t *Tree[K, V]) segment(f cow.Found[K, V]) Segment[K, V] {
	end := t.max
	if f.HasNext {
		end = f.Next
	}
	return Segment[K, V]{Start: f.Key, End: end, Value: f.Value}
}

// Clone returns a tree with the same content in O(1) and one allocation.
// Writes to either tree never show in the other. Clone never writes to its
// receiver's fields, so cloning a frozen tree (a published version) from many
// goroutines at once is safe.
func (t *Tree[K, V]) Clone() *Tree[K, V] {
	return &Tree[K, V]{min: t.min, max: t.max, init: t.init, b: t.b.Fork()}
}

// Freeze retires the tree's writer token in O(1): nodes reachable from the
// tree are never written again, so the tree can be shared with readers; a
// later write to the tree copies the paths it changes.
func (t *Tree[K, V]) Freeze() { t.b.Freeze() }

// Clear maps the whole span to the default value again, in O(1). Other
// versions sharing nodes with t are not affected.
func (t *Tree[K, V]) Clear() {
	if !(t.min < t.max) {
		return // the zero Tree: an empty span
	}
	if t.b.Len() == 1 {
		if v, _ := t.b.Get(t.min); v == t.init {
			return
		}
	}
	t.b = cow.Tree[K, V]{}
	t.b.Set(t.min, t.init)
}

// Equal reports whether t and o have the same span, default value and
// segments. It is O(1) when o is an unchanged Clone of t (or t of o), and
// otherwise skips the subtrees the two share.
func (t *Tree[K, V]) Equal(o *Tree[K, V]) bool {
	if t == o {
		return true
	}
	if t.min != o.min || t.max != o.max || t.init != o.init || t.b.Len() != o.b.Len() {
		return false
	}
	for range Diff(t, o) {
		return false
	}
	return true
}

// Verify checks every invariant of the tree: those of the B+tree below (see
// cow.Tree.Verify), a boundary at min, every boundary inside the span, and no
// two neighbouring segments with equal values. O(n). Tests call it after
// every operation.
func (t *Tree[K, V]) Verify() error {
	if err := t.b.Verify(); err != nil {
		return err
	}
	if !(t.min < t.max) && t.b.Len() == 0 {
		return nil // the zero Tree
	}
	first := true
	var prev V
	for k, v := range t.b.All() {
		switch {
		case first && k != t.min:
			return fmt.Errorf("%w: first boundary %v is not min %v", cow.ErrCorrupt, k, t.min)
		case !(k < t.max):
			return fmt.Errorf("%w: boundary %v at or past max %v", cow.ErrCorrupt, k, t.max)
		case !first && v == prev:
			return fmt.Errorf("%w: boundary %v does not change the value %v", cow.ErrCorrupt, k, v)
		}
		first, prev = false, v
	}
	if first {
		return fmt.Errorf("%w: no boundary at min", cow.ErrCorrupt)
	}
	return nil
}

// Segments returns the segments in increasing key order, as mdds's
// segment_range(). Each step is O(1) amortised.
func (t *Tree[K, V]) Segments() iter.Seq[Segment[K, V]] {
	return func(yield func(Segment[K, V]) bool) {
		t.segmentsFrom(t.b.All(), yield)
	}
}

func (t *Tree[K, V]) segmentsFrom(bounds iter.Seq2[K, V], yield func(Segment[K, V]) bool) bool {
	var cur Segment[K, V]
	started := false
	for k, v := range bounds {
		if started {
			cur.End = k
			if !yield(cur) {
				return false
			}
		}
		cur, started = Segment[K, V]{Start: k, Value: v}, true
	}
	if started {
		cur.End = t.max
		return yield(cur)
	}
	return true
}

// All returns the mdds leaf nodes in increasing key order, as begin()..end():
// each segment's start with its value, then max with the default value (mdds
// stores its initial value in that last node).
func (t *Tree[K, V]) All() iter.Seq2[K, V] {
	return func(yield func(K, V) bool) {
		for k, v := range t.b.All() {
			if !yield(k, v) {
				return
			}
		}
		yield(t.max, t.init)
	}
}

// Backward returns the leaf nodes of All in decreasing key order, as
// rbegin()..rend().
func (t *Tree[K, V]) Backward() iter.Seq2[K, V] {
	return func(yield func(K, V) bool) {
		if !yield(t.max, t.init) {
			return
		}
		for k, v := range t.b.Backward() {
			if !yield(k, v) {
				return
			}
		}
	}
}

// Overlapping returns, in increasing key order, the whole segments that
// share at least one key with [start, end). It yields nothing when start >=
// end, either is NaN, or the range misses the span. The first step is
// O(log n), each further step O(1) amortised.
func (t *Tree[K, V]) Overlapping(start, end K) iter.Seq[Segment[K, V]] {
	return func(yield func(Segment[K, V]) bool) {
		if !(start < end) || !(start < t.max) || !(t.min < end) {
			return
		}
		f, _ := t.b.Floor(max(start, t.min))
		for s := range t.segmentsAt(f.Key) {
			if !(s.Start < end) || !yield(s) {
				return
			}
		}
	}
}

// segmentsAt is Segments starting with the segment that begins at from.
func (t *Tree[K, V]) segmentsAt(from K) iter.Seq[Segment[K, V]] {
	return func(yield func(Segment[K, V]) bool) {
		t.segmentsFrom(t.b.Ascend(from), yield)
	}
}
