package flatseg

import (
	"fmt"
	"iter"

	"github.com/flatseg/flatseg/fst"
)

// MeasuredTxn is a write transaction on a [MeasuredStore], started by
// [MeasuredStore.Begin] or run by [MeasuredStore.Update]. It works on a
// private O(1) fork of the version it started from: a node is copied at
// most once per transaction, the first time the transaction writes to it,
// and nothing the transaction does is visible to readers until
// [MeasuredTxn.Commit] publishes it. At most one transaction per store is
// open at a time. [Txn] is the same type for a [Store].
//
// A transaction reads its own writes: it has the read methods of a
// [MeasuredSnapshot] (Search, All, Overlapping, Measure, Seek, ...), over
// its working tree. Like those of an [fst.Measured] tree, its iterators
// read the tree as it is at each step: do not write while iterating
// (collect first, or iterate a snapshot).
//
// A transaction must be used by one goroutine at a time. Once committed or
// rolled back, it is finished: its write methods and Commit return
// [ErrTxDone], its reads see the empty span [0, 0) (Search reports false,
// iterators yield nothing), and Rollback does nothing.
//
// Invalid input makes a write method return the error of the underlying
// [fst.Measured] method (wrapping [fst.ErrInvalidRange],
// [fst.ErrOutOfSpan], [fst.ErrInvalidShift] or [fst.ErrNaN]); such a write
// changes nothing and the transaction stays usable.
type MeasuredTxn[K fst.Key, V, M any] struct {
	tree  *fst.Measured[K, V, M] // the working fork of base's tree; the zero tree once finished
	store *MeasuredStore[K, V, M]
	base  *MeasuredSnapshot[K, V, M] // the head when the transaction began; nil once finished
	// changes counts the writes that changed tree (an Insert that
	// reported a change) or may have (a shift that succeeded, a Load). A
	// single reported change leaves tree different from base; anything
	// else may have been undone by a later write and is checked at Commit.
	changes   int
	certain   bool             // the one change so far was reported as such
	committed bool             // Commit ended the transaction
	record    *fst.Batch[K, V] // where successful writes are recorded, if set
}

// Txn is a write transaction on a [Store]: a [MeasuredTxn] without
// summaries. Every method of MeasuredTxn applies; see there.
type Txn[K fst.Key, V any] = MeasuredTxn[K, V, fst.None]

// Insert sets the value of [start, end) to v, merging equal neighbours, as
// [fst.Measured.Insert]. It reports whether the contents of the transaction
// changed. It costs what [fst.Measured.Insert] costs: O(log n) when the range
// covers boundaries of one leaf.
func (tx *MeasuredTxn[K, V, M]) Insert(start, end K, v V) (bool, error) {
	if tx.base == nil {
		return false, ErrTxDone
	}
	changed, err := tx.tree.Insert(start, end, v)
	if changed {
		tx.wrote(true)
	}
	if err == nil && tx.record != nil {
		tx.record.Insert(start, end, v)
	}
	return changed, err
}

// Apply maps every key of [start, end) to f of its old value, merging
// equal neighbours, as [fst.Measured.Apply]: f is called exactly once per
// segment that shares a key with the range, in increasing key order, and
// the range rule is Insert's. It reports whether the contents of the
// transaction changed. If f or the store's equality panics, the panic
// propagates and the transaction holds what it held before the call (and
// records nothing). It costs what [fst.Measured.Apply] costs: O(k log n) for
// the k segments in the range.
//
// In a transaction whose writes are recorded ([MeasuredStore.Record], and so in
// every Update of package replica), Apply records the inserts that make
// the difference, one per range of keys whose value changed ([fst.Diff]),
// as [MeasuredTxn.Load] does: a batch holds values, not functions, so a replica
// that replays the record gets the values f returned here without calling
// f. Recording costs what Diff costs between two versions a few paths
// apart, and the write goes to an O(1) fork that the transaction adopts
// once the record is made.
//
// Without a record, Apply writes in place as Insert does. With one, like
// Load, an Apply that changes something ends the transaction's ownership
// of the nodes it had copied: a later write copies such a node once more.
func (tx *MeasuredTxn[K, V, M]) Apply(start, end K, f func(V) V) (bool, error) {
	if tx.base == nil {
		return false, ErrTxDone
	}
	next := tx.tree // fst.Measured.Apply is all or nothing on its own
	if tx.record != nil {
		next = tx.tree.Clone() // adopted once the difference is recorded
	}
	changed, err := next.Apply(start, end, f)
	if !changed {
		return false, err
	}
	if tx.record != nil {
		tx.recordDiff(next)
		tx.tree = next
	}
	tx.wrote(true)
	return true, nil
}

// recordDiff records the inserts that turn the transaction's tree into
// next: one per range of keys whose value differs. It records them all or,
// when the equality panics, none.
func (tx *MeasuredTxn[K, V, M]) recordDiff(next *fst.Measured[K, V, M]) {
	var d fst.Batch[K, V]
	for c := range fst.Diff(tx.tree, next) {
		d.Insert(c.Start, c.End, c.New)
	}
	tx.record.Append(&d)
}

