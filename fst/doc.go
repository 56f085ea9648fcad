// Package fst is a persistent flat segment tree: a map from every key of a
// fixed span [min, max) to a value, held as non-overlapping half-open
// segments whose neighbours never hold equal values. It follows C++
// mdds::flat_segment_tree 2.0.3 and adds O(1) versions.
//
// # Semantics
//
// [Tree.Insert] overwrites the keys it covers and merges equal neighbours;
// [Tree.ShiftLeft] deletes a key range and pulls what follows to the left,
// giving the freed tail the default value; [Tree.ShiftRight] opens a gap.
// These are mdds's insert_front/insert_back/insert, shift_left and
// shift_right. [Tree.Apply], which mdds lacks, maps every key of a range to
// a function of its value, as Inserts would, all or nothing. Where mdds ignores bad input or crashes on it, the methods
// return an error wrapping [ErrInvalidRange], [ErrOutOfSpan],
// [ErrInvalidShift] or [ErrNaN] and change nothing. [Build] also returns
// [ErrUnsorted]; [NewFunc] and [BuildFunc] return [ErrNilEqual] without an
// equality function; [Tree.Verify] returns [ErrCorrupt].
//
// # Values
//
// [New] and [Build] compare values with ==, as mdds does. [NewFunc] and
// [BuildFunc] take an equality function, for values that are not comparable
// (slices, maps) or that compare otherwise; it decides merging, the changed
// flag of Insert, [Tree.Equal] and [Diff].
//
// # Versions
//
// A Tree is a handle on a copy-on-write B+tree (package cow). [Tree.Clone]
// is O(1); writes to a clone copy only the nodes on the paths they change,
// and [Diff] compares two versions in time proportional to what changed.
// Every version carries its own search tree, so there is no build_tree step
// and no stale tree to search.
//
// # Concurrency
//
// A Tree is not safe for concurrent writes. Reading never writes, and
// [Tree.Freeze] guarantees that nothing reachable from a tree is written
// again, so a frozen tree can be read and cloned from any number of
// goroutines. Package flatseg builds a transactional store with lock-free
// snapshots on top of this.
package fst
