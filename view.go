package flatseg

import (
	"iter"

	"github.com/flatseg/flatseg/fst"
)

// view is the read side of a tree, written once and embedded in [Snapshot]
// (a frozen version, readable forever) and [Txn] (its working tree, with
// its own writes). Its methods read the tree without writing it.
type view[K fst.Key, V any, Tree treeOf[K, V, Tree]] struct {
	tree Tree
}

// Search returns the segment that contains key, or false if key is outside
// [MinKey, MaxKey) or NaN. It costs O(log n) and does not allocate.
func (v view[K, V, Tree]) Search(key K) (fst.Segment[K, V], bool) { return v.tree.Search(key) }

// All returns an iterator over the segments in ascending key order;
// adjacent segments have different values. Each step costs O(1)
// amortized.
func (v view[K, V, Tree]) All() iter.Seq[fst.Segment[K, V]] { return v.tree.All() }

// Segments is All under mdds's name (segment_range).
func (v view[K, V, Tree]) Segments() iter.Seq[fst.Segment[K, V]] { return v.tree.All() }

// Backward returns an iterator over the segments in descending key order.
func (v view[K, V, Tree]) Backward() iter.Seq[fst.Segment[K, V]] { return v.tree.Backward() }

// Overlapping returns an iterator over the whole segments that share at
// least one key with [start, end), in ascending key order. It yields
// nothing for an empty or NaN range or one that misses the span. The first
// step costs O(log n), each further step O(1) amortized.
func (v view[K, V, Tree]) Overlapping(start, end K) iter.Seq[fst.Segment[K, V]] {
	return v.tree.Overlapping(start, end)
}

// LeafNodes returns an iterator over mdds's leaf nodes in ascending key
// order, as its begin()..end(): the start key and value of each segment,
// then MaxKey with the default value (see [fst.Tree.LeafNodes]).
func (v view[K, V, Tree]) LeafNodes() iter.Seq2[K, V] { return v.tree.LeafNodes() }

// LeafNodesBackward returns the pairs of LeafNodes in descending key order,
// as mdds's rbegin()..rend().
func (v view[K, V, Tree]) LeafNodesBackward() iter.Seq2[K, V] { return v.tree.LeafNodesBackward() }

// Len returns the number of segments. O(1).
func (v view[K, V, Tree]) Len() int { return v.tree.Len() }

// LeafSize returns the number of mdds leaf nodes: the number of segments
// plus one. O(1).
func (v view[K, V, Tree]) LeafSize() int { return v.tree.LeafSize() }

// MinKey returns the lower end of the span (inclusive). O(1).
func (v view[K, V, Tree]) MinKey() K { return v.tree.MinKey() }

// MaxKey returns the upper end of the span (exclusive). O(1).
func (v view[K, V, Tree]) MaxKey() K { return v.tree.MaxKey() }

// DefaultValue returns the value the store was created with: the value of
// keys no segment was inserted for, and of the keys a shift frees. O(1).
func (v view[K, V, Tree]) DefaultValue() V { return v.tree.DefaultValue() }
