package fst

import (
	"errors"
	"fmt"
	"iter"

	"github.com/flatseg/flatseg/cow"
	"github.com/flatseg/flatseg/internal/num"
)

// Key is the set of key types a Tree accepts: every integer and float type,
// including named types built on them.
type Key = cow.Number

// Segment is the half-open key range [Start, End) and the value every key in
// it maps to.
type Segment[K Key, V any] struct {
	Start, End K
	Value      V
}

// Errors. Each is wrapped with the offending arguments; test with
// errors.Is. An operation that returns an error has changed nothing.
var (
	// ErrInvalidRange: start >= end, or lo >= hi in New.
	ErrInvalidRange = errors.New("fst: invalid range")
	// ErrOutOfSpan: a range that shares no key with the span [lo, hi), a
	// shift position outside the span, or ShiftLeft bounds beyond it.
	ErrOutOfSpan = errors.New("fst: outside the tree's span")
	// ErrInvalidShift: a shift size <= 0, or a float shift that rounding
	// keeps from being done exactly (see ShiftLeft and ShiftRight).
	ErrInvalidShift = errors.New("fst: invalid shift")
	// ErrNaN: a NaN key.
	ErrNaN = errors.New("fst: NaN key")
	// ErrUnsorted: Build was given segments out of order or overlapping.
	ErrUnsorted = errors.New("fst: segments out of order")
	// ErrNilEqual: NewFunc or BuildFunc was given no equality function.
	ErrNilEqual = errors.New("fst: nil equality function")
	// ErrNilMeasure: a measured tree was given no Measure.
	ErrNilMeasure = errors.New("fst: nil Measure")
)

// Tree is a flat segment tree: it maps every key of the fixed span [lo, hi)
// to a value, through non-overlapping segments whose neighbours never hold
// equal values. It behaves as mdds::flat_segment_tree 2.0.3, but every
// version carries its own search tree (there is no build_tree step) and the
// tree is persistent: Clone is O(1) and the two trees share their nodes
// until one of them writes.
//
// Internally the tree stores the segment boundaries (mdds's leaf nodes but
// the last) in a copy-on-write B+tree (package cow): boundary key -> value
// of the segment starting there.
//
// # Costs
//
// With n segments: Search O(log n) without allocation; Insert O(log n), or
// O(log² n + removed/B) when it overwrites many nodes' worth of boundaries;
// ShiftLeft and ShiftRight O(log n) for integer keys (O(n) for float keys,
// to round every moved key exactly as mdds does); Clone O(1) and one
// allocation; iteration O(1) per step. The first write after a Clone copies
// the O(log n) nodes on the paths it changes and no others.
//
// # Values
//
// The tree compares values to merge equal neighbours, to report whether a
// write changed anything, and in Equal and Diff. [New] and [Build] compare
// with ==, as mdds does: a float NaN value never equals itself, so NaN
// segments never merge and rewriting NaN with NaN counts as a change.
// [NewFunc] and [BuildFunc] take the equality as a function, for values
// that are not comparable (slices, maps) or that compare otherwise. Every
// write compares values before it changes anything, so an equality that
// panics (an interface holding a slice, under ==) leaves the tree as it
// was.
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
//
// The zero Tree is the empty span [0, 0): it maps no key, Search finds
// nothing, every write returns ErrOutOfSpan and Clear does nothing. Make
// trees with New, NewFunc, Build or BuildFunc.
type Tree[K Key, V any] struct {
	tree[K, V, none]
}

// none is a Tree's summary: nothing.
type none = struct{}

// tree is both Tree and Measured: one core generic in the summary M, whose
// plain form (M = none) keeps no summaries and computes none.
type tree[K Key, V, M any] struct {
	lo, hi K
	p      *props[K, V, M]       // shared by every clone; nil only in the zero Tree
	b      cow.Measured[K, V, M] // boundary -> value of the segment starting there; always holds lo
}

// props are the parts of a tree that never change and that only writes
// read: kept apart so that a Tree, which Clone copies, stays small.
type props[K Key, V, M any] struct {
	init V
	eq   func(a, b V) bool
	m    cow.Measure[K, V, M] // nil in a Tree
}

