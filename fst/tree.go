package fst

import (
	"errors"
	"fmt"
	"iter"

	"github.com/flatseg/flatseg/internal/cow"
	"github.com/flatseg/flatseg/internal/num"
	"github.com/flatseg/flatseg/internal/span"
)

// Key is the set of key types a tree accepts: every integer and float
// type, including named types built on them.
type Key interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64 | ~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~float32 | ~float64
}

// Segment is the half-open key range [Start, End) and the value every key in
// it maps to.
type Segment[K Key, V any] struct {
	Start, End K
	Value      V
}

// Errors. Each is wrapped with the offending arguments; test with
// errors.Is. An operation that returns an error has changed nothing.
var (
	// ErrInvalidRange: start >= end, or min >= max in New.
	ErrInvalidRange = span.ErrInvalidRange
	// ErrOutOfSpan: a range that shares no key with the span [min, max), a
	// shift position outside the span, or ShiftLeft bounds beyond it.
	ErrOutOfSpan = span.ErrOutOfSpan
	// ErrInvalidShift: a shift size <= 0, or a float shift that rounding
	// keeps from being done exactly (see ShiftLeft and ShiftRight).
	ErrInvalidShift = errors.New("fst: invalid shift")
	// ErrNaN: a NaN key.
	ErrNaN = span.ErrNaN
	// ErrUnsorted: Build was given segments out of order or overlapping.
	ErrUnsorted = errors.New("fst: segments out of order")
	// ErrNilEqual: NewFunc or BuildFunc was given no equality function.
	ErrNilEqual = errors.New("fst: nil equality function")
	// ErrNilMeasure: a measured tree was given no Measure.
	ErrNilMeasure = errors.New("fst: nil Measure")
)

// Measured is a flat segment tree: it maps every key of the fixed span
// [min, max) to a value, through non-overlapping segments whose neighbours
// never hold equal values. It behaves as mdds::flat_segment_tree 2.0.3, but
// every version carries its own search tree (there is no build_tree step)
// and the tree is persistent: Clone is O(1) and the two trees share their
// nodes until one of them writes. A tree made with a [Measure] also keeps a
// summary of type M (a sum of heights, a count of visible rows, a minimum)
// of every subtree, and answers [Measured.Measure], [Measured.Seek] and
// [Measured.SeekBackward] in O(log n); [Tree] is the same type with no
// summary (M is [None]), which is what [New], [Build] and [Decode] return.
//
// Internally the tree stores the segment boundaries (mdds's leaf nodes but
// the last) in a copy-on-write B+tree: boundary key -> value of the segment
// starting there, and, in each inner node, the summary of every child.
//
// # Costs
//
// With n segments: Search O(log n) without allocation; Insert O(log n), or
// O(log² n + removed/B) when it overwrites many nodes' worth of boundaries;
// ShiftLeft and ShiftRight O(log n) for integer keys (O(n) for float keys,
// to round every moved key exactly as mdds does); Clone O(1) and one
// allocation; iteration O(1) per step. The first write after a Clone copies
// the O(log n) nodes on the paths it changes and no others. With a Measure,
// each write also recomputes the summaries of the nodes it changed, once
// per operation: O(B) Of and Combine calls per changed node, B being the
// node size (47). Summaries depend on segment lengths, not on positions, so
// shifts keep every summary off their path and stay O(log n).
//
// # Values
//
// The tree compares values to merge equal neighbours, to report whether a
// write changed anything, and in Equal and Diff. [New], [Build], [Decode]
// and [NewMeasured] compare with ==, as mdds does: a float NaN value never
// equals itself, so NaN segments never merge and rewriting NaN with NaN
// counts as a change. [NewFunc], [BuildFunc] and [DecodeFunc] take the
// equality as a function, for values that are not comparable (slices, maps)
// or that compare otherwise. Every write compares values before it changes
// anything, so an equality that panics (an interface holding a slice, under
// ==) leaves the tree as it was.
//
// # Concurrency and lifetime
//
// A tree is not safe for a write concurrent with any other use of the same
// tree. Reads never write, so any number of goroutines may read a tree
// that nobody writes. Freeze retires the tree's writer token, after which
// no node reachable from it is ever written again; Clone of a frozen tree
// writes nothing at all, so many goroutines may clone one at once.
// Iterators read the tree as it is at each step: do not write a tree while
// iterating it (iterate a Clone instead, which costs O(1)).
//
// # Summaries are values
//
// Measure may return a summary the tree stores (when the range is exactly
// one child's keys), and Combine receives stored summaries as arguments;
// the versions sharing a node share its summaries, and so do the
// goroutines reading one version. So neither a Measure nor a caller may
// modify a summary: make M a value type (numbers, small structs of
// numbers), or a slice or map that nothing ever modifies, and a Combine
// that returns a new value rather than appending to its first argument.
// [Measured.Verify] recomputes every stored summary and reports one that
// was modified as ErrCorrupt.
//
// The zero tree is the empty span [0, 0): it maps no key, Search finds
// nothing, every write returns ErrOutOfSpan and Clear does nothing. Make
// trees with the constructors.
type Measured[K Key, V, M any] struct {
	min, max K
	p        *props[K, V, M]   // shared by every clone; nil only in the zero tree
	b        cow.Tree[K, V, M] // boundary -> value of the segment starting there; always holds min
}

