package flatseg

import (
	"fmt"

	"github.com/flatseg/flatseg/fst"
)

// Txn is a write transaction on a [Store], started by [Store.Begin] or run
// by [Store.Update]. It works on a private O(1) fork of the version it
// started from: a node is copied at most once per transaction, the first
// time the transaction writes to it, and nothing the transaction does is
// visible to readers until [Txn.Commit] publishes it. At most one
// transaction per store is open at a time.
//
// A transaction reads its own writes: it has the read methods of a
// [Snapshot] (Search, All, Backward, Segments, Overlapping, LeafNodes, Len,
// MinKey, MaxKey, ...), over its working tree. Like those of an [fst.Tree],
// its iterators read the tree as it is at each step: do not write while
// iterating (collect first, or iterate a snapshot).
//
// A Txn must be used by one goroutine at a time. Once committed or rolled
// back, it is finished: its write methods and Commit return [ErrTxDone],
// its reads see the empty span [0, 0) (Search reports false, iterators
// yield nothing), and Rollback does nothing.
//
// Invalid input makes a write method return the error of the underlying
// [fst.Tree] method (wrapping [fst.ErrInvalidRange], [fst.ErrOutOfSpan],
// [fst.ErrInvalidShift] or [fst.ErrNaN]); such a write changes nothing and
// the transaction stays usable.
type Txn[K fst.Key, V any] struct {
	txn[K, V, *fst.Tree[K, V], Snapshot[K, V], Txn[K, V]]
}

// txn is the one implementation of Txn and MeasuredTxn (see store).
type txn[K fst.Key, V any, Tree treeOf[K, V, Tree], Snapshot, Txn any] struct {
	view[K, V, Tree] // the working fork of base's tree; the zero tree once finished

	store *store[K, V, Tree, Snapshot, Txn]
	base  *Snapshot // the head when the transaction began; nil once finished
	// changes counts the writes that changed tree (an Insert that
	// reported a change) or may have (a shift that succeeded, a Load). A
	// single reported change leaves tree different from base; anything
	// else may have been undone by a later write and is checked at Commit.
	changes   int
	certain   bool             // the one change so far was reported as such
	committed bool             // Commit ended the transaction
	record    *fst.Batch[K, V] // where successful writes are recorded, if set
}

