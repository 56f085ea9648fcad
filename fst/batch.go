package fst

import (
	"encoding/binary"
	"fmt"
	"github.com/flatseg/flatseg/internal/num"
	"hash/crc32"
	"iter"
	"unsafe"
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

// Apply runs the recorded writes on t, in order, all or nothing: it runs
// them on an O(1) clone of t and, when every write succeeded, makes t hold
// the result; when one fails, it returns that write's error (wrapping the
// Tree method's sentinel, ErrInvalidRange and the others) with its index,
// and t is unchanged. It costs what the writes cost, plus copying the paths
// they change once more than writing t directly would when t owns its nodes.
// t must not be used by another goroutine during the call.
func (b *Batch[K, V]) Apply(t *Tree[K, V]) error {
	if len(b.ops) == 0 {
		return nil
	}
	c := t.Clone()
	if err := b.ApplyTo(c); err != nil {
		return err
	}
	*t = *c
	return nil
}

// The batch format, version 1 (FORMAT.md, "Batches").
const (
	batchMagic = "FSTB"

	opInsert         byte = 1
	opShiftLeft      byte = 2
	opShiftRight     byte = 3
	opShiftRightSkip byte = 4 // ShiftRight with skipStartNode
)

// AppendBatch appends the encoding of b (FORMAT.md, "Batches") to dst and
// returns the extended slice: a header, the writes with their arguments
// (keys as in a tree's header, so floats keep their bits; values through
// c), and a CRC-32C of all of it. It suits a log entry or a message: one
// slice, no stream. On an error of c, which it returns wrapped with the
// write's index, dst is returned as it was. O(len(b)).
func AppendBatch[K Key, V any](dst []byte, b *Batch[K, V], c Codec[V]) ([]byte, error) {
	start := len(dst)
	out := append(dst, batchMagic...)
	out = append(out, formatV1, numberTag[K](), codecTag(c))
	out = binary.AppendUvarint(out, uint64(len(b.ops)))
	var err error
	for i, op := range b.ops {
		switch op.Kind {
		case OpInsert:
			out = append(out, opInsert)
			out = appendNumber(out, op.Start)
			out = appendNumber(out, op.End)
			if out, err = c.AppendValue(out, op.Value); err != nil {
				return dst[:start], fmt.Errorf("fst: AppendBatch: value of write %d: %w", i, err)
			}
		case OpShiftLeft:
			out = append(out, opShiftLeft)
			out = appendNumber(out, op.Start)
			out = appendNumber(out, op.End)
		case OpShiftRight:
			k := opShiftRight
			if op.SkipStartNode {
				k = opShiftRightSkip
			}
			out = append(out, k)
			out = appendNumber(out, op.Start)
			out = appendNumber(out, op.Size)
		default:
			return dst[:start], fmt.Errorf("fst: AppendBatch: write %d has unknown kind %v", i, op.Kind)
		}
	}
	return binary.LittleEndian.AppendUint32(out, crc32.Checksum(out[start:], castagnoli)), nil
}

// DecodeBatch decodes a batch that AppendBatch encoded; src must be exactly
// one encoding. It checks the checksum before anything else, then the magic,
// version and the key and value types, and rejects with an error wrapping
// [ErrCorrupt] anything malformed, truncated or followed by extra bytes. It
// never panics (unless c does) and allocates at most a small multiple of
// len(src): the count of writes is checked against the bytes there are
// before anything is allocated for it. O(len(src)).
//
// The writes' arguments are not checked against any tree: Apply does that.
func DecodeBatch[K Key, V any](src []byte, c Codec[V]) (*Batch[K, V], error) {
	const fixed = len(batchMagic) + 3 // magic, version, key and value tags
	if len(src) < fixed+1+4 {
		return nil, fmt.Errorf("%w: batch of %d bytes is shorter than the smallest, %d", ErrCorrupt, len(src), fixed+1+4)
	}
	body, sum := src[:len(src)-4], binary.LittleEndian.Uint32(src[len(src)-4:])
	if got := crc32.Checksum(body, castagnoli); got != sum {
		return nil, fmt.Errorf("%w: batch checksum mismatch: stored %08x, computed %08x", ErrCorrupt, sum, got)
	}
	if string(body[:len(batchMagic)]) != batchMagic {
		return nil, fmt.Errorf("%w: bad batch magic %q, want %q", ErrCorrupt, body[:len(batchMagic)], batchMagic)
	}
	if v := body[len(batchMagic)]; v != formatV1 {
		return nil, fmt.Errorf("%w: unknown batch format version %d (this decoder reads version %d)", ErrCorrupt, v, formatV1)
	}
	if want := numberTag[K](); body[len(batchMagic)+1] != want {
		return nil, fmt.Errorf("%w: batch keys are %s, not %s", ErrCorrupt, tagName(body[len(batchMagic)+1]), tagName(want))
	}
	if want := codecTag(c); body[len(batchMagic)+2] != want {
		return nil, fmt.Errorf("%w: batch values were written by %s, not %s", ErrCorrupt, tagName(body[len(batchMagic)+2]), tagName(want))
	}
	p := body[fixed:]
	count, n, err := uvarint(p)
	if err != nil {
		return nil, fmt.Errorf("%w: batch write count", err)
	}
	p = p[n:]
	// Every write takes at least its kind byte and two keys.
	minOp := 1 + 2*1 // varint keys take a byte at least
	if num.IsFloat[K]() {
		minOp = 1 + 2*int(unsafe.Sizeof(K(0)))
	}
	if count > uint64(len(p)/minOp) {
		return nil, fmt.Errorf("%w: batch claims %d writes in %d bytes", ErrCorrupt, count, len(p))
	}
	b := &Batch[K, V]{ops: make([]Op[K, V], 0, count)}
	for i := range int(count) {
		if len(p) == 0 {
			return nil, fmt.Errorf("%w: batch ends before write %d of %d", ErrCorrupt, i, count)
		}
		kind := p[0]
		if kind < opInsert || kind > opShiftRightSkip {
			return nil, fmt.Errorf("%w: batch write %d has unknown kind %d", ErrCorrupt, i, kind)
		}
		p = p[1:]
		var op Op[K, V]
		var x, y K
		if x, n, err = readNumber[K](p); err == nil {
			p = p[n:]
			y, n, err = readNumber[K](p)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: batch write %d: arguments", err, i)
		}
		p = p[n:]
		switch kind {
		case opInsert:
			op = Op[K, V]{Kind: OpInsert, Start: x, End: y}
			if op.Value, n, err = decodeValue(c, p); err != nil {
				return nil, fmt.Errorf("%w: batch write %d: value", err, i)
			}
			p = p[n:]
		case opShiftLeft:
			op = Op[K, V]{Kind: OpShiftLeft, Start: x, End: y}
		default: // opShiftRight, opShiftRightSkip
			op = Op[K, V]{Kind: OpShiftRight, Start: x, Size: y, SkipStartNode: kind == opShiftRightSkip}
		}
		b.ops = append(b.ops, op)
	}
	if len(p) != 0 {
		return nil, fmt.Errorf("%w: %d bytes after the batch's %d writes", ErrCorrupt, len(p), count)
	}
	return b, nil
}
