package fst

import (
	"fmt"
	"iter"
	"reflect"

	"github.com/flatseg/flatseg/internal/cow"
	"github.com/flatseg/flatseg/internal/num"
)

// A Measure summarises runs of keys, for a tree made by [NewMeasured] or
// [WithMeasure]. Of returns the summary of n > 0 consecutive keys that all
// hold v. Combine returns the summary of a run followed by the run after
// it. Combine must be associative, the zero M must be its identity, and
// Of(v, a+b) must equal Combine(Of(v, a), Of(v, b)): the tree groups keys
// differently from one version to the next, and only these laws make the
// answers independent of the grouping. Combine need not be commutative: a
// minimum, a count, a sum, the first and the last value are all measures.
//
// Of and Combine must not write to the tree. They run on the goroutine of
// the call that needs them, so several goroutines querying one tree call
// them at once. With float keys and a float summary, rounding makes the
// laws approximate: answers may then differ in the last bits from a
// left-to-right sum.
//
// Of and Combine are user code, and may panic. The panic reaches the
// caller of the write or query that called them; a write puts the tree
// back as it was before it began (an undo log holds what it overwrote), so
// the tree stays usable and its summaries stay exact. Summaries are shared
// between versions: Combine must not modify its arguments, and a summary a
// query returns must not be modified.
type Measure[K Key, V, M any] interface {
	Of(v V, n K) M
	Combine(a, b M) M
}

// A Folder is a Measure that also does in one call what the tree otherwise
// does with one call of Of or Combine per segment or per child: summarise
// a run of a leaf's segments (Fold), and the running summaries of an inner
// node's children (Prefixes, Suffixes). A tree asks once per write or
// query whether its Measure is a Folder. Implementing it is optional and
// changes no answer, only the cost: a node holds up to [MaxFanout]
// entries, so an Insert into a tree of 10⁶ segments makes about 200 calls
// of Of and Combine through the interface, and with a Folder one Fold and
// two scans per changed inner node (about 7 calls, each a loop the
// compiler sees whole) and no Of or Combine. Queries fold the whole
// segments of their two leaves with one Fold each (a Seek in chunks, as
// long as its predicate stays false); where their two paths part they
// still combine children one by one. Measured at 10⁶ segments with cold
// keys (BenchmarkMeasured, kind=folder against kind=measured): Insert and
// the shifts 10–18% faster, Measure about 25%.
//
// Each method must give exactly what the calls of Of and Combine it stands
// for give, in the same order: [Measured.Verify] recomputes every stored
// summary with Of and Combine alone and fails on a Folder that disagrees.
// The slices are the tree's or its own scratch space, valid only during the
// call: Fold must not modify or keep vals or starts, and Prefixes and
// Suffixes must keep no reference to ms. Like Of and Combine, the methods
// may run on several goroutines at once (queries on one tree) and may
// panic (a write then changes nothing).
type Folder[K Key, V, M any] interface {
	Measure[K, V, M]
	// Fold returns the Combine, in order, of Of(vals[i], n) for every i,
	// n being the run's length: starts[i+1]-starts[i], and end-starts[i]
	// for the last. len(vals) == len(starts) > 0, and the starts and end
	// rise. They are the keys as a node stores them, which for integer
	// keys are relative to the node's first key: only differences of them
	// mean anything.
	Fold(vals []V, starts []K, end K) M
	// Prefixes replaces every ms[i] by the Combine of ms[0], ..., ms[i],
	// in order.
	Prefixes(ms []M)
	// Suffixes replaces every ms[i] by the Combine of ms[i], ...,
	// ms[len(ms)-1], in order.
	Suffixes(ms []M)
}

// NewMeasured returns a tree over [min, max) with every key mapped to
// init, comparing values with ==, summarised by m. It fails as [New] does,
// with ErrInvalidRange also when max-min overflows K (lengths are computed
// in K), and with ErrNilMeasure for a nil m. O(1). For values compared by
// a function, or to build or decode a measured tree, make a [Tree] and
// give it a Measure with [WithMeasure].
func NewMeasured[K Key, V comparable, M any](min, max K, init V, m Measure[K, V, M]) (*Measured[K, V, M], error) {
	if err := checkMeasured(min, max, m); err != nil {
		return nil, err
	}
	t := new(Measured[K, V, M])
	return made(t, t.init(min, max, init, equal[V], m))
}

