package rangemap

import (
	"github.com/flatseg/flatseg/fst"
	"github.com/tidwall/btree"
)

// Degree is the B-tree degree of the [Tidwall] and [Google] backends: nodes
// hold up to 2·Degree−1 segments, tidwall/btree's default.
const Degree = 32

// Tidwall keeps a [Map]'s segments in github.com/tidwall/btree's Map, written
// in place; Clone is Map.Copy, O(1), after which each side copies the nodes
// it writes. Use it as the S of Map[K, V, Tidwall[K, V]].
type Tidwall[K fst.Key, V comparable] struct {
	m *btree.Map[K, entry[K, V]]
}

func (Tidwall[K, V]) load(segs []fst.Segment[K, V]) Tidwall[K, V] {
	m := btree.NewMap[K, entry[K, V]](Degree)
	for _, s := range segs {
		m.Load(s.Start, entry[K, V]{end: s.End, value: s.Value}) // the bulk path for ordered keys
	}
	return Tidwall[K, V]{m}
}

func (x Tidwall[K, V]) floor(k K) (s K, e entry[K, V], ok bool) {
	x.m.Descend(k, func(k K, v entry[K, V]) bool {
		s, e, ok = k, v, true
		return false
	})
	return s, e, ok
}

func (x Tidwall[K, V]) lower(k K) (s K, e entry[K, V], ok bool) {
	x.m.Descend(k, func(key K, v entry[K, V]) bool {
		if key == k {
			return true
		}
		s, e, ok = key, v, true
		return false
	})
	return s, e, ok
}

func (x Tidwall[K, V]) ascend(from K, yield func(K, entry[K, V]) bool) { x.m.Ascend(from, yield) }

func (x Tidwall[K, V]) set(k K, e entry[K, V]) Tidwall[K, V] {
	x.m.Set(k, e)
	return x
}

func (x Tidwall[K, V]) delete(k K) Tidwall[K, V] {
	x.m.Delete(k)
	return x
}

func (x Tidwall[K, V]) clone() Tidwall[K, V] { return Tidwall[K, V]{x.m.Copy()} }
func (x Tidwall[K, V]) len() int             { return x.m.Len() }