// measure returns the tree's Measure, nil for a Tree.
func (t *tree[K, V, M]) measure() cow.Measure[K, V, M] {
	if t.p == nil {
		return nil
	}
	return t.p.m
}

// Writes go through these, so that a Measured tree refreshes its summaries
// once per operation (settle), however many boundaries the operation moved.
func (t *tree[K, V, M]) set(k K, v V)    { t.b.Unsettled().Set(k, v) }
func (t *tree[K, V, M]) del(k K)         { t.b.Unsettled().Delete(t.measure(), k) }
func (t *tree[K, V, M]) delRange(a, b K) { t.b.Unsettled().DeleteRange(t.measure(), a, b) }
func (t *tree[K, V, M]) shift(p, d K)    { t.b.Unsettled().Shift(p, d) }
func (t *tree[K, V, M]) settle() {
	if m := t.measure(); m != nil { // a Tree has none: no call
		t.b.Settle(m)
	}
}

// def returns the default value.
func (t *tree[K, V, M]) def() V {
	if t.p == nil {
		var zero V
		return zero
	}
	return t.p.init
}

// New returns a tree over [lo, hi) with every key mapped to init, comparing
// values with ==. It fails with ErrNaN for a NaN bound and ErrInvalidRange
// unless lo < hi. O(1).
func New[K Key, V comparable](lo, hi K, init V) (*Tree[K, V], error) {
	t := new(Tree[K, V])
	return made(t, t.init(lo, hi, init, equal[V], nil))
}

// NewFunc is New for values compared by equal, which must be an
// equivalence (reflexive, symmetric, transitive) and must not change the
// tree. It fails with ErrNilEqual when equal is nil.
func NewFunc[K Key, V any](lo, hi K, init V, equal func(a, b V) bool) (*Tree[K, V], error) {
	if equal == nil {
		return nil, fmt.Errorf("%w: NewFunc", ErrNilEqual)
	}
	t := new(Tree[K, V])
	return made(t, t.init(lo, hi, init, equal, nil))
}

func equal[V comparable](a, b V) bool { return a == b }

// made returns t, or nil and err when making t failed: the tail of every
// constructor.
func made[T any](t *T, err error) (*T, error) {
	if err != nil {
		return nil, err
	}
	return t, nil
}

// init makes the zero t a tree over [lo, hi) of init.
func (t *tree[K, V, M]) init(lo, hi K, init V, eq func(a, b V) bool, m cow.Measure[K, V, M]) error {
	if err := checkSpan(lo, hi); err != nil {
		return err
	}
	*t = tree[K, V, M]{lo: lo, hi: hi, p: &props[K, V, M]{init: init, eq: eq, m: m}}
	t.set(lo, init)
	t.settle()
	return nil
}

// Build returns a tree over [lo, hi) holding segs, in O(n + len(segs)),
// comparing values with ==. The segments must be in increasing order and
// must not overlap (they may leave gaps, which map to init); each is clipped
// to the span. Equal neighbours are merged, so the result is what inserting
// every segment in order would give, with nodes packed full. It returns the
// errors of New, ErrNaN, ErrInvalidRange for an empty segment and
// ErrUnsorted.
func Build[K Key, V comparable](lo, hi K, init V, segs []Segment[K, V]) (*Tree[K, V], error) {
	t := new(Tree[K, V])
	return made(t, t.buildSpan(lo, hi, init, equal[V], nil, segs))
}

// BuildFunc is Build for values compared by equal (see NewFunc).
func BuildFunc[K Key, V any](lo, hi K, init V, equal func(a, b V) bool, segs []Segment[K, V]) (*Tree[K, V], error) {
	if equal == nil {
		return nil, fmt.Errorf("%w: BuildFunc", ErrNilEqual)
	}
	t := new(Tree[K, V])
	return made(t, t.buildSpan(lo, hi, init, equal, nil, segs))
}

// buildSpan makes the zero t a tree over [lo, hi) of init holding segs, with
// Build's contract, and the summaries of m when it is not nil.
func (t *tree[K, V, M]) buildSpan(lo, hi K, init V, eq func(a, b V) bool, m cow.Measure[K, V, M], segs []Segment[K, V]) error {
	tb, err := newBuilder(lo, hi, init, eq, m)
	if err != nil {
		return err
	}
	return build(t, tb, segs)
}

