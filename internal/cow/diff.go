package cow

import (
	"fmt"
	"iter"
)

// Change is one entry that differs between two trees, as Diff reports it:
// a key held by only one of them, or held by both with values that the
// equality given to Diff reports different.
type Change[K Number, V any] struct {
	Key K
	// Old and New are the values at Key in the first and the second tree;
	// InOld and InNew tell which trees hold Key.
	Old, New     V
	InOld, InNew bool
}

// Diff returns, in increasing key order, the entries that differ between
// old and new. Subtrees the two trees share (the same node at the same key
// offset, as versions related by Clone share them) are skipped whole
// without being read, so for two versions a few writes apart the walk costs
// O(changed entries + B·log n), not O(n); for unrelated trees it compares
// every entry, O(n). equal decides whether two values at the same key are
// the same. Both trees must stay unwritten while the sequence runs (frozen
// trees always are).
func Diff[K Number, V, M any](old, new *Tree[K, V, M], equal func(a, b V) bool) iter.Seq[Change[K, V]] {
	return func(yield func(Change[K, V]) bool) {
		var ca, cb cursor[K, V, M]
		ca.reset(old)
		cb.reset(new)
		for {
			ua, oka := ca.peek()
			ub, okb := cb.peek()
			switch {
			case !oka && !okb:
				return
			case oka && okb && ua.h >= 0 && ua.p == ub.p && ua.h == ub.h && ua.origin == ub.origin:
				skipShared(&ca, &cb)
			case oka && (!okb || ua.key < ub.key || (ua.key == ub.key && ua.h > ub.h)):
				if ua.h >= 0 {
					ca.expand()
				} else if !yield(Change[K, V]{Key: ua.key, Old: ua.v, InOld: true}) {
					return
				} else {
					ca.skip()
				}
			case !oka || ub.key < ua.key || ub.h > ua.h:
				if ub.h >= 0 {
					cb.expand()
				} else if !yield(Change[K, V]{Key: ub.key, New: ub.v, InNew: true}) {
					return
				} else {
					cb.skip()
				}
			default: // same key, same height
				switch {
				case ua.h >= 0:
					ca.expand()
					cb.expand()
				case !equal(ua.v, ub.v) && !yield(Change[K, V]{Key: ua.key, Old: ua.v, New: ub.v, InOld: true, InNew: true}):
					return
				default:
					ca.skip()
					cb.skip()
				}
			}
		}
	}
}

// IntervalChange is a key range over which two trees, read as interval
// maps, hold values that differ, as DiffIntervals reports it: every key of
// [Start, End) maps to Old in the first tree and to New in the second.
type IntervalChange[K Number, V any] struct {
	Start, End K
	Old, New   V
}

// DiffIntervals returns, in increasing key order, the maximal key ranges
// within [from, to) over which a and b, read as interval maps (an entry
// k -> v maps the keys from k up to the next entry's key to v, the last
// entry every key after it; see Interval), hold values that equal reports
// different. Touching ranges with the same pair of values are one range.
// Keys below a tree's first key map to nothing there, and are not reported.
//
// It merges the entries of both trees in key order, from the ones that
// hold from, and skips whole the subtrees the two share at the same keys
// (the same node at the same origin, as versions related by Clone share
// them) without reading them: the values there are one stored value,
// reported equal without asking equal. Everything else is read entry by
// entry, with one call of equal per entry of either tree: O(log n) to reach
// from, then O(1) per entry below to that is not in a shared subtree, plus
// O(B·log n) per path on which the trees differ. After an integer Shift,
// the subtrees right of the shift point are shared but at another origin:
// the same entries, moved, so over them a key's two values come from
// different entries and the walk merges them, in a tight loop over pairs
// of leaves (the answer itself is then as long in general: every range
// where the value at k differs from the one at k-d).
//
// Both trees must stay unwritten while the sequence runs (frozen trees
// always are).
func DiffIntervals[K Number, V, M any](a, b *Tree[K, V, M], from, to K, equal func(x, y V) bool) iter.Seq[IntervalChange[K, V]] {
	return DiffIntervalsCounted(a, b, from, to, equal, nil)
}

