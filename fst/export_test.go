package fst

import "github.com/flatseg/flatseg/internal/tune"

// NewFanout is New with B+tree nodes of at most fanout entries, so that a
// few dozen segments make a tree several levels deep.
func NewFanout[K Key, V comparable](lo, hi K, init V, fanout int) (*Tree[K, V], error) {
	return NewFuncFanout(lo, hi, init, equal[V], fanout)
}

// NewFuncFanout is NewFunc with nodes of at most fanout entries.
func NewFuncFanout[K Key, V any](lo, hi K, init V, eq func(a, b V) bool, fanout int) (*Tree[K, V], error) {
	t := new(Tree[K, V])
	if err := t.init(lo, hi, init, eq, nil); err != nil {
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
	t := new(Tree[K, V])
	return made(t, build(&t.tree, tb, segs))
}

// newBuilderFanout is newBuilder for a tree with nodes of at most fanout
// entries.
func newBuilderFanout[K Key, V any](lo, hi K, init V, eq func(a, b V) bool, fanout int) (*builder[K, V, none], error) {
	b, err := newPlainBuilder(lo, hi, init, eq)
	if err != nil {
		return nil, err
	}
	tune.SetFanout(b.b, fanout)
	return b, nil
}

// newPlainBuilder is newBuilder for a Tree.
func newPlainBuilder[K Key, V any](lo, hi K, init V, eq func(a, b V) bool) (*builder[K, V, none], error) {
	return newBuilder[K, V, none](lo, hi, init, eq, nil)
}

// finish is builder.tree for a Tree.
func finish[K Key, V any](b *builder[K, V, none]) (*Tree[K, V], error) {
	t := new(Tree[K, V])
	if err := b.tree(&t.tree); err != nil {
		return nil, err
	}
	return t, nil
}

// MaxFanout is the node capacity of the B+tree.
const MaxFanout = tune.MaxFanout

// NewMeasuredFanout is NewMeasured with nodes of at most fanout entries.
func NewMeasuredFanout[K Key, V comparable, M any](lo, hi K, init V, m Measure[K, V, M], fanout int) (*Measured[K, V, M], error) {
	return NewMeasuredFuncFanout(lo, hi, init, equal[V], m, fanout)
}

// NewMeasuredFuncFanout is NewMeasuredFunc with nodes of at most fanout
// entries.
func NewMeasuredFuncFanout[K Key, V, M any](lo, hi K, init V, eq func(a, b V) bool, m Measure[K, V, M], fanout int) (*Measured[K, V, M], error) {
	t, err := newMeasured(lo, hi, init, eq, m)
	if err != nil {
		return nil, err
	}
	tune.SetFanout(&t.b, fanout) // t.b holds one entry, lo
	return t, nil
}
