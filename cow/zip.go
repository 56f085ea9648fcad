package cow

import "iter"

// Step is one position of Zip's walk over two trees.
type Step[K Number, V any] struct {
	// Key is the entry's key or, when Shared, the first key of the shared run.
	Key K
	// A and B are the entry's values in each tree; InA and InB tell which
	// trees hold an entry at Key.
	A, B     V
	InA, InB bool
	// Shared marks a run of entries, from Key on, that both trees hold
	// identically because they share the subtree storing it; A and B are
	// then unset, and Last returns the run's last entry.
	Shared bool

	run unit[K, V] // the shared subtree, when Shared
}

// Last returns the last entry of a Shared step's run, in O(log n). Zip does
// not look it up itself: a caller comparing values needs it only where a run
// is followed by a step that differs.
func (s Step[K, V]) Last() (K, V) {
	return lastEntry[K, V](s.run.p, s.run.h, s.run.origin)
}

// Zip walks a and b together in key order. It yields a Step for each key
// that is an entry of either tree, except that a subtree both trees share at
// the same position (the same node, at the same key offset) is skipped whole
// and reported as one Shared step. For two versions a few writes apart the
// walk therefore costs O(changed entries + B·log n), not O(n).
func Zip[K Number, V any](a, b *Tree[K, V]) iter.Seq[Step[K, V]] {
	return func(yield func(Step[K, V]) bool) {
		ca, cb := newCursor(a), newCursor(b)
		for {
			ua, oka := ca.peek()
			ub, okb := cb.peek()
			switch {
			case !oka && !okb:
				return
			case oka && okb && ua.h >= 0 && ua.p == ub.p && ua.h == ub.h && ua.origin == ub.origin:
				if !yield(Step[K, V]{Key: ua.key, Shared: true, run: extendShared(ca, cb, ua)}) {
					return
				}
				ca.skip()
				cb.skip()
			case oka && (!okb || ua.key < ub.key || (ua.key == ub.key && ua.h > ub.h)):
				if ua.h >= 0 {
					ca.expand()
				} else if !yield(Step[K, V]{Key: ua.key, A: ua.v, InA: true}) {
					return
				} else {
					ca.skip()
				}
			case !oka || ub.key < ua.key || ub.h > ua.h:
				if ub.h >= 0 {
					cb.expand()
				} else if !yield(Step[K, V]{Key: ub.key, B: ub.v, InB: true}) {
					return
				} else {
					cb.skip()
				}
			default: // same key, same height
				if ua.h >= 0 {
					ca.expand()
					cb.expand()
				} else if !yield(Step[K, V]{Key: ua.key, A: ua.v, B: ub.v, InA: true, InB: true}) {
					return
				} else {
					ca.skip()
					cb.skip()
				}
			}
		}
	}
}

// extendShared advances both cursors over the siblings after the shared
// unit u that the two trees also share at the same offset, comparing child
// pointers in a tight loop, and returns the last shared unit of the run. The
// cursors then stand on that unit. Two versions a few writes apart share
// almost all the children of every node they copied, so this is what keeps
// a Diff of them cheap.
func extendShared[K Number, V any](ca, cb *cursor[K, V], u unit[K, V]) unit[K, V] {
	if ca.fresh || cb.fresh {
		return u // the roots themselves: no siblings
	}
	fa, fb := &ca.stack[len(ca.stack)-1], &cb.stack[len(cb.stack)-1]
	ina, inb := asInner[K](fa.p), asInner[K](fb.p)
	for fa.i+1 < ina.n && fb.i+1 < inb.n {
		i, j := fa.i+1, fb.i+1
		oa, ob := childOrigin(fa.origin, ina.keys[i]), childOrigin(fb.origin, inb.keys[j])
		if ina.p[i] != inb.p[j] || oa != ob {
			break
		}
		fa.i, fb.i = i, j
		u.p, u.origin = ina.p[i], oa
	}
	return u
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

type frame[K Number] struct {
	p      ptr
	h      int
	origin K
	i      int
}

// cursor walks a tree in key order, one subtree or entry at a time, with a
// stack of the nodes above it (a persistent tree has no sibling links).
type cursor[K Number, V any] struct {
	stack []frame[K]
	root  unit[K, V]
	fresh bool // standing on the root as one unit
}

func newCursor[K Number, V any](t *Tree[K, V]) *cursor[K, V] {
	c := &cursor[K, V]{stack: make([]frame[K], 0, t.height+1)}
	if t.root != nil {
		c.fresh = true
		c.root = unit[K, V]{h: t.height, p: t.root, origin: t.base}
		c.root.key = t.base + t.firstStored(t.root, t.height)
	}
	return c
}

func (c *cursor[K, V]) peek() (unit[K, V], bool) {
	if c.fresh {
		return c.root, true
	}
	for len(c.stack) > 0 {
		f := &c.stack[len(c.stack)-1]
		if f.h == 0 {
			lf := asLeaf[K, V](f.p)
			if f.i < lf.n {
				return unit[K, V]{key: f.origin + lf.keys[f.i], h: -1, v: lf.p[f.i]}, true
			}
		} else {
			in := asInner[K](f.p)
			if f.i < in.n {
				return unit[K, V]{key: f.origin + in.keys[f.i], h: f.h - 1, p: in.p[f.i], origin: childOrigin(f.origin, in.keys[f.i])}, true
			}
		}
		c.stack = c.stack[:len(c.stack)-1]
		if len(c.stack) > 0 {
			c.stack[len(c.stack)-1].i++
		}
	}
	return unit[K, V]{}, false
}

// skip moves past the current unit.
func (c *cursor[K, V]) skip() {
	if c.fresh {
		c.fresh = false
		return
	}
	c.stack[len(c.stack)-1].i++
}

// expand steps into the current unit, a subtree.
func (c *cursor[K, V]) expand() {
	u, _ := c.peek()
	if c.fresh {
		c.fresh = false
	}
	c.stack = append(c.stack, frame[K]{p: u.p, h: u.h, origin: u.origin})
}

// lastEntry returns the last entry below p.
func lastEntry[K Number, V any](p ptr, h int, origin K) (K, V) {
	for ; h > 0; h-- {
		in := asInner[K](p)
		k, c := in.last()
		origin = childOrigin(origin, k)
		p = c
	}
	k, v := asLeaf[K, V](p).last()
	return origin + k, v
}
