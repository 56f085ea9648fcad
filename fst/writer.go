package fst

import (
	"errors"
	"fmt"
	"slices"
)

// Writer is what a [Batch] replays its writes through: the three write
// methods of a [Tree]. *Tree satisfies it, and so does a transaction of
// package flatseg (*flatseg.Txn), so a batch applies to either the same
// way.
type Writer[K Key, V any] interface {
	Insert(start, end K, v V) (changed bool, err error)
	ShiftLeft(start, end K) error
	ShiftRight(pos, size K, skipStartNode bool) error
}

var _ Writer[int, int] = (*Tree[int, int])(nil)

// ApplyTo runs the recorded writes on w, in order, and stops at the first
// that fails, returning its error (wrapping the write's sentinel, such as
// ErrInvalidRange) with its index. The writes before it stay applied:
// ApplyTo is all or nothing only when w is, as a flatseg transaction that
// is rolled back on error is; [Batch.Apply] is the all-or-nothing form for
// a Tree. It costs what the writes cost.
func (b *Batch[K, V]) ApplyTo(w Writer[K, V]) error {
	for i, op := range b.ops {
		var err error
		switch op.Kind {
		case OpInsert:
			_, err = w.Insert(op.Start, op.End, op.Value)
		case OpShiftLeft:
			err = w.ShiftLeft(op.Start, op.End)
		case OpShiftRight:
			err = w.ShiftRight(op.Start, op.Size, op.SkipStartNode)
		default:
			err = fmt.Errorf("%w: unknown write kind %d", ErrCorrupt, op.Kind)
		}
		if err != nil {
			return fmt.Errorf("fst: batch write %d, %v: %w", i, op, err)
		}
	}
	return nil
}

// SameOrigin reports whether t and u are forks of one tree (each a Clone
// of the other, or both of a common tree), and so share their span,
// default value and equality function. O(1). Trees made by separate calls
// to New, Build or Decode never share an origin, even when their
// arguments are equal: Go cannot compare the equality functions.
func (t *Tree[K, V]) SameOrigin(u *Tree[K, V]) bool { return t.sameOrigin(&u.tree) }

func (t *tree[K, V, M]) sameOrigin(u *tree[K, V, M]) bool {
	return t.p != nil && t.p == u.p && t.lo == u.lo && t.hi == u.hi
}

// ErrIncompatible is returned (wrapped) by [Tree.Assign] for a tree of
// another span or default value.
var ErrIncompatible = errors.New("fst: tree of another span or default value")

// Assign makes t hold the contents of u, keeping t's own equality, and
// leaves u unchanged. u must have t's span and default value (equal under
// t's equality); otherwise Assign returns an error wrapping
// ErrIncompatible and changes nothing. When u shares t's origin (see
// [Tree.SameOrigin]) t becomes an O(1) fork of u. Otherwise Assign reads
// u's segments and builds t anew in O(n), merging the neighbours that t's
// equality finds equal, so that t never holds segments its own equality
// would have merged. u must not be written during the call.
func (t *Tree[K, V]) Assign(u *Tree[K, V]) error {
	if u == nil {
		return fmt.Errorf("%w: Assign(nil)", ErrIncompatible)
	}
	return t.assign(&u.tree)
}

// assign is Assign for both kinds of tree: a Measured tree rebuilds its
// summaries with its own Measure.
func (t *tree[K, V, M]) assign(u *tree[K, V, M]) error {
	if t.p == nil || t.lo != u.lo || t.hi != u.hi || !t.same(t.def(), u.def()) {
		return fmt.Errorf("%w: Assign", ErrIncompatible)
	}
	if t.sameOrigin(u) {
		*t = u.clone()
		return nil
	}
	var nt tree[K, V, M]
	if err := nt.buildSpan(t.lo, t.hi, t.def(), t.p.eq, t.p.m, slices.Collect(u.All())); err != nil {
		return err // unreachable: t's span is valid, u's segments are sorted and inside it
	}
	nt.p = t.p
	*t = nt
	return nil
}