// DiffIntervalsCounted is DiffIntervals that, when nodes is not nil, adds
// to *nodes the number of nodes the walk entered, once it stops: tests
// count the work of a walk with it instead of timing it.
func DiffIntervalsCounted[K Number, V, M any](a, b *Tree[K, V, M], from, to K, equal func(x, y V) bool, nodes *int) iter.Seq[IntervalChange[K, V]] {
	return func(yield func(IntervalChange[K, V]) bool) {
		if !(from < to) {
			return
		}
		w := intervalWalk[K, V, M]{from: from, to: to, equal: equal, yield: yield, pos: from, quiet: true}
		w.ca.reset(a)
		w.cb.reset(b)
		w.run()
		if nodes != nil {
			*nodes += w.nodes
		}
	}
}

// intervalWalk is the state of one DiffIntervals.
type intervalWalk[K Number, V, M any] struct {
	ca, cb   cursor[K, V, M]
	from, to K
	equal    func(x, y V) bool
	yield    func(IntervalChange[K, V]) bool

	// The keys below pos are settled; from pos on, a maps keys to va and b
	// to vb (when hasA and hasB), up to the next entry of either.
	pos        K
	va, vb     V
	hasA, hasB bool
	quiet      bool // va and vb are one stored value, or one is missing: nothing to report from pos
	// lazy, when not nil, is a subtree of height lazyH both trees share
	// and the walk just passed: va and vb are the value of its last entry,
	// not read yet (see value). The walk usually steps next into two
	// children that start at one key, whose first entries replace both
	// values, so the descent to that last entry is usually never made.
	lazy    ptr
	lazyH   int
	cur     IntervalChange[K, V]
	pending bool // cur is a range not yielded yet
	nodes   int  // nodes entered, which tests count
}

// run walks to the end, or until yield asks to stop.
func (w *intervalWalk[K, V, M]) run() {
	ca, cb := &w.ca, &w.cb
	for {
		ua, oka := ca.peek()
		ub, okb := cb.peek()
		oka = oka && ua.key < w.to // entries from to on change nothing we report
		okb = okb && ub.key < w.to
		switch {
		case !oka && !okb:
			if w.at(w.to) && w.pending {
				w.yield(w.cur)
			}
			return
		case oka && okb && ua.h >= 0 && ua.p == ub.p && ua.h == ub.h && ua.origin == ub.origin:
			if !w.at(ua.key) {
				return
			}
			w.lazy, w.lazyH = skipShared(ca, cb), ua.h
			w.hasA, w.hasB, w.quiet = true, true, true
		case oka && okb && ua.h < 0 && ub.h < 0:
			if !w.leaves() {
				return
			}
		case oka && (!okb || ua.key < ub.key || (ua.key == ub.key && ua.h > ub.h)):
			if ua.h >= 0 {
				ca.enterFrom(ua, w.from)
				w.nodes++
			} else if !w.leaf(ca, &w.va, &w.hasA, w.hasB, ub.key, okb) {
				return
			}
		case !oka || ub.key < ua.key || ub.h > ua.h:
			if ub.h >= 0 {
				cb.enterFrom(ub, w.from)
				w.nodes++
			} else if !w.leaf(cb, &w.vb, &w.hasB, w.hasA, ua.key, oka) {
				return
			}
		default: // subtrees at the same key and height, not shared
			ca.enterFrom(ua, w.from)
			cb.enterFrom(ub, w.from)
			w.nodes += 2
		}
	}
}

// at settles the keys below k (k >= pos): [pos, k) maps to va and vb. It
// reports false when yield asked to stop.
func (w *intervalWalk[K, V, M]) at(k K) bool {
	if !(w.pos < k) {
		return true
	}
	s := w.pos
	w.pos = k
	if w.quiet || w.equal(w.va, w.vb) {
		return true
	}
	return w.emit(s, k, w.va, w.vb)
}

// emit reports that [s, e) maps to x in a and y in b, x and y different:
// it extends the pending range when this one touches it with the same
// pair of values, and otherwise yields the pending range and makes this
// one pending. It reports false when yield asked to stop.
func (w *intervalWalk[K, V, M]) emit(s, e K, x, y V) bool {
	if w.pending {
		if w.cur.End == s && w.equal(w.cur.Old, x) && w.equal(w.cur.New, y) {
			w.cur.End = e
			return true
		}
		if !w.yield(w.cur) {
			return false
		}
	}
	w.cur, w.pending = IntervalChange[K, V]{Start: s, End: e, Old: x, New: y}, true
	return true
}

