package cow

import (
	"errors"
	"fmt"
)

// errBuilderSpent is returned by Builder.Add after Builder.Tree.
var errBuilderSpent = errors.New("cow: Builder.Add after Tree")

// Builder is a bulk loader of strictly increasing keys: it builds a Tree
// bottom-up, level by level, while the keys stream in, in O(1) amortised time
// per key and without holding the keys anywhere but in the nodes of the tree
// it builds. Use it to load a tree from a stream (a file, a network
// connection) without first collecting the entries in a slice, as Build
// needs.
//
// Nodes are filled to three quarters of the fanout, as Build fills them, so
// that the first writes after a load find room in their leaf. Besides the
// finished nodes, a Builder holds at most two unfinished nodes per level (the
// one being filled and the last full one, kept back so that Tree can even out
// the right edge); its memory beyond the tree it builds is O(log n).
//
// The zero Builder is empty and ready to use. Call
// Add for each entry in increasing key order, then Tree once. The builder is
// then spent: Add returns an error and Tree returns the same tree again. A
// Builder must not be used by several goroutines at once.
type Builder[K Number, V, M any] struct {
	o              *owner
	fill           int   // entries a node gets before the next one starts
	fanout, minful int   // the tree's fanout and minimum fill
	slack          uint8 // as Tree.slack: 0 but in this module's tests
	leaves         level[K, V]
	inner          []level[K, slot[M]] // inner[h-1] holds the nodes at height h
	length         int
	last           K
	spent          bool
	tree           *Tree[K, V, M] // what Tree returned
}

// level is one level of a tree under construction: cur is the node being
// filled, prev the last full node, which is not linked into its parent yet.
// Both hold absolute keys until they are linked (normalised) into the level
// above.
type level[K Number, P any] struct {
	kind      kind // of the nodes of the level
	prev, cur *node[K, P]
}

// start sets the builder up on first use, so that the zero Builder works.
func (b *Builder[K, V, M]) start() {
	f := maxFanout - int(b.slack)
	m := f / 2
	b.o = newOwner[M]()
	b.fill = max(f*3/4, m+1) // as chunks, which Build uses
	b.fanout, b.minful = f, m
	b.leaves.kind = leafKind
}

// Len returns the number of entries added so far. O(1).
func (b *Builder[K, V, M]) Len() int { return b.length }

// Add appends the entry k -> v. k must be strictly greater than every key
// added before (and not NaN); otherwise Add returns an error wrapping
// ErrUnsorted and adds nothing. O(1) amortised: a node is linked into its
// parent only when it is full, so each level does O(1) work per fill/4 of the
// entries below it.
func (b *Builder[K, V, M]) Add(k K, v V) error {
	if b.spent {
		return errBuilderSpent
	}
	if b.o == nil {
		b.start()
	}
	if k != k {
		return fmt.Errorf("%w: NaN key after %d entries", ErrUnsorted, b.length)
	}
	if b.length > 0 && !(b.last < k) {
		return fmt.Errorf("%w: key %v after %v", ErrUnsorted, k, b.last)
	}
	if done := b.leaves.add(b.o, b.fill, k, v); done != nil {
		b.link(1, normalize(done.head()), done.ptr())
	}
	b.last = k
	b.length++
	return nil
}

// add appends k -> p to the level. When cur is full it starts a new node and
// returns the node that is now ready to be linked into the parent (the old
// prev), or nil.
func (l *level[K, P]) add(o *owner, fill int, k K, p P) *node[K, P] {
	var done *node[K, P]
	switch {
	case l.cur == nil:
		l.cur = newNode[K, P](o, l.kind)
	case l.cur.len() >= fill:
		done = l.prev
		l.prev, l.cur = l.cur, newNode[K, P](o, l.kind)
	}
	nd := l.cur
	nd.keys[nd.n], nd.p[nd.n] = k, p
	nd.n++
	return done
}

// link adds the node p, whose smallest key is k, to the level at height h,
// creating that level when it is new, and links onwards the nodes that this
// completes. p is normalised.
func (b *Builder[K, V, M]) link(h int, k K, p ptr) {
	for {
		if h > len(b.inner) {
			b.inner = append(b.inner, level[K, slot[M]]{kind: innerKind})
		}
		done := b.inner[h-1].add(b.o, b.fill, k, slot[M]{p: p})
		if done == nil {
			return
		}
		k, p, h = normalize(done.head()), done.ptr(), h+1
	}
}

// Tree finishes the tree and returns it. It evens out the right edge of each
// level: when the last node of a level holds fewer than fanout/2 entries, it
// is merged into its left sibling when both fit in one node, and otherwise
// takes entries from it until the two hold the same number (give or take
// one). The result satisfies every invariant Verify checks. O(log n).
//
// The tree owns the nodes the builder made, so its first writes change them
// in place; every node is new, so dirty: a tree with a Measure settles
// next. The builder is spent afterwards: later calls return the same tree,
// and Add returns an error.
func (b *Builder[K, V, M]) Tree() *Tree[K, V, M] {
	if !b.spent {
		b.tree = new(Tree[K, V, M])
		b.finish(b.tree)
	}
	return b.tree
}

// finish fills the empty t.
func (b *Builder[K, V, M]) finish(t *Tree[K, V, M]) {
	if b.o == nil {
		b.start()
	}
	b.spent = true
	t.owner, t.length, t.slack = b.o, b.length, b.slack
	if b.length == 0 {
		return
	}
	root, base, ok := finishLevel(b, &b.leaves, 1)
	for h := 1; !ok; h++ {
		root, base, ok = finishLevel(b, &b.inner[h-1], h+1)
	}
	t.root, t.levels = root, int32(len(b.inner))
	if !absolute[K]() {
		t.base = base
	}
	b.leaves, b.inner = level[K, V]{}, nil
}

// finishLevel evens out the right edge of l, the level below height up, and
// links its last nodes into the level at height up. When l is the top level
// and that leaves it one node, it returns that node, the root, normalised,
// with its smallest key, and true.
func finishLevel[K Number, V, M, P any](b *Builder[K, V, M], l *level[K, P], up int) (ptr, K, bool) {
	prev, cur := l.prev, l.cur
	if prev != nil && cur.len() < b.minful {
		pn, cn := prev.len(), cur.len()
		if pn+cn <= b.fanout {
			prev.appendFrom(cur, 0, cn, 0) // keys are still absolute: no change of frame
			cur = nil
		} else {
			c := (pn+cn)/2 - cn
			cur.prependFrom(prev, pn-c, pn, 0)
			prev.removeRange(pn-c, pn)
		}
	}
	*l = level[K, P]{}
	if up > len(b.inner) && (prev == nil || cur == nil) {
		root := cur
		if root == nil {
			root = prev
		}
		return root.ptr(), normalize(root.head()), true
	}
	for _, nd := range [2]*node[K, P]{prev, cur} {
		if nd != nil {
			b.link(up, normalize(nd.head()), nd.ptr())
		}
	}
	return nil, 0, false
}
