package flatseg

import (
	"iter"

	"github.com/flatseg/flatseg/fst"
)

// MeasuredSnapshot is one committed version of a [MeasuredStore]. It never
// changes: later commits build new nodes and leave the ones a snapshot
// reaches untouched. A snapshot stays valid for as long as it is
// referenced, and all its methods are safe for concurrent use by any
// number of goroutines. Its read methods are those of an [fst.Measured]
// tree, with the same costs, and none of them allocates but the iterators'
// closures; its iterators are never invalidated and may be resumed after
// any number of later commits. [Snapshot] is the same type for a [Store].
type MeasuredSnapshot[K fst.Key, V, M any] struct {
	tree    *fst.Measured[K, V, M] // frozen
	store   *MeasuredStore[K, V, M]
	version uint64        // see Version
	stale   chan struct{} // closed when the next version is published
}

// Snapshot is one committed version of a [Store]: a [MeasuredSnapshot]
// without summaries. Every method of MeasuredSnapshot applies; see there.
type Snapshot[K fst.Key, V any] = MeasuredSnapshot[K, V, fst.None]

// newSnapshot wraps t, frozen, as version of s.
func (s *MeasuredStore[K, V, M]) newSnapshot(version uint64, t *fst.Measured[K, V, M]) *MeasuredSnapshot[K, V, M] {
	return &MeasuredSnapshot[K, V, M]{tree: t, store: s, version: version, stale: make(chan struct{})}
}

// Version returns the version number of sn: 0 for the initial contents,
// then one more for each commit that changed something (or the version a
// commit was given, see [MeasuredStore.UpdateAt]).
func (sn *MeasuredSnapshot[K, V, M]) Version() uint64 { return sn.version }

// Stale returns a channel that is closed once a version newer than sn has
// been published, for use in a select. For a snapshot that is not the head
// it is already closed. Receiving from it costs no more than any channel
// receive; writers never wait for receivers. [MeasuredStore.Wait] and
// [MeasuredStore.WaitRange] are built on it.
func (sn *MeasuredSnapshot[K, V, M]) Stale() <-chan struct{} { return sn.stale }

// Tree returns a private, mutable fork of sn, with its summaries. It costs
// O(1) and one allocation: the fork shares all nodes with sn and copies a
// node only the first time it writes to it, so writing to the fork never
// changes sn or the store. The fork belongs to the caller and, like any
// tree, must not be written concurrently with any other use of it.
func (sn *MeasuredSnapshot[K, V, M]) Tree() *fst.Measured[K, V, M] { return sn.tree.Clone() }

// Cursor returns a cursor over this version (see [fst.Cursor]): Seek,
// Next, Prev and Prefix, walking on from where it is instead of searching
// from the root each time. O(1), one allocation; it reads this version
// forever, and may be used by one goroutine at a time (make one per
// goroutine).
func (sn *MeasuredSnapshot[K, V, M]) Cursor() *fst.Cursor[K, V, M] { return sn.tree.Cursor() }

// Search returns the segment that contains key, or false if key is outside
// [MinKey, MaxKey) or NaN, as [fst.Measured.Search]: O(log n), no
// allocation.
func (sn *MeasuredSnapshot[K, V, M]) Search(key K) (fst.Segment[K, V], bool) {
	return sn.tree.Search(key)
}

// All returns the segments in ascending key order, as [fst.Measured.All];
// adjacent segments have different values. Each step costs O(1) amortized.
func (sn *MeasuredSnapshot[K, V, M]) All() iter.Seq[fst.Segment[K, V]] { return sn.tree.All() }

// Segments is All under mdds's name (segment_range).
func (sn *MeasuredSnapshot[K, V, M]) Segments() iter.Seq[fst.Segment[K, V]] { return sn.tree.All() }

// Backward returns the segments in descending key order.
func (sn *MeasuredSnapshot[K, V, M]) Backward() iter.Seq[fst.Segment[K, V]] {
	return sn.tree.Backward()
}

