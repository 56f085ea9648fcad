// Package wire holds the primitive readers that the module's binary
// formats share: package fst's tree and batch streams and package
// replica's log entries and snapshots read their varints here, so that
// every format accepts exactly one encoding of a number.
package wire

import (
	"encoding/binary"
	"errors"
)

// The errors of Uvarint; each caller wraps them in its own corrupt-data
// error.
var (
	ErrShort    = errors.New("unexpected end of data")
	ErrOverlong = errors.New("varint longer than its shortest form")
	ErrOverflow = errors.New("varint overflows 64 bits")
)

// Uvarint reads an unsigned LEB128 varint (encoding/binary's format) from
// the start of src and returns it with the number of bytes read. It
// rejects what binary.Uvarint accepts but an encoder never writes, a varint
// longer than its shortest form, so that every number has exactly one
// encoding and equal values are equal bytes. O(1), no allocation.
func Uvarint(src []byte) (uint64, int, error) {
	if len(src) > 0 && src[0] < 0x80 {
		return uint64(src[0]), 1, nil
	}
	var x uint64
	var s uint
	for i, b := range src {
		if i == binary.MaxVarintLen64 {
			return 0, 0, ErrOverflow
		}
		if b < 0x80 {
			switch {
			case i == binary.MaxVarintLen64-1 && b > 1:
				return 0, 0, ErrOverflow
			case b == 0:
				return 0, 0, ErrOverlong
			}
			return x | uint64(b)<<s, i + 1, nil
		}
		x |= uint64(b&0x7f) << s
		s += 7
	}
	return 0, 0, ErrShort
}
