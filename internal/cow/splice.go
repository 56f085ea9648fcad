package cow

// Leaf-local writes: a caller that has found, with one Cursor descent, the
// leaf its write falls in reads the entries around it and replaces a run
// of them in place, making only that path writable. Package fst's Insert
// takes this path whenever the write stays in one leaf, and falls back to
// the general writes (several descents, splits and merges) otherwise.

// Index returns the index of the cursor's entry in its leaf.
func (c *Cursor[K, V, M]) Index() int { return int(c.f[c.levels].i) }

// Leaf is a view of one leaf of a tree, as a positioned Cursor
// (Cursor.Leaf) or Tree.LastLeaf found it: what a leaf-local write reads
// before it decides what to write. It is a small value (no allocation)
// and reads the leaf as it is: it is valid only while the tree it came
// from is unchanged, and must not be used after a write.
type Leaf[K Number, V any] struct {
	p      ptr
	origin K
	up     K    // the first key of the next leaf, unless open
	open   bool // the last leaf: no bound
}

// Len returns the number of entries of the leaf. O(1).
func (l *Leaf[K, V]) Len() int { return nodeLen(l.p) }

// EntryAt returns entry j of the leaf, with its absolute key. O(1).
func (l *Leaf[K, V]) EntryAt(j int) (K, V) {
	lf := asLeaf[K, V](l.p)
	return l.origin + lf.keys[j], lf.p[j]
}

// Bound returns the exclusive upper bound of the leaf's keys, the first key
// of the leaf after it, and false when the leaf is the last (no bound).
func (l *Leaf[K, V]) Bound() (K, bool) { return l.up, !l.open }

// First returns the leaf's first key. O(1).
func (l *Leaf[K, V]) First() K { return l.origin + headOf[K](l.p).keys[0] }

// Floor returns the index of the leaf's last entry with a key <= k, or -1.
// O(log B), and O(1) when k is at or after the last key.
func (l *Leaf[K, V]) Floor(k K) int {
	return floorLE(&headOf[K](l.p).keys, nodeLen(l.p), l.origin, k, l.up, !l.open)
}

// Leaf returns a view of the cursor's leaf; the cursor must be
// positioned. O(1).
func (c *Cursor[K, V, M]) Leaf() Leaf[K, V] {
	f := &c.f[c.levels]
	return Leaf[K, V]{p: f.p, origin: f.origin, up: f.up, open: f.open}
}

// LastLeaf returns a view of the tree's last leaf, and false when the tree
// is empty. It is how an append finds where it writes without a Seek: O(1)
// when the tree's writer token holds the leaf (the last write of a tree
// without summaries was an append, SpliceLast or SpliceLeaf on the last
// leaf, and nothing was written, cloned or frozen since: see plainOwner),
// and otherwise O(log n), a walk down the right edge with no search. It
// writes nothing and allocates nothing. Like every read it must not run
// concurrently with a write of t.
func (t *Tree[K, V, M]) LastLeaf() (Leaf[K, V], bool) {
	if o := t.owner; o != nil && o.keeping() && o.keptTail() != nil {
		return Leaf[K, V]{p: o.keptTail(), origin: *keptOrigin[K](o), open: true}, true
	}
	if t.root == nil {
		return Leaf[K, V]{}, false
	}
	p, origin := t.root, t.base
	for h := int(t.levels); h > 0; h-- {
		in := asInner[K, M](p)
		j := in.len() - 1
		origin = childOrigin(origin, in.keys[j])
		p = in.p[j].p
	}
	return Leaf[K, V]{p: p, origin: origin, open: true}, true
}

