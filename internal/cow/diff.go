package cow

import "iter"

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
		ca, cb := newCursor(old), newCursor(new)
		for {
			ua, oka := ca.peek()
			ub, okb := cb.peek()
			switch {
			case !oka && !okb:
				return
			case oka && okb && ua.h >= 0 && ua.p == ub.p && ua.h == ub.h && ua.origin == ub.origin:
				skipShared(ca, cb)
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

// skipShared moves both cursors past the subtree they both stand on and
// past the siblings after it that the two trees also share at the same
// offset, comparing child pointers in a tight loop. Two versions a few
// writes apart share almost all the children of every node they copied, so
// this is what keeps a Diff of them cheap.
func skipShared[K Number, V, M any](ca, cb *cursor[K, V, M]) {
	if ca.fresh || cb.fresh { // the roots themselves: no siblings
		ca.skip()
		cb.skip()
		return
	}
	fa, fb := &ca.stack[len(ca.stack)-1], &cb.stack[len(cb.stack)-1]
	ina, inb := asInner[K, M](fa.p), asInner[K, M](fb.p)
	for fa.i+1 < ina.len() && fb.i+1 < inb.len() {
		i, j := fa.i+1, fb.i+1
		if ina.p[i].p != inb.p[j].p || childOrigin(fa.origin, ina.keys[i]) != childOrigin(fb.origin, inb.keys[j]) {
			break
		}
		fa.i, fb.i = i, j
	}
	fa.i++
	fb.i++
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
// stack of the nodes above it (a persistent tree has no sibling links).
type cursor[K Number, V, M any] struct {
	stack []diffFrame[K]
	root  unit[K, V]
	fresh bool // standing on the root as one unit
}

func newCursor[K Number, V, M any](t *Tree[K, V, M]) *cursor[K, V, M] {
	c := &cursor[K, V, M]{stack: make([]diffFrame[K], 0, int(t.levels)+1)}
	if t.root != nil {
		c.fresh = true
		c.root = unit[K, V]{h: int(t.levels), p: t.root, origin: t.base}
		c.root.key = t.base + headOf[K](t.root).keys[0]
	}
	return c
}

func (c *cursor[K, V, M]) peek() (unit[K, V], bool) {
	if c.fresh {
		return c.root, true
	}
	for len(c.stack) > 0 {
		f := &c.stack[len(c.stack)-1]
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
		c.stack = c.stack[:len(c.stack)-1]
		if len(c.stack) > 0 {
			c.stack[len(c.stack)-1].i++
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
	c.stack[len(c.stack)-1].i++
}

// expand steps into the current unit, a subtree.
func (c *cursor[K, V, M]) expand() {
	u, _ := c.peek()
	c.fresh = false
	c.stack = append(c.stack, diffFrame[K]{p: u.p, h: u.h, origin: u.origin})
}
