package fst

import (
	"fmt"

	"github.com/flatseg/flatseg/internal/cow"
)

// Merge returns a new tree over the span of a and b in which every key k
// maps to f(a's value at k, b's value at k), with neighbours that hold
// equal values merged (compared with ==) and the default value f(a's
// default, b's default). The two trees may hold different value types and
// summaries, and the result a third value type: heights merged with a mask
// of hidden rows, two versions compared range by range, a patch laid over
// a base. Give the result a summary with [WithMeasure].
//
// a and b must have the same span; otherwise Merge returns an error
// wrapping [ErrIncompatible] (spans are never clipped), and one wrapping
// [ErrOutOfSpan] for a nil or zero tree. f is called once for the
// defaults and then once per range of [Zip](a, b), in increasing key
// order; it must not write to a or b.
//
// Merge walks both trees' segments once, in order, and builds the result
// bottom-up as [Build] does, never with a descent per segment: O(n + m)
// for trees of n and m segments, allocating only the result's nodes. a
// and b are only read, and must not be written during the call (frozen
// trees and snapshots never are); the result shares no node with them. If
// f panics, the panic propagates, a and b are as they were, and nothing is
// returned. For trees of one value type and an f with f(x, x) = x (a union,
// an intersection, an overlay), [MergeSame] also reuses what the two trees
// share, at a cost that follows their differences.
func Merge[K Key, A, B any, C comparable, MA, MB any](a *Measured[K, A, MA], b *Measured[K, B, MB], f func(x A, y B) C) (*Tree[K, C], error) {
	return merge(a, b, f, equal[C], "Merge")
}

// MergeFunc is [Merge] for result values compared by equal, as [NewFunc]
// compares them: values that == cannot compare (slices, maps) or that
// compare otherwise. equal decides which neighbours merge and becomes the
// result's equality. It fails with [ErrNilEqual] when equal is nil.
func MergeFunc[K Key, A, B, C, MA, MB any](a *Measured[K, A, MA], b *Measured[K, B, MB], f func(x A, y B) C, equal func(x, y C) bool) (*Tree[K, C], error) {
	if equal == nil {
		return nil, fmt.Errorf("%w: MergeFunc", ErrNilEqual)
	}
	return merge(a, b, f, equal, "MergeFunc")
}

func merge[K Key, A, B, C, MA, MB any](a *Measured[K, A, MA], b *Measured[K, B, MB], f func(A, B) C, eq func(x, y C) bool, name string) (*Tree[K, C], error) {
	if err := mergeable(a, b, name); err != nil {
		return nil, err
	}
	t := new(Tree[K, C])
	if err := mergeInto(t, a, b, f, eq, nil); err != nil {
		return nil, err
	}
	return t, nil
}

// mergeInto builds into t the merge of a and b, which have one span, with
// result equality eq and Measure m (nil for none): one walk of Zip, whose
// ranges go through f and, when their value changes under eq, into a
// builder. O(n + m).
func mergeInto[K Key, A, B, C, MA, MB, M any](t *Measured[K, C, M], a *Measured[K, A, MA], b *Measured[K, B, MB], f func(A, B) C, eq func(x, y C) bool, m cow.Measure[K, C, M]) error {
	tb, err := newBuilder(a.min, a.max, f(a.def(), b.def()), eq, m)
	if err != nil {
		return err // unreachable: a's span was checked when a was made
	}
	if n := a.b.Fanout(); n != cow.MaxFanout {
		tb.b.SetFanout(n) // a's node size, which only this module's tests lower
	}
	var last C
	first := true
	for p := range zipWithin(a, b, a.min, a.max) {
		c := f(p.A, p.B)
		if first || !eq(c, last) {
			if err := tb.add(p.Start, c); err != nil {
				return err // only for an eq that is no equivalence
			}
			last, first = c, false
		}
	}
	return tb.tree(t)
}

