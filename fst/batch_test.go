package fst_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flatseg/flatseg/fst"
)

// opsOf lists the writes of b bit for bit.
func opsOf[K fst.Key, V comparable](b *fst.Batch[K, V]) []string {
	var out []string
	for i, op := range b.All() {
		out = append(out, fmt.Sprintf("%d %v %s %s %s %s %v", i, op.Kind,
			bitsOf(op.Start), bitsOf(op.End), bitsOf(op.Size), bitsOf(op.Value), op.SkipStartNode))
	}
	return out
}

func TestBatch_Record(t *testing.T) {
	var b fst.Batch[int, string] // the zero Batch is ready to use
	assert.Zero(t, b.Len())
	b.Insert(1, 5, "x")
	b.ShiftLeft(2, 3)
	b.ShiftRight(4, 6, true)
	require.Equal(t, 3, b.Len())
	var got []fst.Op[int, string]
	for i, op := range b.All() {
		assert.Equal(t, len(got), i)
		got = append(got, op)
	}
	assert.Equal(t, []fst.Op[int, string]{
		{Kind: fst.OpInsert, Start: 1, End: 5, Value: "x"},
		{Kind: fst.OpShiftLeft, Start: 2, End: 3},
		{Kind: fst.OpShiftRight, Start: 4, Size: 6, SkipStartNode: true},
	}, got)
	assert.Equal(t, "Insert(1, 5, x)", got[0].String())
	assert.Equal(t, "ShiftLeft(2, 3)", got[1].String())
	assert.Equal(t, "ShiftRight(4, 6, true)", got[2].String())
	assert.Equal(t, "OpKind(9)", fst.OpKind(9).String())
	for range b.All() {
		break // stopping early is allowed
	}
	b.Reset()
	assert.Zero(t, b.Len())
	for range b.All() {
		t.Fatal("a reset batch has no writes")
	}
}

// randomBatch applies random writes to tr and records in b those that
// succeed, so that b replays exactly what was done to tr.
func randomBatch[K fst.Key, V comparable](t *testing.T, r *rand.Rand, tr *fst.Tree[K, V], b *fst.Batch[K, V], n int, val func() V) {
	t.Helper()
	lo, hi := tr.MinKey(), tr.MaxKey()
	for range n {
		x, y := randKey(r, lo, hi), randKey(r, lo, hi)
		if y < x {
			x, y = y, x
		}
		switch r.IntN(6) {
		case 0:
			if tr.ShiftLeft(x, x+(y-x)/8+1) == nil {
				b.ShiftLeft(x, x+(y-x)/8+1)
			}
		case 1:
			skip := r.IntN(2) == 0
			if tr.ShiftRight(x, (y-x)/8+1, skip) == nil {
				b.ShiftRight(x, (y-x)/8+1, skip)
			}
		default:
			v := val()
			if _, err := tr.Insert(x, y, v); err == nil {
				b.Insert(x, y, v)
			}
		}
	}
}

// replay checks that b, applied directly and after an encode/decode round
// trip, turns a copy of base into want, bit for bit.
func replay[K fst.Key, V comparable](t *testing.T, base, want *fst.Tree[K, V], b *fst.Batch[K, V], c fst.Codec[V]) {
	t.Helper()
	direct := base.Clone()
	require.NoError(t, b.Apply(direct))
	require.NoError(t, direct.Verify())
	require.Equal(t, dump(want), dump(direct))

	enc, err := fst.AppendBatch([]byte("prefix"), b, c)
	require.NoError(t, err)
	require.Equal(t, "prefix", string(enc[:6]), "AppendBatch appends")
	dec, err := fst.DecodeBatch[K](enc[6:], c)
	require.NoError(t, err)
	require.Equal(t, opsOf(b), opsOf(dec))
	again, err := fst.AppendBatch(nil, dec, c)
	require.NoError(t, err)
	require.Equal(t, enc[6:], again, "the batch encoding is deterministic")
	replica := base.Clone()
	require.NoError(t, dec.Apply(replica))
	require.Equal(t, dump(want), dump(replica))
}

// TestBatch_Replay: a batch replays the writes it recorded, bit for bit,
// directly and after encoding, with integer and float keys (float shifts
// round).
func TestBatch_Replay(t *testing.T) {
	for seed := range uint64(20) {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, 7))
			bi := mustTree(t, int64(-500), 5000, int64(0))
			randomBatch(t, r, bi, &fst.Batch[int64, int64]{}, 30, func() int64 { return r.Int64N(5) }) // a random start
			ti := bi.Clone()
			var b fst.Batch[int64, int64]
			randomBatch(t, r, ti, &b, 50, func() int64 { return r.Int64N(5) })
			replay(t, bi, ti, &b, fst.NumberCodec[int64]())

			bf := mustTree(t, -1.0, 3.0, 0.0)
			randomBatch(t, r, bf, &fst.Batch[float64, float64]{}, 30, func() float64 { return float64(r.IntN(4)) })
			tf := bf.Clone()
			var bb fst.Batch[float64, float64]
			randomBatch(t, r, tf, &bb, 50, func() float64 {
				return []float64{math.NaN(), math.Copysign(0, -1), 0, 1.5, math.Inf(-1)}[r.IntN(5)]
			})
			replay(t, bf, tf, &bb, fst.NumberCodec[float64]())

			bu := mustTree(t, uint8(0), 255, "")
			tu := bu.Clone()
			var bs fst.Batch[uint8, string]
			randomBatch(t, r, tu, &bs, 50, func() string { return string(rune('a' + r.IntN(3))) })
			replay(t, bu, tu, &bs, fst.StringCodec[string]())
		})
	}
}

