package fst

import (
	"iter"

	"github.com/flatseg/flatseg/cow"
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
func Diff[K Key, V any](a, b *Tree[K, V]) iter.Seq[Change[K, V]] { return diff(&a.tree, &b.tree) }

// diff is Diff for both kinds of tree.
func diff[K Key, V, M any](a, b *tree[K, V, M]) iter.Seq[Change[K, V]] {
	return func(yield func(Change[K, V]) bool) {
		lo, hi := max(a.lo, b.lo), min(a.hi, b.hi)
		if !(lo < hi) {
			return
		}
		var (
			cur     Change[K, V]
			pending bool
		)
		// from yields the run that starts at k, where a boundary of a or b
		// differs: up to the next boundary of either tree, the values of
		// both sides stay what they are at k. Touching runs with the same
		// pair of values are merged.
		from := func(k K) bool {
			ia, _ := a.b.Interval(k)
			ib, _ := b.b.Interval(k)
			if a.same(ia.Value, ib.Value) {
				return true
			}
			end := hi
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
		if !from(lo) {
			return
		}
		for c := range cow.DiffMeasured(&a.b, &b.b, a.same) {
			if c.Key <= lo {
				continue
			}
			if !(c.Key < hi) {
				break
			}
			if !from(c.Key) {
				return
			}
		}
		if pending {
			yield(cur)
		}
	}
}
