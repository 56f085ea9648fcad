package cow

import (
	"errors"
	"fmt"
)

// ErrCorrupt is wrapped by every error Verify returns.
var ErrCorrupt = errors.New("cow: invariant violated")

// verify checks every structural invariant and returns the first violation
// found, wrapping ErrCorrupt: every node of the kind its height calls for
// (leaves at height 0); keys strictly increasing across the whole tree;
// every separator equal to the smallest key below it; every node holding at
// most fanout entries, and at least fanout/2 unless it is on the tree's
// right edge (the root and each last child of a node on it: those hold at
// least one, the root two when it is an inner node; see SpliceLeaf); in relative mode every node's first stored key 0, in
// absolute mode every origin 0; the child pointer slots of inner nodes past
// their count cleared (vacated leaf slots are zeroed too, but Verify cannot
// compare values of an arbitrary V, so it does not check them); the entry
// count equal to Len; and a last leaf the writer keeps for appends being
// the last, its right edge the writer's (verifyTail). O(n); it only reads,
// so tests call it after every operation.
func (t *Tree[K, V, M]) verify() error {
	if t.root == nil {
		if t.length != 0 || t.levels != 0 {
			return fmt.Errorf("%w: empty tree with length %d height %d", ErrCorrupt, t.length, int(t.levels))
		}
		return nil
	}
	if absolute[K]() && t.base != 0 {
		return fmt.Errorf("%w: absolute-key tree with base %v", ErrCorrupt, t.base)
	}
	v := verifier[K, V, M]{fanout: t.fanout()}
	n, err := v.walk(t.root, int(t.levels), t.base, bound[K]{}, bound[K]{}, true, true)
	if err != nil {
		return err
	}
	if n != t.length {
		return fmt.Errorf("%w: %d entries but Len() = %d", ErrCorrupt, n, t.length)
	}
	return t.verifyTail()
}

// verifyTail checks the last leaf the writer token keeps for appends (see
// plainOwner): when the token is t's own (not shared) and keeps one, it
// must be the tree's last leaf, at the origin kept with it, and every
// node of the right edge must be the writer's, so that an append may
// write them in place with no walk.
func (t *Tree[K, V, M]) verifyTail() error {
	o := t.owner
	if o == nil || !o.keeping() || o.keptTail() == nil {
		return nil
	}
	if t.root == nil {
		return fmt.Errorf("%w: an empty tree's writer keeps a last leaf", ErrCorrupt)
	}
	p, origin := t.root, t.base
	for h := int(t.levels); ; h-- {
		if (*header)(p).owner != o.id {
			return fmt.Errorf("%w: the writer keeps a last leaf but the right edge's node at height %d is not its own", ErrCorrupt, h)
		}
		if h == 0 {
			break
		}
		in := asInner[K, M](p)
		j := in.len() - 1
		origin = childOrigin(origin, in.keys[j])
		p = in.p[j].p
	}
	if p != o.keptTail() {
		return fmt.Errorf("%w: the writer keeps %p as the last leaf, but the last leaf is %p", ErrCorrupt, o.keptTail(), p)
	}
	if kept := *keptOrigin[K](o); kept != origin {
		return fmt.Errorf("%w: the writer keeps the last leaf at origin %v, but its origin is %v", ErrCorrupt, kept, origin)
	}
	return nil
}

type bound[K Number] struct {
	key K
	ok  bool
}

type verifier[K Number, V, M any] struct{ fanout int }

// walk checks the subtree at p whose smallest key must be exactly first (when
// set) and whose keys must be below up (when set); it returns the subtree's
// entry count. edge says the node is on the tree's right edge, where it
// may hold fewer than fanout/2 entries.
func (v verifier[K, V, M]) walk(p ptr, h int, origin K, first, up bound[K], root, edge bool) (int, error) {
	if want := kindAt(h); kindOf(p) != want {
		return 0, fmt.Errorf("%w: node at height %d is stored as %v, not %v", ErrCorrupt, h, kindOf(p), want)
	}
	var keys []K
	if h == 0 {
		keys = asLeaf[K, V](p).liveKeys()
	} else {
		keys = asInner[K, M](p).liveKeys()
	}
	n := len(keys)
	switch {
	case n == 0:
		return 0, fmt.Errorf("%w: empty node at height %d", ErrCorrupt, h)
	case n > v.fanout:
		return 0, fmt.Errorf("%w: node at height %d holds %d > %d", ErrCorrupt, h, n, v.fanout)
	case !edge && n < v.fanout/2:
		return 0, fmt.Errorf("%w: node at height %d holds %d < %d", ErrCorrupt, h, n, v.fanout/2)
	case root && h > 0 && n < 2:
		return 0, fmt.Errorf("%w: inner root with %d child", ErrCorrupt, n)
	case !absolute[K]() && keys[0] != 0:
		return 0, fmt.Errorf("%w: node at height %d not normalised: first key %v", ErrCorrupt, h, keys[0])
	}
	abs := func(i int) K { return origin + keys[i] }
	if first.ok && abs(0) != first.key {
		return 0, fmt.Errorf("%w: separator %v but subtree starts at %v (height %d)", ErrCorrupt, first.key, abs(0), h)
	}
	for i := 1; i < n; i++ {
		if !(abs(i-1) < abs(i)) {
			return 0, fmt.Errorf("%w: keys out of order at height %d: %v then %v", ErrCorrupt, h, abs(i-1), abs(i))
		}
	}
	if up.ok && !(abs(n-1) < up.key) {
		return 0, fmt.Errorf("%w: key %v not below the next separator %v (height %d)", ErrCorrupt, abs(n-1), up.key, h)
	}
	if h == 0 {
		return n, nil
	}
	in := asInner[K, M](p)
	for i := n; i < len(in.p); i++ {
		if in.p[i].p != nil {
			return 0, fmt.Errorf("%w: stale child pointer in slot %d of %d (height %d)", ErrCorrupt, i, n, h)
		}
	}
	total := 0
	for i := range n {
		next := up
		if i+1 < n {
			next = bound[K]{abs(i + 1), true}
		}
		c, err := v.walk(in.p[i].p, h-1, childOrigin(origin, keys[i]), bound[K]{abs(i), true}, next, false, edge && i == n-1)
		if err != nil {
			return 0, err
		}
		total += c
	}
	return total, nil
}

// kindAt returns the kind of the nodes at height h.
func kindAt(h int) kind {
	if h == 0 {
		return leafKind
	}
	return innerKind
}
