package fst

import (
	"errors"
	"fmt"
	"slices"
)

// Writer is what a [Batch] replays its writes through: the three write
// methods of a tree. Every tree satisfies it (*[Tree], and *[Measured] of
// any summary), and so does a transaction of package flatseg, so a batch
// applies to either the same way.
type Writer[K Key, V any] interface {
	Insert(start, end K, v V) (changed bool, err error)
	ShiftLeft(start, end K) error
	ShiftRight(pos, size K, skipStartNode bool) error
}

var _ Writer[int, int] = (*Tree[int, int])(nil)

// Apply runs the recorded writes on w, in order, and returns the error of
// the first that fails (wrapping the write's sentinel, ErrInvalidRange and
// the others, with its index).
//
// On a tree (a *[Tree] or a *[Measured] of any summary) Apply is all or
// nothing: it runs the writes on an O(1) clone and, when every write
// succeeded, makes the tree hold the result; when one fails, or a Measure
// or the equality panics, the tree is unchanged. That costs copying the
// paths the writes change once more than writing the tree directly would
// when the tree owns its nodes. On any other Writer the writes before the
// failing one stay applied: a flatseg transaction is all or nothing
// because [flatseg.Store.Apply] rolls it back on error. It costs what the
// writes cost. w must not be used by another goroutine during the call.
func (b *Batch[K, V]) Apply(w Writer[K, V]) error {
	if len(b.ops) == 0 {
		return nil
	}
	if t, ok := w.(interface{ applyBatch(b *Batch[K, V]) error }); ok {
		return t.applyBatch(b)
	}
	return b.replay(w)
}

// applyBatch is Batch.Apply on a tree: all or nothing, on a clone.
func (t *Measured[K, V, M]) applyBatch(b *Batch[K, V]) error {
	c := t.Clone()
	if err := b.replay(c); err != nil {
		return err
	}
	*t = *c
	return nil
}

// replay runs the writes of b on w in order, stopping at the first that
// fails.
func (b *Batch[K, V]) replay(w Writer[K, V]) error {
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
func (t *Measured[K, V, M]) SameOrigin(u *Measured[K, V, M]) bool {
	return t.p != nil && t.p == u.p && t.min == u.min && t.max == u.max
}

// ErrIncompatible is returned (wrapped) by [Measured.Assign] for a tree of
// another span or default value, and by [Merge], [MergeFunc] and
// [MergeSame] for two trees of different spans.
var ErrIncompatible = errors.New("fst: tree of another span or default value")

// Assign makes t hold the contents of u, keeping t's own equality, and
// leaves u unchanged. u must have t's span and default value (equal under
// t's equality); otherwise Assign returns an error wrapping
// ErrIncompatible and changes nothing. When u shares t's origin (see
// [Measured.SameOrigin]) t becomes an O(1) fork of u. Otherwise Assign reads
// u's segments and builds t anew in O(n), merging the neighbours that t's
// equality finds equal, so that t never holds segments its own equality
// would have merged. u must not be written during the call.
func (t *Measured[K, V, M]) Assign(u *Measured[K, V, M]) error {
	if u == nil {
		return fmt.Errorf("%w: Assign(nil)", ErrIncompatible)
	}
	if t.p == nil || t.min != u.min || t.max != u.max || !t.same(t.def(), u.def()) {
		return fmt.Errorf("%w: Assign", ErrIncompatible)
	}
	if t.SameOrigin(u) {
		*t = *u.Clone()
		return nil
	}
	var nt Measured[K, V, M]
	if err := nt.buildSpan(t.min, t.max, t.def(), t.p.eq, t.p.m, slices.Collect(u.All())); err != nil {
		return err // unreachable: t's span is valid, u's segments are sorted and inside it
	}
	nt.p = t.p
	*t = nt
	return nil
}