// leaves merges the entries of the leaves both cursors stand in, from
// their current entries, until either leaf ends or the keys reach to: the
// loop most of a walk over moved subtrees runs in, so it keeps the walk's
// state in locals. It reports false when yield asked to stop.
func (w *intervalWalk[K, V, M]) leaves() bool {
	fa, fb := w.ca.top(), w.cb.top()
	la, lb := asLeaf[K, V](fa.p), asLeaf[K, V](fb.p)
	i, j, n, m := fa.i, fb.i, la.len(), lb.len()
	oa, ob := fa.origin, fb.origin
	pos, to, equal := w.pos, w.to, w.equal
	if w.lazy != nil && (i >= n || j >= m || oa+la.keys[i] != ob+lb.keys[j]) {
		// Not both values replaced at the first key. (The walk enters
		// two leaves together only at one key: this is defence.)
		w.value()
	}
	va, vb, hasA, hasB, quiet, lazy := w.va, w.vb, w.hasA, w.hasB, w.quiet, w.lazy
	ok := true
	for i < n && j < m {
		ka, kb := oa+la.keys[i], ob+lb.keys[j]
		k := min(ka, kb)
		if !(k < to) {
			break
		}
		if pos < k { // settle [pos, k), as at does
			if !quiet && !equal(va, vb) {
				if ok = w.emit(pos, k, va, vb); !ok {
					break
				}
			}
			pos = k
		}
		switch {
		case ka < kb:
			va, hasA, quiet = la.p[i], true, !hasB
			i++
		case kb < ka:
			vb, hasB, quiet = lb.p[j], true, !hasA
			j++
		default:
			va, vb, hasA, hasB, quiet, lazy = la.p[i], lb.p[j], true, true, false, nil
			i++
			j++
			// Two versions of a leaf hold long runs of equal entries:
			// pass them in one tight loop. [pos, k) maps to equal
			// values for each entry k passed, so nothing is reported.
			for i < n && j < m && equal(va, vb) {
				k := oa + la.keys[i]
				if k != ob+lb.keys[j] || !(k < to) {
					break
				}
				pos, va, vb = k, la.p[i], lb.p[j]
				i++
				j++
			}
		}
	}
	fa.i, fb.i = i, j
	w.pos, w.va, w.vb, w.hasA, w.hasB, w.quiet, w.lazy = pos, va, vb, hasA, hasB, quiet, lazy
	return ok
}

// value reads the values lazy stands for, when it stands for them.
func (w *intervalWalk[K, V, M]) value() {
	if w.lazy != nil {
		w.va = lastValue[K, V, M](w.lazy, w.lazyH)
		w.vb, w.lazy = w.va, nil
	}
}

// leaf walks the entries of the leaf cursor c stands in, from its current
// entry, while their keys are below both to and, when bounded, limit (the
// key of the other tree's next unit), setting *v and *has, the value of c's
// tree. other tells whether the other tree has a value yet. It reports
// false when yield asked to stop.
func (w *intervalWalk[K, V, M]) leaf(c *cursor[K, V, M], v *V, has *bool, other bool, limit K, bounded bool) bool {
	if !bounded || w.to < limit {
		limit = w.to
	}
	w.value() // the other tree's value stays: it must be known
	f := c.top()
	lf := asLeaf[K, V](f.p)
	i, n := f.i, lf.len()
	ok := true
	for ; i < n; i++ {
		k := f.origin + lf.keys[i]
		if !(k < limit) {
			break
		}
		if ok = w.at(k); !ok {
			break
		}
		*v, *has, w.quiet = lf.p[i], true, !other
	}
	f.i = i
	return ok
}

// skipShared moves both cursors past the subtree they both stand on and
// past the siblings after it that the two trees also share at the same
// offset, comparing child pointers in a tight loop, and returns the last
// subtree it skipped. Two versions a few writes apart share almost all the
// children of every node they copied, so this is what keeps a Diff of them
// cheap.
func skipShared[K Number, V, M any](ca, cb *cursor[K, V, M]) ptr {
	if ca.fresh || cb.fresh { // a root: no siblings
		p := ca.root.p
		if cb.fresh {
			p = cb.root.p
		}
		ca.skip()
		cb.skip()
		return p
	}
	fa, fb := ca.top(), cb.top()
	ina, inb := asInner[K, M](fa.p), asInner[K, M](fb.p)
	for fa.i+1 < ina.len() && fb.i+1 < inb.len() {
		i, j := fa.i+1, fb.i+1
		if ina.p[i].p != inb.p[j].p || childOrigin(fa.origin, ina.keys[i]) != childOrigin(fb.origin, inb.keys[j]) {
			break
		}
		fa.i, fb.i = i, j
	}
	p := ina.p[fa.i].p
	fa.i++
	fb.i++
	return p
}

