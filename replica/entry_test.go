package replica

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flatseg/flatseg"
	"github.com/flatseg/flatseg/fst"
)

// validEntry returns an entry of two transactions with the given ids
// ("" for none).
func validEntry(tb testing.TB, ids ...string) []byte {
	var w entryWriter
	var a, b fst.Batch[int64, int64]
	a.Insert(10, 20, 1)
	a.ShiftRight(0, 5, false)
	b.ShiftLeft(3, 7)
	b.Insert(100, 4000, -3)
	for i, batch := range []*fst.Batch[int64, int64]{&a, &b} {
		enc, err := fst.AppendBatch(nil, batch, fst.NumberCodec[int64]())
		require.NoError(tb, err)
		id := ""
		if i < len(ids) {
			id = ids[i]
		}
		w.add(id, enc)
	}
	return w.bytes(0x0123456789abcdef)
}

// TestDecodeEntry_Rejects: every truncation and every single-bit flip of
// an entry is rejected (the batches carry CRCs, a version 3 entry a CRC
// of the whole; the header and lengths are checked), as are varints not
// in their shortest form, in both versions.
func TestDecodeEntry_Rejects(t *testing.T) {
	for _, tc := range []struct {
		name    string
		entry   []byte
		version byte
		ids     []string
	}{
		{"version 2", validEntry(t), entryPlain, []string{"", ""}},
		{"version 3", validEntry(t, "", "an id"), entryWithIDs, []string{"", "an id"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			entry := tc.entry
			require.Equal(t, tc.version, entry[1])
			txns, err := decodeEntry[int64, int64](entry, fst.NumberCodec[int64]())
			require.NoError(t, err)
			require.Len(t, txns, 2)
			for i, id := range tc.ids {
				assert.Equal(t, id, txns[i].id)
			}
			for n := range len(entry) {
				_, err := decodeEntry[int64, int64](entry[:n], fst.NumberCodec[int64]())
				require.ErrorIs(t, err, ErrCorrupt, "truncated to %d bytes", n)
			}
			for i := range len(entry) {
				if tc.version == entryPlain && i >= 2 && i < entryHeader {
					continue // the nonce is any 8 bytes
				}
				for bit := range 8 {
					flipped := bytes.Clone(entry)
					flipped[i] ^= 1 << bit
					_, err := decodeEntry[int64, int64](flipped, fst.NumberCodec[int64]())
					require.ErrorIs(t, err, ErrCorrupt, "byte %d bit %d", i, bit)
				}
			}
			if tc.version == entryPlain {
				long := append(bytes.Clone(entry[:entryHeader]), 0x82, 0x00) // count 2 in two bytes
				long = append(long, entry[entryHeader+1:]...)
				_, err = decodeEntry[int64, int64](long, fst.NumberCodec[int64]())
				require.ErrorIs(t, err, ErrCorrupt)
			}
			_, err = decodeEntry[int64, int64](append(bytes.Clone(entry), 0), fst.NumberCodec[int64]())
			require.ErrorIs(t, err, ErrCorrupt, "a trailing byte")
		})
	}
	// Checksummed but malformed: the checks behind the CRC.
	for _, tc := range []struct {
		name string
		body func() []byte // a version 3 entry without its crc
	}{
		{"no id at all", func() []byte {
			b := []byte{entryMagic, entryWithIDs, 0, 0, 0, 0, 0, 0, 0, 0, 0} // no transaction
			return b
		}},
		{"an id too long", func() []byte {
			b := []byte{entryMagic, entryWithIDs, 0, 0, 0, 0, 0, 0, 0, 0, 1}
			b = binary.AppendUvarint(b, maxIDLen+1)
			return append(b, make([]byte, maxIDLen+1)...)
		}},
		{"an id length not in its shortest form", func() []byte {
			return []byte{entryMagic, entryWithIDs, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x81, 0x00, 'x'}
		}},
		{"an id longer than the entry", func() []byte {
			return []byte{entryMagic, entryWithIDs, 0, 0, 0, 0, 0, 0, 0, 0, 1, 9, 'x'}
		}},
	} {
		body := tc.body()
		entry := binary.LittleEndian.AppendUint32(body, crc32.Checksum(body, castagnoli))
		_, err := decodeEntry[int64, int64](entry, fst.NumberCodec[int64]())
		assert.ErrorIs(t, err, ErrCorrupt, tc.name)
	}
	_, err := decodeEntry[int64, int64]([]byte{entryMagic, 1, 0}, fst.NumberCodec[int64]())
	assert.ErrorContains(t, err, "version 1 (this release reads 2 and 3)")
}

// FuzzDecodeEntry: a log entry read from disk or the network is hostile.
// decodeEntry never panics; what it accepts applies to a store, all or
// nothing, without panicking, and encodes back to the same bytes.
func FuzzDecodeEntry(f *testing.F) {
	f.Add(validEntry(f))
	f.Add(validEntry(f, "id-1", ""))
	f.Add(validEntry(f, "same", "same"))
	var empty entryWriter
	f.Add(empty.bytes(7))
	f.Add([]byte("F\x02"))
	f.Add([]byte("F\x03"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > entryHeader+4 && data[0] == entryMagic && data[1] == entryWithIDs {
			// Repair the checksum, so that mutations reach the checks
			// behind it.
			body := data[:len(data)-4]
			data = binary.LittleEndian.AppendUint32(bytes.Clone(body), crc32.Checksum(body, castagnoli))
		}
		txns, err := decodeEntry[int64, int64](data, fst.NumberCodec[int64]())
		if err != nil {
			require.ErrorIs(t, err, ErrCorrupt)
			return
		}
		var w entryWriter
		for _, tx := range txns {
			require.LessOrEqual(t, len(tx.id), maxIDLen)
			enc, err := fst.AppendBatch(nil, tx.batch, fst.NumberCodec[int64]())
			require.NoError(t, err)
			w.add(tx.id, enc)
		}
		nonce, ok := entryNonce(data)
		require.True(t, ok)
		require.Equal(t, data, w.bytes(nonce), "one encoding per entry")
		s, err := flatseg.New[int64, int64](0, span, 0)
		require.NoError(t, err)
		eq := func(a, b int64) bool { return a == b }
		f := newFSM(shape[int64, int64, fst.None]{equal: eq}, s, fst.NumberCodec[int64]())
		before := s.Snapshot()
		if _, err := f.apply(5, data); err != nil {
			require.ErrorIs(t, err, ErrCorrupt)
			require.Same(t, before, s.Snapshot(), "an entry that does not apply changes nothing")
			require.Empty(t, f.ids.list(), "nor records its ids")
			return
		}
		require.NoError(t, s.Snapshot().Tree().Verify())
		var ids []string
		all := len(txns) > 0
		for _, tx := range txns {
			all = all && tx.id != ""
			if tx.id != "" && !slices.Contains(ids, tx.id) {
				ids = append(ids, tx.id)
			}
		}
		require.Equal(t, len(ids), len(f.ids.list()))
		for i, id := range f.ids.list() {
			require.Equal(t, ids[i], id, "the window holds the entry's ids, in order")
		}
		if all {
			first := s.Snapshot()
			again, err := f.apply(6, data)
			require.NoError(t, err)
			require.Empty(t, slices.Collect(flatseg.Diff(first, again)), "every transaction carries an applied id: none applies again")
		}
	})
}
