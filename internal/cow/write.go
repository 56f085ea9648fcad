package cow

// Writes. Every write takes the tree's writer token (writer), makes the root
// writable (reshape's stepRoot, which calls mutable) and goes down through
// mutableChild (stepChild), which copies a node the token does not own and
// links the copy into its parent in the same step. Nothing else decides
// whether a node may be written, and no write path stores a copy by hand. A
// write that would change nothing returns before it takes the token, so it
// copies nothing.

// step is a change to a node that moves its payloads (values or child
// pointers), and so needs the node's Go type; see Tree.reshape.
type step uint8

const (
	stepRoot      step = iota // make the root writable (mutable)
	stepChild                 // make child i writable (mutableChild)
	stepSplit                 // split the full child i in two (splitNode)
	stepRebalance             // even out children i and i+1 (rebalance)
)

// reshape runs s on the root (stepRoot) or on child i of the writable node
// in, and returns the node made writable (stepRoot, stepChild) or nil. It is
// the one place where a node's kind, read from its header, picks its Go
// type: node[K, V] for a leaf, node[K, slot[M]] for an inner node. Every other
// step that needs the type is written once, generic in the payload, and
// reached through here, so no walk can hand a leaf to inner-node code.
// (Steps that touch only keys and counts read the kind-free head instead.)
func (t *Tree[K, V, M]) reshape(s step, in *node[K, slot[M]], i int, o *owner) ptr {
	p := t.root
	if s != stepRoot {
		p = in.p[i].p
	}
	if h := (*header)(p); s <= stepChild && h.owner == o.id {
		if o.marks() {
			if !h.dirty {
				t.save(p, o) // changed in place: undo.go
			}
			h.touch()
			if s == stepChild {
				in.markChild(i)
			}
		}
		return p // already the writer's: what mutable would return, without the dispatch
	}
	if kindOf(p) == leafKind {
		return reshape[K, V, M, V](t, s, in, i, o)
	}
	return reshape[K, V, M, slot[M]](t, s, in, i, o)
}

// reshape is tree.reshape for a node of type node[K, P].
func reshape[K Number, V, M, P any](t *Tree[K, V, M], s step, in *node[K, slot[M]], i int, o *owner) ptr {
	switch s {
	case stepRoot:
		t.root = mutable((*node[K, P])(t.root), o).ptr()
		return t.root
	case stepChild:
		return mutableChild[K, P](in, i, o).ptr()
	case stepSplit:
		t.saveOwned(in.p[i].p, o)
		splitNode[K, P, M](in, i, o)
	case stepRebalance:
		t.saveOwned(in.p[i].p, o)
		t.saveOwned(in.p[i+1].p, o)
		rebalance[K, P, M](in, i, t.fanout(), o)
	}
	return nil
}