// Insert sets the value of [start, end) to v, merging equal neighbours, as
// [fst.Tree.Insert]. It reports whether the contents of the transaction
// changed. It costs what [fst.Tree.Insert] costs: O(log n) when the range
// covers boundaries of one leaf.
func (tx *txn[K, V, Tree, Snapshot, Txn]) Insert(start, end K, v V) (bool, error) {
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
// equal neighbours, as [fst.Tree.Apply]: f is called exactly once per
// segment that shares a key with the range, in increasing key order, and
// the range rule is Insert's. It reports whether the contents of the
// transaction changed. If f or the store's equality panics, the panic
// propagates and the transaction holds what it held before the call (and
// records nothing). It costs what [fst.Tree.Apply] costs: O(k log n) for
// the k segments in the range.
//
// In a transaction whose writes are recorded ([Store.Record], and so in
// every Update of package replica), Apply records the inserts that make
// the difference, one per range of keys whose value changed ([fst.Diff]),
// as [Txn.Load] does: a batch holds values, not functions, so a replica
// that replays the record gets the values f returned here without calling
// f. Recording costs what Diff costs between two versions a few paths
// apart, and the write goes to an O(1) fork that the transaction adopts
// once the record is made.
//
// Like Load, an Apply that changes something ends the transaction's
// ownership of the nodes it had copied: a later write copies such a node
// once more (see [fst.Tree.Apply]).
func (tx *txn[K, V, Tree, Snapshot, Txn]) Apply(start, end K, f func(V) V) (bool, error) {
	if tx.base == nil {
		return false, ErrTxDone
	}
	next := tx.tree // fst.Tree.Apply is all or nothing on its own
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
func (tx *txn[K, V, Tree, Snapshot, Txn]) recordDiff(next Tree) {
	var d fst.Batch[K, V]
	for c := range tx.store.fam.diff(tx.tree, next) {
		d.Insert(c.Start, c.End, c.New)
	}
	tx.record.Append(&d)
}

// ShiftLeft removes [start, end) and shifts every segment after it left by
// end-start, as [fst.Tree.ShiftLeft].
func (tx *txn[K, V, Tree, Snapshot, Txn]) ShiftLeft(start, end K) error {
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
// it right by size, as [fst.Tree.ShiftRight].
func (tx *txn[K, V, Tree, Snapshot, Txn]) ShiftRight(pos, size K, skipStartNode bool) error {
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
func (tx *txn[K, V, Tree, Snapshot, Txn]) wrote(certain bool) {
	tx.changes++
	tx.certain = certain && tx.changes == 1
}

// unchanged reports whether t, the transaction's tree, holds what base
// holds. One write that reported a change answers it in O(1); otherwise it
// compares the trees, skipping the subtrees the transaction did not copy.
func (tx *txn[K, V, Tree, Snapshot, Txn]) unchanged(t, base Tree) bool {
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
// something changed ([fst.Tree.Equal] against the base version), which
// skips the subtrees the transaction did not copy.
//
// Versions never wrap: when the head is at math.MaxUint64 (which only
// [Store.UpdateAt] can reach), a commit that changes something returns an
// error wrapping [ErrVersion] and the transaction stays open. On a
// finished transaction Commit returns nil and [ErrTxDone].
func (tx *txn[K, V, Tree, Snapshot, Txn]) Commit() (*Snapshot, error) {
	if tx.base == nil {
		return nil, ErrTxDone
	}
	return tx.commitAt(tx.store.fam.snap(tx.base).version + 1) // past math.MaxUint64 it wraps to 0, which commitAt refuses
}

// commitAt is Commit publishing the writes as version, which must be above
// the head's.
func (tx *txn[K, V, Tree, Snapshot, Txn]) commitAt(version uint64) (*Snapshot, error) {
	s, head, t := tx.store, tx.base, tx.tree
	base := s.fam.snap(head)
	if tx.unchanged(t, base.tree) {
		tx.finish()
		tx.committed = true
		s.writer.Unlock()
		return head, nil
	}
	if version <= base.version {
		return nil, fmt.Errorf("%w: version %d with the head at version %d", ErrVersion, version, base.version)
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
// fork of one of the store's versions (a [Snapshot.Tree], or a tree
// written after it; see [fst.Tree.SameOrigin]): t is frozen and shared,
// and later writes of the transaction copy what they change. A tree made
// apart, by [fst.Decode] or [fst.Build], is read once and rebuilt under the
// store's equality in O(n) (see [fst.Tree.Assign]). Load is how a decoded
// version is published into a running store, waking its watchers as any
// commit does.
//
// In a transaction whose writes are recorded ([Store.Record], and so in
// every Update of package replica), Load records the inserts that turn
// the transaction's contents into t's: one per range of keys whose value
// differs ([fst.Diff]), so a replica that replays the record gets t.
func (tx *txn[K, V, Tree, Snapshot, Txn]) Load(t Tree) error {
	if tx.base == nil {
		return ErrTxDone
	}
	var none Tree // nil: Tree is a pointer type
	if t == none {
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
func (tx *txn[K, V, Tree, Snapshot, Txn]) Rollback() {
	if tx.base == nil {
		return
	}
	tx.finish()
	tx.store.writer.Unlock()
}

// finish marks the transaction finished and drops its references, so that
// neither its fork nor its base version are kept alive by a lingering Txn.
// Its reads then see the zero Tree, which maps no key.
func (tx *txn[K, V, Tree, Snapshot, Txn]) finish() {
	tx.tree = tx.store.fam.none // shared: the zero Tree's methods never write
	tx.base = nil
	tx.record = nil
}