// TestBatch_ApplyAllOrNothing: a failing write leaves the tree as it was and
// says which write failed and why.
func TestBatch_ApplyAllOrNothing(t *testing.T) {
	cases := []struct {
		name string
		bad  func(b *fst.Batch[float64, int])
		want error
	}{
		{"empty insert", func(b *fst.Batch[float64, int]) { b.Insert(5, 5, 1) }, fst.ErrInvalidRange},
		{"insert outside", func(b *fst.Batch[float64, int]) { b.Insert(200, 300, 1) }, fst.ErrOutOfSpan},
		{"NaN", func(b *fst.Batch[float64, int]) { b.ShiftLeft(math.NaN(), 3) }, fst.ErrNaN},
		{"shift left outside", func(b *fst.Batch[float64, int]) { b.ShiftLeft(50, 150) }, fst.ErrOutOfSpan},
		{"shift right by 0", func(b *fst.Batch[float64, int]) { b.ShiftRight(5, 0, false) }, fst.ErrInvalidShift},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tr := mustTree(t, 0.0, 100.0, 0, seg[float64, int]{10, 20, 1})
			before := dump(tr)
			var b fst.Batch[float64, int]
			b.Insert(30, 40, 2)
			b.ShiftRight(0, 5, false)
			tc.bad(&b)
			b.Insert(50, 60, 3)
			err := b.Apply(tr)
			require.ErrorIs(t, err, tc.want)
			assert.Contains(t, err.Error(), "batch write 2")
			assert.Equal(t, before, dump(tr), "nothing of the batch is applied")
			require.NoError(t, tr.Verify())
			_, err = tr.Insert(1, 2, 9) // and the tree stays usable
			require.NoError(t, err)
			require.NoError(t, tr.Verify())
		})
	}
	tr := mustTree(t, 0, 10, 0)
	require.NoError(t, new(fst.Batch[int, int]).Apply(tr), "an empty batch")
	assert.Equal(t, 1, tr.Len())
}

// TestBatch_ApplyDoesNotTouchClones: Apply replaces the tree's contents; a
// clone taken before keeps the old ones.
func TestBatch_ApplyDoesNotTouchClones(t *testing.T) {
	tr := mustTree(t, 0, 100, 0, seg[int, int]{10, 20, 1})
	old := tr.Clone()
	var b fst.Batch[int, int]
	b.Insert(15, 30, 2)
	require.NoError(t, b.Apply(tr))
	assert.Equal(t, []fst.Segment[int, int]{{0, 10, 0}, {10, 15, 1}, {15, 30, 2}, {30, 100, 0}}, segmentsOf(tr))
	assert.Equal(t, []fst.Segment[int, int]{{0, 10, 0}, {10, 20, 1}, {20, 100, 0}}, segmentsOf(old))
}

func segmentsOf[K fst.Key, V comparable](tr *fst.Tree[K, V]) []fst.Segment[K, V] {
	var out []fst.Segment[K, V]
	for s := range tr.Segments() {
		out = append(out, s)
	}
	return out
}

// smallBatch is a batch of every kind of write, encoded.
func smallBatch(t testing.TB) []byte {
	t.Helper()
	var b fst.Batch[int64, int64]
	b.Insert(-5, 300, -2)
	b.ShiftLeft(10, 20)
	b.ShiftRight(7, 1000, true)
	b.ShiftRight(8, 1, false)
	enc, err := fst.AppendBatch(nil, &b, fst.NumberCodec[int64]())
	require.NoError(t, err)
	return enc
}

func decodeBatch(enc []byte) error {
	_, err := fst.DecodeBatch[int64](enc, fst.NumberCodec[int64]())
	return err
}

func TestDecodeBatch_EveryTruncationAndBitFlip(t *testing.T) {
	enc := smallBatch(t)
	require.NoError(t, decodeBatch(enc))
	for i := range len(enc) {
		require.ErrorIs(t, decodeBatch(enc[:i]), fst.ErrCorrupt, "prefix of %d of %d bytes", i, len(enc))
	}
	for i := range len(enc) * 8 {
		bad := bytes.Clone(enc)
		bad[i/8] ^= 1 << (i % 8)
		require.ErrorIs(t, decodeBatch(bad), fst.ErrCorrupt, "bit %d of byte %d", i%8, i/8)
	}
	require.ErrorIs(t, decodeBatch(append(bytes.Clone(enc), 0)), fst.ErrCorrupt, "a trailing byte")
	require.ErrorIs(t, decodeBatch(append(bytes.Clone(enc), enc...)), fst.ErrCorrupt, "two batches")
}

