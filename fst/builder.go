package fst

import (
	"errors"
	"fmt"

	"github.com/flatseg/flatseg/internal/cow"
)

// builder loads a Tree from its boundaries, streamed in increasing order, in
// O(1) amortised time per boundary and O(log n) memory beyond the tree (see
// cow.Builder). Unlike Build it does not merge or clip anything: it checks
// that the boundaries it is given form a valid tree as they are (the first
// at min, strictly increasing, below max, no two neighbours with equal values
// under eq) and reports the first that does not, so a decoder can hand it
// untrusted input. Every value comparison goes through eq, which the tree
// keeps.
type builder[K Key, V, M any] struct {
	min, max K
	init     V
	eq       func(a, b V) bool
	m        cow.Measure[K, V, M]
	b        *cow.Builder[K, V, M]
	n        int
	last     K
	lastV    V
}

// newBuilder starts a tree over [min, max) with default value init. It
// fails as New does: ErrNaN for a NaN bound, ErrInvalidRange unless
// min < max.
func newBuilder[K Key, V, M any](min, max K, init V, eq func(a, b V) bool, m cow.Measure[K, V, M]) (*builder[K, V, M], error) {
	if err := checkSpan(min, max); err != nil {
		return nil, err
	}
	if m != nil {
		if err := checkMeasured(min, max, m); err != nil {
			return nil, err // before any summary is computed: lengths would wrap
		}
	}
	return &builder[K, V, M]{min: min, max: max, init: init, eq: eq, m: m, b: new(cow.Builder[K, V, M])}, nil
}

// add appends the boundary k, where a segment with value v starts. It
// returns an error, and adds nothing, when k is not min for the first
// boundary (ErrOutOfSpan), is not above the previous one (ErrUnsorted, also
// for NaN), is not below max (ErrOutOfSpan), or when v equals the previous
// segment's value under eq.
func (b *builder[K, V, M]) add(k K, v V) error {
	switch {
	case b.b == nil:
		return errBuilderSpent
	case b.n == 0:
		if k != b.min {
			return fmt.Errorf("%w: first boundary %v is not min %v", ErrOutOfSpan, k, b.min)
		}
	case !(b.last < k):
		return fmt.Errorf("%w: boundary %v after %v", ErrUnsorted, k, b.last)
	case !(k < b.max):
		return fmt.Errorf("%w: boundary %v at or past max %v", ErrOutOfSpan, k, b.max)
	case b.eq(v, b.lastV):
		return fmt.Errorf("fst: the segment at %v has the value of the segment before it, %v", k, v)
	}
	if err := b.b.Add(k, v); err != nil {
		return err // unreachable: the checks above are stricter
	}
	b.n++
	b.last, b.lastV = k, v
	return nil
}

// tree finishes the tree into t; the builder is spent, and later calls of
// add and tree fail (the tree owns the nodes: a second tree must not share
// them). It fails when no boundary was added (a tree has at least the one
// at min).
func (b *builder[K, V, M]) tree(t *Measured[K, V, M]) error {
	switch {
	case b.b == nil:
		return errBuilderSpent
	case b.n == 0:
		return fmt.Errorf("fst: no boundary at min %v", b.min)
	}
	ct := b.b.Tree()
	b.b = nil
	if b.m != nil {
		ct.Settle(b.m)
	}
	*t = Measured[K, V, M]{min: b.min, max: b.max, p: &props[K, V, M]{init: b.init, eq: b.eq, m: b.m}, b: *ct}
	return nil
}

var errBuilderSpent = errors.New("fst: builder used after tree")