// build is Build into the fresh builder tb, which holds the span, the
// default value and the equality. It checks the segments, clips them to the
// span, and hands each change of value to a coalescer, which streams the
// boundaries into tb: nothing but the tree's own nodes is allocated.
func build[K Key, V, M any](t *tree[K, V, M], tb *builder[K, V, M], segs []Segment[K, V]) error {
	c := coalescer[K, V, M]{b: tb, pk: tb.lo, pv: tb.init}
	prevEnd := tb.lo
	for i, s := range segs {
		if err := checkSegment(segs, i); err != nil {
			return err
		}
		start, end := max(s.Start, tb.lo), min(s.End, tb.hi)
		if !(start < end) {
			continue // wholly outside the span
		}
		if prevEnd < start {
			if err := c.at(prevEnd, tb.init); err != nil {
				return err
			}
		}
		if err := c.at(start, s.Value); err != nil {
			return err
		}
		prevEnd = end
	}
	if prevEnd < tb.hi {
		if err := c.at(prevEnd, tb.init); err != nil {
			return err
		}
	}
	if err := c.flush(); err != nil {
		return err
	}
	return tb.tree(t)
}

// checkSegment validates segs[i] on its own and against segs[i-1].
func checkSegment[K Key, V any](segs []Segment[K, V], i int) error {
	s := segs[i]
	switch {
	case num.IsNaN(s.Start) || num.IsNaN(s.End):
		return fmt.Errorf("%w: segment %d is [%v, %v)", ErrNaN, i, s.Start, s.End)
	case !(s.Start < s.End):
		return fmt.Errorf("%w: segment %d is [%v, %v)", ErrInvalidRange, i, s.Start, s.End)
	case i > 0 && s.Start < segs[i-1].End:
		return fmt.Errorf("%w: segment %d [%v, %v) starts before segment %d ends at %v",
			ErrUnsorted, i, s.Start, s.End, i-1, segs[i-1].End)
	}
	return nil
}

// coalescer turns a run of "value v from key k on" changes, in increasing
// key order, into the boundaries of a tree, streamed into a builder one
// behind: the pending boundary may still change its value (a later change
// at the same key) or vanish (merged into the boundary before it), so it is
// added only once the next change differs from it.
type coalescer[K Key, V, M any] struct {
	b        *builder[K, V, M]
	pk       K    // the pending boundary
	pv       V    // and its value
	merged   bool // the pending boundary is the last one added: nothing to flush
	lastV    V    // the value of the last boundary added
	haveLast bool
}

// at records that keys from k on hold v. k is at or after the pending
// boundary.
func (c *coalescer[K, V, M]) at(k K, v V) error {
	eq := c.b.eq
	switch {
	case eq(c.pv, v): // no change of value
	case c.pk == k: // the pending boundary changes its value
		if c.haveLast && eq(c.lastV, v) {
			c.merged = true // and merges into the last added boundary
		}
		c.pv = v
	default:
		if err := c.flush(); err != nil {
			return err
		}
		c.pk, c.pv, c.merged = k, v, false
	}
	return nil
}

// flush adds the pending boundary to the builder, unless it merged into the
// last one added.
func (c *coalescer[K, V, M]) flush() error {
	if c.merged {
		return nil
	}
	// Increasing, inside the span, unlike its neighbour: the builder
	// refuses it only for an eq that is no equivalence.
	if err := c.b.add(c.pk, c.pv); err != nil {
		return err
	}
	c.lastV, c.haveLast = c.pv, true
	return nil
}

// same is the value equality that decides merging, the changed flag, Equal
// and Diff. The zero Tree has no equality and holds no value to compare.
func (t *tree[K, V, M]) same(a, b V) bool { return t.p == nil || t.p.eq(a, b) }

// SameValue reports whether a and b are equal under the tree's equality
// (== for New and Build, the function given to NewFunc and BuildFunc). On
// the zero Tree it reports true.
func (t *tree[K, V, M]) SameValue(a, b V) bool { return t.same(a, b) }

// MinKey returns the lower end of the span (inclusive). O(1).
func (t *tree[K, V, M]) MinKey() K { return t.lo }

