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
	return build(NewFanout[K, V](n), keys, vals)
}

// NewBuilderFanout is NewBuilder for a tree with nodes of at most n entries.
func NewBuilderFanout[K Number, V any](n int) *Builder[K, V] {
	b := NewBuilder[K, V]()
	b.setFanout(n)
	return b
}

// Height returns the number of inner levels above the leaves.
func (t *Tree[K, V]) Height() int { return int(t.levels) }

// MaxFanout is the node capacity.
const MaxFanout = maxFanout