// MergeSame is [Merge] for two trees of one type and an f that leaves a
// value merged with itself as it is: f(x, x) equals x under a's equality,
// for every x (a union or an intersection of masks, an overlay of a patch
// on a base, a minimum, a maximum, either argument). With that promise the
// result is a with f(x, y) written over each range where a holds x and b
// holds a different y, and MergeSame computes it so: it walks the ranges
// of [Diff](a, b), which skips without reading them the subtrees that a
// and b share (versions related by Clone share all but the paths their
// writes copied), calls f on each, then forks a (O(1), as [Measured.Clone])
// and inserts f over the ranges where it differs from a's value. When a
// and b share an origin ([Measured.SameOrigin]) and f's values differ
// from b's on fewer ranges than from a's, it forks b instead (an overlay
// whose patch wins, or a union with a superset, costs no Insert at all).
// Merging two versions that differ in c ranges so costs O(c·log n) node
// visits and new nodes, not O(n). When the two trees turn out to differ in
// more than about a sixteenth of their segments, MergeSame drops the walk
// and builds the result as Merge does, so that it never costs much more
// than O(n + m). An f without the promise gives a result that holds a's
// (or b's) values where it should hold f of them.
//
// The result has a's equality and a's Measure, its summaries settled, and
// the default value f(a's default, b's default). When that equals a's
// default, the result shares a's origin ([Measured.SameOrigin]), so that a
// store's transaction takes it in O(1) and records only the differences
// (package flatseg's Txn.Load). a and b must have the same span (errors as
// for Merge). f is called once for the defaults and once per range where
// a and b differ (when it builds as Merge does, once per range of Zip).
//
// a and b are only read and must not be written during the call. The
// result shares nodes with a or b: as after a Clone, writes to either copy
// the nodes they change and never show in the other. If f, the equality or
// the Measure panics, the panic propagates, a and b hold what they held,
// and nothing is returned.
func MergeSame[K Key, V, M any](a, b *Measured[K, V, M], f func(x, y V) V) (*Measured[K, V, M], error) {
	return mergeSame(a, b, f, nil)
}

// sameRange is a range where the two trees of MergeSame differ, with f's
// value there and whether it equals each tree's value.
type sameRange[K Key, V any] struct {
	Segment[K, V]
	isA, isB bool
}

// mergeSame is MergeSame, adding to *nodes (when not nil) the number of
// nodes the walk of Diff entered, for the tests that count them.
func mergeSame[K Key, V, M any](a, b *Measured[K, V, M], f func(x, y V) V, nodes *int) (*Measured[K, V, M], error) {
	if err := mergeable(a, b, "MergeSame"); err != nil {
		return nil, err
	}
	p := a.p
	if init := f(a.def(), b.def()); !a.same(init, a.def()) {
		p = &props[K, V, M]{init: init, eq: a.p.eq, m: a.p.m}
	}
	// Past this many ranges, inserting one by one would cost more than
	// building the result from the two walks.
	limit := max(8, (a.Len()+b.Len())/16)
	var buf [32]sameRange[K, V]
	ranges := buf[:0]
	missA, missB := 0, 0 // ranges where f's value is not a's, not b's
	for c := range cow.DiffIntervalsCounted(&a.b, &b.b, a.min, a.max, a.p.eq, nodes) {
		if len(ranges) == limit {
			t := &Measured[K, V, M]{}
			if err := mergeInto(t, a, b, f, a.p.eq, a.p.m); err != nil {
				return nil, err
			}
			t.p = p // the same default, equality and Measure: a's origin, when p is a's
			return t, nil
		}
		v := f(c.Old, c.New)
		r := sameRange[K, V]{Segment: Segment[K, V]{Start: c.Start, End: c.End, Value: v}, isA: a.same(v, c.Old), isB: a.same(v, c.New)}
		if !r.isA {
			missA++
		}
		if !r.isB {
			missB++
		}
		ranges = append(ranges, r)
	}
	// b's nodes hold summaries of a's Measure, and its segments are
	// compared with a's equality, only when b shares a's origin.
	base, fromB := a, missB < missA && a.SameOrigin(b)
	if fromB {
		base = b
	}
	r := base.Clone()
	r.p = p
	// One range pending: the next one extends it when it touches it and
	// takes the same value, so that an Insert over two of a's segments is
	// one Insert here too.
	var pend Segment[K, V]
	have := false
	for _, c := range ranges {
		if (fromB && c.isB) || (!fromB && c.isA) {
			continue // the base holds f's value there
		}
		if have && pend.End == c.Start && a.same(pend.Value, c.Value) {
			pend.End = c.End
			continue
		}
		if have {
			r.insert(pend.Start, pend.End, pend.Value) // cannot fail: inside the span
		}
		pend, have = c.Segment, true
	}
	if have {
		r.insert(pend.Start, pend.End, pend.Value)
	}
	r.settle()
	return r, nil
}

// mergeable checks that a and b can be merged: trees made by a
// constructor, with one span.
func mergeable[K Key, A, B, MA, MB any](a *Measured[K, A, MA], b *Measured[K, B, MB], name string) error {
	switch {
	case a == nil || b == nil || a.p == nil || b.p == nil:
		return fmt.Errorf("%w: %s of a nil or zero tree", ErrOutOfSpan, name)
	case a.min != b.min || a.max != b.max:
		return fmt.Errorf("%w: %s of spans [%v, %v) and [%v, %v)", ErrIncompatible, name, a.min, a.max, b.min, b.max)
	}
	return nil
}
