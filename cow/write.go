package cow

// Writes. Every write takes the tree's writer token (writer), makes the root
// writable (mutableRoot) and goes down through mutableChild, which copies a
// node the token does not own and links the copy into its parent in the same
// step. Nothing else decides whether a node may be written, and no write path
// stores a copy by hand. A write that would change nothing returns before it
// takes the token, so it copies nothing.

// mutableRoot makes the root writable by o, storing a copy in t when o does
// not own it.
func (t *Tree[K, V]) mutableRoot(o *owner) {
	if t.levels == 0 {
		t.root = mutable(asLeaf[K, V](t.root), o).ptr()
	} else {
		t.root = mutable(asInner[K](t.root), o).ptr()
	}
}

// writableChild is mutableChild for the child i of in at height ch, a leaf
// or an inner node.
func (t *Tree[K, V]) writableChild(in *node[K, ptr], i, ch int, o *owner) ptr {
	if ch == 0 {
		return mutableChild[K, V](in, i, o).ptr()
	}
	return mutableChild[K, ptr](in, i, o).ptr()
}

// Set stores v at key k, replacing the value already there. O(log n); on a
// tree whose path to k is shared, it copies that path (height+1 nodes).
func (t *Tree[K, V]) Set(k K, v V) {
	o := t.writer()
	if t.root == nil {
		lf := newNode[K, V](o)
		lf.n = 1
		lf.p[0] = v
		if absolute[K]() {
			lf.keys[0] = k
		} else {
			t.base = k
		}
		t.root, t.levels, t.length = lf.ptr(), 0, 1
		return
	}
	if t.nodeLen(t.root, int(t.levels)) >= t.fanout() {
		// Splitting top-down keeps every node we enter non-full, so a
		// split below always has room in its parent.
		nr := newNode[K, ptr](o)
		nr.n = 1
		nr.p[0] = t.root
		if absolute[K]() {
			nr.keys[0] = t.firstStored(t.root, int(t.levels))
		}
		t.root = nr.ptr()
		t.levels++
	} else {
		t.mutableRoot(o)
	}
	if t.setIn(t.root, int(t.levels), t.base, k, v, o, t.fanout()) {
		t.length++
	}
	t.refreshRoot()
}

// setIn stores (k, v) below the writable node p at height h and reports
// whether it added an entry.
func (t *Tree[K, V]) setIn(p ptr, h int, origin, k K, v V, o *owner, fanout int) bool {
	if h == 0 {
		lf := asLeaf[K, V](p)
		i := lf.floorIndex(origin, k, false)
		if i >= 0 && origin+lf.keys[i] == k {
			lf.p[i] = v
			return false
		}
		lf.insertAt(i+1, k-origin, v)
		return true
	}
	in := asInner[K](p)
	i := max(in.floorIndex(origin, k, false), 0)
	if t.nodeLen(in.p[i], h-1) >= fanout {
		if t.spill(in, i, h, o) {
			i = max(in.floorIndex(origin, k, false), 0)
		} else {
			t.splitChild(in, i, h, o)
			if origin+in.keys[i+1] <= k {
				i++
			}
		}
	}
	var added bool
	if h == 1 {
		c := mutableChild[K, V](in, i, o)
		added = t.setIn(c.ptr(), 0, childOrigin(origin, in.keys[i]), k, v, o, fanout)
		refreshSep(in, i, c) // k may now be the child's first key
	} else {
		c := mutableChild[K, ptr](in, i, o)
		added = t.setIn(c.ptr(), h-1, childOrigin(origin, in.keys[i]), k, v, o, fanout)
		refreshSep(in, i, c)
	}
	return added
}

// Delete removes the entry at k and reports whether there was one. O(log n).
func (t *Tree[K, V]) Delete(k K) bool {
	return t.deleteSpan(span[K]{lo: k, hi: k, hiIncl: true}) > 0
}

// DeleteRange removes every entry with lo <= key < hi and returns how many it
// removed. It works in steps that each start at the root: a step drops the
// run of children of one node that lie wholly inside the range (counting
// their entries, O(removed/B) node visits over all steps) or trims one edge
// leaf, then repairs the fill along its path. A range within one leaf takes
// one step, O(log n); a wide range takes O(log n) steps, O(log² n) node
// visits plus the counting. A range holding no entry changes nothing.
func (t *Tree[K, V]) DeleteRange(lo, hi K) int {
	if !(lo < hi) {
		return 0
	}
	return t.deleteSpan(span[K]{lo: lo, hi: hi})
}

