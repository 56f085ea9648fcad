package fst

import (
	"iter"

	"github.com/flatseg/flatseg/cow"
)

// Change is a maximal key range [Start, End) over which two trees map every
// key to Old in the first and New in the second, with Old != New.
type Change[K Key, V any] struct {
	Start, End K
	Old, New   V
}

// Diff returns, in increasing key order, the ranges whose value differs
// between a and b, comparing keys in the intersection of their spans (trees
// of one Store always share a span). It skips the subtrees the two trees
// share, so for two versions a few writes apart its cost grows with the size
// of the change, O(changed + log n), not with n. Both trees must stay
// unwritten while the sequence runs; frozen trees and snapshots always are.
func Diff[K Key, V comparable](a, b *Tree[K, V]) iter.Seq[Change[K, V]] {
	return func(yield func(Change[K, V]) bool) {
		lo, hi := maxKey(a.min, b.min), minKey(a.max, b.max)
		if !(lo < hi) {
			return
		}
		var (
			va, vb  V // values at pos on each side
			pos     K // where the current run of (va, vb) started
			pending bool
			cur     Change[K, V]
		)
		// flush ends the run [pos, k) and yields it when the sides differ,
		// merging with the previous change when they touch with equal values.
		flush := func(k K) bool {
			if !(pos < k) || va == vb {
				return true
			}
			s, e := maxKey(pos, lo), minKey(k, hi)
			if !(s < e) {
				return true
			}
			if pending && cur.End == s && cur.Old == va && cur.New == vb {
				cur.End = e
				return true
			}
			if pending && !yield(cur) {
				return false
			}
			cur, pending = Change[K, V]{Start: s, End: e, Old: va, New: vb}, true
			return true
		}
		started := false
		// After a Shared step both sides hold the same value, whatever it
		// is; it is looked up (O(log n)) only if a differing step follows.
		var shared cow.Step[K, V]
		inShared := false
		for st := range cow.Zip(&a.b, &b.b) {
			if !(st.Key < hi) {
				break
			}
			if st.Shared {
				if started && !inShared && !flush(st.Key) {
					return
				}
				shared, inShared, started = st, true, true
				continue
			}
			if inShared {
				_, v := shared.Last()
				va, vb, inShared = v, v, false
			} else if started && !flush(st.Key) {
				return
			}
			started = true
			pos = st.Key
			if st.InA {
				va = st.A
			}
			if st.InB {
				vb = st.B
			}
		}
		if started && !inShared && !flush(hi) {
			return
		}
		if pending {
			yield(cur)
		}
	}
}
