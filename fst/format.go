package fst

// What the two binary formats (format_tree.go: trees, format_batch.go:
// batches; both specified in FORMAT.md) share: the error they wrap, the
// type tags that name the key type and the value codec, the checksum, and
// the encoding of numbers.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"math/bits"
	"unsafe"

	"github.com/flatseg/flatseg/internal/num"
	"github.com/flatseg/flatseg/internal/wire"
)

// ErrCorrupt is wrapped by every error [Decode] and [DecodeBatch] return for
// input that is not a valid encoding: bad magic, an unknown format version,
// key or value types other than the caller's, a checksum mismatch,
// truncation, trailing bytes, or contents that break a tree's invariants
// (boundaries out of order or outside the span, equal neighbouring values).
// Errors of the underlying io.Reader are returned wrapped as they are,
// without ErrCorrupt. [Measured.Verify] wraps it too, for a tree that breaks an
// invariant. Test with errors.Is.
var ErrCorrupt = errors.New("fst: corrupt")

// castagnoli is the table of CRC-32C, the checksum of both formats.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Type tags of keys and built-in value codecs (FORMAT.md, "Type tags"). The
// high nibble is the class, the low nibble, for numbers, log2 of the size in
// bytes.
const (
	tagCustom  byte = 0x00
	tagSigned  byte = 0x10 // | log2(size): int8 0x10 ... int64 0x13
	tagUnsign  byte = 0x20 // uint8 0x20 ... uint64 0x23
	tagFloat   byte = 0x30 // float32 0x32, float64 0x33
	tagString  byte = 0x40
	tagBinary  byte = 0x50
	tagClasses byte = 0xF0
)

// numberTag returns the type tag of K. int and uint get the tag of their
// size on this machine.
func numberTag[K Key]() byte {
	var z K
	lg := byte(bits.TrailingZeros(uint(unsafe.Sizeof(z))))
	switch {
	case num.IsFloat[K]():
		return tagFloat | lg
	case isSigned[K]():
		return tagSigned | lg
	default:
		return tagUnsign | lg
	}
}

// tagName names a type tag for error messages.
func tagName(t byte) string {
	size := 8 << (t & 0x0F)
	switch t & tagClasses {
	case tagSigned:
		if t&0x0F <= 3 {
			return fmt.Sprintf("int%d", size)
		}
	case tagUnsign:
		if t&0x0F <= 3 {
			return fmt.Sprintf("uint%d", size)
		}
	case tagFloat:
		if t&0x0F == 2 || t&0x0F == 3 {
			return fmt.Sprintf("float%d", size)
		}
	case tagString:
		if t == tagString {
			return "StringCodec"
		}
	case tagBinary:
		if t == tagBinary {
			return "BinaryCodec"
		}
	case tagCustom:
		if t == tagCustom {
			return "custom codec"
		}
	}
	return fmt.Sprintf("unknown type tag %#02x", t)
}

// isSigned reports whether K is a signed integer or float type; it is
// constant per instantiation.
func isSigned[K Key]() bool {
	var z K
	return z-1 < 0
}

// codecTag returns the value tag of c: that of a built-in codec, or
// tagCustom.
func codecTag[V any](c Codec[V]) byte {
	if t, ok := c.(interface{ valueTag() byte }); ok {
		return t.valueTag()
	}
	return tagCustom
}

// Errors of the primitive readers. They wrap ErrCorrupt and are allocated
// once; callers wrap them again with the position.
var (
	errShort    = fmt.Errorf("%w: %w", ErrCorrupt, wire.ErrShort)
	errOverlong = fmt.Errorf("%w: %w", ErrCorrupt, wire.ErrOverlong)
	errOverflow = fmt.Errorf("%w: %w", ErrCorrupt, wire.ErrOverflow)
	errRange    = fmt.Errorf("%w: number out of range of its type", ErrCorrupt)
)

// uvarint is wire.Uvarint, its errors wrapping ErrCorrupt.
func uvarint(src []byte) (uint64, int, error) {
	v, n, err := wire.Uvarint(src)
	switch err {
	case nil:
		return v, n, nil
	case wire.ErrShort:
		return 0, 0, errShort
	case wire.ErrOverlong:
		return 0, 0, errOverlong
	}
	return 0, 0, errOverflow
}

// appendNumber appends k: a zigzag varint for signed integers, a varint for
// unsigned ones, the IEEE 754 bits, little-endian, for floats (4 or 8
// bytes, so that every float, NaN payloads and -0 included, comes back bit
// for bit).
func appendNumber[K Key](dst []byte, k K) []byte {
	switch {
	case num.IsFloat[K]():
		if unsafe.Sizeof(k) == 4 {
			return binary.LittleEndian.AppendUint32(dst, math.Float32bits(float32(k)))
		}
		return binary.LittleEndian.AppendUint64(dst, math.Float64bits(float64(k)))
	case isSigned[K]():
		return binary.AppendVarint(dst, int64(k))
	default:
		return binary.AppendUvarint(dst, uint64(k))
	}
}

// readNumber reads what appendNumber wrote and checks that it fits K.
func readNumber[K Key](src []byte) (K, int, error) {
	switch {
	case num.IsFloat[K]():
		if unsafe.Sizeof(K(0)) == 4 {
			if len(src) < 4 {
				return 0, 0, errShort
			}
			return K(math.Float32frombits(binary.LittleEndian.Uint32(src))), 4, nil
		}
		if len(src) < 8 {
			return 0, 0, errShort
		}
		return K(math.Float64frombits(binary.LittleEndian.Uint64(src))), 8, nil
	case isSigned[K]():
		u, n, err := uvarint(src)
		if err != nil {
			return 0, 0, err
		}
		x := int64(u>>1) ^ -int64(u&1) // zigzag, as binary.Varint
		if int64(K(x)) != x {
			return 0, 0, errRange
		}
		return K(x), n, nil
	default:
		u, n, err := uvarint(src)
		if err != nil {
			return 0, 0, err
		}
		if uint64(K(u)) != u {
			return 0, 0, errRange
		}
		return K(u), n, nil
	}
}

// decodeValue calls c.DecodeValue and makes what it returns safe to use: an
// error wraps ErrCorrupt, and a byte count outside [0, len(src)] is an error.
func decodeValue[V any](c Codec[V], src []byte) (V, int, error) {
	v, n, err := c.DecodeValue(src)
	switch {
	case err != nil && !errors.Is(err, ErrCorrupt):
		return v, 0, fmt.Errorf("%w: %w", ErrCorrupt, err)
	case err != nil:
		return v, 0, err
	case n < 0 || n > len(src):
		return v, 0, fmt.Errorf("%w: codec claims %d bytes of %d", ErrCorrupt, n, len(src))
	}
	return v, n, nil
}
