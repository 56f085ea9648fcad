package cow

// Writes. Every write first takes the tree's writer token (writer), then
// walks down from the root asking mutable for each node it changes: a node
// the token owns is changed in place, any other is copied once and the copy
// is linked into its (already mutable) parent. Nothing else decides whether a
// node may be written.

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
		t.root, t.height, t.length = lf.ptr(), 0, 1
		return
	}
	if t.nodeFull(t.root, t.height) {
		// Splitting top-down keeps every node we enter non-full, so a
		// split below always has room in its parent.
		nr := newNode[K, ptr](o)
		nr.n = 1
		nr.p[0] = t.root
		if absolute[K]() {
			nr.keys[0] = t.firstStored(t.root, t.height)
		}
		t.root = nr.ptr()
		t.height++
	}
	var inserted bool
	t.root, inserted = t.setIn(t.root, t.height, t.base, k, v, o)
	t.refreshRoot()
	if inserted {
		t.length++
	}
}

func (t *Tree[K, V]) setIn(p ptr, h int, origin, k K, v V, o *owner) (ptr, bool) {
	if h == 0 {
		lf := asLeaf[K, V](p)
		i := lf.floorIndex(origin, k, false)
		lf = mutable(lf, o)
		if i >= 0 && origin+lf.keys[i] == k {
			lf.p[i] = v
			return lf.ptr(), false
		}
		lf.insertAt(i+1, k-origin, v)
		return lf.ptr(), true
	}
	in := mutable(asInner[K](p), o)
	i := max(in.floorIndex(origin, k, false), 0)
	if t.nodeFull(in.p[i], h-1) {
		if t.spill(in, i, h, o) {
			i = max(in.floorIndex(origin, k, false), 0)
		} else {
			t.splitChild(in, i, h, o)
			if origin+in.keys[i+1] <= k {
				i++
			}
		}
	}
	var inserted bool
	in.p[i], inserted = t.setIn(in.p[i], h-1, childOrigin(origin, in.keys[i]), k, v, o)
	t.refresh(in, i, h-1) // k may now be the child's first key
	return in.ptr(), inserted
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

// DeleteFrom removes every entry with key >= lo and returns how many it
// removed, with the costs of DeleteRange.
func (t *Tree[K, V]) DeleteFrom(lo K) int {
	return t.deleteSpan(span[K]{lo: lo, unbounded: true})
}

// span is a key range [lo, hi), [lo, hi] or [lo, +inf).
type span[K Number] struct {
	lo, hi    K
	hiIncl    bool
	unbounded bool
}

// below reports whether x is under the span's upper end.
func (s span[K]) below(x K) bool {
	return s.unbounded || x < s.hi || (s.hiIncl && x == s.hi)
}

// coversUpTo reports whether every key below the exclusive bound up is under
// the span's upper end.
func (s span[K]) coversUpTo(up K, hasUp bool) bool {
	if !hasUp {
		return s.unbounded
	}
	return s.unbounded || up <= s.hi || (s.hiIncl && up-1 == s.hi && !absolute[K]())
}

func (t *Tree[K, V]) deleteSpan(s span[K]) int {
	if t.root == nil {
		return 0
	}
	// Check first, so that deleting nothing copies nothing.
	if f, ok := t.Lower(s.lo); ok {
		if !f.HasNext || !s.below(f.Next) {
			return 0
		}
	} else if m, _ := t.Min(); !s.below(m.Key) {
		return 0
	}
	o := t.writer()
	total := 0
	for t.root != nil {
		var n int
		t.root, n = t.deleteStep(t.root, t.height, t.base, 0, false, s, o)
		if n == 0 {
			break
		}
		total += n
		t.length -= n
		if t.root == nil {
			t.height, t.base = 0, 0
			break
		}
		t.shrinkRoot()
		t.refreshRoot()
	}
	return total
}

// deleteStep removes some entries of s from the subtree at p and returns the
// subtree's new root and how many entries it removed; zero means the subtree
// holds none. up is the exclusive upper bound of the subtree's keys when
// hasUp. At an inner node it drops the children wholly inside s, or else
// descends into the (at most two) children that straddle an end of s. The
// caller repairs the fill of the returned node.
func (t *Tree[K, V]) deleteStep(p ptr, h int, origin, up K, hasUp bool, s span[K], o *owner) (ptr, int) {
	if h == 0 {
		lf := asLeaf[K, V](p)
		i := lf.floorIndex(origin, s.lo, true) + 1
		j := i
		for j < lf.n && s.below(origin+lf.keys[j]) {
			j++
		}
		if i == j {
			return p, 0
		}
		lf = mutable(lf, o)
		lf.removeRange(i, j)
		if lf.n == 0 {
			return nil, j - i
		}
		return lf.ptr(), j - i
	}
	in := asInner[K](p)
	upperOf := func(i int) (K, bool) {
		if i+1 < in.n {
			return origin + in.keys[i+1], true
		}
		return up, hasUp
	}
	i0 := max(in.floorIndex(origin, s.lo, false), 0)
	a := i0
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
		if b-a == in.n {
			return nil, removed
		}
		in = mutable(in, o)
		in.removeRange(a, b)
		return in.ptr(), removed
	}
	for i := i0; i < in.n && i <= i0+1; i++ {
		if !s.below(origin + in.keys[i]) {
			break
		}
		cu, ch := upperOf(i)
		c, n := t.deleteStep(in.p[i], h-1, childOrigin(origin, in.keys[i]), cu, ch, s, o)
		if n == 0 {
			continue
		}
		in = mutable(in, o)
		if c == nil { // the child lost everything
			in.removeRange(i, i+1)
			if in.n == 0 {
				return nil, n
			}
			return in.ptr(), n
		}
		in.p[i] = c
		t.refresh(in, i, h-1)
		t.repair(in, i, h, o)
		return in.ptr(), n
	}
	return p, 0
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

// shrinkRoot removes root levels that have a single child, and the root of
// an empty tree.
func (t *Tree[K, V]) shrinkRoot() {
	for t.height > 0 {
		in := asInner[K](t.root)
		if in.n > 1 {
			return
		}
		t.base = childOrigin(t.base, in.keys[0])
		t.root = in.p[0]
		t.height--
	}
	if t.root != nil && asLeaf[K, V](t.root).n == 0 {
		t.root, t.base = nil, 0
	}
}

// Shift adds d to every key >= p. The caller keeps the keys strictly
// increasing: when d < 0 there must be no key in [p+d, p), and no key may
// leave K's range. For integer keys it is O(log n): it changes the
// separators right of the path to p and the keys of one leaf. For float keys
// it rewrites every key it moves, O(n) in them, with the rounding of one
// float addition per key, as mdds; the caller checks that rounding keeps
// distinct keys distinct. Shifting no key changes nothing.
func (t *Tree[K, V]) Shift(p, d K) {
	if t.root == nil || d == 0 {
		return
	}
	if m, _ := t.Max(); m.Key < p {
		return
	}
	o := t.writer()
	if absolute[K]() {
		t.root = t.shiftAbs(t.root, t.height, p, d, o)
		return
	}
	if p <= t.base {
		t.base += d // every key moves: only the root's origin changes
		return
	}
	t.root = t.shiftIn(t.root, t.height, t.base, p, d, o)
}

func (t *Tree[K, V]) shiftIn(q ptr, h int, origin, p, d K, o *owner) ptr {
	if h == 0 {
		lf := mutable(asLeaf[K, V](q), o)
		lf.addKeys(lf.floorIndex(origin, p, true)+1, lf.n, d)
		return lf.ptr()
	}
	in := mutable(asInner[K](q), o)
	i := in.floorIndex(origin, p, true) // the child holding keys < p and maybe >= p
	in.addKeys(i+1, in.n, d)            // the children after it move whole
	in.p[i] = t.shiftIn(in.p[i], h-1, childOrigin(origin, in.keys[i]), p, d, o)
	return in.ptr()
}

func (t *Tree[K, V]) shiftAbs(q ptr, h int, p, d K, o *owner) ptr {
	if h == 0 {
		lf := asLeaf[K, V](q)
		i := lf.floorIndex(0, p, true) + 1
		if i == lf.n {
			return q
		}
		lf = mutable(lf, o)
		lf.addKeys(i, lf.n, d)
		return lf.ptr()
	}
	in := mutable(asInner[K](q), o)
	for i := max(in.floorIndex(0, p, true), 0); i < in.n; i++ {
		in.p[i] = t.shiftAbs(in.p[i], h-1, p, d, o)
		t.refresh(in, i, h-1)
	}
	return in.ptr()
}

// nodeFull reports whether the node at p (at height h) is full.
func (t *Tree[K, V]) nodeFull(p ptr, h int) bool {
	if h == 0 {
		return asLeaf[K, V](p).full()
	}
	return asInner[K](p).full()
}

// firstStored returns keys[0] of the node at p, as stored.
func (t *Tree[K, V]) firstStored(p ptr, h int) K {
	if h == 0 {
		return asLeaf[K, V](p).keys[0]
	}
	return asInner[K](p).keys[0]
}

// spill makes room in the full child i of in (child at height h-1) by
// evening it out with a sibling that has at least two free slots, the left
// one first, and reports whether it did; both then have room. Keys inserted
// in increasing order (appends) thus fill their nodes instead of leaving
// every node half full, as splitting alone would.
func (t *Tree[K, V]) spill(in *node[K, ptr], i, h int, o *owner) bool {
	for _, li := range [2]int{i - 1, i} {
		sib := li
		if li == i {
			sib = i + 1
		}
		if li < 0 || sib >= in.n || t.nodeLen(in.p[sib], h-1) > fanoutNow()-2 {
			continue
		}
		if h-1 == 0 {
			rebalance(in, li, mutable(asLeaf[K, V](in.p[li]), o), mutable(asLeaf[K, V](in.p[li+1]), o))
		} else {
			rebalance(in, li, mutable(asInner[K](in.p[li]), o), mutable(asInner[K](in.p[li+1]), o))
		}
		return true
	}
	return false
}

// nodeLen returns the entry count of the node at p (at height h).
func (t *Tree[K, V]) nodeLen(p ptr, h int) int {
	if h == 0 {
		return asLeaf[K, V](p).n
	}
	return asInner[K](p).n
}

// splitChild splits the full child i of in (child at height h-1) into two
// halves; in has room for the new separator.
func (t *Tree[K, V]) splitChild(in *node[K, ptr], i, h int, o *owner) {
	if h-1 == 0 {
		splitNode(in, i, mutable(asLeaf[K, V](in.p[i]), o), o)
	} else {
		splitNode(in, i, mutable(asInner[K](in.p[i]), o), o)
	}
}

func splitNode[K Number, P any](in *node[K, ptr], i int, c *node[K, P], o *owner) {
	r := c.splitInto(o)
	d := normalize(r) // r's first key in c's frame
	sep := d
	if !absolute[K]() {
		sep = in.keys[i] + d
	}
	in.p[i] = c.ptr()
	in.insertAt(i+1, sep, r.ptr())
}

// refresh restores the separator of child i of in (child at height ch) after
// the child's first key may have changed. A changed child is mutable.
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
func (t *Tree[K, V]) refreshRoot() {
	if absolute[K]() || t.root == nil {
		return
	}
	if t.height == 0 {
		t.base += normalize(asLeaf[K, V](t.root))
	} else {
		t.base += normalize(asInner[K](t.root))
	}
}

// repair restores the fill of child i of in (child at height h-1) when it is
// under the minimum, by merging it with a sibling or moving entries over from
// one. The sibling is well filled, so one step suffices whatever the child's
// count; in loses at most one child.
func (t *Tree[K, V]) repair(in *node[K, ptr], i, h int, o *owner) {
	if in.n < 2 {
		return
	}
	li := i - 1
	if i == 0 {
		li = 0
	}
	if h-1 == 0 {
		if !asLeaf[K, V](in.p[i]).underfull() {
			return
		}
		rebalance(in, li, mutable(asLeaf[K, V](in.p[li]), o), mutable(asLeaf[K, V](in.p[li+1]), o))
	} else {
		if !asInner[K](in.p[i]).underfull() {
			return
		}
		rebalance(in, li, mutable(asInner[K](in.p[li]), o), mutable(asInner[K](in.p[li+1]), o))
	}
}

// rebalance evens out the adjacent children li and li+1 of in (l and r, both
// mutable): merged into l when they fit in one node, else split half and half.
func rebalance[K Number, P any](in *node[K, ptr], li int, l, r *node[K, P]) {
	in.p[li], in.p[li+1] = l.ptr(), r.ptr()
	var dr K // converts r's frame to l's
	if !absolute[K]() {
		dr = in.keys[li+1] - in.keys[li]
	}
	if l.n+r.n <= fanoutNow() {
		wasEmpty := l.n == 0
		l.appendFrom(r, 0, r.n, dr)
		in.removeRange(li+1, li+2)
		if wasEmpty {
			refreshSep(in, li, l)
		}
		return
	}
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
