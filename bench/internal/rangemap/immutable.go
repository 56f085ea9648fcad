package rangemap

import (
	"github.com/benbjohnson/immutable"
	"github.com/flatseg/flatseg/fst"
)

// Immutable keeps a [Map]'s segments in github.com/benbjohnson/immutable's
// persistent SortedMap: every write makes a new version, so Clone copies a
// pointer and older versions never change. Use it as the S of
// Map[K, V, Immutable[K, V]].
type Immutable[K fst.Key, V comparable] struct {
	m *immutable.SortedMap[K, entry[K, V]]
}

// descending orders keys from largest to smallest, so that Seek(k) lands on
// the greatest start <= k: a floor search.
type descending[K fst.Key] struct{}

func (descending[K]) Compare(a, b K) int {
	switch {
	case a > b:
		return -1
	case a < b:
		return 1
	}
	return 0
}

func (Immutable[K, V]) load(segs []fst.Segment[K, V]) Immutable[K, V] {
	b := immutable.NewSortedMapBuilder[K, entry[K, V]](descending[K]{})
	for _, s := range segs {
		b.Set(s.Start, entry[K, V]{end: s.End, value: s.Value})
	}
	return Immutable[K, V]{b.Map()}
}

func (x Immutable[K, V]) floor(k K) (K, entry[K, V], bool) {
	it := x.m.Iterator()
	it.Seek(k)
	return it.Next()
}

func (x Immutable[K, V]) lower(k K) (K, entry[K, V], bool) {
	it := x.m.Iterator()
	it.Seek(k)
	s, e, ok := it.Next()
	if ok && s == k {
		s, e, ok = it.Next()
	}
	return s, e, ok
}

func (x Immutable[K, V]) ascend(from K, yield func(K, entry[K, V]) bool) {
	it := x.m.Iterator()
	if it.Seek(from); it.Done() { // nothing at or below from: start at the smallest key
		it.Last()
	}
	for !it.Done() {
		s, e, _ := it.Prev() // towards larger keys
		if s >= from && !yield(s, e) {
			return
		}
	}
}

func (x Immutable[K, V]) set(k K, e entry[K, V]) Immutable[K, V] {
	return Immutable[K, V]{x.m.Set(k, e)}
}

func (x Immutable[K, V]) delete(k K) Immutable[K, V] { return Immutable[K, V]{x.m.Delete(k)} }
func (x Immutable[K, V]) clone() Immutable[K, V]     { return x }
func (x Immutable[K, V]) len() int                   { return x.m.Len() }
