package fst

import (
	"encoding"
	"encoding/binary"
	"errors"
	"fmt"
	"github.com/flatseg/flatseg/internal/num"
	"math"
	"math/bits"
	"unsafe"
)

// ErrCorrupt is wrapped by every error [Decode] and [DecodeBatch] return for
// input that is not a valid encoding: bad magic, an unknown format version,
// key or value types other than the caller's, a checksum mismatch,
// truncation, trailing bytes, or contents that break a tree's invariants
// (boundaries out of order or outside the span, equal neighbouring values).
// Errors of the underlying io.Reader are returned wrapped as they are,
// without ErrCorrupt. [Tree.Verify] wraps it too, for a tree that breaks an
// invariant. Test with errors.Is.
var ErrCorrupt = errors.New("fst: corrupt")

// Codec encodes values of type V. DecodeValue returns the value and the
// number of bytes of src it used.
//
// A codec used with [Encode] and [Decode] must decode what it encodes to a
// value equal to the original, and must not encode two values the tree
// tells apart to the same bytes: Decode rejects two neighbouring segments
// whose values are equal. DecodeValue must not keep src (the decoder reuses
// its buffer) and must return an error, not panic, on malformed input: it
// reads bytes from disks and networks. A codec is used by one goroutine at a
// time per call of Encode or Decode; the codecs of this package are
// stateless and safe for concurrent use.
//
// The format records which built-in codec encoded the values (see
// FORMAT.md); values written with a codec of another package are tagged
// "custom", and can only be decoded with such a codec.
type Codec[V any] interface {
	AppendValue(dst []byte, v V) ([]byte, error)
	DecodeValue(src []byte) (v V, n int, err error)
}

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
	errShort    = fmt.Errorf("%w: unexpected end of data", ErrCorrupt)
	errOverlong = fmt.Errorf("%w: varint longer than its shortest form", ErrCorrupt)
	errOverflow = fmt.Errorf("%w: varint overflows 64 bits", ErrCorrupt)
	errRange    = fmt.Errorf("%w: number out of range of its type", ErrCorrupt)
)

// uvarint reads an unsigned LEB128 varint (encoding/binary's format) and
// rejects what binary.Uvarint accepts but an encoder never writes: a varint
// longer than its shortest form, so that every number has exactly one
// encoding.
func uvarint(src []byte) (uint64, int, error) {
	if len(src) > 0 && src[0] < 0x80 {
		return uint64(src[0]), 1, nil
	}
	var x uint64
	var s uint
	for i, b := range src {
		if i == binary.MaxVarintLen64 {
			return 0, 0, errOverflow
		}
		if b < 0x80 {
			switch {
			case i == binary.MaxVarintLen64-1 && b > 1:
				return 0, 0, errOverflow
			case b == 0:
				return 0, 0, errOverlong
			}
			return x | uint64(b)<<s, i + 1, nil
		}
		x |= uint64(b&0x7f) << s
		s += 7
	}
	return 0, 0, errShort
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

// NumberCodec returns the codec of integer and float values: a zigzag varint
// (encoding/binary's AppendVarint) for signed integers, a varint for
// unsigned ones, and the IEEE 754 bits, little-endian, for floats, so that
// every float value (NaN payloads and the sign of zero included) decodes bit
// for bit. Decoding checks that an integer fits V. The codec is stateless and
// safe for concurrent use; encoding never allocates beyond growing dst.
func NumberCodec[V Key]() Codec[V] { return numberCodec[V]{} }

type numberCodec[V Key] struct{}

func (numberCodec[V]) AppendValue(dst []byte, v V) ([]byte, error) { return appendNumber(dst, v), nil }
func (numberCodec[V]) DecodeValue(src []byte) (V, int, error)      { return readNumber[V](src) }
func (numberCodec[V]) valueTag() byte                              { return numberTag[V]() }

// StringCodec returns the codec of string values: the length as a varint,
// then the bytes. Decoding allocates the string (of at most the bytes it
// read). The codec is stateless and safe for concurrent use.
func StringCodec[V ~string]() Codec[V] { return stringCodec[V]{} }

type stringCodec[V ~string] struct{}

func (stringCodec[V]) AppendValue(dst []byte, v V) ([]byte, error) {
	dst = binary.AppendUvarint(dst, uint64(len(v)))
	return append(dst, v...), nil
}

func (stringCodec[V]) DecodeValue(src []byte) (V, int, error) {
	b, n, err := lengthPrefixed(src)
	return V(b), n, err
}

func (stringCodec[V]) valueTag() byte { return tagString }

// lengthPrefixed reads a varint length and that many bytes, which it returns
// without copying.
func lengthPrefixed(src []byte) ([]byte, int, error) {
	l, n, err := uvarint(src)
	if err != nil {
		return nil, 0, err
	}
	if l > uint64(len(src)-n) {
		return nil, 0, errShort
	}
	end := n + int(l)
	return src[n:end], end, nil
}

// BinaryCodec returns the codec of values that implement
// encoding.BinaryMarshaler and whose pointers implement
// encoding.BinaryUnmarshaler, such as time.Time or netip.Addr: the length of
// MarshalBinary's output as a varint, then that output. When *V implements
// encoding.BinaryAppender (Go 1.24), AppendBinary is used instead of
// MarshalBinary, saving an allocation per value. P is inferred:
// BinaryCodec[netip.Addr]().
//
// Decoding hands UnmarshalBinary a slice of the decoder's buffer, which,
// as encoding.BinaryUnmarshaler requires, it must copy if it keeps it; its
// errors are returned wrapped with ErrCorrupt, and it must not panic on
// malformed input. A value decodes as well as its methods round-trip it:
// time.Time, for one, comes back with a fixed-offset Location rather than the
// original pointer, which == then tells apart. The codec itself is stateless
// and safe for concurrent use.
func BinaryCodec[V any, P interface {
	*V
	encoding.BinaryMarshaler
	encoding.BinaryUnmarshaler
}]() Codec[V] {
	return binaryCodec[V, P]{}
}

type binaryCodec[V any, P interface {
	*V
	encoding.BinaryMarshaler
	encoding.BinaryUnmarshaler
}] struct{}

func (binaryCodec[V, P]) AppendValue(dst []byte, v V) ([]byte, error) {
	if a, ok := any(P(&v)).(encoding.BinaryAppender); ok {
		// Append after a one-byte length, then make room for a longer
		// varint if the value needs one.
		start := len(dst)
		out, err := a.AppendBinary(append(dst, 0))
		if err != nil {
			return dst, err
		}
		l := len(out) - start - 1
		var lb [binary.MaxVarintLen64]byte
		ln := binary.PutUvarint(lb[:], uint64(l))
		if ln > 1 {
			out = append(out, lb[1:ln]...) // grow by ln-1
			copy(out[start+ln:], out[start+1:start+1+l])
		}
		copy(out[start:], lb[:ln])
		return out, nil
	}
	b, err := P(&v).MarshalBinary()
	if err != nil {
		return dst, err
	}
	dst = binary.AppendUvarint(dst, uint64(len(b)))
	return append(dst, b...), nil
}

func (binaryCodec[V, P]) DecodeValue(src []byte) (V, int, error) {
	var v V
	b, n, err := lengthPrefixed(src)
	if err != nil {
		return v, 0, err
	}
	if err := P(&v).UnmarshalBinary(b); err != nil {
		return v, 0, fmt.Errorf("%w: UnmarshalBinary: %w", ErrCorrupt, err)
	}
	return v, n, nil
}

func (binaryCodec[V, P]) valueTag() byte { return tagBinary }
