// Package cow is a persistent (copy-on-write) B+tree: an ordered map from
// integer or float keys to values with O(1) Clone, path copying, an O(log n)
// Shift that adds a constant to every key from a position on, and a Diff of
// two versions that skips the subtrees they share. It is the storage under
// package fst, internal to the module.
//
// # Summaries
//
// There is one tree type, Tree[K, V, M]: each inner node keeps, next to
// every child pointer, a summary of type M of the child's keys, read as
// segments (an entry k -> v stands for the keys up to the next entry's).
// A tree without summaries is Tree[K, V, struct{}], whose slots are bare
// pointers and whose writers mark nothing. Writes leave the summaries of
// the nodes they change stale, marked dirty; Settle(m) recomputes them,
// bottom up, and is the only place a Measure's Of and Combine run for a
// write. The Measure is never stored in the tree: Settle, the queries and
// Verify take it, and package fst keeps it with its tree's fixed
// properties. The queries (Measure, Seek, SeekBackward) are walks from one
// descent, a Cursor (cursor.go).
//
// # Ownership
//
// Every node records the id of the writer token (owner) of the tree that
// created it (an id, not a pointer, so that a leaf of plain keys and values
// holds no pointer and the garbage collector never scans it).
// A write takes the root through mutable and each child on its way down
// through mutableChild, the one helper that decides whether a node may be
// changed: it may when the node's owner is the tree's token, otherwise the
// node is copied once and the copy is linked into its already writable
// parent in the same step. Clone marks the token shared and Freeze drops
// it, so nodes a version can reach are never written again. There are no
// free lists: a lock-free reader may still hold any old node.
//
// # Layout
//
// Nodes are fixed arrays of 47 keys and payloads, one allocation each
// (768 bytes for 8-byte keys and values): a leaf holds values, an inner node
// child pointers and the smallest key of each child. Both kinds are one
// generic type; the kind is stored in the node's 16-byte header, the tests
// check it at every typed view, and one dispatch (reshape) turns it into
// the Go type for the steps that move payloads. Integer keys are stored
// relative to their node's smallest key, which the parent stores relative
// to its own; a Shift then updates the separators right of one root-to-leaf
// path. Float keys are stored absolute (relative storage would
// round them). Leaves have no sibling links: iteration recurses from the
// root, and Diff walks two trees with explicit stacks.
//
// # Invariants
//
// [Tree.Verify] checks them: node kinds matching their heights, strictly
// increasing keys, separators equal to the smallest key below, fill between
// fanout/2 and fanout off the right edge (on it, between 1 and fanout: an
// append splits the last leaf unevenly, see Tree.SpliceLeaf), normalised
// node frames, cleared
// child slots past each inner node's count, and the entry count.
package cow
