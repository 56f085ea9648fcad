package cow

// Remeasure returns a tree holding src's entries, with summaries of type M
// computed by m (which must not be nil). It shares src's leaves and builds
// new inner nodes: O(n/B) allocations and O(n) Of and Combine calls. Like
// Clone it marks src's writer token shared, so that neither tree writes a
// shared leaf in place again. The result is settled; src is only read (a
// panic of m leaves it as it was).
func Remeasure[K Number, V, M0, M any](src *Tree[K, V, M0], m Measure[K, V, M]) *Tree[K, V, M] {
	t := &Tree[K, V, M]{base: src.base, length: src.length, levels: src.levels, slack: src.slack}
	if src.root == nil {
		return t
	}
	if o := src.owner; o != nil {
		o.share()
	}
	o := t.writer()
	t.root = remeasureIn[K, V, M0](m, t.bulk(m, nil), src.root, int(src.levels), src.base, bound[K]{}, o)
	return t
}

// remeasureIn returns the subtree at p (height h, origin origin, keys below
// up) with new inner nodes owned by o, each clean and holding the
// summaries of its children; leaves are shared as they are.
func remeasureIn[K Number, V, M0, M any](m Measure[K, V, M], fo bulk[K, V, M], p ptr, h int, origin K, up bound[K], o *owner) ptr {
	if h == 0 {
		return p
	}
	src := asInner[K, M0](p)
	nd := newNode[K, slot[M]](o, innerKind)
	nd.n = src.n
	nd.keys = src.keys
	for i := range src.len() {
		co, cu := childOrigin(origin, src.keys[i]), upOf(src, i, origin, up)
		c := remeasureIn[K, V, M0](m, fo, src.p[i].p, h-1, co, cu, o)
		nd.p[i] = slot[M]{m: summarize[K, V](m, fo.f, c, h-1, co, cu), p: c}
	}
	fold(m, fo, nd, 0, nd.len()-1)
	nd.dirty, nd.hint = false, hintNone
	return nd.ptr()
}