// Tree is a flat segment tree without summaries: a [Measured] tree whose
// summary is [None]. Every method of Measured applies; see there.
type Tree[K Key, V any] = Measured[K, V, None]

// None is the summary of a tree made without a [Measure] ([New], [Build],
// [Decode] and their Func forms): it holds nothing and costs nothing (a
// [Tree]'s nodes are laid out as if it had no summaries). On such a tree
// Measure returns None{}, and Seek and SeekBackward read every range's
// summary as None{}.
type None struct{}

// props are the parts of a tree that never change and that only writes
// read: kept apart so that a tree, which Clone copies, stays small (64
// bytes for 8-byte keys).
type props[K Key, V, M any] struct {
	init V
	eq   func(a, b V) bool
	m    cow.Measure[K, V, M] // nil without a Measure
}

// measure returns the tree's Measure, nil for a tree without one.
func (t *Measured[K, V, M]) measure() cow.Measure[K, V, M] {
	if t.p == nil {
		return nil
	}
	return t.p.m
}

// Writes go through these and end with settle, so that a tree with a
// Measure refreshes its summaries once per operation, however many
// boundaries the operation moved.
func (t *Measured[K, V, M]) set(k K, v V)    { t.b.Set(k, v) }
func (t *Measured[K, V, M]) del(k K)         { t.b.Delete(k) }
func (t *Measured[K, V, M]) delRange(a, b K) { t.b.DeleteRange(a, b) }
func (t *Measured[K, V, M]) shift(p, d K)    { t.b.Shift(p, d) }
func (t *Measured[K, V, M]) settle() {
	if m := t.measure(); m != nil { // none without a Measure: no call
		t.b.Settle(m)
	}
}

// def returns the default value.
func (t *Measured[K, V, M]) def() V {
	if t.p == nil {
		var zero V
		return zero
	}
	return t.p.init
}

// New returns a tree over [min, max) with every key mapped to init, comparing
// values with ==. It fails with ErrNaN for a NaN bound and ErrInvalidRange
// unless min < max. O(1).
func New[K Key, V comparable](min, max K, init V) (*Tree[K, V], error) {
	t := new(Tree[K, V])
	return made(t, t.init(min, max, init, equal[V], nil))
}

