package cow

// NewFanout returns an empty tree whose nodes hold at most n entries, so
// that a few dozen keys build a tree several levels deep.
func NewFanout[K Number, V any](n int) *Tree[K, V] {
	t := New[K, V]()
	t.setFanout(n)
	return t
}

// BuildFanout is Build with nodes of at most n entries.
func BuildFanout[K Number, V any](keys []K, vals []V, n int) (*Tree[K, V], error) {
	t := NewFanout[K, V](n)
	if err := t.build(keys, vals); err != nil {
		return nil, err
	}
	return t, nil
}

// NewMeasuredFanout is NewFanout for a measured tree.
func NewMeasuredFanout[K Number, V, M any](n int) *Measured[K, V, M] {
	t := NewMeasured[K, V, M]()
	t.setFanout(n)
	return t
}

// BuildMeasuredFanout is BuildMeasured with nodes of at most n entries.
func BuildMeasuredFanout[K Number, V, M any](m Measure[K, V, M], keys []K, vals []V, n int) (*Measured[K, V, M], error) {
	t := NewMeasuredFanout[K, V, M](n)
	if err := t.build(keys, vals); err != nil {
		return nil, err
	}
	t.settle(m)
	return t, nil
}

// NewBuilderFanout is NewBuilder for a tree with nodes of at most n entries.
func NewBuilderFanout[K Number, V any](n int) *Builder[K, V] {
	b := NewBuilder[K, V]()
	b.setFanout(n)
	return b
}

// Height returns the number of inner levels above the leaves.
func (t *tree[K, V, M]) Height() int { return int(t.levels) }

// MaxFanout is the node capacity.
const MaxFanout = maxFanout