// span is a key range [lo, hi) or [lo, hi].
type span[K Number] struct {
	lo, hi K
	hiIncl bool
}

// below reports whether x is under the span's upper end.
func (s span[K]) below(x K) bool { return x < s.hi || (s.hiIncl && x == s.hi) }

// coversUpTo reports whether every key below the exclusive bound up is under
// the span's upper end.
func (s span[K]) coversUpTo(up K, hasUp bool) bool {
	return hasUp && (up <= s.hi || (s.hiIncl && up-1 == s.hi && !absolute[K]()))
}

// ceil returns the smallest key >= x. O(log n).
func (t *Tree[K, V]) ceil(x K) (K, bool) {
	var c K
	if t.root == nil {
		return c, false
	}
	iv, ok := t.find(x, true) // the greatest key < x and the key after it
	switch {
	case !ok:
		return t.first(), true // every key is >= x
	case iv.Open:
		return c, false
	}
	return iv.End, true
}

// firstIn returns the smallest key of the tree that lies in s. O(log n).
func (t *Tree[K, V]) firstIn(s span[K]) (K, bool) {
	c, ok := t.ceil(s.lo)
	return c, ok && s.below(c)
}

func (t *Tree[K, V]) deleteSpan(s span[K]) int {
	c, ok := t.firstIn(s) // checked first, so that deleting nothing copies nothing
	if !ok {
		return 0
	}
	o := t.writer()
	total := 0
	for ok {
		t.mutableRoot(o)
		n := t.deleteStep(t.root, int(t.levels), t.base, 0, false, s, c, o)
		total += n
		t.length -= n
		if t.nodeLen(t.root, int(t.levels)) == 0 {
			t.root, t.levels, t.base = nil, 0, 0
			break
		}
		t.shrinkRoot()
		t.refreshRoot()
		c, ok = t.firstIn(s)
	}
	return total
}

// deleteStep removes some of the entries of s from below the writable node
// p at height h and returns how many, at least one; c is the smallest key
// in s, which lies below p. up is the exclusive upper bound of the subtree's
// keys when hasUp. At an inner node it drops the run of children wholly
// inside s, or else descends into the child holding c, the leftmost with an
// entry in s. The caller repairs the fill of p, or drops it when empty.
func (t *Tree[K, V]) deleteStep(p ptr, h int, origin, up K, hasUp bool, s span[K], c K, o *owner) int {
	if h == 0 {
		lf := asLeaf[K, V](p)
		i := lf.floorIndex(origin, s.lo, true) + 1
		j := i
		for j < lf.n && s.below(origin+lf.keys[j]) {
			j++
		}
		lf.removeRange(i, j)
		return j - i
	}
	in := asInner[K](p)
	upperOf := func(i int) (K, bool) {
		if i+1 < in.n {
			return origin + in.keys[i+1], true
		}
		return up, hasUp
	}
	a := max(in.floorIndex(origin, s.lo, false), 0)
	if origin+in.keys[a] < s.lo {
		a++
	}
	b := a
	for b < in.n && s.coversUpTo(upperOf(b)) {
		b++
	}
	if b > a {
		removed := 0
		for x := a; x < b; x++ {
			removed += t.count(in.p[x], h-1)
		}
		in.removeRange(a, b)
		return removed
	}
	i := in.floorIndex(origin, c, false)
	cu, ch := upperOf(i)
	child := t.writableChild(in, i, h-1, o)
	n := t.deleteStep(child, h-1, childOrigin(origin, in.keys[i]), cu, ch, s, c, o)
	if t.nodeLen(child, h-1) == 0 { // the child lost everything
		in.removeRange(i, i+1)
		return n
	}
	t.refresh(in, i, h-1)
	t.repair(in, i, h, o)
	return n
}

// count returns the number of entries below p, visiting every node there.
func (t *Tree[K, V]) count(p ptr, h int) int {
	if h == 0 {
		return asLeaf[K, V](p).n
	}
	in := asInner[K](p)
	c := 0
	for _, q := range in.livePayload() {
		c += t.count(q, h-1)
	}
	return c
}

