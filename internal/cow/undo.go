package cow

import (
	"reflect"
	"unsafe"
)

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
// log and pays nothing: its writer marks nothing (ownerMarks).

// undoLog is the log of one writer; its markingOwner points to it.
type undoLog[K Number, V, M any] struct {
	active      bool // a write since the last Settle recorded the header below
	valuePtrs   bool // V holds pointers: forget clears the saved values
	summaryPtrs bool // M holds pointers: forget clears the saved summaries
	root        ptr
	base        K
	length      int
	levels      int32
	leaves      []saved[node[K, V]]
	inners      []saved[node[K, slot[M]]]
	run         []M // a Folder's scratch space in Settle (bulk)
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
	slot := o.undoSlot()
	lg := (*undoLog[K, V, M])(*slot)
	if lg == nil {
		lg = &undoLog[K, V, M]{valuePtrs: hasPointers(reflect.TypeFor[V]()), summaryPtrs: hasPointers(reflect.TypeFor[M]())}
		*slot = unsafe.Pointer(lg)
	}
	if !lg.active {
		lg.active = true
		lg.root, lg.base, lg.length, lg.levels = t.root, t.base, t.length, t.levels
	}
}

// save copies the node at p, which t's writer o owns and is about to
// change in place for the first time since the last Settle (it is clean).
func (t *Tree[K, V, M]) save(p ptr, o *owner) {
	lg := (*undoLog[K, V, M])(*o.undoSlot())
	if kindOf(p) == leafKind {
		keep(&lg.leaves, asLeaf[K, V](p))
		return
	}
	keep(&lg.inners, asInner[K, M](p))
}

// keep appends a copy of *nd to the log l, straight into the slot: its
// header and live entries only (the slots past them are zero in a node,
// and restore puts them back so). The log's slots are reused from one
// Settle to the next: what a copy leaves past its live entries is what
// an earlier copy left there, with its pointers cleared by forget.
func keep[K Number, P any](l *[]saved[node[K, P]], nd *node[K, P]) {
	n := len(*l)
	if n == cap(*l) {
		*l = append(*l, saved[node[K, P]]{})
	} else {
		*l = (*l)[:n+1]
	}
	s := &(*l)[n]
	s.at = nd
	s.was.header = nd.header
	k := nd.len()
	copy(s.was.keys[:k], nd.keys[:k])
	copy(s.was.p[:k], nd.p[:k])
}

// restore puts the node s saved back as it was: its header, its live
// entries, and zero slots past them.
func restore[K Number, P any](s *saved[node[K, P]]) {
	nd, k := s.at, s.was.len()
	nd.header = s.was.header
	copy(nd.keys[:k], s.was.keys[:k])
	copy(nd.p[:k], s.was.p[:k])
	clear(nd.keys[k:])
	clear(nd.p[k:])
}

// saveOwned saves the node at p when the writer o owns it and it is
// clean: a node the next step may change in place.
func (t *Tree[K, V, M]) saveOwned(p ptr, o *owner) {
	if h := (*header)(p); h.owner == o.id && o.marks() && !h.dirty {
		t.save(p, o)
	}
}

// log returns the active undo log of t's writer, or nil.
func (t *Tree[K, V, M]) log() *undoLog[K, V, M] {
	if t.owner == nil || !t.owner.marks() {
		return nil
	}
	if lg := (*undoLog[K, V, M])(*t.owner.undoSlot()); lg != nil && lg.active {
		return lg
	}
	return nil
}

// forget ends the log once the writes are settled: the copies are dropped,
// their pointers cleared so that what they reach can be collected (keys
// and pointer-free values are left for the next copies to overwrite).
func (lg *undoLog[K, V, M]) forget() {
	for i := range lg.leaves {
		s := &lg.leaves[i]
		s.at = nil
		if lg.valuePtrs {
			clear(s.was.p[:s.was.len()])
		}
	}
	for i := range lg.inners {
		s := &lg.inners[i]
		s.at = nil
		live := s.was.p[:s.was.len()]
		if lg.summaryPtrs {
			clear(live) // child pointers, and summaries
			continue
		}
		for j := range live {
			live[j].p = nil
		}
	}
	lg.leaves, lg.inners = lg.leaves[:0], lg.inners[:0]
	lg.active = false
}

// hasPointers reports whether values of type t hold pointers the garbage
// collector follows.
func hasPointers(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128:
		return false
	case reflect.Array:
		return t.Len() > 0 && hasPointers(t.Elem())
	case reflect.Struct:
		for i := range t.NumField() {
			if hasPointers(t.Field(i).Type) {
				return true
			}
		}
		return false
	}
	return true
}

// undo puts back every node the writes since the last Settle changed in
// place, and the header, and ends the log.
func (t *Tree[K, V, M]) undo(lg *undoLog[K, V, M]) {
	for i := len(lg.leaves) - 1; i >= 0; i-- {
		restore(&lg.leaves[i])
	}
	for i := len(lg.inners) - 1; i >= 0; i-- {
		restore(&lg.inners[i])
	}
	t.root, t.base, t.length, t.levels = lg.root, lg.base, lg.length, lg.levels
	lg.forget()
}
