package cow

// Plain is a tree without summaries: the instantiation with the empty M,
// which most tests use.
type Plain[K Number, V any] = Tree[K, V, struct{}]

// New returns an empty tree without summaries.
func New[K Number, V any]() *Plain[K, V] { return new(Plain[K, V]) }

// Build returns a tree without summaries holding keys[i] -> vals[i].
func Build[K Number, V any](keys []K, vals []V) (*Plain[K, V], error) {
	return BuildFanout(keys, vals, maxFanout)
}

// NewFanout returns an empty tree whose nodes hold at most n entries, so
// that a few dozen keys build a tree several levels deep.
func NewFanout[K Number, V any](n int) *Plain[K, V] { return NewMeasuredFanout[K, V, struct{}](n) }

// BuildFanout is Build with nodes of at most n entries.
func BuildFanout[K Number, V any](keys []K, vals []V, n int) (*Plain[K, V], error) {
	return BuildMeasuredFanout[K, V, struct{}](nil, keys, vals, n)
}

// NewMeasuredFanout is NewFanout for a tree with summaries of type M.
func NewMeasuredFanout[K Number, V, M any](n int) *Tree[K, V, M] {
	t := new(Tree[K, V, M])
	t.SetFanout(n)
	return t
}

// BuildMeasuredFanout builds a tree with nodes of at most n entries and
// settles it with m.
func BuildMeasuredFanout[K Number, V, M any](m Measure[K, V, M], keys []K, vals []V, n int) (*Tree[K, V, M], error) {
	t := NewMeasuredFanout[K, V, M](n)
	if err := t.Build(keys, vals); err != nil {
		return nil, err
	}
	t.Settle(m)
	return t, nil
}

// Height returns the number of inner levels above the leaves.
func (t *Tree[K, V, M]) Height() int { return int(t.levels) }

// NewBuilderFanout returns a Builder of a tree without summaries whose
// nodes hold at most n entries.
func NewBuilderFanout[K Number, V any](n int) *Builder[K, V, struct{}] {
	b := new(Builder[K, V, struct{}])
	b.SetFanout(n)
	return b
}

// UndoLogRefs returns how many nodes the undo log of t's writer points to
// and how many child pointers its saved copies hold: after a Settle, both
// must be 0, so that the log keeps no old node alive.
func (t *Tree[K, V, M]) UndoLogRefs() (nodes, children int) {
	if t.owner == nil || !t.owner.marks() {
		return 0, 0
	}
	lg := (*undoLog[K, V, M])(*t.owner.undoSlot())
	if lg == nil {
		return 0, 0
	}
	for _, s := range lg.leaves[:cap(lg.leaves)] {
		if s.at != nil {
			nodes++
		}
	}
	for _, s := range lg.inners[:cap(lg.inners)] {
		if s.at != nil {
			nodes++
		}
		for _, x := range s.was.p {
			if x.p != nil {
				children++
			}
		}
	}
	return nodes, children
}
