package cow

import "unsafe"

// Undo. A tree with summaries computes them in Settle, which calls the
// Measure's Of and Combine: user code, which may panic after the writes
// before it changed the tree's nodes in place. So that such a panic
// leaves the tree as it was, the writer of a tree with summaries keeps an
// undo log from its first write after a Settle to the next Settle: the
// tree's header as it was, and a copy of every node it owned and changed
// in place, taken when the write first touches it (the clean-to-dirty
// step of its mark: every node of a settled tree is clean). Nodes the
// writes made (copies of shared nodes, splits, new roots) need no copy:
// the header as it was does not reach them. When Settle completes it
// forgets the log; when it panics, it puts every copy back and the header
// with them, then lets the panic go on. A tree without summaries keeps no
// log and pays nothing: its writer marks nothing (owner.marks).

// undoLog is the log of one writer; owner.undo points to it.
type undoLog[K Number, V, M any] struct {
	active bool // a write since the last Settle recorded the header below
	root   ptr
	base   K
	length int
	levels int32
	leaves []saved[node[K, V]]
	inners []saved[node[K, slot[M]]]
}

// saved is a node as it was before the writes since the last Settle.
type saved[N any] struct {
	at  *N
	was N
}

// begin starts the undo log of the writes until the next Settle, unless
// it is started already: it records the tree's header. o is t's writer,
// one that marks.
func (t *Tree[K, V, M]) begin(o *owner) {
	lg := (*undoLog[K, V, M])(o.undo)
	if lg == nil {
		lg = new(undoLog[K, V, M])
		o.undo = unsafe.Pointer(lg)
	}
	if !lg.active {
		lg.active = true
		lg.root, lg.base, lg.length, lg.levels = t.root, t.base, t.length, t.levels
	}
}

// save copies the node at p, which t's writer o owns and is about to
// change in place for the first time since the last Settle (it is clean).
func (t *Tree[K, V, M]) save(p ptr, o *owner) {
	lg := (*undoLog[K, V, M])(o.undo)
	if kindOf(p) == leafKind {
		nd := asLeaf[K, V](p)
		lg.leaves = append(lg.leaves, saved[node[K, V]]{at: nd, was: *nd})
		return
	}
	nd := asInner[K, M](p)
	lg.inners = append(lg.inners, saved[node[K, slot[M]]]{at: nd, was: *nd})
}

// saveOwned saves the node at p when the writer o owns it and it is
// clean: a node the next step may change in place.
func (t *Tree[K, V, M]) saveOwned(p ptr, o *owner) {
	if h := (*header)(p); o.marks && h.owner == o && !h.dirty {
		t.save(p, o)
	}
}

// log returns the active undo log of t's writer, or nil.
func (t *Tree[K, V, M]) log() *undoLog[K, V, M] {
	if t.owner == nil || t.owner.undo == nil {
		return nil
	}
	if lg := (*undoLog[K, V, M])(t.owner.undo); lg.active {
		return lg
	}
	return nil
}

// forget ends the log once the writes are settled: the copies are dropped
// (cleared, so that the values they hold can be collected).
func (lg *undoLog[K, V, M]) forget() {
	clear(lg.leaves)
	clear(lg.inners)
	lg.leaves, lg.inners = lg.leaves[:0], lg.inners[:0]
	lg.active = false
}

// undo puts back every node the writes since the last Settle changed in
// place, and the header, and ends the log.
func (t *Tree[K, V, M]) undo(lg *undoLog[K, V, M]) {
	for i := len(lg.leaves) - 1; i >= 0; i-- {
		*lg.leaves[i].at = lg.leaves[i].was
	}
	for i := len(lg.inners) - 1; i >= 0; i-- {
		*lg.inners[i].at = lg.inners[i].was
	}
	t.root, t.base, t.length, t.levels = lg.root, lg.base, lg.length, lg.levels
	lg.forget()
}
