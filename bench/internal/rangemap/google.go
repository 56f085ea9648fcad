package rangemap

import (
	"github.com/flatseg/flatseg/fst"
	"github.com/google/btree"
)

// Google keeps a [Map]'s segments in github.com/google/btree's BTreeG,
// ordered by start and written in place; Clone is BTreeG.Clone, O(1), after
// which each side copies the nodes it writes. Use it as the S of
// Map[K, V, Google[K, V]].
type Google[K fst.Key, V comparable] struct {
	t *btree.BTreeG[fst.Segment[K, V]]
}

func byStart[K fst.Key, V comparable](a, b fst.Segment[K, V]) bool { return a.Start < b.Start }

func (Google[K, V]) load(segs []fst.Segment[K, V]) Google[K, V] {
	t := btree.NewG(Degree, byStart[K, V])
	for _, s := range segs {
		t.ReplaceOrInsert(s)
	}
	return Google[K, V]{t}
}

func (x Google[K, V]) floor(k K) (s K, e entry[K, V], ok bool) {
	x.t.DescendLessOrEqual(fst.Segment[K, V]{Start: k}, func(g fst.Segment[K, V]) bool {
		s, e, ok = g.Start, entry[K, V]{end: g.End, value: g.Value}, true
		return false
	})
	return s, e, ok
}

func (x Google[K, V]) lower(k K) (s K, e entry[K, V], ok bool) {
	x.t.DescendLessOrEqual(fst.Segment[K, V]{Start: k}, func(g fst.Segment[K, V]) bool {
		if g.Start == k {
			return true
		}
		s, e, ok = g.Start, entry[K, V]{end: g.End, value: g.Value}, true
		return false
	})
	return s, e, ok
}

func (x Google[K, V]) ascend(from K, yield func(K, entry[K, V]) bool) {
	x.t.AscendGreaterOrEqual(fst.Segment[K, V]{Start: from}, func(g fst.Segment[K, V]) bool {
		return yield(g.Start, entry[K, V]{end: g.End, value: g.Value})
	})
}

func (x Google[K, V]) set(k K, e entry[K, V]) Google[K, V] {
	x.t.ReplaceOrInsert(fst.Segment[K, V]{Start: k, End: e.end, Value: e.value})
	return x
}

func (x Google[K, V]) delete(k K) Google[K, V] {
	x.t.Delete(fst.Segment[K, V]{Start: k})
	return x
}

func (x Google[K, V]) clone() Google[K, V] { return Google[K, V]{x.t.Clone()} }
func (x Google[K, V]) len() int            { return x.t.Len() }
