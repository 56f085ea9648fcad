package fst

import "github.com/flatseg/flatseg/internal/cow"

// NewFanout is New with B+tree nodes of at most fanout entries, so that a
// few dozen segments make a tree several levels deep.
func NewFanout[K Key, V comparable](min, max K, init V, fanout int) (*Tree[K, V], error) {
	return NewFuncFanout(min, max, init, equal[V], fanout)
}

// NewFuncFanout is NewFunc with nodes of at most fanout entries.
func NewFuncFanout[K Key, V any](min, max K, init V, eq func(a, b V) bool, fanout int) (*Tree[K, V], error) {
	return newFanout[K, V, None](min, max, init, eq, nil, fanout)
}

// newFanout makes a tree of fanout entries per node, with the Measure m
// (nil for none).
func newFanout[K Key, V, M any](min, max K, init V, eq func(a, b V) bool, m Measure[K, V, M], fanout int) (*Measured[K, V, M], error) {
	t := new(Measured[K, V, M])
	if err := t.init(min, max, init, eq, m); err != nil {
		return nil, err
	}
	t.b.SetFanout(fanout) // t.b holds one entry, min
	return t, nil
}

// BuildFanout is Build with nodes of at most fanout entries.
func BuildFanout[K Key, V comparable](min, max K, init V, segs []Segment[K, V], fanout int) (*Tree[K, V], error) {
	tb, err := newBuilderFanout(min, max, init, equal[V], fanout)
	if err != nil {
		return nil, err
	}
	t := new(Tree[K, V])
	return made(t, build(t, tb, segs))
}

// newBuilderFanout is newBuilder for a Tree with nodes of at most fanout
// entries.
func newBuilderFanout[K Key, V any](min, max K, init V, eq func(a, b V) bool, fanout int) (*builder[K, V, None], error) {
	b, err := newPlainBuilder(min, max, init, eq)
	if err != nil {
		return nil, err
	}
	b.b.SetFanout(fanout)
	return b, nil
}

// newPlainBuilder is newBuilder for a Tree.
func newPlainBuilder[K Key, V any](min, max K, init V, eq func(a, b V) bool) (*builder[K, V, None], error) {
	return newBuilder[K, V, None](min, max, init, eq, nil)
}

// finish is builder.tree for a Tree.
func finish[K Key, V any](b *builder[K, V, None]) (*Tree[K, V], error) {
	t := new(Tree[K, V])
	if err := b.tree(t); err != nil {
		return nil, err
	}
	return t, nil
}

// MaxFanout is the node capacity of the B+tree.
const MaxFanout = cow.MaxFanout

// NewMeasuredFanout is NewMeasured with nodes of at most fanout entries.
func NewMeasuredFanout[K Key, V comparable, M any](min, max K, init V, m Measure[K, V, M], fanout int) (*Measured[K, V, M], error) {
	return NewMeasuredFuncFanout(min, max, init, equal[V], m, fanout)
}

// NewMeasuredFuncFanout is NewMeasured for values compared by eq, with
// nodes of at most fanout entries.
func NewMeasuredFuncFanout[K Key, V, M any](min, max K, init V, eq func(a, b V) bool, m Measure[K, V, M], fanout int) (*Measured[K, V, M], error) {
	if err := checkMeasured(min, max, m); err != nil {
		return nil, err
	}
	return newFanout(min, max, init, eq, m, fanout)
}

// SameValue reports whether a and b are equal under t's equality.
func (t *Measured[K, V, M]) SameValue(a, b V) bool { return t.same(a, b) }

// CheckRange is the range rule of Insert, without writing.
func (t *Measured[K, V, M]) CheckRange(start, end K) error { return t.checkRange(start, end) }
