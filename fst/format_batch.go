package fst

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"unsafe"

	"github.com/flatseg/flatseg/internal/num"
)

// The batch format, version 1, is specified in FORMAT.md ("Batch"); the
// golden files in testdata/ pin it. As for trees, a change to any byte an
// encoder writes needs a new version.
const (
	batchMagic = "FSTB"
	batchV1    = 1 // the version AppendBatch writes

	opInsert         byte = 1
	opShiftLeft      byte = 2
	opShiftRight     byte = 3
	opShiftRightSkip byte = 4 // ShiftRight with skipStartNode
)

// AppendBatch appends the encoding of b (FORMAT.md, "Batch") to dst and
// returns the extended slice: a header, the writes with their arguments
// (keys as in a tree's header, so floats keep their bits; values through
// c), and a CRC-32C of all of it. It suits a log entry or a message: one
// slice, no stream. On an error of c, which it returns wrapped with the
// write's index, dst is returned as it was. O(len(b)).
func AppendBatch[K Key, V any](dst []byte, b *Batch[K, V], c Codec[V]) ([]byte, error) {
	start := len(dst)
	out := append(dst, batchMagic...)
	out = append(out, batchV1, numberTag[K](), codecTag(c))
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
// never panics (unless c does), and what it allocates is bounded by the
// bytes there are, not by the count of writes the header claims: the count
// is checked against len(src), the writes are stored in a slice first sized
// to at most len(src) bytes, which doubles only as decoded writes fill it.
// A batch of Inserts whose values the codec writes in about their size in
// memory (V = [4096]byte and 4096 bytes each, say) allocates less than 4x
// len(src) plus 64 KiB. Each decoded write takes an Op in memory, so a
// batch of writes much smaller encoded than an Op (shifts, with a large V)
// takes up to Sizeof(Op)/3 times len(src). O(len(src)).
//
// The writes' arguments are not checked against any tree: Apply does that.
func DecodeBatch[K Key, V any](src []byte, c Codec[V]) (*Batch[K, V], error) {
	p, err := batchBody[K](src, c)
	if err != nil {
		return nil, err
	}
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
	// An Op holds a whole V: sized by the count alone, the slice could take
	// Sizeof(Op)/3 times len(src) before a single write is decoded.
	opSize := uint64(unsafe.Sizeof(Op[K, V]{}))
	b := &Batch[K, V]{ops: make([]Op[K, V], 0, min(count, uint64(len(src))/opSize))}
	for i := range int(count) {
		if len(p) == 0 {
			return nil, fmt.Errorf("%w: batch ends before write %d of %d", ErrCorrupt, i, count)
		}
		op, n, err := readOp[K](p, c)
		if err != nil {
			return nil, fmt.Errorf("%w (batch write %d of %d)", err, i, count)
		}
		p = p[n:]
		if len(b.ops) == cap(b.ops) { // double, but never past the count
			ops := make([]Op[K, V], len(b.ops), min(2*len(b.ops)+1, int(count)))
			copy(ops, b.ops)
			b.ops = ops
		}
		b.ops = append(b.ops, op)
	}
	if len(p) != 0 {
		return nil, fmt.Errorf("%w: %d bytes after the batch's %d writes", ErrCorrupt, len(p), count)
	}
	return b, nil
}

// batchBody checks the checksum of an encoded batch, then its magic,
// version and key and value types, and returns the bytes after them, up to
// the checksum: the write count and the writes.
func batchBody[K Key, V any](src []byte, c Codec[V]) ([]byte, error) {
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
	if v := body[len(batchMagic)]; v != batchV1 {
		return nil, fmt.Errorf("%w: unknown batch format version %d (this decoder reads version %d)", ErrCorrupt, v, batchV1)
	}
	if want := numberTag[K](); body[len(batchMagic)+1] != want {
		return nil, fmt.Errorf("%w: batch keys are %s, not %s", ErrCorrupt, tagName(body[len(batchMagic)+1]), tagName(want))
	}
	if want := codecTag(c); body[len(batchMagic)+2] != want {
		return nil, fmt.Errorf("%w: batch values were written by %s, not %s", ErrCorrupt, tagName(body[len(batchMagic)+2]), tagName(want))
	}
	return body[fixed:], nil
}

// readOp reads one write of a batch: its kind, its two key arguments and,
// for an Insert, its value. It returns the write and the bytes it took.
// p is not empty.
func readOp[K Key, V any](p []byte, c Codec[V]) (Op[K, V], int, error) {
	var op Op[K, V]
	kind := p[0]
	if kind < opInsert || kind > opShiftRightSkip {
		return op, 0, fmt.Errorf("%w: unknown kind %d", ErrCorrupt, kind)
	}
	at := 1
	x, n, err := readNumber[K](p[at:])
	if err == nil {
		at += n
		var y K
		y, n, err = readNumber[K](p[at:])
		op.Start, op.End = x, y
	}
	if err != nil {
		return op, 0, fmt.Errorf("%w: arguments", err)
	}
	at += n
	switch kind {
	case opInsert:
		op.Kind = OpInsert
		if op.Value, n, err = decodeValue(c, p[at:]); err != nil {
			return op, 0, fmt.Errorf("%w: value", err)
		}
		at += n
	case opShiftLeft:
		op.Kind = OpShiftLeft
	default: // opShiftRight, opShiftRightSkip
		op = Op[K, V]{Kind: OpShiftRight, Start: op.Start, Size: op.End, SkipStartNode: kind == opShiftRightSkip}
	}
	return op, at, nil
}