// MaxKey returns the upper end of the span (exclusive). O(1).
func (t *tree[K, V, M]) MaxKey() K { return t.hi }

// DefaultValue returns the value of keys no segment was inserted for, and the
// value ShiftLeft and ShiftRight give to the keys they free. O(1).
func (t *tree[K, V, M]) DefaultValue() V { return t.def() }

// LeafSize returns the number of mdds leaf nodes: the number of segments
// plus one (the node at max). O(1).
func (t *tree[K, V, M]) LeafSize() int { return t.b.Len() + 1 }

// Len returns the number of segments. O(1).
func (t *tree[K, V, M]) Len() int { return t.b.Len() }

// Search returns the segment holding key, or false when key is outside
// [lo, hi) or NaN. O(log n), no allocation.
func (t *tree[K, V, M]) Search(key K) (Segment[K, V], bool) {
	if !(t.lo <= key && key < t.hi) { // also false for NaN
		return Segment[K, V]{}, false
	}
	iv, _ := t.b.Interval(key)
	end := t.hi
	if !iv.Open {
		end = iv.End
	}
	return Segment[K, V]{Start: iv.Start, End: end, Value: iv.Value}, true
}

// Clone returns a tree with the same content in O(1) and one allocation.
// Writes to either tree never show in the other. Clone never writes to its
// receiver's fields, so cloning a frozen tree (a published version) from many
// goroutines at once is safe.
func (t *Tree[K, V]) Clone() *Tree[K, V] { return &Tree[K, V]{t.clone()} }

// clone is Clone for both kinds of tree.
func (t *tree[K, V, M]) clone() tree[K, V, M] {
	c := *t
	c.b = *t.b.Clone() // a fork of the B+tree: never t.b's owner token
	return c
}

// Freeze retires the tree's writer token in O(1): nodes reachable from the
// tree are never written again, so the tree can be shared with readers; a
// later write to the tree copies the paths it changes.
func (t *tree[K, V, M]) Freeze() { t.b.Freeze() }

// Clear maps the whole span to the default value again, in O(1). Other
// versions sharing nodes with t are not affected. On the zero Tree it does
// nothing.
func (t *tree[K, V, M]) Clear() {
	if !(t.lo < t.hi) {
		return
	}
	if t.b.Len() == 1 {
		if v, _ := t.b.Get(t.lo); t.same(v, t.def()) {
			return
		}
	}
	t.b.Clear()
	t.set(t.lo, t.def())
	t.settle()
}

// Equal reports whether t and o have the same span, default value and
// segments, comparing values with t's equality. It is O(1) when o is an
// unchanged Clone of t (or t of o), and otherwise skips the subtrees the two
// share.
func (t *Tree[K, V]) Equal(o *Tree[K, V]) bool { return t.equal(&o.tree) }

// equal is Equal for both kinds of tree.
func (t *tree[K, V, M]) equal(o *tree[K, V, M]) bool {
	if t == o {
		return true
	}
	if t.lo != o.lo || t.hi != o.hi || !t.same(t.def(), o.def()) || t.b.Len() != o.b.Len() {
		return false
	}
	for range diff(t, o) {
		return false
	}
	return true
}

