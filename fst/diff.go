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
// of one Store always share a span) and values with a's equality. It walks
// the boundaries of both trees with cow.Diff, which skips the subtrees they
// share without reading them, and looks up the values on both sides of each
// boundary that differs: for two versions a few writes apart its cost is
// O(c·log n + B·log n) for c differing boundaries, not O(n). Both trees must
// stay unwritten while the sequence runs; frozen trees and snapshots always
// are.
func Diff[K Key, V, M any](a, b *Measured[K, V, M]) iter.Seq[Change[K, V]] {
	return func(yield func(Change[K, V]) bool) {
		from, to := max(a.min, b.min), min(a.max, b.max) // the keys both spans hold
		if !(from < to) {
			return
		}
		var (
			cur     Change[K, V]
			pending bool
		)
		// at yields the run that starts at k, where a boundary of a or b
		// differs: up to the next boundary of either tree, the values of
		// both sides stay what they are at k. Touching runs with the same
		// pair of values are merged.
		at := func(k K) bool {
			ia, _ := a.b.Interval(k)
			ib, _ := b.b.Interval(k)
			if a.same(ia.Value, ib.Value) {
				return true
			}
			end := to
			if !ia.Open {
				end = min(end, ia.End)
			}
			if !ib.Open {
				end = min(end, ib.End)
			}
			if pending && cur.End == k && a.same(cur.Old, ia.Value) && a.same(cur.New, ib.Value) {
				cur.End = end
				return true
			}
			if pending && !yield(cur) {
				return false
			}
			cur, pending = Change[K, V]{Start: k, End: end, Old: ia.Value, New: ib.Value}, true
			return true
		}
		if !at(from) {
			return
		}
		for c := range cow.Diff(&a.b, &b.b, a.same) {
			if c.Key <= from {
				continue
			}
			if !(c.Key < to) {
				break
			}
			if !at(c.Key) {
				return
			}
		}
		if pending {
			yield(cur)
		}
	}
}