// Set stores v at key k, replacing the value already there. O(log n); on a
// tree whose path to k is shared, it copies that path (height+1 nodes).
func (t *Tree[K, V, M]) Set(k K, v V) {
	o := t.writer()
	if t.root == nil {
		lf := newNode[K, V](o, leafKind)
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
	if nodeLen(t.root) >= t.fanout() {
		// Splitting top-down keeps every node we enter non-full, so a
		// split below always has room in its parent.
		nr := newNode[K, slot[M]](o, innerKind)
		nr.n = 1
		nr.p[0].p = t.root
		if absolute[K]() {
			nr.keys[0] = headOf[K](t.root).keys[0]
		}
		t.root = nr.ptr()
		t.levels++
	} else {
		t.reshape(stepRoot, nil, 0, o)
	}
	if t.setIn(t.root, int(t.levels), t.base, k, v, o, t.fanout()) {
		t.length++
	}
	t.refreshRoot()
}

// setIn stores (k, v) below the writable node p at height h and reports
// whether it added an entry.
func (t *Tree[K, V, M]) setIn(p ptr, h int, origin, k K, v V, o *owner, fanout int) bool {
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
	in := asInner[K, M](p)
	i := max(in.floorIndex(origin, k, false), 0)
	if nodeLen(in.p[i].p) >= fanout {
		if t.spill(in, i, o) {
			i = max(in.floorIndex(origin, k, false), 0)
		} else {
			t.reshape(stepSplit, in, i, o)
			if origin+in.keys[i+1] <= k {
				i++
			}
		}
	}
	c := t.reshape(stepChild, in, i, o)
	added := t.setIn(c, h-1, childOrigin(origin, in.keys[i]), k, v, o, fanout)
	refreshSep(in, i) // k may now be the child's first key
	return added
}

// Delete removes the entry at k and reports whether there was one. O(log n).
func (t *Tree[K, V, M]) Delete(k K) bool {
	return t.deleteSpan(span[K]{lo: k, hi: k, hiIncl: true}) > 0
}

// DeleteRange removes every entry with lo <= key < hi and returns how many it
// removed. It works in steps that each start at the root: a step drops the
// run of children of one node that lie wholly inside the range (counting
// their entries, O(removed/B) node visits over all steps) or trims one edge
// leaf, then repairs the fill along its path. A range within one leaf takes
// one step, O(log n); a wide range takes O(log n) steps, O(log² n) node
// visits plus the counting. A range holding no entry changes nothing.
func (t *Tree[K, V, M]) DeleteRange(lo, hi K) int {
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
func (t *Tree[K, V, M]) ceil(x K) (K, bool) {
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
func (t *Tree[K, V, M]) firstIn(s span[K]) (K, bool) {
	c, ok := t.ceil(s.lo)
	return c, ok && s.below(c)
}

func (t *Tree[K, V, M]) deleteSpan(s span[K]) int {
	c, ok := t.firstIn(s) // checked first, so that deleting nothing copies nothing
	if !ok {
		return 0
	}
	o := t.writer()
	total := 0
	for ok {
		t.reshape(stepRoot, nil, 0, o)
		n := t.deleteStep(t.root, int(t.levels), t.base, 0, false, s, c, o)
		total += n
		t.length -= n
		if nodeLen(t.root) == 0 {
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
//
// A child whose upper bound moves without being written (the child before a
// dropped run, or before a child whose first key went) is marked for the
// next Settle by reach: the last segment below it now ends elsewhere.
func (t *Tree[K, V, M]) deleteStep(p ptr, h int, origin, up K, hasUp bool, s span[K], c K, o *owner) int {
	if h == 0 {
		lf := asLeaf[K, V](p)
		i := lf.floorIndex(origin, s.lo, true) + 1
		j := i
		for j < lf.len() && s.below(origin+lf.keys[j]) {
			j++
		}
		lf.removeRange(i, j)
		return j - i
	}
	in := asInner[K, M](p)
	upperOf := func(i int) (K, bool) {
		if i+1 < in.len() {
			return origin + in.keys[i+1], true
		}
		return up, hasUp
	}
	a := max(in.floorIndex(origin, s.lo, false), 0)
	if origin+in.keys[a] < s.lo {
		a++
	}
	b := a
	for b < in.len() && s.coversUpTo(upperOf(b)) {
		b++
	}
	if b > a {
		removed := 0
		for x := a; x < b; x++ {
			removed += t.count(in.p[x].p, h-1)
		}
		in.removeRange(a, b)
		if a > 0 {
			t.reach(in, a-1, o)
		}
		return removed
	}
	i := in.floorIndex(origin, c, false)
	cu, ch := upperOf(i)
	child := t.reshape(stepChild, in, i, o)
	n := t.deleteStep(child, h-1, childOrigin(origin, in.keys[i]), cu, ch, s, c, o)
	if nodeLen(child) == 0 { // the child lost everything
		in.removeRange(i, i+1)
		if i > 0 {
			t.reach(in, i-1, o)
		}
		return n
	}
	sep := in.keys[i]
	refreshSep(in, i)
	if i > 0 && in.keys[i] != sep {
		t.reach(in, i-1, o)
	}
	t.repair(in, i, o)
	return n
}

// count returns the number of entries below p, visiting every node there.
func (t *Tree[K, V, M]) count(p ptr, h int) int {
	if h == 0 {
		return asLeaf[K, V](p).len()
	}
	in := asInner[K, M](p)
	c := 0
	for _, q := range in.livePayload() {
		c += t.count(q.p, h-1)
	}
	return c
}

// shrinkRoot removes root levels that have a single child.
func (t *Tree[K, V, M]) shrinkRoot() {
	for t.levels > 0 {
		in := asInner[K, M](t.root)
		if in.n > 1 {
			return
		}
		t.base = childOrigin(t.base, in.keys[0])
		t.root = in.p[0].p
		t.levels--
	}
}

// Shift adds d to every key >= p. The caller keeps the keys strictly
// increasing: when d < 0 there must be no key in [p+d, p), and no key may
// leave K's range. For integer keys it is O(log n): it changes the
// separators right of the path to p and the keys of one leaf. For float keys
// it rewrites every key it moves, O(n) in them, each with the rounding of
// one float addition. Shifting no key changes nothing.
func (t *Tree[K, V, M]) Shift(p, d K) {
	if t.root == nil || d == 0 || t.last() < p {
		return
	}
	o := t.writer()
	if !absolute[K]() && p <= t.base {
		t.base += d // every key moves: only the root's origin changes
		return
	}
	t.reshape(stepRoot, nil, 0, o)
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
func (t *Tree[K, V, M]) shiftIn(q ptr, h int, origin, p, d K, o *owner) {
	if h == 0 {
		lf := asLeaf[K, V](q)
		addKeys(&lf.keys, lf.floorIndex(origin, p, true)+1, lf.len(), d)
		return
	}
	in := asInner[K, M](q)
	i := in.floorIndex(origin, p, true) // >= 0: the node's first key is below p
	addKeys(&in.keys, i+1, in.len(), d) // the children after it move whole
	child := t.reshape(stepChild, in, i, o)
	t.shiftIn(child, h-1, childOrigin(origin, in.keys[i]), p, d, o)
}

// shiftAbs adds d to every key >= p below the writable node q (float keys,
// stored absolute).
func (t *Tree[K, V, M]) shiftAbs(q ptr, h int, p, d K, o *owner) {
	if h == 0 {
		lf := asLeaf[K, V](q)
		addKeys(&lf.keys, lf.floorIndex(0, p, true)+1, lf.len(), d)
		return
	}
	in := asInner[K, M](q)
	for i := max(in.floorIndex(0, p, true), 0); i < in.len(); i++ {
		child := t.reshape(stepChild, in, i, o)
		t.shiftAbs(child, h-1, p, d, o)
		refreshSep(in, i)
	}
}

// last returns the greatest key; the tree is not empty. O(log n), no
// search: it follows the right edge.
func (t *Tree[K, V, M]) last() K {
	p, origin := t.root, t.base
	for h := int(t.levels); h > 0; h-- {
		in := asInner[K, M](p)
		origin = childOrigin(origin, in.keys[in.n-1])
		p = in.p[in.n-1].p
	}
	lf := asLeaf[K, V](p)
	return origin + lf.keys[lf.n-1]
}

// spill makes room in the full child i of the writable node in by evening
// it out with a sibling that has at least two free slots, the left one
// first, and reports whether it did; both then have room. Keys inserted in
// increasing order (appends) thus fill their nodes instead of leaving every
// node half full, as splitting alone would.
func (t *Tree[K, V, M]) spill(in *node[K, slot[M]], i int, o *owner) bool {
	for _, li := range [2]int{i - 1, i} {
		if li < 0 || li+1 >= in.len() {
			continue
		}
		sib := li
		if li == i {
			sib = i + 1
		}
		if nodeLen(in.p[sib].p) > t.fanout()-2 {
			continue
		}
		t.reshape(stepRebalance, in, li, o)
		return true
	}
	return false
}

// splitNode splits the full child i of the writable node in into two
// halves; in has room for the new separator.
func splitNode[K Number, P, M any](in *node[K, slot[M]], i int, o *owner) {
	c := mutableChild[K, P](in, i, o)
	r := c.splitInto(o)
	d := normalize(r.head()) // r's first key in c's frame
	sep := d
	if !absolute[K]() {
		sep = in.keys[i] + d
	}
	in.insertAt(i+1, sep, slot[M]{p: r.ptr()})
}

// refreshSep restores the separator of child i of in after the child's
// first key may have changed, re-normalising the child. A child whose first
// key changed was written, so it is writable. It reads the child through
// its head: keys only, whatever its kind.
func refreshSep[K Number, M any](in *node[K, slot[M]], i int) {
	c := headOf[K](in.p[i].p)
	if c.n == 0 {
		return
	}
	if absolute[K]() {
		in.keys[i] = c.keys[0]
		return
	}
	if d := c.keys[0]; d != 0 {
		addKeys(&c.keys, 0, int(c.n), -d)
		in.keys[i] += d
	}
}

// refreshRoot re-normalises the root after its first key may have changed.
// A root that a write did not change is normalised already, so this writes
// only to a root the write made writable.
func (t *Tree[K, V, M]) refreshRoot() {
	if absolute[K]() || t.root == nil {
		return
	}
	t.base += normalize(headOf[K](t.root))
}

// repair restores the fill of the writable child i of in when it is under
// the minimum, by merging it with a sibling or moving entries over from
// one. The sibling is well filled, or is the right edge's node (which may
// hold one entry: see Verify), and then the two merge or split evenly; so
// one step suffices whatever the child's count; in loses at most one
// child.
func (t *Tree[K, V, M]) repair(in *node[K, slot[M]], i int, o *owner) {
	if in.n < 2 || nodeLen(in.p[i].p) >= t.minFill() {
		return
	}
	t.reshape(stepRebalance, in, max(i-1, 0), o)
}

// rebalance merges children li and li+1 of in into li when they fit in one
// node, else splits their entries half and half. A right sibling that is
// merged away is only read, so it is not copied.
func rebalance[K Number, P, M any](in *node[K, slot[M]], li, fanout int, o *owner) {
	l := mutableChild[K, P](in, li, o)
	r := (*node[K, P])(in.p[li+1].p)
	var dr K // converts r's frame to l's
	if !absolute[K]() {
		dr = in.keys[li+1] - in.keys[li]
	}
	ln, rn := l.len(), r.len()
	if ln+rn <= fanout {
		l.appendFrom(r, 0, rn, dr)
		in.removeRange(li+1, li+2)
		if ln == 0 {
			refreshSep(in, li)
		}
		return
	}
	r = mutableChild[K, P](in, li+1, o)
	target := (ln + rn) / 2
	if ln < target {
		k := target - ln
		l.appendFrom(r, 0, k, dr)
		r.removeRange(0, k)
	} else {
		r.prependFrom(l, target, ln, -dr)
		l.removeRange(target, ln)
	}
	refreshSep(in, li)
	refreshSep(in, li+1)
}