// ShiftLeft removes [start, end) and shifts every segment after it left by
// end-start, as [fst.Measured.ShiftLeft].
func (tx *MeasuredTxn[K, V, M]) ShiftLeft(start, end K) error {
	if tx.base == nil {
		return ErrTxDone
	}
	if err := tx.tree.ShiftLeft(start, end); err != nil {
		return err
	}
	if tx.record != nil {
		tx.record.ShiftLeft(start, end)
	}
	tx.wrote(false)
	return nil
}

// ShiftRight opens a gap of size keys at pos, shifting every segment after
// it right by size, as [fst.Measured.ShiftRight].
func (tx *MeasuredTxn[K, V, M]) ShiftRight(pos, size K, skipStartNode bool) error {
	if tx.base == nil {
		return ErrTxDone
	}
	if err := tx.tree.ShiftRight(pos, size, skipStartNode); err != nil {
		return err
	}
	if tx.record != nil {
		tx.record.ShiftRight(pos, size, skipStartNode)
	}
	tx.wrote(false)
	return nil
}

// wrote records a write that changed the tree (certain) or may have.
func (tx *MeasuredTxn[K, V, M]) wrote(certain bool) {
	tx.changes++
	tx.certain = certain && tx.changes == 1
}

// unchanged reports whether t, the transaction's tree, holds what base
// holds. One write that reported a change answers it in O(1); otherwise it
// compares the trees, skipping the subtrees the transaction did not copy.
func (tx *MeasuredTxn[K, V, M]) unchanged(t, base *fst.Measured[K, V, M]) bool {
	switch {
	case tx.changes == 0:
		return true
	case tx.changes == 1 && tx.certain:
		return false
	}
	return t.Equal(base)
}

// Commit ends the transaction and publishes its writes as the next version,
// which it returns. If the transaction changed nothing (no write, only
// failed writes, or writes that cancel each other out), Commit publishes
// nothing and returns the current snapshot, whose version is unchanged.
//
// Commit freezes the tree it publishes, so no node of it is written again,
// and swaps in the new head and history with one atomic store; then it
// wakes the watchers of the previous version and lets the next writer in.
// Besides the write work already done, it costs O(log r) for r retained
// versions. A transaction whose only change is one Insert that reported
// changing something needs no further check; otherwise Commit checks that
// something changed ([fst.Measured.Equal] against the base version), which
// skips the subtrees the transaction did not copy.
//
// Versions never wrap: when the head is at math.MaxUint64 (which only
// [MeasuredStore.UpdateAt] can reach), a commit that changes something returns an
// error wrapping [ErrVersion] and the transaction stays open. On a
// finished transaction Commit returns nil and [ErrTxDone].
func (tx *MeasuredTxn[K, V, M]) Commit() (*MeasuredSnapshot[K, V, M], error) {
	if tx.base == nil {
		return nil, ErrTxDone
	}
	return tx.commitAt(tx.base.version+1, false) // past math.MaxUint64 it wraps to 0, which commitAt refuses
}

// commitAt is Commit publishing the writes as version, which must be above
// the head's. A transaction that changed nothing publishes nothing, unless
// always is set ([MeasuredStore.UpdateAt]): then version is published with
// the head's tree.
func (tx *MeasuredTxn[K, V, M]) commitAt(version uint64, always bool) (*MeasuredSnapshot[K, V, M], error) {
	s, base, t := tx.store, tx.base, tx.tree
	unchanged := tx.unchanged(t, base.tree)
	if unchanged && !always {
		tx.finish()
		tx.committed = true
		s.writer.Unlock()
		return base, nil
	}
	if version <= base.version {
		return nil, fmt.Errorf("%w: version %d with the head at version %d", ErrVersion, version, base.version)
	}
	if unchanged {
		t = base.tree // frozen already; the fork is dropped
	}
	tx.finish()
	tx.committed = true
	defer s.writer.Unlock()
	t.Freeze()
	sn := s.newSnapshot(version, t)
	s.publish(sn)
	return sn, nil
}

// Load replaces the transaction's contents with those of t. t must have
// the store's span and default value (equal under the store's equality);
// otherwise Load returns an error wrapping [ErrIncompatible] and changes
// nothing. The store keeps its own equality: Load costs O(1) when t is a
// fork of one of the store's versions (a [MeasuredSnapshot.Tree], or a tree
// written after it; see [fst.Measured.SameOrigin]): t is frozen and shared,
// and later writes of the transaction copy what they change. A tree made
// apart, by [fst.Decode] or [fst.Build], is read once and rebuilt under the
// store's equality in O(n) (see [fst.Measured.Assign]). Load is how a decoded
// version is published into a running store, waking its watchers as any
// commit does.
//
// In a transaction whose writes are recorded ([MeasuredStore.Record], and so in
// every Update of package replica), Load records the inserts that turn
// the transaction's contents into t's: one per range of keys whose value
// differs ([fst.Diff]), so a replica that replays the record gets t.
func (tx *MeasuredTxn[K, V, M]) Load(t *fst.Measured[K, V, M]) error {
	if tx.base == nil {
		return ErrTxDone
	}
	if t == nil {
		return fmt.Errorf("flatseg: Load(nil): %w", ErrIncompatible)
	}
	t.Freeze() // its nodes may be shared with the store from now on
	next := tx.tree.Clone()
	if err := next.Assign(t); err != nil {
		return fmt.Errorf("flatseg: Load: %w", err)
	}
	if tx.record != nil {
		tx.recordDiff(next)
	}
	tx.tree = next
	tx.wrote(false)
	return nil
}

