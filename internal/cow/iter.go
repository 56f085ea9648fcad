package cow

import "iter"

// Iteration is a recursive walk down from the root: a persistent tree has no
// sibling links between leaves (copying one leaf would force copying the whole
// chain), and the recursion needs no allocation beyond the closure. An
// iterator reads the tree as it is when each step runs, so a tree must not be
// written while one of its iterators runs; iterate a Clone or a frozen tree to
// iterate while writing.

// All returns every entry in increasing key order. O(n) for the whole walk;
// stopping early costs only what was visited.
func (t *Tree[K, V, M]) All() iter.Seq2[K, V] {
	return func(yield func(K, V) bool) {
		if t.root != nil {
			t.ascend(t.root, int(t.levels), t.base, 0, false, yield)
		}
	}
}

// Ascend returns the entries with key >= from in increasing key order. The
// first step is O(log n), each further step O(1) amortised.
func (t *Tree[K, V, M]) Ascend(from K) iter.Seq2[K, V] {
	return func(yield func(K, V) bool) {
		if t.root != nil {
			t.ascend(t.root, int(t.levels), t.base, from, true, yield)
		}
	}
}

// Backward returns every entry in decreasing key order.
func (t *Tree[K, V, M]) Backward() iter.Seq2[K, V] {
	return func(yield func(K, V) bool) {
		if t.root != nil {
			t.descend(t.root, int(t.levels), t.base, 0, false, yield)
		}
	}
}

// Descend returns the entries with key <= from in decreasing key order.
func (t *Tree[K, V, M]) Descend(from K) iter.Seq2[K, V] {
	return func(yield func(K, V) bool) {
		if t.root != nil {
			t.descend(t.root, int(t.levels), t.base, from, true, yield)
		}
	}
}

// ascend walks the subtree at p from the first key >= from (every key when
// !bounded); it returns false when yield asked to stop.
func (t *Tree[K, V, M]) ascend(p ptr, h int, origin, from K, bounded bool, yield func(K, V) bool) bool {
	if h == 0 {
		lf := asLeaf[K, V](p)
		i := 0
		if bounded {
			i = lf.floorIndex(origin, from, true) + 1
		}
		for ; i < lf.len(); i++ {
			if !yield(origin+lf.keys[i], lf.p[i]) {
				return false
			}
		}
		return true
	}
	in := asInner[K, M](p)
	i := 0
	if bounded {
		i = max(in.floorIndex(origin, from, false), 0)
	}
	for ; i < in.len(); i++ {
		if !t.ascend(in.p[i].p, h-1, childOrigin(origin, in.keys[i]), from, bounded, yield) {
			return false
		}
		bounded = false
	}
	return true
}

func (t *Tree[K, V, M]) descend(p ptr, h int, origin, from K, bounded bool, yield func(K, V) bool) bool {
	if h == 0 {
		lf := asLeaf[K, V](p)
		i := lf.len() - 1
		if bounded {
			i = lf.floorIndex(origin, from, false)
		}
		for ; i >= 0; i-- {
			if !yield(origin+lf.keys[i], lf.p[i]) {
				return false
			}
		}
		return true
	}
	in := asInner[K, M](p)
	i := in.len() - 1
	if bounded {
		i = in.floorIndex(origin, from, false)
	}
	for ; i >= 0; i-- {
		if !t.descend(in.p[i].p, h-1, childOrigin(origin, in.keys[i]), from, bounded, yield) {
			return false
		}
		bounded = false
	}
	return true
}
