package cow

// Leaf-local writes: a caller that has found, with one Cursor descent, the
// leaf its write falls in reads the entries around it and replaces a run
// of them in place, making only that path writable. Package fst's Insert
// takes this path whenever the write stays in one leaf, and falls back to
// the general writes (several descents, splits and merges) otherwise.

// LeafLen returns the number of entries of the cursor's leaf; the cursor
// must be positioned.
func (c *Cursor[K, V, M]) LeafLen() int { return nodeLen(c.f[c.levels].p) }

// Index returns the index of the cursor's entry in its leaf.
func (c *Cursor[K, V, M]) Index() int { return int(c.f[c.levels].i) }

// EntryAt returns entry j of the cursor's leaf, with its absolute key.
func (c *Cursor[K, V, M]) EntryAt(j int) (K, V) {
	f := &c.f[c.levels]
	lf := asLeaf[K, V](f.p)
	return f.origin + lf.keys[j], lf.p[j]
}

// LeafBound returns the exclusive upper bound of the keys of the cursor's
// leaf, the first key of the leaf after it, and false when the leaf is the
// last (no bound).
func (c *Cursor[K, V, M]) LeafBound() (K, bool) {
	f := &c.f[c.levels]
	return f.up, !f.open
}

// SpliceLeaf replaces the entries [a, b) of the leaf of c with keys[i] ->
// vals[i], and reports true; it reports false and changes nothing when
// that would change the leaf's first key or take its entry count out of
// the bounds of a node (the caller then writes another way). c must be a
// positioned cursor made from t, and t unchanged since. The keys are
// absolute, strictly increasing, above the entry before a and below the
// entry at b (or the leaf's bound). It makes the path from the root to the
// leaf writable (copying the nodes t does not own, marking them for the
// next Settle) and adjusts Len. O(log n + B), one pass down the path the
// cursor found, with no search.
func (t *Tree[K, V, M]) SpliceLeaf(c *Cursor[K, V, M], a, b int, keys []K, vals []V) bool {
	lf := &c.f[c.levels]
	n := nodeLen(lf.p)
	first := lf.origin + headOf[K](lf.p).keys[0]
	if a == 0 && (len(keys) == 0 || keys[0] != first) {
		return false // the leaf's first key, its separator above, would change
	}
	fill := t.minFill()
	if c.levels == 0 {
		fill = 1
	}
	if m := n - (b - a) + len(keys); m < fill || m > t.fanout() {
		return false
	}
	o := t.writer()
	p := t.reshape(stepRoot, nil, 0, o)
	for h := 0; h < c.levels; h++ {
		p = t.reshape(stepChild, asInner[K, M](p), int(c.f[h].i), o)
	}
	nd := asLeaf[K, V](p)
	nd.removeRange(a, b)
	for i, k := range keys {
		nd.insertAt(a+i, k-lf.origin, vals[i])
	}
	t.length += len(keys) - (b - a)
	return true
}