// shrinkRoot removes root levels that have a single child.
func (t *Tree[K, V]) shrinkRoot() {
	for t.levels > 0 {
		in := asInner[K](t.root)
		if in.n > 1 {
			return
		}
		t.base = childOrigin(t.base, in.keys[0])
		t.root = in.p[0]
		t.levels--
	}
}

// Shift adds d to every key >= p. The caller keeps the keys strictly
// increasing: when d < 0 there must be no key in [p+d, p), and no key may
// leave K's range. For integer keys it is O(log n): it changes the
// separators right of the path to p and the keys of one leaf. For float keys
// it rewrites every key it moves, O(n) in them, each with the rounding of
// one float addition. Shifting no key changes nothing.
func (t *Tree[K, V]) Shift(p, d K) {
	if t.root == nil || d == 0 || t.last() < p {
		return
	}
	o := t.writer()
	if !absolute[K]() && p <= t.base {
		t.base += d // every key moves: only the root's origin changes
		return
	}
	t.mutableRoot(o)
	if absolute[K]() {
		t.shiftAbs(t.root, int(t.levels), p, d, o)
		return
	}
	t.shiftIn(t.root, int(t.levels), t.base, p, d, o)
}

// shiftIn adds d to the keys >= p below the writable node q: the
// separators of the children after the one that holds the keys just below
// p, then, down that child, the same one level lower. (When that child
// holds no key >= p its path is copied for nothing; finding out first
// would cost a descent on every shift.)
func (t *Tree[K, V]) shiftIn(q ptr, h int, origin, p, d K, o *owner) {
	if h == 0 {
		lf := asLeaf[K, V](q)
		lf.addKeys(lf.floorIndex(origin, p, true)+1, lf.n, d)
		return
	}
	in := asInner[K](q)
	i := in.floorIndex(origin, p, true) // >= 0: the node's first key is below p
	in.addKeys(i+1, in.n, d)            // the children after it move whole
	if h == 1 {
		lf := mutableChild[K, V](in, i, o)
		co := childOrigin(origin, in.keys[i])
		lf.addKeys(lf.floorIndex(co, p, true)+1, lf.n, d)
		return
	}
	child := mutableChild[K, ptr](in, i, o)
	t.shiftIn(child.ptr(), h-1, childOrigin(origin, in.keys[i]), p, d, o)
}

// shiftAbs adds d to every key >= p below the writable node q (float keys,
// stored absolute).
func (t *Tree[K, V]) shiftAbs(q ptr, h int, p, d K, o *owner) {
	if h == 0 {
		lf := asLeaf[K, V](q)
		lf.addKeys(lf.floorIndex(0, p, true)+1, lf.n, d)
		return
	}
	in := asInner[K](q)
	for i := max(in.floorIndex(0, p, true), 0); i < in.n; i++ {
		child := t.writableChild(in, i, h-1, o)
		t.shiftAbs(child, h-1, p, d, o)
		t.refresh(in, i, h-1)
	}
}

// last returns the greatest key; the tree is not empty. O(log n), no
// search: it follows the right edge.
func (t *Tree[K, V]) last() K {
	p, origin := t.root, t.base
	for h := int(t.levels); h > 0; h-- {
		in := asInner[K](p)
		origin = childOrigin(origin, in.keys[in.n-1])
		p = in.p[in.n-1]
	}
	lf := asLeaf[K, V](p)
	return origin + lf.keys[lf.n-1]
}

// nodeLen returns the entry count of the node at p (at height h).
func (t *Tree[K, V]) nodeLen(p ptr, h int) int {
	if h == 0 {
		return asLeaf[K, V](p).n
	}
	return asInner[K](p).n
}

// firstStored returns keys[0] of the node at p, as stored.
func (t *Tree[K, V]) firstStored(p ptr, h int) K {
	if h == 0 {
		return asLeaf[K, V](p).keys[0]
	}
	return asInner[K](p).keys[0]
}

// spill makes room in the full child i of the writable node in (child at
// height h-1) by evening it out with a sibling that has at least two free
// slots, the left one first, and reports whether it did; both then have
// room. Keys inserted in increasing order (appends) thus fill their nodes
// instead of leaving every node half full, as splitting alone would.
func (t *Tree[K, V]) spill(in *node[K, ptr], i, h int, o *owner) bool {
	for _, li := range [2]int{i - 1, i} {
		if li < 0 || li+1 >= in.n {
			continue
		}
		sib := li
		if li == i {
			sib = i + 1
		}
		if t.nodeLen(in.p[sib], h-1) > t.fanout()-2 {
			continue
		}
		t.rebalance(in, li, h, o)
		return true
	}
	return false
}

