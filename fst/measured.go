package fst

import (
	"fmt"
	"io"
	"iter"

	"github.com/flatseg/flatseg/cow"
	"github.com/flatseg/flatseg/internal/num"
)

// A Measure summarises runs of keys, for a [Measured] tree. Of returns the
// summary of n > 0 consecutive keys that all hold v. Combine returns the
// summary of a run followed by the run after it. Combine must be
// associative, the zero M must be its identity, and Of(v, a+b) must equal
// Combine(Of(v, a), Of(v, b)): the tree groups keys differently from one
// version to the next, and only these laws make the answers independent of
// the grouping. Combine need not be commutative: a minimum, a count, a sum,
// the first and the last value are all measures.
//
// Of and Combine must not write to the tree. They run on the goroutine of
// the call that needs them, so several goroutines querying one tree call
// them at once. With float keys and a float summary, rounding makes the
// laws approximate: answers may then differ in the last bits from a
// left-to-right sum.
type Measure[K Key, V, M any] = cow.Measure[K, V, M]

// Measured is a [Tree] that also answers, in O(log n), questions about
// whole key ranges: the summary of a range under a [Measure] (a sum of
// heights, a count of visible rows, a minimum), and the first key at which
// a running summary passes a threshold (Seek). It has every method of Tree
// (Insert, ShiftLeft, ShiftRight, Apply, Search, the iterators, Clone,
// Verify, ...), with the same results and the same mdds behaviour.
//
// Each inner node of the B+tree below keeps, next to every child pointer,
// the summary of that child's keys. Summaries depend on segment lengths,
// not on positions, so a shift keeps every summary off its path: ShiftLeft
// and ShiftRight stay O(log n) for integer keys. A write refreshes the
// summaries of the nodes it changed, once per operation: O(B) Of and
// Combine calls per changed node, B being the node size (47). Clone is O(1)
// and every version keeps its own summaries; Verify checks each of them
// against the segments below it.
//
// Concurrency and lifetime are a Tree's. Encoding stores no summaries
// (FORMAT.md): DecodeMeasured rebuilds them.
//
// Integer lengths are computed in K: a span wider than K holds (int8 from
// -100 to 100) is refused by the constructors with ErrInvalidRange.
type Measured[K Key, V, M any] struct {
	tree[K, V, M]
}

// NewMeasured returns a measured tree over [lo, hi) with every key mapped
// to init, comparing values with ==, summarised by m. It fails as New does,
// with ErrInvalidRange also when hi-lo overflows K, and with ErrNilMeasure
// for a nil m. O(1).
func NewMeasured[K Key, V comparable, M any](lo, hi K, init V, m Measure[K, V, M]) (*Measured[K, V, M], error) {
	return newMeasured(lo, hi, init, equal[V], m)
}

// NewMeasuredFunc is NewMeasured for values compared by equal (see NewFunc).
func NewMeasuredFunc[K Key, V, M any](lo, hi K, init V, equal func(a, b V) bool, m Measure[K, V, M]) (*Measured[K, V, M], error) {
	if equal == nil {
		return nil, fmt.Errorf("%w: NewMeasuredFunc", ErrNilEqual)
	}
	return newMeasured(lo, hi, init, equal, m)
}

func newMeasured[K Key, V, M any](lo, hi K, init V, eq func(a, b V) bool, m Measure[K, V, M]) (*Measured[K, V, M], error) {
	if err := checkMeasured(lo, hi, m); err != nil {
		return nil, err
	}
	t := new(Measured[K, V, M])
	return made(t, t.init(lo, hi, init, eq, m))
}

// checkMeasured refuses a nil measure and an integer span whose width K
// cannot hold.
func checkMeasured[K Key, V, M any](lo, hi K, m Measure[K, V, M]) error {
	if m == nil {
		return ErrNilMeasure
	}
	if err := checkSpan(lo, hi); err != nil {
		return err
	}
	if !num.IsFloat[K]() && !(hi-lo > 0) {
		return fmt.Errorf("%w: span [%v, %v) is wider than its key type holds: lengths would overflow", ErrInvalidRange, lo, hi)
	}
	return nil
}

// BuildMeasured is Build for a measured tree: O(n) besides, one Of and one
// Combine call per segment and per node.
func BuildMeasured[K Key, V comparable, M any](lo, hi K, init V, m Measure[K, V, M], segs []Segment[K, V]) (*Measured[K, V, M], error) {
	return buildMeasured(lo, hi, init, equal[V], m, segs)
}

// BuildMeasuredFunc is BuildMeasured for values compared by equal.
func BuildMeasuredFunc[K Key, V, M any](lo, hi K, init V, equal func(a, b V) bool, m Measure[K, V, M], segs []Segment[K, V]) (*Measured[K, V, M], error) {
	if equal == nil {
		return nil, fmt.Errorf("%w: BuildMeasuredFunc", ErrNilEqual)
	}
	return buildMeasured(lo, hi, init, equal, m, segs)
}