// sealed appends the CRC-32C of body, making a batch with a valid checksum.
func sealed(body ...[]byte) []byte {
	b := cat(body...)
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

func TestDecodeBatch_HandWritten(t *testing.T) {
	head := []byte("FSTB\x01\x13\x13")
	insert := cat([]byte{1}, zz(-5), zz(300), zz(-2))
	valid := sealed(head, uv(2), insert, []byte{4}, zz(7), zz(1000))
	b, err := fst.DecodeBatch[int64](valid, fst.NumberCodec[int64]())
	require.NoError(t, err)
	assert.Equal(t, []string{
		`0 Insert int64:"-5" int64:"300" int64:"0" int64:"-2" false`,
		`1 ShiftRight int64:"7" int64:"0" int64:"1000" int64:"0" true`,
	}, opsOf(b))
	empty, err := fst.DecodeBatch[int64](sealed(head, uv(0)), fst.NumberCodec[int64]())
	require.NoError(t, err)
	assert.Zero(t, empty.Len())

	cases := []struct {
		name, want string
		enc        []byte
	}{
		{"bad checksum", "checksum", append(cat(head, uv(0)), 0, 0, 0, 0)},
		{"too short", "shorter", []byte("FSTB")},
		{"bad magic", "magic", sealed([]byte("FSTS\x01\x13\x13"), uv(0))},
		{"version 2", "version 2", sealed([]byte("FSTB\x02\x13\x13"), uv(0))},
		{"keys int32", "keys are int32, not int64", sealed([]byte("FSTB\x01\x12\x13"), uv(0))},
		{"values strings", "values were written by StringCodec", sealed([]byte("FSTB\x01\x13\x40"), uv(0))},
		{"count past the bytes", "claims 1000 writes", sealed(head, uv(1000), insert)},
		{"count 2^60", "claims", sealed(head, uv(1<<60), insert)},
		{"count overflows", "overflows", sealed(head, bytes.Repeat([]byte{0xff}, 10), []byte{1})},
		{"fewer writes than counted", "ends before write 1", sealed(head, uv(2), []byte{1}, zz(-5), zz(300), zz(1<<20))},
		{"more writes than counted", "after the batch's 1 writes", sealed(head, uv(1), insert, insert)},
		{"unknown kind 0", "unknown kind 0", sealed(head, uv(1), []byte{0}, zz(1), zz(2))},
		{"unknown kind 5", "unknown kind 5", sealed(head, uv(1), []byte{5}, zz(1), zz(2))},
		{"insert without value", "value", sealed(head, uv(1), []byte{1}, zz(1), zz(2))},
		{"overlong key", "shortest form", sealed(head, uv(1), []byte{2, 0x80, 0x00}, zz(2))},
		{"truncated key", "end of data", sealed(head, uv(1), []byte{2}, zz(1), []byte{0x80})},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := fst.DecodeBatch[int64](tc.enc, fst.NumberCodec[int64]())
			require.ErrorIs(t, err, fst.ErrCorrupt)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	// A key out of range of a narrower type.
	_, err = fst.DecodeBatch[int8](sealed([]byte("FSTB\x01\x10\x13"), uv(1), []byte{2}, zz(1), zz(200)), fst.NumberCodec[int64]())
	require.ErrorIs(t, err, fst.ErrCorrupt)
	assert.Contains(t, err.Error(), "out of range")
}

func TestDecodeBatch_HostileAllocation(t *testing.T) {
	enc := sealed([]byte("FSTB\x01\x13\x40"), uv(1<<60), []byte{1}, zz(1), zz(2), uv(1<<40), []byte("abc"))
	a := allocated(100, func() { _, _ = fst.DecodeBatch[int64](enc, fst.StringCodec[string]()) })
	assert.Less(t, a, uint64(1<<10), "claims of 2^60 writes and a 2^40-byte string")
	// The most writes a slice can claim is bounded by its length.
	full := sealed([]byte("FSTB\x01\x13\x40"), uv(3), bytes.Repeat([]byte{2, 0, 2}, 3))
	_, err := fst.DecodeBatch[int64](full, fst.StringCodec[string]())
	require.NoError(t, err)
}

func TestAppendBatch_CodecError(t *testing.T) {
	var b fst.Batch[int64, int64]
	b.Insert(1, 2, 3)
	b.Insert(1, 2, 5)
	dst := []byte("keep")
	out, err := fst.AppendBatch(dst, &b, failCodec{bad: 5})
	require.ErrorContains(t, err, "value of write 1: unencodable")
	assert.Equal(t, "keep", string(out))
}

// mustTree builds a tree over [lo, hi) with default init and the given
// inserts, failing the test on any error.
func mustTree[K fst.Key, V comparable](t testing.TB, lo, hi K, init V, segs ...fst.Segment[K, V]) *fst.Tree[K, V] {
	t.Helper()
	tr, err := fst.New(lo, hi, init)
	require.NoError(t, err)
	for _, s := range segs {
		_, err := tr.Insert(s.Start, s.End, s.Value)
		require.NoError(t, err)
	}
	require.NoError(t, tr.Verify())
	return tr
}

type seg[K fst.Key, V any] = fst.Segment[K, V]
