package flatseg

import (
	"iter"
	"unsafe"

	"github.com/flatseg/flatseg/fst"
)

// Snapshot is one committed version of a [Store]. It never changes: later
// commits build new nodes and leave the ones a snapshot reaches untouched.
// A snapshot stays valid for as long as it is referenced, and all its
// methods are safe for concurrent use by any number of goroutines. Its
// read methods (Search, All, Backward, Segments, Overlapping, LeafNodes,
// Len, MinKey, MaxKey, ...) are the ones a [Txn] has; its iterators are
// never invalidated and may be resumed after any number of later commits.
type Snapshot[K fst.Key, V any] struct {
	snapshot[K, V, *fst.Tree[K, V]]
}

// snapshot is the one implementation of Snapshot and MeasuredSnapshot.
type snapshot[K fst.Key, V any, Tree treeOf[K, V, Tree]] struct {
	view[K, V, Tree] // the frozen tree

	owner   unsafe.Pointer // the store core that published it: its identity, compared only
	version uint64         // see Version
	stale   chan struct{}  // closed when the next version is published
}

// newSnapshot wraps t, frozen, as version of s.
func (s *store[K, V, Tree, Snapshot, Txn]) newSnapshot(version uint64, t Tree) *Snapshot {
	return s.fam.wrapSnap(snapshot[K, V, Tree]{view: view[K, V, Tree]{tree: t}, owner: unsafe.Pointer(s), version: version, stale: make(chan struct{})})
}

// Version returns the version number of sn: 0 for the initial contents,
// then one more for each commit that changed something.
func (sn *snapshot[K, V, Tree]) Version() uint64 { return sn.version }

// Stale returns a channel that is closed once a version newer than sn has
// been published, for use in a select. For a snapshot that is not the head
// it is already closed. Receiving from it costs no more than any channel
// receive; writers never wait for receivers. [Store.Wait] and
// [Store.WaitRange] are built on it.
func (sn *snapshot[K, V, Tree]) Stale() <-chan struct{} { return sn.stale }

// Tree returns a private, mutable fork of sn. It costs O(1) and one
// allocation: the fork shares all nodes with sn and copies a node only the
// first time it writes to it, so writing to the fork never changes sn or the
// store. The fork belongs to the caller and, like any [fst.Tree], must not
// be written concurrently with any other use of it.
func (sn *Snapshot[K, V]) Tree() *fst.Tree[K, V] { return sn.tree.Clone() }

// Diff returns an iterator over the maximal key ranges over which a and b
// differ, in ascending key order, with the value of each range in a (Old)
// and in b (New). It wraps [fst.Diff]: it skips the subtrees the two
// versions share, so its cost grows with the size of the change between
// them, not with the size of the tree. a and b must come from the same
// [Store]. Diff is safe for concurrent use. Like a method call on a nil
// pointer, Diff panics when a or b is nil.
func Diff[K fst.Key, V any](a, b *Snapshot[K, V]) iter.Seq[fst.Change[K, V]] {
	return fst.Diff(a.tree, b.tree)
}