// NewFunc is New for values compared by equal, which must be an
// equivalence (reflexive, symmetric, transitive) and must not change the
// tree. It fails with ErrNilEqual when equal is nil.
func NewFunc[K Key, V any](min, max K, init V, equal func(a, b V) bool) (*Tree[K, V], error) {
	if equal == nil {
		return nil, fmt.Errorf("%w: NewFunc", ErrNilEqual)
	}
	t := new(Tree[K, V])
	return made(t, t.init(min, max, init, equal, nil))
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

// init makes the zero t a tree over [min, max) of init.
func (t *Measured[K, V, M]) init(min, max K, init V, eq func(a, b V) bool, m cow.Measure[K, V, M]) error {
	if err := checkSpan(min, max); err != nil {
		return err
	}
	*t = Measured[K, V, M]{min: min, max: max, p: &props[K, V, M]{init: init, eq: eq, m: m}}
	t.set(min, init)
	t.settle()
	return nil
}

// Build returns a tree over [min, max) holding segs, in O(n + len(segs)),
// comparing values with ==. The segments must be in increasing order and
// must not overlap (they may leave gaps, which map to init); each is clipped
// to the span. Equal neighbours are merged, so the result is what inserting
// every segment in order would give, with nodes packed full. It returns the
// errors of New, ErrNaN, ErrInvalidRange for an empty segment and
// ErrUnsorted.
func Build[K Key, V comparable](min, max K, init V, segs []Segment[K, V]) (*Tree[K, V], error) {
	t := new(Tree[K, V])
	return made(t, t.buildSpan(min, max, init, equal[V], nil, segs))
}

// BuildFunc is Build for values compared by equal (see NewFunc).
func BuildFunc[K Key, V any](min, max K, init V, equal func(a, b V) bool, segs []Segment[K, V]) (*Tree[K, V], error) {
	if equal == nil {
		return nil, fmt.Errorf("%w: BuildFunc", ErrNilEqual)
	}
	t := new(Tree[K, V])
	return made(t, t.buildSpan(min, max, init, equal, nil, segs))
}

// buildSpan makes the zero t a tree over [min, max) of init holding segs, with
// Build's contract, and the summaries of m when it is not nil.
func (t *Measured[K, V, M]) buildSpan(min, max K, init V, eq func(a, b V) bool, m cow.Measure[K, V, M], segs []Segment[K, V]) error {
	tb, err := newBuilder(min, max, init, eq, m)
	if err != nil {
		return err
	}
	return build(t, tb, segs)
}

// build is Build into the fresh builder tb, which holds the span, the
// default value and the equality. It checks the segments, clips them to the
// span, and hands each change of value to a coalescer, which streams the
// boundaries into tb: nothing but the tree's own nodes is allocated.
func build[K Key, V, M any](t *Measured[K, V, M], tb *builder[K, V, M], segs []Segment[K, V]) error {
	c := coalescer[K, V, M]{b: tb, pk: tb.min, pv: tb.init}
	prevEnd := tb.min
	for i, s := range segs {
		if err := checkSegment(segs, i); err != nil {
			return err
		}
		start, end := max(s.Start, tb.min), min(s.End, tb.max)
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
	if prevEnd < tb.max {
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
func (t *Measured[K, V, M]) same(a, b V) bool { return t.p == nil || t.p.eq(a, b) }

// MinKey returns the lower end of the span (inclusive). O(1).
func (t *Measured[K, V, M]) MinKey() K { return t.min }

// MaxKey returns the upper end of the span (exclusive). O(1).
func (t *Measured[K, V, M]) MaxKey() K { return t.max }

// DefaultValue returns the value of keys no segment was inserted for, and the
// value ShiftLeft and ShiftRight give to the keys they free. O(1).
func (t *Measured[K, V, M]) DefaultValue() V { return t.def() }

// LeafSize returns the number of mdds leaf nodes: the number of segments
// plus one (the node at max). O(1).
func (t *Measured[K, V, M]) LeafSize() int { return t.b.Len() + 1 }

// Len returns the number of segments. O(1).
func (t *Measured[K, V, M]) Len() int { return t.b.Len() }

// Search returns the segment holding key, or false when key is outside
// [min, max) or NaN. O(log n), no allocation.
func (t *Measured[K, V, M]) Search(key K) (Segment[K, V], bool) {
	if !(t.min <= key && key < t.max) { // also false for NaN
		return Segment[K, V]{}, false
	}
	iv, _ := t.b.Interval(key)
	end := t.max
	if !iv.Open {
		end = iv.End
	}
	return Segment[K, V]{Start: iv.Start, End: end, Value: iv.Value}, true
}

// Clone returns a tree with the same content in O(1) and one allocation.
// Writes to either tree never show in the other. Clone never writes to its
// receiver's fields, so cloning a frozen tree (a published version) from many
// goroutines at once is safe.
func (t *Measured[K, V, M]) Clone() *Measured[K, V, M] {
	c := *t
	c.b = *t.b.Clone() // a fork of the B+tree: never t.b's owner token
	return &c
}

// Freeze retires the tree's writer token in O(1): nodes reachable from the
// tree are never written again, so the tree can be shared with readers; a
// later write to the tree copies the paths it changes.
func (t *Measured[K, V, M]) Freeze() { t.b.Freeze() }

// Clear maps the whole span to the default value again, in O(1). Other
// versions sharing nodes with t are not affected. On the zero Tree it does
// nothing.
func (t *Measured[K, V, M]) Clear() {
	if !(t.min < t.max) {
		return
	}
	if t.b.Len() == 1 {
		if v, _ := t.b.Get(t.min); t.same(v, t.def()) {
			return
		}
	}
	t.b.Clear()
	t.set(t.min, t.def())
	t.settle()
}

// Equal reports whether t and o have the same span, default value and
// segments, comparing values with t's equality. It is O(1) when o is an
// unchanged Clone of t (or t of o), and otherwise skips the subtrees the two
// share.
func (t *Measured[K, V, M]) Equal(o *Measured[K, V, M]) bool {
	if t == o {
		return true
	}
	if t.min != o.min || t.max != o.max || !t.same(t.def(), o.def()) || t.b.Len() != o.b.Len() {
		return false
	}
	for range Diff(t, o) {
		return false
	}
	return true
}

// Verify checks every invariant of the tree: those of the B+tree below, a
// boundary at lo, every boundary inside the span, and no two neighbouring
// segments with equal values. It returns an error wrapping ErrCorrupt. O(n).
// Tests call it after every operation.
func (t *Measured[K, V, M]) Verify() error {
	if err := t.b.Verify(t.measure()); err != nil {
		return fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	if !(t.min < t.max) && t.b.Len() == 0 {
		return nil // the zero Tree
	}
	first := true
	var prev V
	for k, v := range t.b.All() {
		switch {
		case first && k != t.min:
			return fmt.Errorf("%w: first boundary %v is not lo %v", ErrCorrupt, k, t.min)
		case !(k < t.max):
			return fmt.Errorf("%w: boundary %v at or past hi %v", ErrCorrupt, k, t.max)
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
func (t *Measured[K, V, M]) All() iter.Seq[Segment[K, V]] {
	return func(yield func(Segment[K, V]) bool) {
		t.segmentsFrom(t.b.All(), yield)
	}
}

// Segments returns the segments in increasing key order, as mdds's
// segment_range(); it is All under mdds's name.
func (t *Measured[K, V, M]) Segments() iter.Seq[Segment[K, V]] { return t.All() }

// Backward returns the segments in decreasing key order, as All reversed.
// Each step is O(1) amortised.
func (t *Measured[K, V, M]) Backward() iter.Seq[Segment[K, V]] {
	return func(yield func(Segment[K, V]) bool) {
		end := t.max
		for k, v := range t.b.Backward() {
			if !yield(Segment[K, V]{Start: k, End: end, Value: v}) {
				return
			}
			end = k
		}
	}
}

func (t *Measured[K, V, M]) segmentsFrom(bounds iter.Seq2[K, V], yield func(Segment[K, V]) bool) bool {
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

// LeafNodes returns mdds's leaf nodes in increasing key order, as its
// begin()..end(): each segment's start with its value, then, as the last
// pair, hi with the default value (mdds keeps its initial value in that
// node, which starts no segment). Use All for segments.
func (t *Measured[K, V, M]) LeafNodes() iter.Seq2[K, V] {
	return func(yield func(K, V) bool) {
		if !(t.min < t.max) {
			return
		}
		for k, v := range t.b.All() {
			if !yield(k, v) {
				return
			}
		}
		yield(t.max, t.def())
	}
}

// LeafNodesBackward returns the pairs of LeafNodes in decreasing key order,
// as mdds's rbegin()..rend().
func (t *Measured[K, V, M]) LeafNodesBackward() iter.Seq2[K, V] {
	return func(yield func(K, V) bool) {
		if !(t.min < t.max) || !yield(t.max, t.def()) {
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
func (t *Measured[K, V, M]) Overlapping(start, end K) iter.Seq[Segment[K, V]] {
	return func(yield func(Segment[K, V]) bool) {
		if t.checkRange(start, end) != nil {
			return
		}
		from, _, _ := t.b.Floor(max(start, t.min))
		segs := func(yield func(Segment[K, V]) bool) { t.segmentsFrom(t.b.Ascend(from), yield) }
		for s := range segs {
			if !(s.Start < end) || !yield(s) {
				return
			}
		}
	}
}

// checkSpan validates the span of a new tree.
func checkSpan[K Key](min, max K) error {
	switch {
	case num.IsNaN(min) || num.IsNaN(max):
		return fmt.Errorf("%w: span [%v, %v)", ErrNaN, min, max)
	case !(min < max):
		return fmt.Errorf("%w: span [%v, %v): min must be below max", ErrInvalidRange, min, max)
	}
	return nil
}

// checkRange validates a key range [start, end) against the span: the one
// rule for every range argument (Insert, Apply, and package flatseg's
// WaitRange, which applies span.Check too).
func (t *Measured[K, V, M]) checkRange(start, end K) error {
	return span.Check(t.min, t.max, start, end)
}
