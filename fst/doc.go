// Package fst is a persistent flat segment tree: a map from every key of a
// fixed span [min, max) to a value, held as non-overlapping half-open
// segments whose neighbours never hold equal values. It follows C++
// mdds::flat_segment_tree 2.0.3, adds O(1) versions, and can keep a
// summary of every subtree (a Measure) to answer questions about whole key
// ranges in O(log n).
//
// # One tree type
//
// [Measured] is the tree; [Tree] is the same type without a summary (its
// summary is [None]), which is what [New], [NewFunc], [Build], [BuildFunc],
// [Decode] and [DecodeFunc] return. [NewMeasured] makes a measured tree in
// one call, and [WithMeasure] gives any tree a Measure. Every method and
// every function ([Encode], [Diff], [Merge], [Zip], [Batch.Apply]) works on
// every tree.
//
// # Semantics
//
// [Measured.Insert] overwrites the keys it covers and merges equal
// neighbours; [Measured.ShiftLeft] deletes a key range and pulls what
// follows to the left, giving the freed tail the default value;
// [Measured.ShiftRight] opens a gap. These are mdds's
// insert_front/insert_back/insert, shift_left and shift_right.
// [Measured.Apply], which mdds lacks, maps every key of a range to a
// function of its value, as Inserts would, all or nothing. Where mdds
// ignores bad input or crashes on it, the methods return an error wrapping
// [ErrInvalidRange], [ErrOutOfSpan], [ErrInvalidShift] or [ErrNaN] and
// change nothing. [Build] also returns [ErrUnsorted]; [NewFunc] and
// [BuildFunc] return [ErrNilEqual] without an equality function;
// [NewMeasured] and [WithMeasure] return [ErrNilMeasure] without a Measure;
// [Merge] returns [ErrIncompatible] for trees of different spans;
// [Measured.Verify] returns [ErrCorrupt].
//
// # Values
//
// [New] and [Build] compare values with ==, as mdds does. [NewFunc] and
// [BuildFunc] take an equality function, for values that are not comparable
// (slices, maps) or that compare otherwise; it decides merging, the changed
// flag of Insert, [Measured.Equal] and [Diff].
//
// # Measures
//
// A [Measure] summarises runs of keys: Of(v, n) is the summary of n keys
// holding v, Combine the summary of one run followed by another (a sum of
// heights, a count of visible rows, a minimum). A measured tree keeps the
// summary of every child of every inner node, refreshed by each write in
// O(B) per node it changes, so that [Measured.Measure] (the summary of a
// key range), [Measured.Seek] and [Measured.SeekBackward] (the first key at
// which a running summary passes a test, forwards or backwards) take one
// descent: O(log n) node visits. Summaries depend on segment lengths, not
// positions, so shifts stay O(log n). They are never encoded: decoding and
// WithMeasure rebuild them. Summaries are values the tree shares between
// versions: a Measure must not modify the summaries Combine receives, and
// callers must not modify the ones Measure returns.
//
// # Versions
//
// A tree is a handle on a copy-on-write B+tree. [Measured.Clone] is O(1);
// writes to a clone copy only the nodes on the paths they change, and
// [Diff] compares two versions in time proportional to what changed. Every
// version carries its own search tree and summaries, so there is no
// build_tree step and no stale tree to search.
//
// # Two trees at once
//
// [Merge] makes the tree that maps every key to f of two trees' values,
// which may be of different types (heights and a mask of hidden rows),
// coalesced, in one walk of both and a bottom-up build: O(n + m).
// [MergeSame] merges two versions of one tree with an f for which
// f(x, x) = x (a union, an intersection, an overlay) in time proportional
// to what differs between them, sharing the rest with the first. [Zip]
// walks two trees at once, lazily, over the ranges where both are
// constant, backwards ([ZipBackward]) and within a key range ([ZipRange],
// [ZipRangeBackward]), allocating nothing per step. The set operations on
// bool-valued trees are merges with ||, &&, &&! and !=; the complement is
// an Apply of ! over the span.
//
// # Concurrency
//
// A tree is not safe for concurrent writes. Reading never writes, and
// [Measured.Freeze] guarantees that nothing reachable from a tree is
// written again, so a frozen tree can be read and cloned from any number
// of goroutines; Of, Combine and the predicates of Seek then run on the
// reading goroutines. Package flatseg builds a transactional store with
// lock-free snapshots on top of this.
package fst
