package fst

import (
	"fmt"
	"iter"
)

// OpKind is the kind of write an [Op] records.
type OpKind uint8

// The writes a [Batch] records.
const (
	OpInsert     OpKind = iota + 1 // Tree.Insert(Start, End, Value)
	OpShiftLeft                    // Tree.ShiftLeft(Start, End)
	OpShiftRight                   // Tree.ShiftRight(Start, Size, SkipStartNode)
)

// String returns the name of the method k records, such as "Insert".
func (k OpKind) String() string {
	switch k {
	case OpInsert:
		return "Insert"
	case OpShiftLeft:
		return "ShiftLeft"
	case OpShiftRight:
		return "ShiftRight"
	}
	return fmt.Sprintf("OpKind(%d)", uint8(k))
}

// Op is one write of a [Batch]: the method and its arguments. Fields a kind
// does not use are zero.
type Op[K Key, V any] struct {
	Kind OpKind
	// Start is the start of the range of Insert and ShiftLeft, and the
	// position of ShiftRight.
	Start K
	// End is the end of the range of Insert and ShiftLeft.
	End K
	// Size is the size of ShiftRight.
	Size K
	// Value is the value of Insert.
	Value V
	// SkipStartNode is the skipStartNode argument of ShiftRight.
	SkipStartNode bool
}

// String formats o as the call it records, such as "Insert(1, 5, x)".
func (o Op[K, V]) String() string {
	switch o.Kind {
	case OpInsert:
		return fmt.Sprintf("Insert(%v, %v, %v)", o.Start, o.End, o.Value)
	case OpShiftLeft:
		return fmt.Sprintf("ShiftLeft(%v, %v)", o.Start, o.End)
	case OpShiftRight:
		return fmt.Sprintf("ShiftRight(%v, %v, %v)", o.Start, o.Size, o.SkipStartNode)
	}
	return o.Kind.String()
}

// Batch records writes to a [Tree] (Insert, ShiftLeft and ShiftRight, with
// their arguments, in order) as data: it can be applied to a tree, all or
// nothing, and encoded with [AppendBatch] for a log or a replica, where
// [DecodeBatch] and Apply replay it. Applying the same batch to equal trees
// gives equal trees, bit for bit (float keys and values included, when the
// values' codec keeps their bits as NumberCodec does), so replicas that
// start from the same version and apply the same batches stay identical.
//
// Recording checks nothing: an invalid argument makes Apply fail, as the
// method it records would.
//
// The zero Batch is empty and ready to use. A Batch is not safe for
// concurrent writes; once built it may be applied and encoded by any number
// of goroutines at once.
type Batch[K Key, V any] struct {
	ops []Op[K, V]
}

// Insert records t.Insert(start, end, v). O(1) amortised.
func (b *Batch[K, V]) Insert(start, end K, v V) {
	b.ops = append(b.ops, Op[K, V]{Kind: OpInsert, Start: start, End: end, Value: v})
}

// ShiftLeft records t.ShiftLeft(start, end). O(1) amortised.
func (b *Batch[K, V]) ShiftLeft(start, end K) {
	b.ops = append(b.ops, Op[K, V]{Kind: OpShiftLeft, Start: start, End: end})
}

// ShiftRight records t.ShiftRight(pos, size, skipStartNode). O(1) amortised.
func (b *Batch[K, V]) ShiftRight(pos, size K, skipStartNode bool) {
	b.ops = append(b.ops, Op[K, V]{Kind: OpShiftRight, Start: pos, Size: size, SkipStartNode: skipStartNode})
}

// Append records the writes of o after those of b, in order. O(len(o))
// amortised.
func (b *Batch[K, V]) Append(o *Batch[K, V]) { b.ops = append(b.ops, o.ops...) }

// Len returns the number of recorded writes. O(1).
func (b *Batch[K, V]) Len() int { return len(b.ops) }

// Reset empties the batch, keeping its memory for reuse. O(1) (it clears
// the recorded values so the garbage collector can free them: O(n)).
func (b *Batch[K, V]) Reset() {
	clear(b.ops)
	b.ops = b.ops[:0]
}

// All returns the recorded writes with their indexes, in order. The
// iterator reads the batch as it is at each step.
func (b *Batch[K, V]) All() iter.Seq2[int, Op[K, V]] {
	return func(yield func(int, Op[K, V]) bool) {
		for i, op := range b.ops {
			if !yield(i, op) {
				return
			}
		}
	}
}