// splitChild splits the full child i of the writable node in (child at
// height h-1) into two halves; in has room for the new separator.
func (t *Tree[K, V]) splitChild(in *node[K, ptr], i, h int, o *owner) {
	if h-1 == 0 {
		splitNode[K, V](in, i, o)
	} else {
		splitNode[K, ptr](in, i, o)
	}
}

func splitNode[K Number, P any](in *node[K, ptr], i int, o *owner) {
	c := mutableChild[K, P](in, i, o)
	r := c.splitInto(o)
	d := normalize(r) // r's first key in c's frame
	sep := d
	if !absolute[K]() {
		sep = in.keys[i] + d
	}
	in.insertAt(i+1, sep, r.ptr())
}

// refresh restores the separator of child i of in (child at height ch) after
// the child's first key may have changed. A child whose first key changed
// was written, so it is writable.
func (t *Tree[K, V]) refresh(in *node[K, ptr], i, ch int) {
	if ch == 0 {
		refreshSep(in, i, asLeaf[K, V](in.p[i]))
	} else {
		refreshSep(in, i, asInner[K](in.p[i]))
	}
}

func refreshSep[K Number, P any](in *node[K, ptr], i int, c *node[K, P]) {
	if c.n == 0 {
		return
	}
	if absolute[K]() {
		in.keys[i] = c.keys[0]
		return
	}
	if d := c.keys[0]; d != 0 {
		c.addKeys(0, c.n, -d)
		in.keys[i] += d
	}
}

// refreshRoot re-normalises the root after its first key may have changed.
// A root that a write did not change is normalised already, so this writes
// only to a root the write made writable.
func (t *Tree[K, V]) refreshRoot() {
	if absolute[K]() || t.root == nil {
		return
	}
	if t.levels == 0 {
		t.base += normalize(asLeaf[K, V](t.root))
	} else {
		t.base += normalize(asInner[K](t.root))
	}
}

// repair restores the fill of the writable child i of in (child at height
// h-1) when it is under the minimum, by merging it with a sibling or moving
// entries over from one. The sibling is well filled, so one step suffices
// whatever the child's count; in loses at most one child.
func (t *Tree[K, V]) repair(in *node[K, ptr], i, h int, o *owner) {
	if in.n < 2 || t.nodeLen(in.p[i], h-1) >= t.minFill() {
		return
	}
	t.rebalance(in, max(i-1, 0), h, o)
}

// rebalance evens out the adjacent children li and li+1 of the writable node
// in (children at height h-1).
func (t *Tree[K, V]) rebalance(in *node[K, ptr], li, h int, o *owner) {
	if h-1 == 0 {
		rebalance[K, V](in, li, t.fanout(), o)
	} else {
		rebalance[K, ptr](in, li, t.fanout(), o)
	}
}

// rebalance merges children li and li+1 of in into li when they fit in one
// node, else splits their entries half and half. A right sibling that is
// merged away is only read, so it is not copied.
func rebalance[K Number, P any](in *node[K, ptr], li, fanout int, o *owner) {
	l := mutableChild[K, P](in, li, o)
	r := (*node[K, P])(in.p[li+1])
	var dr K // converts r's frame to l's
	if !absolute[K]() {
		dr = in.keys[li+1] - in.keys[li]
	}
	if l.n+r.n <= fanout {
		wasEmpty := l.n == 0
		l.appendFrom(r, 0, r.n, dr)
		in.removeRange(li+1, li+2)
		if wasEmpty {
			refreshSep(in, li, l)
		}
		return
	}
	r = mutableChild[K, P](in, li+1, o)
	target := (l.n + r.n) / 2
	if l.n < target {
		k := target - l.n
		l.appendFrom(r, 0, k, dr)
		r.removeRange(0, k)
	} else {
		r.prependFrom(l, target, l.n, -dr)
		l.removeRange(target, l.n)
	}
	refreshSep(in, li, l)
	refreshSep(in, li+1, r)
}