// WithMeasure returns a tree with t's span, default value, equality and
// segments, summarised by m: O(n) Of and Combine calls and O(n/B)
// allocations (the new tree shares t's leaves and builds its own inner
// nodes). t may have any summary, or none: WithMeasure(fst.Build(...), m)
// builds a measured tree, WithMeasure(fst.Decode(...), m) decodes one
// (encodings never hold summaries), and a measured tree can be given
// another Measure. t is only read; the two trees share no origin
// (SameOrigin is false) and writes to either never show in the other. It
// fails with ErrNilMeasure for a nil m, with ErrInvalidRange when t's span
// is wider than K holds, and with ErrOutOfSpan for the zero tree. A panic
// in m propagates, and t is as it was.
func WithMeasure[K Key, V, M0, M any](t *Measured[K, V, M0], m Measure[K, V, M]) (*Measured[K, V, M], error) {
	if t == nil || t.p == nil {
		return nil, fmt.Errorf("%w: WithMeasure of the zero tree", ErrOutOfSpan)
	}
	if err := checkMeasured(t.min, t.max, m); err != nil {
		return nil, err
	}
	return &Measured[K, V, M]{
		min: t.min, max: t.max,
		p: &props[K, V, M]{init: t.p.init, eq: t.p.eq, m: m},
		b: *cow.Remeasure[K, V, M0, M](&t.b, m),
	}, nil
}

// checkMeasured refuses a nil measure and an integer span whose width K
// cannot hold.
func checkMeasured[K Key, V, M any](min, max K, m Measure[K, V, M]) error {
	if isNil(m) {
		return ErrNilMeasure
	}
	if err := checkSpan(min, max); err != nil {
		return err
	}
	if !num.IsFloat[K]() && !(max-min > 0) {
		return fmt.Errorf("%w: span [%v, %v) is wider than its key type holds: lengths would overflow", ErrInvalidRange, min, max)
	}
	return nil
}

// Measure returns the summary of the keys of [start, end) that lie in the
// span: the Combine, in key order, of Of(v, n) over the parts of the
// segments inside the range. Parts of the range outside the span count for
// nothing, as Insert clips its range; a range that holds no key of the span
// (start >= end, a NaN bound, a range beside the span) has the zero M, the
// identity of Combine, so Measure(MinKey(), x) is the running total up to
// x for every x without a special case. A tree without a Measure returns
// the zero M (None{} for a [Tree]).
//
// O(log n) nodes visited: the children of a node that lie wholly inside
// the range contribute their stored summaries, whole runs of them at once
// through each inner node's running summaries (one Combine per level, but
// O(B) at the node where the paths to start and end part), and only those
// two paths are descended, with O(B) Of calls in their two leaves. A start
// at or below MinKey() (a running total) is one descent from the root to
// end: one Combine per level and one leaf. No allocation. The returned
// summary may be one the tree stores: see [Measured] on summaries that are
// not plain values.
func (t *Measured[K, V, M]) Measure(start, end K) M {
	start, end = max(start, t.min), min(end, t.max) // NaN stays NaN: the test below fails
	m := t.measure()
	if !(start < end) || m == nil {
		var zero M
		return zero
	}
	return t.b.Measure(m, start, end, t.max)
}

// Seek and SeekBackward search a running summary. Both find a half-open
// range with one end given, as the tree's segments are half-open: Seek is
// given the start and returns the least end such that pred holds for the
// summary of [from, end); SeekBackward is given the end and returns the
// greatest start such that pred holds for [start, to). pred must be
// monotone in the range: once true for a range, true for every range that
// contains it (a running sum of non-negative values passing a threshold, a
// count reaching n). A nil pred is never true. Each also returns the
// summary of the range without the key at which pred turns (the key
// before end, the key start): for the row at a pixel offset, that row's
// top, found in the same walk.

