package fst

import (
	"encoding"
	"encoding/binary"
	"fmt"
)

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