// SpliceLeaf replaces the entries [a, b) of the leaf of c with keys[i] ->
// vals[i], and reports true; it reports false and changes nothing when
// that would change the leaf's first key or take its entry count out of
// the bounds of a node (the caller then writes another way). c must be a
// positioned cursor made from t, and t unchanged since; c is stale
// afterwards. The keys are absolute, strictly increasing, above the entry
// before a and below the entry at b (or the leaf's bound). It makes the
// path from the root to the leaf writable (copying the nodes t does not
// own, marking them for the next Settle) and adjusts Len. O(log n + B),
// one pass down the path the cursor found, with no search.
//
// The leaf on the tree's right edge (no bound) may hold as few as one
// entry (see Verify), and when a write that reaches its end (b is its
// entry count) would overfill it, SpliceLeaf splits it unevenly instead
// of refusing: the leaf keeps the first fanout entries and a new leaf
// after it takes the rest (see splitEdge). Appends in key order thus stay
// one descent and leave full leaves behind them.
func (t *Tree[K, V, M]) SpliceLeaf(c *Cursor[K, V, M], a, b int, keys []K, vals []V) bool {
	f := &c.f[c.levels]
	return t.splice(f.p, f.origin, f.open, c, a, b, keys, vals)
}

// SpliceLast is SpliceLeaf on the tree's last leaf l, as LastLeaf returned
// it (t unchanged since), with no cursor: it makes the right edge
// writable by a walk that follows each node's last child. When l came
// from the writer's cache (see LastLeaf) that walk is skipped: the leaf
// and the nodes above it are the writer's already, and a tree without
// summaries has nothing to mark, so an append that fits in the leaf costs
// O(1) beyond the entries it moves (none when it writes at the leaf's
// end), and one that splits the leaf O(log n + B). Otherwise it is
// O(log n + B), as SpliceLeaf. A tree without summaries then keeps the
// (new) last leaf in its writer token for the next append. The same rules
// as SpliceLeaf's decide when it refuses; l is stale afterwards.
func (t *Tree[K, V, M]) SpliceLast(l *Leaf[K, V], a, b int, keys []K, vals []V) bool {
	return t.splice(l.p, l.origin, true, nil, a, b, keys, vals)
}

// splice is SpliceLeaf (c set) and SpliceLast (c nil, open true) of the
// leaf at lp, whose origin is origin.
func (t *Tree[K, V, M]) splice(lp ptr, origin K, open bool, c *Cursor[K, V, M], a, b int, keys []K, vals []V) bool {
	n := nodeLen(lp)
	first := origin + headOf[K](lp).keys[0]
	if a == 0 && (len(keys) == 0 || keys[0] != first) {
		return false // the leaf's first key, its separator above, would change
	}
	fill := t.minFill()
	if open { // the root, or the last leaf: on the right edge
		fill = 1
	}
	m := n - (b - a) + len(keys)
	split := m > t.fanout()
	if m < fill || split && (!open || b != n) {
		return false
	}
	var nd *node[K, V]
	o := t.owner
	kept := o != nil && o.keeping() && o.keptTail() == lp
	if kept {
		nd = asLeaf[K, V](lp) // the writer's cached last leaf: the right edge is its own, nothing to mark
	} else {
		o = t.writer()
		p := t.reshape(stepRoot, nil, 0, o)
		marks := o.marks()
		for h := 0; h < int(t.levels); h++ {
			in := asInner[K, M](p)
			i := in.len() - 1
			if c != nil {
				i = int(c.f[h].i)
			}
			if q := in.p[i].p; !marks && (*header)(q).owner == o.id {
				p = q // the writer's already, and nothing to mark: what reshape returns
				continue
			}
			p = t.reshape(stepChild, in, i, o)
		}
		nd = asLeaf[K, V](p)
	}
	t.length += len(keys) - (b - a)
	if split {
		t.splitEdge(nd, origin, a, keys, vals, o)
		return true
	}
	nd.replaceRange(a, b, keys, vals, origin)
	if open && !kept && !o.marks() { // (a kept leaf stays kept: no store, no write barrier)
		keepTail(o, nd.ptr(), origin)
	}
	return true
}

