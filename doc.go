// Package flatseg is a versioned, concurrent flat segment tree: a map from
// the keys of a fixed span [min, max) to values, stored as maximal
// segments of equal value (as C++ mdds::flat_segment_tree), that any number
// of goroutines read while one writer at a time changes it.
//
// The tree itself is package fst's, a persistent (copy-on-write) B+tree of
// segments. This package adds what concurrent use needs: a store that
// publishes immutable versions, transactions to build them, and ways to look
// at past versions, compare them and wait for new ones.
//
// # One type per concept
//
// [MeasuredStore], [MeasuredSnapshot] and [MeasuredTxn] are the store, a
// version and a transaction; [Store], [Snapshot] and [Txn] are the same
// types without summaries (their M is [fst.None]), which [New], [NewFunc]
// and [NewFrom] of a plain tree return. A store made by [NewMeasured], or
// by [NewFrom] of a tree with a Measure ([fst.WithMeasure]), keeps that
// Measure's summaries in every version: its snapshots and transactions
// answer Measure (the summary of a key range, such as the height of some
// rows), Seek and SeekBackward (where a running summary passes a test,
// such as the row at a pixel) in O(log n), lock-free, as they answer
// Search.
//
// # Snapshots
//
// [MeasuredStore.Snapshot] returns the latest committed version. It costs
// one atomic load: no lock, no allocation, no build step. A snapshot is
// immutable and valid for as long as it is referenced; Search costs
// O(log n) and does not allocate, and its iterators (All, Backward,
// Segments, Overlapping, LeafNodes) are never invalidated by later commits.
// A transaction has the same read methods over its own writes.
// [MeasuredSnapshot.Tree] forks a snapshot in O(1) into a private mutable
// tree.
//
// # Transactions
//
// Writers use a transaction, from [MeasuredStore.Begin] or, more simply,
// [MeasuredStore.Update]. One transaction is open at a time: Begin waits
// for the previous writer, as in bbolt and go-memdb. Readers never wait for
// writers, nor writers for readers (for locks; busy readers still share
// the CPUs with the writer). A transaction writes to a private O(1) fork
// of the head, copying each node at most once, and sees its own writes.
// [MeasuredTxn.Commit] freezes the fork and publishes it as the next
// version with one atomic pointer swap, then wakes the watchers, then lets
// the next writer in. [MeasuredTxn.Rollback] discards it. A transaction is
// all or nothing: no reader ever sees part of it. Values are compared with
// == ([New]) or with an equality function ([NewFunc]), for values that ==
// cannot compare: the comparison decides merging, whether a commit changed
// anything, [Diff] and [MeasuredStore.WaitRange].
//
//	err := s.Update(func(tx *flatseg.Txn[int, string]) error {
//		if _, err := tx.Insert(10, 20, "a"); err != nil {
//			return err // rolls back
//		}
//		return tx.ShiftRight(0, 5, false)
//	})
//
// # Versions
//
// Version 0 is the initial contents. Each commit that changes something
// adds one to the version; a commit that changes nothing publishes nothing.
// [MeasuredStore.UpdateAt] publishes at a version chosen outside (a
// replicated log's index), whether or not the transaction changed
// anything; versions only ever increase, and never wrap.
// [MeasuredStore.Record] and [MeasuredStore.Apply] turn transactions into
// data ([fst.Batch]) and back. [MeasuredStore.At] returns a retained
// earlier version; [WithRetain] sets how many are retained. The head and
// the retained versions are published together, in one atomically swapped
// value, so At takes no lock either. [Diff] lists the key ranges over
// which two versions differ, at a cost that grows with the size of the
// change rather than with the size of the tree.
//
// # Watching
//
// [MeasuredStore.Wait] blocks until a version newer than a given one is
// published, [MeasuredStore.WaitFor] until one at least as new as a given
// one is; [MeasuredStore.WaitRange] until the contents of a key range
// differ from those of a snapshot the caller holds.
// [MeasuredSnapshot.Stale] is the channel they sleep on, for use in a
// select. None of them polls, and no watcher, however slow, ever blocks a
// writer.
//
// # Errors
//
// Invalid keys, ranges, options and snapshots are reported as errors, never
// panicked on: the errors of package fst ([fst.ErrInvalidRange],
// [fst.ErrOutOfSpan], [fst.ErrInvalidShift], [fst.ErrNaN]) are returned as
// the tree returns them, wrapped with detail, so test them with
// [errors.Is]; [ErrInvalidOption] and [ErrForeignSnapshot] are this
// package's. A write that fails changes nothing and leaves its transaction
// usable. Using a finished transaction returns [ErrTxDone]. Nil receivers,
// and nil snapshots given to [Diff], are programming errors and panic, as
// they do everywhere in Go.
//
// # Concurrency
//
// Stores, snapshots and [Diff] are safe for concurrent use. A transaction
// is used by one goroutine at a time; a tree returned by
// [MeasuredSnapshot.Tree] belongs to its caller.
package flatseg
