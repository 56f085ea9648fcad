package fst

import (
	"iter"

	"github.com/flatseg/flatseg/internal/cow"
	"github.com/flatseg/flatseg/internal/num"
)

// Pair is a maximal key range [Start, End) over which two trees are both
// constant: every key in it maps to A in the first tree and to B in the
// second, and a segment of one of them starts at Start and at End (or the
// range is clipped there). [Zip] yields them.
type Pair[K Key, A, B any] struct {
	Start, End K
	A          A
	B          B
}

// Zip returns, in increasing key order, the maximal ranges over which a
// and b are both constant, each with the value of each tree: a boundary of
// either tree starts a new range. It reads the keys both spans hold (trees
// of one store, and the inputs of [Merge], share a span). Together with the
// ranges' ends, Zip(a, b) yields what Merge(a, b, f) would merge, without
// building anything: for each range, f(p.A, p.B) is the merged value.
//
// Zip walks both trees once: the first step is O(log n), each further step
// O(1) amortised, and no step allocates. Stopping early costs only what was
// visited. Both trees must stay unwritten while the sequence runs (frozen
// trees and snapshots always are); iterate Clones to write meanwhile.
func Zip[K Key, A, B, MA, MB any](a *Measured[K, A, MA], b *Measured[K, B, MB]) iter.Seq[Pair[K, A, B]] {
	return zipWithin(a, b, a.min, a.max)
}

// ZipBackward returns the ranges of [Zip] in decreasing key order.
func ZipBackward[K Key, A, B, MA, MB any](a *Measured[K, A, MA], b *Measured[K, B, MB]) iter.Seq[Pair[K, A, B]] {
	return func(yield func(Pair[K, A, B]) bool) { zipBackward(a, b, a.min, a.max, yield) }
}

// ZipRange returns the ranges of [Zip] that share keys with [start, end),
// clipped to it, in increasing key order: the first range starts at start
// (or at the start of the spans) and the last ends at end (or at their
// end). It yields nothing when start >= end, either is NaN, or the range
// holds no key of both spans. The first step is O(log n), each further
// step O(1) amortised.
func ZipRange[K Key, A, B, MA, MB any](a *Measured[K, A, MA], b *Measured[K, B, MB], start, end K) iter.Seq[Pair[K, A, B]] {
	return zipWithin(a, b, start, end)
}

// ZipRangeBackward returns the ranges of [ZipRange] in decreasing key
// order.
func ZipRangeBackward[K Key, A, B, MA, MB any](a *Measured[K, A, MA], b *Measured[K, B, MB], start, end K) iter.Seq[Pair[K, A, B]] {
	return func(yield func(Pair[K, A, B]) bool) { zipBackward(a, b, start, end, yield) }
}

// zipSpan clips [start, end) to the keys both trees' spans hold; ok is
// false when that leaves none (a NaN bound stays NaN through max and min).
func zipSpan[K Key, A, B, MA, MB any](a *Measured[K, A, MA], b *Measured[K, B, MB], start, end K) (lo, hi K, ok bool) {
	lo, hi = max(start, a.min, b.min), min(end, a.max, b.max)
	return lo, hi, lo < hi
}

// zipWithin is ZipRange: Zip over the keys of [start, end) that both
// spans hold.
func zipWithin[K Key, A, B, MA, MB any](a *Measured[K, A, MA], b *Measured[K, B, MB], start, end K) iter.Seq[Pair[K, A, B]] {
	return func(yield func(Pair[K, A, B]) bool) { zip(a, b, start, end, yield) }
}

func zip[K Key, A, B, MA, MB any](a *Measured[K, A, MA], b *Measured[K, B, MB], start, end K, yield func(Pair[K, A, B]) bool) {
	lo, hi, ok := zipSpan(a, b, start, end)
	if !ok {
		return
	}
	var ca cow.Cursor[K, A, MA]
	var cb cow.Cursor[K, B, MB]
	ca.Reset(&a.b)
	cb.Reset(&b.b)
	ca.Seek(lo) // both trees hold a boundary at or below lo: their min
	cb.Seek(lo)
	for s := lo; ; {
		_, va, na, moreA := ca.Entry()
		_, vb, nb, moreB := cb.Entry()
		e := hi
		if moreA && na < e {
			e = na
		}
		if moreB && nb < e {
			e = nb
		}
		if !yield(Pair[K, A, B]{Start: s, End: e, A: va, B: vb}) || e == hi {
			return
		}
		if moreA && na == e {
			ca.Next()
		}
		if moreB && nb == e {
			cb.Next()
		}
		s = e
	}
}

func zipBackward[K Key, A, B, MA, MB any](a *Measured[K, A, MA], b *Measured[K, B, MB], start, end K, yield func(Pair[K, A, B]) bool) {
	lo, hi, ok := zipSpan(a, b, start, end)
	if !ok {
		return
	}
	var ca cow.Cursor[K, A, MA]
	var cb cow.Cursor[K, B, MB]
	ca.Reset(&a.b)
	cb.Reset(&b.b)
	last, _ := num.Prev(hi) // the greatest key below hi: lo < hi, so there is one
	ca.Seek(last)
	cb.Seek(last)
	for e := hi; ; {
		ka, va, _, _ := ca.Entry()
		kb, vb, _, _ := cb.Entry()
		s := max(ka, kb, lo)
		if !yield(Pair[K, A, B]{Start: s, End: e, A: va, B: vb}) || s == lo {
			return
		}
		if ka == s {
			ca.Prev()
		}
		if kb == s {
			cb.Prev()
		}
		e = s
	}
}
