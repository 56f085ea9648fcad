package replica

import (
	"encoding/binary"
	"fmt"

	"github.com/flatseg/flatseg/fst"
	"github.com/flatseg/flatseg/internal/wire"
)

// The log entry format. An entry is one group of transactions, as the
// leader committed them:
//
//	magic    1 byte, 'F'
//	version  1 byte, 2
//	nonce    8 bytes, little-endian: the proposal's identity, which the
//	         leader that proposed it waits for (0 for an entry no one waits
//	         for)
//	count    uvarint, shortest form: the number of transactions
//	count times:
//	  length uvarint, shortest form
//	  batch  length bytes, as fst.AppendBatch writes it (with its own
//	         CRC-32C)
//
// Nothing may follow the last batch. Version 1 (no nonce) was written by
// earlier releases and is not read.
const (
	entryMagic   = 'F'
	entryVersion = 2
	entryHeader  = 2 + 8 // magic, version, nonce
)

// entryWriter builds one entry: the header first, batches as the
// transactions of a group commit.
type entryWriter struct {
	body  []byte
	count int
}

// add appends the encoding of b.
func (w *entryWriter) add(enc []byte) {
	w.body = binary.AppendUvarint(w.body, uint64(len(enc)))
	w.body = append(w.body, enc...)
	w.count++
}

// bytes returns the entry with the given nonce.
func (w *entryWriter) bytes(nonce uint64) []byte {
	out := make([]byte, 0, entryHeader+binary.MaxVarintLen64+len(w.body))
	out = append(out, entryMagic, entryVersion)
	out = binary.LittleEndian.AppendUint64(out, nonce)
	out = binary.AppendUvarint(out, uint64(w.count))
	return append(out, w.body...)
}

// entryNonce returns the nonce of an entry, or false when its header is
// not one.
func entryNonce(data []byte) (uint64, bool) {
	if len(data) < entryHeader || data[0] != entryMagic || data[1] != entryVersion {
		return 0, false
	}
	return binary.LittleEndian.Uint64(data[2:]), true
}

// decodeEntry returns the batches of an entry. It trusts nothing: every
// length is checked against what is left, every varint must be in its
// shortest form, and the batches themselves are checked by
// fst.DecodeBatch.
func decodeEntry[K fst.Key, V any](data []byte, c fst.Codec[V]) ([]*fst.Batch[K, V], error) {
	if _, ok := entryNonce(data); !ok {
		if len(data) >= 2 && data[0] == entryMagic {
			return nil, fmt.Errorf("%w: entry format version %d (this release reads %d)", ErrCorrupt, data[1], entryVersion)
		}
		return nil, fmt.Errorf("%w: bad entry header", ErrCorrupt)
	}
	data = data[entryHeader:]
	count, k, err := uvarint(data)
	if err != nil || count > uint64(len(data)) {
		return nil, fmt.Errorf("%w: bad transaction count", ErrCorrupt)
	}
	data = data[k:]
	batches := make([]*fst.Batch[K, V], 0, count)
	for i := range count {
		size, k, err := uvarint(data)
		if err != nil || size > uint64(len(data)-k) {
			return nil, fmt.Errorf("%w: transaction %d: bad batch length", ErrCorrupt, i)
		}
		b, err := fst.DecodeBatch[K, V](data[k:k+int(size)], c)
		if err != nil {
			return nil, fmt.Errorf("%w: transaction %d: %w", ErrCorrupt, i, err)
		}
		batches = append(batches, b)
		data = data[k+int(size):]
	}
	if len(data) != 0 {
		return nil, fmt.Errorf("%w: %d bytes after the last batch", ErrCorrupt, len(data))
	}
	return batches, nil
}

// uvarint is wire.Uvarint, the reader of fst's formats, its errors wrapping
// ErrCorrupt: a value has exactly one encoding, so equal entries are equal
// bytes.
func uvarint(src []byte) (uint64, int, error) {
	v, k, err := wire.Uvarint(src)
	if err != nil {
		return 0, 0, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	return v, k, nil
}
