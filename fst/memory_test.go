package fst_test

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flatseg/flatseg/fst"
)

// block is a large value: a decoder that sizes anything by a count the
// input claims, times the size of a value, allocates far more than it read.
type block [4096]byte

// blockCodec writes a block as its 4096 bytes (a custom codec, tag 0x00).
type blockCodec struct{}

func (blockCodec) AppendValue(dst []byte, v block) ([]byte, error) { return append(dst, v[:]...), nil }

func (blockCodec) DecodeValue(src []byte) (block, int, error) {
	var v block
	if len(src) < len(v) {
		return v, 0, fst.ErrCorrupt
	}
	copy(v[:], src)
	return v, len(v), nil
}

func blockOf(i int) block {
	var b block
	b[0], b[1], b[len(b)-1] = byte(i), byte(i>>8), 1
	return b
}

// decodeBound is what Decode and DecodeBatch may allocate for n bytes of
// input: 4 times the bytes plus 64 KiB (issue 14).
func decodeBound(n int) uint64 { return 4*uint64(n) + 64<<10 }

// TestDecodeBatch_MemoryLargeValue measures the bytes DecodeBatch allocates
// with V = [4096]byte, for a valid batch and for batches whose header claims
// more writes than they hold (the most the byte count allows, and far
// more). Sizing the writes by the claimed count allocated about a gigabyte
// for a batch of under a megabyte.
func TestDecodeBatch_MemoryLargeValue(t *testing.T) {
	const n = 200
	var b fst.Batch[int64, block]
	for i := range n {
		b.Insert(int64(i)*10, int64(i)*10+5, blockOf(i))
	}
	enc, err := fst.AppendBatch(nil, &b, blockCodec{})
	require.NoError(t, err)
	decode := func(src []byte) error {
		_, err := fst.DecodeBatch[int64](src, blockCodec{})
		return err
	}
	require.NoError(t, decode(enc))
	alloc := allocated(2, func() { _ = decode(enc) })
	t.Logf("valid batch of %d bytes: %d bytes allocated", len(enc), alloc)
	assert.LessOrEqual(t, alloc, decodeBound(len(enc)), "valid batch of %d bytes", len(enc))

	// The same writes under a header claiming more: header is magic,
	// version, two tags and the count, a uvarint of 2 bytes for 200.
	const head = 4 + 3
	require.Equal(t, uv(n), enc[head:head+2])
	body := enc[head+2 : len(enc)-4]
	for _, count := range []uint64{uint64(len(body)) / 3, 1 << 40} {
		hostile := sealed(enc[:head], uv(count), body)
		require.ErrorIs(t, decode(hostile), fst.ErrCorrupt, "count %d", count)
		alloc := allocated(2, func() { _ = decode(hostile) })
		t.Logf("batch of %d bytes claiming %d writes: %d bytes allocated", len(hostile), count, alloc)
		assert.LessOrEqual(t, alloc, decodeBound(len(hostile)), "count %d", count)
	}
}

// TestDecode_MemoryLargeValue measures the bytes Decode allocates with
// V = [4096]byte, for a valid stream and for streams whose header claims a
// huge segment count. A tree of such values cannot take less than one leaf,
// 47 slots of key and value (193 KiB), which is more than 64 KiB plus 4
// times a short stream: the bound for a short stream is that plus one leaf.
func TestDecode_MemoryLargeValue(t *testing.T) {
	const n = 300
	segs := make([]fst.Segment[int64, block], n)
	for i := range segs {
		segs[i] = fst.Segment[int64, block]{Start: int64(i) * 10, End: int64(i)*10 + 5, Value: blockOf(i + 1)}
	}
	tr, err := fst.Build(0, 1<<40, block{}, segs)
	require.NoError(t, err)
	var buf bytes.Buffer
	_, err = fst.Encode(&buf, tr, blockCodec{})
	require.NoError(t, err)
	enc := buf.Bytes()
	decode := func(src []byte) error {
		_, err := fst.Decode[int64](bytes.NewReader(src), blockCodec{})
		return err
	}
	require.NoError(t, decode(enc))
	alloc := allocated(2, func() { _ = decode(enc) })
	t.Logf("valid stream of %d bytes: %d bytes allocated", len(enc), alloc)
	assert.LessOrEqual(t, alloc, decodeBound(len(enc)), "valid stream of %d bytes", len(enc))

	const leaf = 16 + fst.MaxFanout*(8+4096)
	zero, first := block{}, blockOf(1)
	for _, segments := range []int{0, 1, 12} {
		for _, count := range []uint64{1 << 20, 1 << 62} {
			s := newStream().frame(1, cat([]byte{0x13, 0x00}, uv(count), zz(0), zz(1<<40), zero[:], first[:]))
			if segments > 0 { // 12 segments of 4 KiB fill most of a frame
				var p []byte
				for i := range segments {
					v := blockOf(i + 2)
					p = append(p, uv(10)...)
					p = append(p, v[:]...)
				}
				s = s.frame(2, p)
			}
			hostile := s.b
			require.ErrorIs(t, decode(hostile), fst.ErrCorrupt, "%d segments, count %d", segments, count)
			alloc := allocated(2, func() { _ = decode(hostile) })
			t.Logf("stream of %d bytes, %d segments, claiming %d: %d bytes allocated", len(hostile), segments, count, alloc)
			assert.LessOrEqual(t, alloc, decodeBound(len(hostile))+leaf, "%d segments, count %d", segments, count)
		}
	}
}