// unit is what a cursor stands on: a subtree (h >= 0; h is its height) or a
// leaf entry (h == -1).
type unit[K Number, V any] struct {
	key    K
	h      int
	p      ptr
	origin K
	v      V
}

type diffFrame[K Number] struct {
	p      ptr
	h      int
	origin K
	i      int
}

// cursor walks a tree in key order, one subtree or entry at a time, with a
// stack of the nodes above it (a persistent tree has no sibling links). It
// is a value of under a kilobyte, meant to live on the stack: a walk
// allocates nothing.
type cursor[K Number, V, M any] struct {
	stack [maxDepth]diffFrame[K]
	depth int // frames in use
	root  unit[K, V]
	fresh bool // standing on the root as one unit
}

// reset makes c a cursor standing on the root of t.
func (c *cursor[K, V, M]) reset(t *Tree[K, V, M]) {
	if int(t.levels) >= maxDepth {
		panic(fmt.Sprintf("cow: a tree of %d levels is deeper than Diff follows", t.levels+1))
	}
	c.depth, c.fresh = 0, false
	if t.root != nil {
		c.fresh = true
		c.root = unit[K, V]{h: int(t.levels), p: t.root, origin: t.base}
		c.root.key = t.base + headOf[K](t.root).keys[0]
	}
}

// top returns the frame of the node the cursor is in.
func (c *cursor[K, V, M]) top() *diffFrame[K] { return &c.stack[c.depth-1] }

func (c *cursor[K, V, M]) peek() (unit[K, V], bool) {
	if c.fresh {
		return c.root, true
	}
	for c.depth > 0 {
		f := c.top()
		if f.h == 0 {
			lf := asLeaf[K, V](f.p)
			if f.i < lf.len() {
				return unit[K, V]{key: f.origin + lf.keys[f.i], h: -1, v: lf.p[f.i]}, true
			}
		} else {
			in := asInner[K, M](f.p)
			if f.i < in.len() {
				return unit[K, V]{key: f.origin + in.keys[f.i], h: f.h - 1, p: in.p[f.i].p, origin: childOrigin(f.origin, in.keys[f.i])}, true
			}
		}
		c.depth--
		if c.depth > 0 {
			c.top().i++
		}
	}
	return unit[K, V]{}, false
}

// skip moves past the current unit.
func (c *cursor[K, V, M]) skip() {
	if c.fresh {
		c.fresh = false
		return
	}
	c.top().i++
}

// expand steps into the current unit, a subtree.
func (c *cursor[K, V, M]) expand() {
	u, _ := c.peek()
	c.enter(u, 0)
}

// enter steps into u, the current unit, a subtree, at its child (or entry)
// i.
func (c *cursor[K, V, M]) enter(u unit[K, V], i int) {
	c.fresh = false
	c.stack[c.depth] = diffFrame[K]{p: u.p, h: u.h, origin: u.origin, i: i}
	c.depth++
}

// enterFrom steps into u, the current unit, a subtree, at the child (or
// entry) that holds from: the last one whose key is at most from, or the
// first when u starts above from. The ones before it hold only keys below
// from.
func (c *cursor[K, V, M]) enterFrom(u unit[K, V], from K) {
	i := 0
	if u.key < from {
		if u.h == 0 {
			i = asLeaf[K, V](u.p).floorIndex(u.origin, from, false)
		} else {
			i = asInner[K, M](u.p).floorIndex(u.origin, from, false)
		}
	}
	c.enter(u, max(i, 0))
}

// lastValue returns the value of the last entry of the subtree at p, of
// height h. O(h).
func lastValue[K Number, V, M any](p ptr, h int) V {
	for ; h > 0; h-- {
		in := asInner[K, M](p)
		p = in.p[in.len()-1].p
	}
	lf := asLeaf[K, V](p)
	return lf.p[lf.len()-1]
}