func buildMeasured[K Key, V, M any](lo, hi K, init V, eq func(a, b V) bool, m Measure[K, V, M], segs []Segment[K, V]) (*Measured[K, V, M], error) {
	if m == nil {
		return nil, ErrNilMeasure
	}
	t := new(Measured[K, V, M])
	return made(t, t.buildSpan(lo, hi, init, eq, m, segs)) // the builder checks the span for m
}

// DecodeMeasured is Decode into a measured tree: it reads a stream Encode
// or EncodeMeasured wrote (the format holds no summaries) and computes the
// summaries as it builds, O(n) Of and Combine calls beyond Decode's cost.
func DecodeMeasured[K Key, V comparable, M any](r io.Reader, c Codec[V], m Measure[K, V, M]) (*Measured[K, V, M], error) {
	return decodeMeasured(r, c, equal[V], m)
}

// DecodeMeasuredFunc is DecodeMeasured for values compared by equal.
func DecodeMeasuredFunc[K Key, V, M any](r io.Reader, c Codec[V], equal func(a, b V) bool, m Measure[K, V, M]) (*Measured[K, V, M], error) {
	if equal == nil {
		return nil, fmt.Errorf("%w: DecodeMeasuredFunc", ErrNilEqual)
	}
	return decodeMeasured(r, c, equal, m)
}

func decodeMeasured[K Key, V, M any](r io.Reader, c Codec[V], eq func(a, b V) bool, m Measure[K, V, M]) (*Measured[K, V, M], error) {
	if m == nil {
		return nil, ErrNilMeasure
	}
	t := new(Measured[K, V, M])
	return made(t, decode(&t.tree, r, c, eq, m)) // a span too wide for lengths in K is ErrCorrupt, from the header
}

// EncodeMeasured is Encode for a measured tree: the same stream, without
// summaries.
func EncodeMeasured[K Key, V, M any](w io.Writer, t *Measured[K, V, M], c Codec[V]) (int64, error) {
	return encode(w, &t.tree, c, maxPayload)
}

// DiffMeasured is Diff for two measured trees.
func DiffMeasured[K Key, V, M any](a, b *Measured[K, V, M]) iter.Seq[Change[K, V]] {
	return diff(&a.tree, &b.tree)
}

// Clone is Tree.Clone: O(1), one allocation; the clone keeps every summary.
func (t *Measured[K, V, M]) Clone() *Measured[K, V, M] { return &Measured[K, V, M]{t.clone()} }

// Equal is Tree.Equal.
func (t *Measured[K, V, M]) Equal(o *Measured[K, V, M]) bool { return t.equal(&o.tree) }

// SameOrigin is Tree.SameOrigin.
func (t *Measured[K, V, M]) SameOrigin(u *Measured[K, V, M]) bool { return t.sameOrigin(&u.tree) }

// Assign is Tree.Assign. A tree of another origin is rebuilt with t's
// equality and t's Measure, O(n).
func (t *Measured[K, V, M]) Assign(u *Measured[K, V, M]) error {
	if u == nil {
		return fmt.Errorf("%w: Assign(nil)", ErrIncompatible)
	}
	return t.assign(&u.tree)
}

// Measure returns the summary of the keys [lo, hi): the Combine, in key
// order, of Of(v, n) over the parts of the segments inside the range. A
// range reaching outside the span is clipped to it, as Insert clips;
// Measure fails as Insert does (ErrNaN, ErrInvalidRange, ErrOutOfSpan).
// O(B log n): the children of a node that lie wholly inside the range
// contribute their stored summaries, and only the paths to lo and hi are
// descended.
func (t *Measured[K, V, M]) Measure(lo, hi K) (M, error) {
	var zero M
	if err := t.checkRange(lo, hi); err != nil {
		return zero, err
	}
	return t.b.Measure(t.p.m, max(lo, t.lo), min(hi, t.hi), t.hi), nil
}

// Seek returns the least end with from < end <= hi such that
// pred(Measure(from, end)) holds, and true. It returns false when there is
// none, or when from is outside the span or NaN. pred must be monotone:
// once true for some end, true for every later end (a running sum of
// non-negative values passing a threshold, a count reaching n). For float
// keys end is the least representable such key.
//
// O(log n) nodes visited, with one pred call per child summary combined;
// inside the segment where pred turns true, a bisection over its length
// (O(log length) calls of pred and Of for integer keys, at most 64 for
// floats). pred is called on the caller's goroutine and must not write to
// the tree.
func (t *Measured[K, V, M]) Seek(from K, pred func(M) bool) (end K, ok bool) {
	if !(t.lo <= from && from < t.hi) {
		return from, false
	}
	return t.b.Seek(t.p.m, from, t.hi, pred)
}

// SeekBackward returns the greatest start with lo <= start < to such that
// pred(Measure(start, to)) holds, and true. It returns false when there is
// none, or when to is not in (lo, hi]. pred must be monotone: once true for
// some start, true for every earlier start. Its costs are Seek's.
func (t *Measured[K, V, M]) SeekBackward(to K, pred func(M) bool) (start K, ok bool) {
	if !(t.lo < to && to <= t.hi) {
		return to, false
	}
	return t.b.SeekBackward(t.p.m, to, t.hi, pred)
}