// Rollback ends the transaction and discards its writes, letting the next
// writer in. It is a no-op on a finished transaction, so `defer
// tx.Rollback()` is always correct, after Commit too.
func (tx *MeasuredTxn[K, V, M]) Rollback() {
	if tx.base == nil {
		return
	}
	tx.finish()
	tx.store.writer.Unlock()
}

// finish marks the transaction finished and drops its references, so that
// neither its fork nor its base version are kept alive by a lingering Txn.
// Its reads then see the zero tree, which maps no key.
func (tx *MeasuredTxn[K, V, M]) finish() {
	tx.tree = tx.store.none // shared: the zero tree's methods never write
	tx.base = nil
	tx.record = nil
}

// Cursor returns a cursor over the transaction's working tree as it is now
// (see [fst.Cursor]); the transaction's later writes do not show in it.
// O(1), one allocation; like Clone, it ends the transaction's ownership of
// the nodes it had copied, so its next write to a node copies it once
// more.
func (tx *MeasuredTxn[K, V, M]) Cursor() *fst.Cursor[K, V, M] { return tx.tree.Cursor() }

// Search returns the segment that contains key in the transaction's
// working tree, as [MeasuredSnapshot.Search]: O(log n), no allocation.
func (tx *MeasuredTxn[K, V, M]) Search(key K) (fst.Segment[K, V], bool) {
	return tx.tree.Search(key)
}

// All returns the segments of the working tree in ascending key order.
func (tx *MeasuredTxn[K, V, M]) All() iter.Seq[fst.Segment[K, V]] { return tx.tree.All() }

// Segments is All under mdds's name (segment_range).
func (tx *MeasuredTxn[K, V, M]) Segments() iter.Seq[fst.Segment[K, V]] { return tx.tree.All() }

// Backward returns the segments of the working tree in descending key
// order.
func (tx *MeasuredTxn[K, V, M]) Backward() iter.Seq[fst.Segment[K, V]] { return tx.tree.Backward() }

// Overlapping returns the whole segments of the working tree that share at
// least one key with [start, end), in ascending key order.
func (tx *MeasuredTxn[K, V, M]) Overlapping(start, end K) iter.Seq[fst.Segment[K, V]] {
	return tx.tree.Overlapping(start, end)
}

// Filter returns the whole segments of the working tree that share a key
// with [start, end) and whose part inside it passes keep, as
// [fst.Measured.Filter]. Do not write to the transaction while iterating.
func (tx *MeasuredTxn[K, V, M]) Filter(start, end K, keep func(M) bool) iter.Seq[fst.Segment[K, V]] {
	return tx.tree.Filter(start, end, keep)
}

// LeafNodes returns mdds's leaf nodes of the working tree in ascending key
// order.
func (tx *MeasuredTxn[K, V, M]) LeafNodes() iter.Seq2[K, V] { return tx.tree.LeafNodes() }

// LeafNodesBackward returns the pairs of LeafNodes in descending key order.
func (tx *MeasuredTxn[K, V, M]) LeafNodesBackward() iter.Seq2[K, V] {
	return tx.tree.LeafNodesBackward()
}

// Len returns the number of segments of the working tree. O(1).
func (tx *MeasuredTxn[K, V, M]) Len() int { return tx.tree.Len() }

// LeafSize returns the number of mdds leaf nodes of the working tree. O(1).
func (tx *MeasuredTxn[K, V, M]) LeafSize() int { return tx.tree.LeafSize() }

// MinKey returns the lower end of the span (inclusive). O(1).
func (tx *MeasuredTxn[K, V, M]) MinKey() K { return tx.tree.MinKey() }

// MaxKey returns the upper end of the span (exclusive). O(1).
func (tx *MeasuredTxn[K, V, M]) MaxKey() K { return tx.tree.MaxKey() }

// DefaultValue returns the store's default value. O(1).
func (tx *MeasuredTxn[K, V, M]) DefaultValue() V { return tx.tree.DefaultValue() }

// Measure is [fst.Measured.Measure] on the working tree: it sees the
// transaction's own writes.
func (tx *MeasuredTxn[K, V, M]) Measure(start, end K) M { return tx.tree.Measure(start, end) }

// Seek is [fst.Measured.Seek] on the working tree.
func (tx *MeasuredTxn[K, V, M]) Seek(from K, pred func(M) bool) (end K, before M, ok bool) {
	return tx.tree.Seek(from, pred)
}

// SeekBackward is [fst.Measured.SeekBackward] on the working tree.
func (tx *MeasuredTxn[K, V, M]) SeekBackward(to K, pred func(M) bool) (start K, after M, ok bool) {
	return tx.tree.SeekBackward(to, pred)
}
