package cow

import "github.com/flatseg/flatseg/internal/tune"

// NewFanout returns an empty tree whose nodes hold at most n entries, so
// that a few dozen keys build a tree several levels deep.
func NewFanout[K Number, V any](n int) *Tree[K, V] { return New[K, V](tune.Fanout(n)) }

// Height returns the number of inner levels above the leaves.
func (t *Tree[K, V]) Height() int { return int(t.levels) }

// MaxFanout is the node capacity.
const MaxFanout = maxFanout