// Overlapping returns the whole segments that share at least one key with
// [start, end), in ascending key order, as [fst.Measured.Overlapping]. The
// first step costs O(log n), each further step O(1) amortized.
func (sn *MeasuredSnapshot[K, V, M]) Overlapping(start, end K) iter.Seq[fst.Segment[K, V]] {
	return sn.tree.Overlapping(start, end)
}

// Filter returns the whole segments that share a key with [start, end)
// and whose part inside it passes keep, skipping the subtrees whose
// summary fails keep, as [fst.Measured.Filter]: O(k log n) node visits for
// k segments. Safe for concurrent use; the iterator reads this version
// forever.
func (sn *MeasuredSnapshot[K, V, M]) Filter(start, end K, keep func(M) bool) iter.Seq[fst.Segment[K, V]] {
	return sn.tree.Filter(start, end, keep)
}

// LeafNodes returns mdds's leaf nodes in ascending key order, as its
// begin()..end() (see [fst.Measured.LeafNodes]).
func (sn *MeasuredSnapshot[K, V, M]) LeafNodes() iter.Seq2[K, V] { return sn.tree.LeafNodes() }

// LeafNodesBackward returns the pairs of LeafNodes in descending key order,
// as mdds's rbegin()..rend().
func (sn *MeasuredSnapshot[K, V, M]) LeafNodesBackward() iter.Seq2[K, V] {
	return sn.tree.LeafNodesBackward()
}

// Len returns the number of segments. O(1).
func (sn *MeasuredSnapshot[K, V, M]) Len() int { return sn.tree.Len() }

// LeafSize returns the number of mdds leaf nodes: the number of segments
// plus one. O(1).
func (sn *MeasuredSnapshot[K, V, M]) LeafSize() int { return sn.tree.LeafSize() }

// MinKey returns the lower end of the span (inclusive). O(1).
func (sn *MeasuredSnapshot[K, V, M]) MinKey() K { return sn.tree.MinKey() }

// MaxKey returns the upper end of the span (exclusive). O(1).
func (sn *MeasuredSnapshot[K, V, M]) MaxKey() K { return sn.tree.MaxKey() }

// DefaultValue returns the value the store was created with: the value of
// keys no segment was inserted for, and of the keys a shift frees. O(1).
func (sn *MeasuredSnapshot[K, V, M]) DefaultValue() V { return sn.tree.DefaultValue() }

// Measure returns the summary of the keys of [start, end) in this version,
// as [fst.Measured.Measure]: O(log n) nodes, no lock, no allocation; the zero
// M for an empty range, and for a store without a Measure.
func (sn *MeasuredSnapshot[K, V, M]) Measure(start, end K) M { return sn.tree.Measure(start, end) }

// Seek is [fst.Measured.Seek] on this version: the least end such that
// pred holds for the summary of [from, end). pred runs on the caller's
// goroutine.
func (sn *MeasuredSnapshot[K, V, M]) Seek(from K, pred func(M) bool) (end K, before M, ok bool) {
	return sn.tree.Seek(from, pred)
}

// SeekBackward is [fst.Measured.SeekBackward] on this version: the
// greatest start such that pred holds for the summary of [start, to).
func (sn *MeasuredSnapshot[K, V, M]) SeekBackward(to K, pred func(M) bool) (start K, after M, ok bool) {
	return sn.tree.SeekBackward(to, pred)
}

// Diff returns an iterator over the maximal key ranges over which a and b
// differ, in ascending key order, with the value of each range in a (Old)
// and in b (New). It wraps [fst.Diff]: it skips the subtrees the two
// versions share, so its cost grows with the size of the change between
// them, not with the size of the tree. a and b must come from the same
// store. Diff is safe for concurrent use. Like a method call on a nil
// pointer, Diff panics when a or b is nil.
func Diff[K fst.Key, V, M any](a, b *MeasuredSnapshot[K, V, M]) iter.Seq[fst.Change[K, V]] {
	return fst.Diff(a.tree, b.tree)
}