// replaceRange replaces the entries [a, b) of the leaf nd with keys[i] ->
// vals[i], the keys absolute and stored relative to origin, moving the
// entries after b once and zeroing the slots it vacates. The leaf has
// room. O(B).
func (nd *node[K, V]) replaceRange(a, b int, keys []K, vals []V, origin K) {
	n := nd.len()
	m := n - (b - a) + len(keys)
	if e := a + len(keys); e != b && b < n {
		copy(nd.keys[e:m], nd.keys[b:n])
		copy(nd.p[e:m], nd.p[b:n])
	}
	if m < n {
		clear(nd.keys[m:n])
		clear(nd.p[m:n])
	}
	for i, k := range keys {
		nd.keys[a+i], nd.p[a+i] = k-origin, vals[i]
	}
	nd.n = int32(m)
}

// splitEdge is SpliceLeaf's write of keys -> vals over the entries from a
// on of the writable last leaf nd (whose origin is origin) when the result
// holds more than fanout entries: nd keeps its first a entries and the
// first keys up to fanout, a new leaf takes the remaining keys (at least
// one), and linkEdge hangs it on the right edge. Every node of the right
// edge must be writable. O(B + log n).
func (t *Tree[K, V, M]) splitEdge(nd *node[K, V], origin K, a int, keys []K, vals []V, o *owner) {
	nd.removeRange(a, nd.len())
	stay := t.fanout() - a
	for i, k := range keys[:stay] {
		nd.keys[a+i], nd.p[a+i] = k-origin, vals[i]
	}
	nd.n = int32(t.fanout())
	r := newNode[K, V](o, leafKind)
	lo := keys[stay]
	for i, k := range keys[stay:] {
		if !absolute[K]() {
			k -= lo
		}
		r.keys[i], r.p[i] = k, vals[stay+i]
	}
	r.n = int32(len(keys) - stay)
	t.linkEdge(r.ptr(), lo, o)
	if !o.marks() { // r is the last leaf now, and the right edge the writer's
		if absolute[K]() {
			lo = 0
		}
		keepTail(o, r.ptr(), lo)
	}
}

// linkEdge appends the node at child, whose smallest key is lo (absolute)
// and whose height is one below the lowest inner level, as the last child
// of the lowest node on the tree's right edge that has room; each full
// node on the way up keeps its children and gets a new right sibling
// holding the one new child, and when the root is full too a new root
// holds it and its new sibling. Every node of the right edge must be
// writable. The full nodes left behind stay full: only nodes on the right
// edge may hold fewer than fanout/2 entries (see Verify). O(log n).
func (t *Tree[K, V, M]) linkEdge(child ptr, lo K, o *owner) {
	var path [maxDepth]*node[K, slot[M]] // the right edge's inner nodes, by height
	var origins [maxDepth]K
	p, origin := t.root, t.base
	for h := int(t.levels); h > 0; h-- {
		in := asInner[K, M](p)
		path[h], origins[h] = in, origin
		origin = childOrigin(origin, in.keys[in.n-1])
		p = in.p[in.n-1].p
	}
	for h := 1; h <= int(t.levels); h++ {
		in := path[h]
		if in.len() < t.fanout() {
			sep := lo
			if !absolute[K]() {
				sep = lo - origins[h]
			}
			in.insertAt(in.len(), sep, slot[M]{p: child})
			return
		}
		up := newNode[K, slot[M]](o, innerKind)
		up.n, up.p[0].p = 1, child
		if absolute[K]() {
			up.keys[0] = lo
		}
		child = up.ptr()
	}
	nr := newNode[K, slot[M]](o, innerKind)
	nr.n = 2
	nr.p[0].p, nr.p[1].p = t.root, child
	if absolute[K]() {
		nr.keys[0], nr.keys[1] = headOf[K](t.root).keys[0], lo
	} else {
		nr.keys[1] = lo - t.base
	}
	t.root = nr.ptr()
	t.levels++
}
