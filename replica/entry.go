package replica

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"

	"github.com/flatseg/flatseg/fst"
	"github.com/flatseg/flatseg/internal/wire"
)

// The log entry format. An entry is one group of transactions, as the
// leader committed them:
//
//	magic    1 byte, 'F'
//	version  1 byte: 2, or 3 when a transaction carries an id
//	nonce    8 bytes, little-endian: the proposal's identity, which the
//	         leader that proposed it waits for (0 for an entry no one waits
//	         for)
//	count    uvarint, shortest form: the number of transactions
//	count times:
//	  idLen  uvarint, shortest form, at most maxIDLen (version 3 only):
//	         0 for a transaction without id
//	  id     idLen bytes (version 3 only): the id UpdateOnce was given
//	  length uvarint, shortest form
//	  batch  length bytes, as fst.AppendBatch writes it (with its own
//	         CRC-32C)
//	crc      4 bytes, little-endian (version 3 only): the CRC-32C
//	         (Castagnoli) of every byte before it, so that a damaged id
//	         is caught as a damaged batch is
//
// Nothing may follow the last batch (or, in version 3, the crc). A
// writer writes version 2 for an
// entry none of whose transactions carries an id (every entry of a node
// that never calls UpdateOnce, so that nodes of the previous release can
// still follow it) and version 3 otherwise; a version 3 entry must carry
// at least one id, so that every entry has exactly one encoding. Version
// 2 entries written by the previous release read as entries without ids.
// Version 1 (no nonce) was written by earlier releases and is not read.
const (
	entryMagic   = 'F'
	entryPlain   = 2     // no transaction carries an id
	entryWithIDs = 3     // transactions carry ids
	entryHeader  = 2 + 8 // magic, version, nonce

	// maxIDLen is the longest id UpdateOnce takes, in bytes: it bounds
	// what the id window holds (idWindow ids) and what a decoder reads.
	maxIDLen = 256
)

// entryWriter builds one entry: the header first, batches as the
// transactions of a group commit.
type entryWriter struct {
	txns []encodedTxn
	size int  // bytes of the txns' ids and batches, with their lengths
	ids  bool // some transaction carries an id: version 3
}

// encodedTxn is one transaction of an entry: its id ("" for none) and
// its batch as fst.AppendBatch wrote it.
type encodedTxn struct {
	id    string
	batch []byte
}

// add appends a transaction: its id, "" for none, and its encoded batch.
func (w *entryWriter) add(id string, enc []byte) {
	w.txns = append(w.txns, encodedTxn{id: id, batch: enc})
	w.size += 2*binary.MaxVarintLen64 + len(id) + len(enc) + 4
	if id != "" {
		w.ids = true
	}
}

// count is the number of transactions added.
func (w *entryWriter) count() int { return len(w.txns) }

// bytes returns the entry with the given nonce.
func (w *entryWriter) bytes(nonce uint64) []byte {
	out := make([]byte, 0, entryHeader+binary.MaxVarintLen64+w.size)
	version := byte(entryPlain)
	if w.ids {
		version = entryWithIDs
	}
	out = append(out, entryMagic, version)
	out = binary.LittleEndian.AppendUint64(out, nonce)
	out = binary.AppendUvarint(out, uint64(len(w.txns)))
	for _, t := range w.txns {
		if w.ids {
			out = binary.AppendUvarint(out, uint64(len(t.id)))
			out = append(out, t.id...)
		}
		out = binary.AppendUvarint(out, uint64(len(t.batch)))
		out = append(out, t.batch...)
	}
	if w.ids {
		out = binary.LittleEndian.AppendUint32(out, crc32.Checksum(out, castagnoli))
	}
	return out
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// entryNonce returns the nonce of an entry, or false when its header is
// not one.
func entryNonce(data []byte) (uint64, bool) {
	if len(data) < entryHeader || data[0] != entryMagic || (data[1] != entryPlain && data[1] != entryWithIDs) {
		return 0, false
	}
	return binary.LittleEndian.Uint64(data[2:]), true
}

// txn is one decoded transaction of an entry.
type txn[K fst.Key, V any] struct {
	id    string // "" for none
	batch *fst.Batch[K, V]
}

// decodeEntry returns the transactions of an entry. It trusts nothing:
// every length is checked against what is left (so it allocates no more
// than a constant times len(data)), every varint must be in its shortest
// form, ids are at most maxIDLen bytes, and the batches themselves are
// checked by fst.DecodeBatch.
func decodeEntry[K fst.Key, V any](data []byte, c fst.Codec[V]) ([]txn[K, V], error) {
	if _, ok := entryNonce(data); !ok {
		if len(data) >= 2 && data[0] == entryMagic {
			return nil, fmt.Errorf("%w: entry format version %d (this release reads %d and %d)", ErrCorrupt, data[1], entryPlain, entryWithIDs)
		}
		return nil, fmt.Errorf("%w: bad entry header", ErrCorrupt)
	}
	withIDs := data[1] == entryWithIDs
	if withIDs {
		if len(data) < entryHeader+4 {
			return nil, fmt.Errorf("%w: entry too short", ErrCorrupt)
		}
		body := data[:len(data)-4]
		if crc32.Checksum(body, castagnoli) != binary.LittleEndian.Uint32(data[len(body):]) {
			return nil, fmt.Errorf("%w: entry checksum mismatch", ErrCorrupt)
		}
		data = body
	}
	data = data[entryHeader:]
	count, k, err := uvarint(data)
	if err != nil || count > uint64(len(data)) {
		return nil, fmt.Errorf("%w: bad transaction count", ErrCorrupt)
	}
	data = data[k:]
	txns := make([]txn[K, V], 0, min(count, uint64(len(data))/2)) // a transaction takes two bytes at least
	anyID := false
	for i := range count {
		var t txn[K, V]
		if withIDs {
			n, k, err := uvarint(data)
			if err != nil || n > maxIDLen || n > uint64(len(data)-k) {
				return nil, fmt.Errorf("%w: transaction %d: bad id length", ErrCorrupt, i)
			}
			t.id = string(data[k : k+int(n)])
			data = data[k+int(n):]
			anyID = anyID || n > 0
		}
		size, k, err := uvarint(data)
		if err != nil || size > uint64(len(data)-k) {
			return nil, fmt.Errorf("%w: transaction %d: bad batch length", ErrCorrupt, i)
		}
		t.batch, err = fst.DecodeBatch[K, V](data[k:k+int(size)], c)
		if err != nil {
			return nil, fmt.Errorf("%w: transaction %d: %w", ErrCorrupt, i, err)
		}
		txns = append(txns, t)
		data = data[k+int(size):]
	}
	if len(data) != 0 {
		return nil, fmt.Errorf("%w: %d bytes after the last batch", ErrCorrupt, len(data))
	}
	if withIDs && !anyID {
		return nil, fmt.Errorf("%w: a version %d entry without ids (written as version %d)", ErrCorrupt, entryWithIDs, entryPlain)
	}
	return txns, nil
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
