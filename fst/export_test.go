package fst

import "github.com/flatseg/flatseg/internal/tune"

// NewFanout is New with B+tree nodes of at most fanout entries, so that a
// few dozen segments make a tree several levels deep.
func NewFanout[K Key, V comparable](lo, hi K, init V, fanout int) (*Tree[K, V], error) {
	return NewFuncFanout(lo, hi, init, equal[V], fanout)
}

// NewFuncFanout is NewFunc with nodes of at most fanout entries.
func NewFuncFanout[K Key, V any](lo, hi K, init V, eq func(a, b V) bool, fanout int) (*Tree[K, V], error) {
	t, err := newTree(lo, hi, init, eq)
	if err != nil {
		return nil, err
	}
	tune.SetFanout(&t.b, fanout) // t.b holds one entry, lo
	return t, nil
}

// BuildFanout is Build with nodes of at most fanout entries.
func BuildFanout[K Key, V comparable](lo, hi K, init V, segs []Segment[K, V], fanout int) (*Tree[K, V], error) {
	tb, err := newBuilderFanout(lo, hi, init, equal[V], fanout)
	if err != nil {
		return nil, err
	}
	return build(tb, segs)
}

// newBuilderFanout is newBuilder for a tree with nodes of at most fanout
// entries.
func newBuilderFanout[K Key, V any](lo, hi K, init V, eq func(a, b V) bool, fanout int) (*builder[K, V], error) {
	b, err := newBuilder(lo, hi, init, eq)
	if err != nil {
		return nil, err
	}
	tune.SetFanout(b.b, fanout)
	return b, nil
}

// MaxFanout is the node capacity of the B+tree.
const MaxFanout = tune.MaxFanout