// Verify checks every invariant of the tree: those of the B+tree below, a
// boundary at lo, every boundary inside the span, and no two neighbouring
// segments with equal values. It returns an error wrapping ErrCorrupt. O(n).
// Tests call it after every operation.
func (t *tree[K, V, M]) Verify() error {
	if err := t.b.Verify(t.measure()); err != nil {
		return fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	if !(t.lo < t.hi) && t.b.Len() == 0 {
		return nil // the zero Tree
	}
	first := true
	var prev V
	for k, v := range t.b.All() {
		switch {
		case first && k != t.lo:
			return fmt.Errorf("%w: first boundary %v is not lo %v", ErrCorrupt, k, t.lo)
		case !(k < t.hi):
			return fmt.Errorf("%w: boundary %v at or past hi %v", ErrCorrupt, k, t.hi)
		case !first && t.same(v, prev):
			return fmt.Errorf("%w: boundary %v does not change the value %v", ErrCorrupt, k, v)
		}
		first, prev = false, v
	}
	if first {
		return fmt.Errorf("%w: no boundary at lo", ErrCorrupt)
	}
	return nil
}

// All returns the segments in increasing key order. Each step is O(1)
// amortised; stopping early costs only what was visited.
func (t *tree[K, V, M]) All() iter.Seq[Segment[K, V]] {
	return func(yield func(Segment[K, V]) bool) {
		t.segmentsFrom(t.b.All(), yield)
	}
}

// Segments returns the segments in increasing key order, as mdds's
// segment_range(); it is All under mdds's name.
func (t *tree[K, V, M]) Segments() iter.Seq[Segment[K, V]] { return t.All() }

// Backward returns the segments in decreasing key order, as All reversed.
// Each step is O(1) amortised.
func (t *tree[K, V, M]) Backward() iter.Seq[Segment[K, V]] {
	return func(yield func(Segment[K, V]) bool) {
		end := t.hi
		for k, v := range t.b.Backward() {
			if !yield(Segment[K, V]{Start: k, End: end, Value: v}) {
				return
			}
			end = k
		}
	}
}

func (t *tree[K, V, M]) segmentsFrom(bounds iter.Seq2[K, V], yield func(Segment[K, V]) bool) bool {
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
		cur.End = t.hi
		return yield(cur)
	}
	return true
}

// LeafNodes returns mdds's leaf nodes in increasing key order, as its
// begin()..end(): each segment's start with its value, then, as the last
// pair, hi with the default value (mdds keeps its initial value in that
// node, which starts no segment). Use All for segments.
func (t *tree[K, V, M]) LeafNodes() iter.Seq2[K, V] {
	return func(yield func(K, V) bool) {
		if !(t.lo < t.hi) {
			return
		}
		for k, v := range t.b.All() {
			if !yield(k, v) {
				return
			}
		}
		yield(t.hi, t.def())
	}
}

// LeafNodesBackward returns the pairs of LeafNodes in decreasing key order,
// as mdds's rbegin()..rend().
func (t *tree[K, V, M]) LeafNodesBackward() iter.Seq2[K, V] {
	return func(yield func(K, V) bool) {
		if !(t.lo < t.hi) || !yield(t.hi, t.def()) {
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
func (t *tree[K, V, M]) Overlapping(start, end K) iter.Seq[Segment[K, V]] {
	return func(yield func(Segment[K, V]) bool) {
		if t.checkRange(start, end) != nil {
			return
		}
		from, _, _ := t.b.Floor(max(start, t.lo))
		segs := func(yield func(Segment[K, V]) bool) { t.segmentsFrom(t.b.Ascend(from), yield) }
		for s := range segs {
			if !(s.Start < end) || !yield(s) {
				return
			}
		}
	}
}

// checkSpan validates the span of a new tree.
func checkSpan[K Key](lo, hi K) error {
	switch {
	case num.IsNaN(lo) || num.IsNaN(hi):
		return fmt.Errorf("%w: span [%v, %v)", ErrNaN, lo, hi)
	case !(lo < hi):
		return fmt.Errorf("%w: span [%v, %v): lo must be below hi", ErrInvalidRange, lo, hi)
	}
	return nil
}

// checkRange validates a key range [start, end) against the span: the one
// rule for every range argument (Insert, Overlapping, and package flatseg's
// WaitRange through CheckRange).
func (t *tree[K, V, M]) checkRange(start, end K) error {
	switch {
	case num.IsNaN(start) || num.IsNaN(end):
		return fmt.Errorf("%w: range [%v, %v)", ErrNaN, start, end)
	case !(start < end):
		return fmt.Errorf("%w: range [%v, %v): start must be below end", ErrInvalidRange, start, end)
	case !(t.lo < t.hi) || !(start < t.hi) || !(t.lo < end):
		return fmt.Errorf("%w: range [%v, %v) shares no key with [%v, %v)", ErrOutOfSpan, start, end, t.lo, t.hi)
	}
	return nil
}

// CheckRange returns the error Insert would return for the range
// [start, end), without writing: ErrNaN, ErrInvalidRange when start >=
// end, ErrOutOfSpan when the range shares no key with the span; nil when
// the range is valid. O(1).
func (t *tree[K, V, M]) CheckRange(start, end K) error { return t.checkRange(start, end) }
