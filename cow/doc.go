// Package cow is the persistent B+tree under package fst: an ordered map from
// integer or float keys to values, with copy-on-write path copying, O(1)
// Clone, and an O(log n) Shift that adds a constant to every key from a
// position on.
//
// # Ownership
//
// Every node records the writer token (owner) of the tree that created it.
// A write asks one helper, mutable, whether it may change a node: it may when
// the node's owner is the tree's token, otherwise the node is copied once and
// the copy is linked into its already-mutable parent. Clone marks the token
// shared and Freeze drops it, so nodes a version can reach are never written
// again. There are no free lists: a lock-free reader may still hold any old
// node.
//
// # Layout
//
// Nodes are fixed arrays of MaxFanout keys and payloads, one allocation each:
// a leaf holds values, an inner node child pointers and the smallest key of
// each child. Integer keys are stored relative to their node's smallest key,
// which the parent stores relative to its own; a Shift then updates the
// separators right of one root-to-leaf path. Float keys are stored absolute
// (relative storage would round them). Leaves have no sibling links:
// iteration recurses from the root, and Zip walks two trees with explicit
// stacks, skipping subtrees they share.
//
// # Invariants
//
// Tree.Verify checks all of them: strictly increasing keys, separators equal
// to the smallest key below, fill between fanout/2 and fanout outside the
// root, normalised node frames, cleared vacated slots and the entry count.
package cow