// Seek returns the least end with from < end <= MaxKey() such that
// pred(Measure(from, end)) holds, the summary Measure(from, last) of the
// keys before the last key of that range (last is end-1 for integer keys,
// the float below end for floats), and true; it returns false when there
// is none. A from below MinKey() searches from MinKey(), as Measure clips;
// a from at or past MaxKey(), or NaN, finds nothing. For float keys end is
// the least representable such key. On a tree without a Measure every
// summary is the zero M, so Seek returns the least key above (the clipped)
// from when pred(zero) holds, and false otherwise.
//
// O(log n) nodes visited, with one pred call per child summary combined;
// inside the segment where pred turns true, a search over its length that
// tries its first key, then 2, 4, 8... keys, then bisects: two calls of
// pred and Of when the first key already passes (a visible row: the whole
// segment, then its first key), O(log length) for integer keys and at
// most about 128 for floats otherwise. A from at or below MinKey() (the
// row at a pixel offset) is one descent from the root: a binary search of
// each inner node's running summaries, O(log B) pred calls per level.
// pred is called on the caller's goroutine and must not write to the tree.
func (t *Measured[K, V, M]) Seek(from K, pred func(M) bool) (end K, before M, ok bool) {
	from = max(from, t.min)
	if !(from < t.max) || pred == nil {
		return from, before, false
	}
	m := t.measure()
	if m == nil {
		if !pred(before) {
			return from, before, false
		}
		return num.Next(from), before, true
	}
	return t.b.Seek(m, from, t.max, pred)
}

// SeekBackward returns the greatest start with MinKey() <= start < to such
// that pred(Measure(start, to)) holds, the summary of the keys after start
// up to to, and true; false when there is none. A to above MaxKey()
// searches back from MaxKey(); a to at or below MinKey(), or NaN, finds
// nothing. On a tree without a Measure it returns the key before to when
// pred(zero) holds. Its costs are Seek's.
func (t *Measured[K, V, M]) SeekBackward(to K, pred func(M) bool) (start K, after M, ok bool) {
	to = min(to, t.max)
	if !(t.min < to) || pred == nil {
		return to, after, false
	}
	m := t.measure()
	if m == nil {
		if !pred(after) {
			return to, after, false
		}
		p, _ := num.Prev(to)
		return p, after, true
	}
	return t.b.SeekBackward(m, to, t.max, pred)
}

// Filter returns, in increasing key order, the whole segments that share
// at least one key with [start, end) and whose part inside the range
// passes keep: keep(Measure(max(seg.Start, start), min(seg.End, end))).
// keep must fail on a combined summary only when it fails on each part:
// "holds a visible row" (a count above zero), "a value over a threshold"
// (a maximum). Filter then skips, without reading them, the subtrees whose
// summary fails keep, so finding k segments costs O(k log n) node visits
// however many segments lie between them: a spreadsheet's visible runs,
// its next hidden row, every run over a threshold. A keep that breaks the
// rule may miss segments; it is never called on anything but summaries of
// the tree's own keys. It yields nothing when keep is nil or the range is
// invalid or misses the span (Overlapping's rule). On a tree without a
// Measure every summary is the zero M: Filter yields what Overlapping
// yields when keep(zero) holds, else nothing.
//
// Like Overlapping, it reads the tree as it is at each step: do not write
// t while iterating (iterate a Clone, O(1)). No allocation per step.
func (t *Measured[K, V, M]) Filter(start, end K, keep func(M) bool) iter.Seq[Segment[K, V]] {
	return func(yield func(Segment[K, V]) bool) {
		if keep == nil || t.checkRange(start, end) != nil {
			return
		}
		s, e := max(start, t.min), min(end, t.max)
		m := t.measure()
		if m == nil {
			var zero M
			if keep(zero) {
				t.Overlapping(s, e)(yield)
			}
			return
		}
		var c cow.Cursor[K, V, M]
		c.Reset(&t.b)
		c.Seek(s)
		seg := func() Segment[K, V] {
			k, v, next, ok := c.Entry()
			if !ok {
				next = t.max
			}
			return Segment[K, V]{Start: k, End: next, Value: v}
		}
		if first := seg(); keep(m.Of(first.Value, min(first.End, e)-s)) && !yield(first) {
			return
		}
		for c.NextWhere(m, e, t.max, keep) {
			if !yield(seg()) {
				return
			}
		}
	}
}

// isNil reports whether m is nil or holds a nil pointer, map, slice,
// channel or function (a typed nil, which would panic at the first call).
func isNil(m any) bool {
	if m == nil {
		return true
	}
	switch v := reflect.ValueOf(m); v.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Chan, reflect.Func, reflect.Interface:
		return v.IsNil()
	}
	return false
}
