package flatseg

import (
	"iter"

	"github.com/flatseg/flatseg/fst"
)

// Snapshot is one committed version of a [Store]. It never changes: later
// commits build new nodes and leave the ones a snapshot reaches untouched.
// A snapshot stays valid for as long as it is referenced, and all its
// methods are safe for concurrent use by any number of goroutines. Its
// iterators are never invalidated and may be resumed after any number of
// later commits.
type Snapshot[K fst.Key, V comparable] struct {
	store   *Store[K, V] // the store that published it: its identity, never dereferenced for data
	version uint64
	tree    *fst.Tree[K, V] // frozen
	stale   chan struct{}   // closed when the next version is published
}

func newSnapshot[K fst.Key, V comparable](s *Store[K, V], version uint64, t *fst.Tree[K, V]) *Snapshot[K, V] {
	return &Snapshot[K, V]{store: s, version: version, tree: t, stale: make(chan struct{})}
}

// Version returns the version number of sn: 0 for the initial contents,
// then one more for each commit that changed something.
func (sn *Snapshot[K, V]) Version() uint64 { return sn.version }

// Stale returns a channel that is closed once a version newer than sn has
// been published, for use in a select. For a snapshot that is not the head
// it is already closed. Receiving from it costs no more than any channel
// receive; writers never wait for receivers. [Store.Wait] and
// [Store.WaitRange] are built on it.
func (sn *Snapshot[K, V]) Stale() <-chan struct{} { return sn.stale }

// Search returns the segment that contains key, or false if key is outside
// [MinKey, MaxKey) or NaN. It costs O(log n) and does not allocate.
func (sn *Snapshot[K, V]) Search(key K) (fst.Segment[K, V], bool) {
	return sn.tree.Search(key)
}

// Segments returns an iterator over the segments of sn in ascending key
// order; adjacent segments have different values. Each step costs O(1)
// amortized, and the iterator stays valid forever.
func (sn *Snapshot[K, V]) Segments() iter.Seq[fst.Segment[K, V]] {
	return sn.tree.Segments()
}

// All returns an iterator over the leaf nodes of sn in ascending key order,
// as mdds's begin()..end(): the start key and value of each segment, then
// MaxKey with the default value (see [fst.Tree.All]). The iterator stays
// valid forever.
func (sn *Snapshot[K, V]) All() iter.Seq2[K, V] { return sn.tree.All() }

// Backward returns an iterator over the leaf nodes of [Snapshot.All] in
// descending key order. The iterator stays valid forever.
func (sn *Snapshot[K, V]) Backward() iter.Seq2[K, V] { return sn.tree.Backward() }

// Overlapping returns an iterator over the whole segments of sn that share
// at least one key with [start, end), in ascending key order. It yields
// nothing for an empty or NaN range or one that misses the span. The first
// step costs O(log n), each further step O(1) amortized. The iterator stays
// valid forever.
func (sn *Snapshot[K, V]) Overlapping(start, end K) iter.Seq[fst.Segment[K, V]] {
	return sn.tree.Overlapping(start, end)
}

// Len returns the number of segments of sn. O(1).
func (sn *Snapshot[K, V]) Len() int { return sn.tree.Len() }

// LeafSize returns the number of leaf nodes of sn, as mdds's leaf_size():
// the number of segments plus one. O(1).
func (sn *Snapshot[K, V]) LeafSize() int { return sn.tree.LeafSize() }

// MinKey returns the lower end of the span of sn (inclusive). O(1).
func (sn *Snapshot[K, V]) MinKey() K { return sn.tree.MinKey() }

// MaxKey returns the upper end of the span of sn (exclusive). O(1).
func (sn *Snapshot[K, V]) MaxKey() K { return sn.tree.MaxKey() }

// DefaultValue returns the value the tree was created with (the init
// argument of [New], [fst.New] or [fst.Build]): the value of keys no
// segment was inserted for, and of the keys a shift frees. O(1).
func (sn *Snapshot[K, V]) DefaultValue() V { return sn.tree.DefaultValue() }

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
func Diff[K fst.Key, V comparable](a, b *Snapshot[K, V]) iter.Seq[fst.Change[K, V]] {
	return fst.Diff(a.tree, b.tree)
}
