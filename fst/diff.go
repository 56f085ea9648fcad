package fst

import (
	"iter"

	"github.com/flatseg/flatseg/internal/cow"
)

// Change is a maximal key range [Start, End) over which two trees map every
// key to Old in the first and New in the second, with Old and New unequal.
type Change[K Key, V any] struct {
	Start, End K
	Old, New   V
}

// Diff returns, in increasing key order, the ranges whose value differs
// between a and b, comparing keys in the intersection of their spans (trees
// of one Store always share a span) and values with a's equality.
//
// It merges the boundaries of both trees in key order, and skips without
// reading them the subtrees the two share at the same keys (as versions
// related by Clone share them): for two versions a few writes apart it
// costs O(B·log n) per path the writes changed, not O(n). The rest is
// merged linearly, with one call of the equality per boundary of either
// tree. After an integer ShiftLeft or ShiftRight the subtrees right of the
// shift point are still shared, but moved: the value at k in one version
// is the value at k-size in the other, which in general differs from the
// value at k near every boundary from there to the end of the span. So the
// answer is then about one range per boundary, and the walk reads every
// boundary: O(n), about the cost of iterating both trees with All. Values
// the two trees hold in a shared subtree are one stored value, and are
// reported equal without asking the equality.
//
// Both trees must stay unwritten while the sequence runs; frozen trees and
// snapshots always are.
func Diff[K Key, V, M any](a, b *Measured[K, V, M]) iter.Seq[Change[K, V]] {
	return diffWithin(a, b, max(a.min, b.min), min(a.max, b.max))
}

// DiffRange returns the ranges of [Diff](a, b) that share a key with
// [start, end), clipped to it, in increasing key order: what changed
// between a and b in that key range. It yields nothing when start >= end,
// either is NaN, or the range misses the spans.
//
// It reaches start in O(log n) and then walks as Diff does, up to end: with
// k boundaries in [start, end), at most O(k + log n), and less where the
// trees share the range's subtrees. Its cost does not depend on what
// changed outside the range (package flatseg's WaitRange checks a watched
// range with it). Both trees must stay unwritten while the sequence runs.
func DiffRange[K Key, V, M any](a, b *Measured[K, V, M], start, end K) iter.Seq[Change[K, V]] {
	return diffWithin(a, b, max(a.min, b.min, start), min(a.max, b.max, end)) // NaN in, NaN out
}

// diffWithin is Diff over the keys [from, to) of both spans.
func diffWithin[K Key, V, M any](a, b *Measured[K, V, M], from, to K) iter.Seq[Change[K, V]] {
	return func(yield func(Change[K, V]) bool) {
		if !(from < to) { // also for NaN
			return
		}
		// Both trees hold a boundary at their min, at or below from, so
		// every key of [from, to) has a value in both; a tree with keys
		// has its props, so a.same is a.p.eq.
		for c := range cow.DiffIntervals(&a.b, &b.b, from, to, a.p.eq) {
			if !yield(Change[K, V](c)) {
				return
			}
		}
	}
}
