package fst

import "github.com/flatseg/flatseg/internal/tune"

// NewFanout is New with B+tree nodes of at most fanout entries, so that a
// few dozen segments make a tree several levels deep.
func NewFanout[K Key, V comparable](lo, hi K, init V, fanout int) (*Tree[K, V], error) {
	return newTree(lo, hi, init, equal[V], tune.Fanout(fanout))
}

// NewFuncFanout is NewFunc with nodes of at most fanout entries.
func NewFuncFanout[K Key, V any](lo, hi K, init V, eq func(a, b V) bool, fanout int) (*Tree[K, V], error) {
	return newTree(lo, hi, init, eq, tune.Fanout(fanout))
}

// BuildFanout is Build with nodes of at most fanout entries.
func BuildFanout[K Key, V comparable](lo, hi K, init V, segs []Segment[K, V], fanout int) (*Tree[K, V], error) {
	return build(lo, hi, init, equal[V], segs, tune.Fanout(fanout))
}

// MaxFanout is the node capacity of the B+tree.
const MaxFanout = tune.MaxFanout
