package replica

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flatseg/flatseg"
	"github.com/flatseg/flatseg/fst"
)

// validEntry returns an entry of two transactions.
func validEntry(tb testing.TB) []byte {
	var w entryWriter
	var a, b fst.Batch[int64, int64]
	a.Insert(10, 20, 1)
	a.ShiftRight(0, 5, false)
	b.ShiftLeft(3, 7)
	b.Insert(100, 4000, -3)
	for _, batch := range []*fst.Batch[int64, int64]{&a, &b} {
		enc, err := fst.AppendBatch(nil, batch, fst.NumberCodec[int64]())
		require.NoError(tb, err)
		w.add(enc)
	}
	return w.bytes(0x0123456789abcdef)
}

// TestDecodeEntry_Rejects: every truncation and every single-bit flip of
// an entry is rejected (the batches carry CRCs; the header and lengths
// are checked), as are varints not in their shortest form.
func TestDecodeEntry_Rejects(t *testing.T) {
	entry := validEntry(t)
	batches, err := decodeEntry[int64, int64](entry, fst.NumberCodec[int64]())
	require.NoError(t, err)
	require.Len(t, batches, 2)
	for n := range len(entry) {
		_, err := decodeEntry[int64, int64](entry[:n], fst.NumberCodec[int64]())
		require.ErrorIs(t, err, ErrCorrupt, "truncated to %d bytes", n)
	}
	for i := range len(entry) {
		if i >= 2 && i < entryHeader {
			continue // the nonce is any 8 bytes
		}
		for bit := range 8 {
			flipped := bytes.Clone(entry)
			flipped[i] ^= 1 << bit
			_, err := decodeEntry[int64, int64](flipped, fst.NumberCodec[int64]())
			require.ErrorIs(t, err, ErrCorrupt, "byte %d bit %d", i, bit)
		}
	}
	long := append(bytes.Clone(entry[:entryHeader]), 0x82, 0x00) // count 2 in two bytes
	long = append(long, entry[entryHeader+1:]...)
	_, err = decodeEntry[int64, int64](long, fst.NumberCodec[int64]())
	require.ErrorIs(t, err, ErrCorrupt)
	_, err = decodeEntry[int64, int64](append(bytes.Clone(entry), 0), fst.NumberCodec[int64]())
	require.ErrorIs(t, err, ErrCorrupt, "a trailing byte")
}

// FuzzDecodeEntry: a log entry read from disk or the network is hostile.
// decodeEntry never panics; what it accepts applies to a store, all or
// nothing, without panicking, and encodes back to the same bytes.
func FuzzDecodeEntry(f *testing.F) {
	f.Add(validEntry(f))
	var empty entryWriter
	f.Add(empty.bytes(7))
	f.Add([]byte("F\x02"))
	f.Fuzz(func(t *testing.T, data []byte) {
		batches, err := decodeEntry[int64, int64](data, fst.NumberCodec[int64]())
		if err != nil {
			require.ErrorIs(t, err, ErrCorrupt)
			return
		}
		var w entryWriter
		for _, b := range batches {
			enc, err := fst.AppendBatch(nil, b, fst.NumberCodec[int64]())
			require.NoError(t, err)
			w.add(enc)
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
		}
		require.NoError(t, s.Snapshot().Tree().Verify())
	})
}
