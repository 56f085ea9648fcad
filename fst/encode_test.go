package fst_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"math/rand/v2"
	"net/netip"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flatseg/flatseg/fst"
	"github.com/flatseg/flatseg/internal/testenv"
)

// bitsOf formats a key or value so that two floats format alike only when
// their bits are equal (-0 and 0, NaN payloads), and other values with %q.
func bitsOf(x any) string {
	switch x := x.(type) {
	case float64:
		return fmt.Sprintf("f64:%016x", math.Float64bits(x))
	case float32:
		return fmt.Sprintf("f32:%08x", math.Float32bits(x))
	}
	return fmt.Sprintf("%T:%q", x, fmt.Sprint(x))
}

// dump lists everything a tree holds, bit for bit: span, default value and
// the leaf nodes.
func dump[K fst.Key, V comparable](t *fst.Tree[K, V]) []string {
	out := []string{"span " + bitsOf(t.MinKey()) + " " + bitsOf(t.MaxKey()), "default " + bitsOf(t.DefaultValue())}
	for s := range t.Segments() {
		out = append(out, bitsOf(s.Start)+" -> "+bitsOf(s.Value))
	}
	return out
}

// roundTrip encodes t, decodes it and checks that the result verifies and
// holds what t holds, bit for bit, and that encoding it again gives the same
// bytes. It returns the encoding.
func roundTrip[K fst.Key, V comparable](t *testing.T, tr *fst.Tree[K, V], c fst.Codec[V]) []byte {
	t.Helper()
	var buf bytes.Buffer
	n, err := fst.Encode(&buf, tr, c)
	require.NoError(t, err)
	require.Equal(t, int64(buf.Len()), n, "Encode returns the bytes it wrote")
	got, err := fst.Decode[K, V](bytes.NewReader(buf.Bytes()), c)
	require.NoError(t, err)
	require.NoError(t, got.Verify())
	require.Equal(t, dump(tr), dump(got))
	require.Equal(t, tr.Len(), got.Len())
	var again bytes.Buffer
	_, err = fst.Encode(&again, got, c)
	require.NoError(t, err)
	require.Equal(t, buf.Bytes(), again.Bytes(), "the encoding is deterministic")
	return buf.Bytes()
}

// randKey returns a key in [lo, hi), or close to it for floats, spread over
// the whole span even when hi-lo overflows K.
func randKey[K fst.Key](r *rand.Rand, lo, hi K) K {
	w := float64(hi) - float64(lo)
	if isFloatKey[K]() {
		return lo + K(r.Float64()*w)
	}
	off := uint64(r.Float64() * w)
	return lo + K(off) // wraps for narrow types; the sum is in [lo, hi)
}

func isFloatKey[K fst.Key]() bool {
	var half K = 1
	half /= 2
	return half != 0
}

// randomTree applies random writes to a new tree over [lo, hi); writes that
// fail (a wrapped shift size, say) change nothing.
func randomTree[K fst.Key, V comparable](t *testing.T, r *rand.Rand, lo, hi K, init V, writes int, val func() V) *fst.Tree[K, V] {
	t.Helper()
	tr, err := fst.NewFanout(lo, hi, init, 5) // deep trees from few segments
	require.NoError(t, err)
	w := float64(hi) - float64(lo)
	for range writes {
		// Ranges of up to 1/30 of the span, so that the tree keeps many
		// segments; one that wraps around K is skipped.
		a := randKey(r, lo, hi)
		var b K
		if isFloatKey[K]() {
			b = a + K(r.Float64()*w/30)
		} else {
			b = a + K(uint64(r.Float64()*w/30)) + 1
		}
		if !(a < b) {
			continue
		}
		switch r.IntN(10) {
		case 0:
			_ = tr.ShiftLeft(a, b)
		case 1:
			_ = tr.ShiftRight(a, (b-a)/4+1, r.IntN(2) == 0)
		default:
			_, _ = tr.Insert(a, b, val())
		}
	}
	require.NoError(t, tr.Verify())
	return tr
}

// roundTripKeys round-trips random trees with keys of type K over the given
// spans, with int64, float64 and string values.
func roundTripKeys[K fst.Key](t *testing.T, spans ...[2]K) {
	t.Run(fmt.Sprintf("%T", K(0)), func(t *testing.T) {
		for i, sp := range spans {
			for seed := range uint64(4) {
				r := rand.New(rand.NewPCG(seed, uint64(i)))
				writes := []int{0, 1, 20, 400}[seed]
				ti := randomTree(t, r, sp[0], sp[1], int64(-1), writes, func() int64 { return r.Int64N(7) - 3 })
				roundTrip(t, ti, fst.NumberCodec[int64]())
				tf := randomTree(t, r, sp[0], sp[1], 0.5, writes, func() float64 {
					return []float64{math.NaN(), math.Copysign(0, -1), 0, math.Inf(1), 0.1, -1e300, 5e-324}[r.IntN(7)]
				})
				roundTrip(t, tf, fst.NumberCodec[float64]())
				ts := randomTree(t, r, sp[0], sp[1], "", writes, func() string { return strings.Repeat("ab", r.IntN(3)) + "é" })
				roundTrip(t, ts, fst.StringCodec[string]())
			}
		}
	})
}

// TestEncode_RoundTrip round-trips random trees of every key type, over
// small spans and over the whole range of the type.
func TestEncode_RoundTrip(t *testing.T) {
	t.Parallel()
	roundTripKeys(t, [2]int{-1000, 1000}, [2]int{math.MinInt, math.MaxInt})
	roundTripKeys(t, [2]int8{math.MinInt8, math.MaxInt8}, [2]int8{-3, 100})
	roundTripKeys(t, [2]int16{math.MinInt16, math.MaxInt16})
	roundTripKeys(t, [2]int32{math.MinInt32, math.MaxInt32}, [2]int32{0, 10})
	roundTripKeys(t, [2]int64{math.MinInt64, math.MaxInt64}, [2]int64{-1 << 40, 1 << 40})
	roundTripKeys(t, [2]uint{0, math.MaxUint}, [2]uint{5, 500})
	roundTripKeys(t, [2]uint8{0, math.MaxUint8})
	roundTripKeys(t, [2]uint16{0, math.MaxUint16})
	roundTripKeys(t, [2]uint32{0, math.MaxUint32})
	roundTripKeys(t, [2]uint64{0, math.MaxUint64}, [2]uint64{1 << 63, 1<<63 + 1000})
	roundTripKeys(t, [2]float32{-1e6, 1e6}, [2]float32{0, 1})
	roundTripKeys(t, [2]float64{-1e6, 1e6}, [2]float64{-1e-300, 1e-300})
}

// TestEncode_RoundTripLarge crosses many frames at the real frame size,
// with segments at the widest gaps of the key type.
func TestEncode_RoundTripLarge(t *testing.T) {
	t.Parallel()
	segs := make([]fst.Segment[int64, int64], testenv.Pick(t, 25_000, 100_000))
	for i := range segs {
		k := math.MinInt64 + int64(i)*(math.MaxInt64/50_000)
		segs[i] = fst.Segment[int64, int64]{Start: k, End: k + 1, Value: int64(i%1000) + 1}
	}
	tr, err := fst.Build(math.MinInt64, math.MaxInt64, 0, segs)
	require.NoError(t, err)
	enc := roundTrip(t, tr, fst.NumberCodec[int64]())
	assert.Greater(t, len(enc), 3*fst.MaxFramePayload, "several frames")
}

// TestEncode_InfiniteFloatSpan: infinities bound the span, -0 is a boundary.
func TestEncode_InfiniteFloatSpan(t *testing.T) {
	tr, err := fst.New(math.Inf(-1), math.Inf(1), float32(1))
	require.NoError(t, err)
	_, err = tr.Insert(-math.MaxFloat64, math.Copysign(0, -1), float32(math.Inf(-1)))
	require.NoError(t, err)
	_, err = tr.Insert(5e-324, math.MaxFloat64, float32(math.NaN()))
	require.NoError(t, err)
	roundTrip(t, tr, fst.NumberCodec[float32]())
}

// TestEncode_LargeValues: values larger than a frame are cut into frames
// that continue one chunk, at the real frame size and at tiny ones.
func TestEncode_LargeValues(t *testing.T) {
	t.Parallel()
	tr, err := fst.New[int32](0, 100, strings.Repeat("d", 70_000))
	require.NoError(t, err)
	for i, n := range []int{1, 200_000, 3, 65_529, 65_530, 65_528, 0} {
		_, err := tr.Insert(int32(10+10*i), int32(15+10*i), strings.Repeat(string(rune('a'+i)), n))
		require.NoError(t, err)
	}
	c := fst.StringCodec[string]()
	enc := roundTrip(t, tr, c)
	assert.Greater(t, len(enc), 400_000)
	// Frames of 1 and 2 bytes make 400,000 and 200,000 frames: deep runs only.
	for _, limit := range testenv.Pick(t, []int{7, 100}, []int{1, 2, 7, 100}) {
		var buf bytes.Buffer
		_, err := fst.EncodeFrames(&buf, tr, c, limit)
		require.NoError(t, err)
		got, err := fst.Decode[int32](bytes.NewReader(buf.Bytes()), c)
		require.NoError(t, err, "limit %d", limit)
		require.Equal(t, dump(tr), dump(got), "limit %d", limit)
	}
}

// sizedWriter records the size of each Write.
type sizedWriter struct{ sizes []int }

func (w *sizedWriter) Write(p []byte) (int, error) {
	w.sizes = append(w.sizes, len(p))
	return len(p), nil
}

// TestEncode_Streams: Encode writes frame by frame, never more than 64 KiB
// at once (the first write also carries the 5 bytes of magic and version),
// and its memory does not grow with the tree.
func TestEncode_Streams(t *testing.T) {
	tr, _ := codecTree(t, 200_000)
	var w sizedWriter
	n, err := fst.Encode(&w, tr, fst.NumberCodec[int64]())
	require.NoError(t, err)
	total := 0
	for i, s := range w.sizes {
		limit := 64 << 10
		if i == 0 {
			limit += 5
		}
		require.LessOrEqual(t, s, limit, "write %d", i)
		total += s
	}
	assert.Equal(t, n, int64(total))
	assert.Greater(t, len(w.sizes), 5)
	alloc := allocated(3, func() { _, _ = fst.Encode(io.Discard, tr, fst.NumberCodec[int64]()) })
	assert.Less(t, alloc, uint64(512<<10), "Encode holds a frame, not the tree's %d bytes", n)
}

// allocated returns the bytes f allocates per call, averaged over runs calls
// after one to warm up (hash/crc32 builds its tables on first use), so that
// what other goroutines of the process allocate meanwhile hardly counts.
func allocated(runs int, f func()) uint64 {
	var before, after runtime.MemStats
	f()
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range runs {
		f()
	}
	runtime.ReadMemStats(&after)
	return (after.TotalAlloc - before.TotalAlloc) / uint64(runs)
}

// smallEncodings returns a few small valid encodings for the corruption
// tests: int64 and float64 keys, one and several frames.
func smallEncodings(t testing.TB) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	ti, err := fst.New[int64, int64](-5, 1000, 7)
	require.NoError(t, err)
	for i := range int64(6) {
		_, err := ti.Insert(i*100, i*100+50, i-2)
		require.NoError(t, err)
	}
	var buf bytes.Buffer
	_, err = fst.Encode(&buf, ti, fst.NumberCodec[int64]())
	require.NoError(t, err)
	out["int64"] = bytes.Clone(buf.Bytes())
	buf.Reset()
	_, err = fst.EncodeFrames(&buf, ti, fst.NumberCodec[int64](), 4)
	require.NoError(t, err)
	out["int64/frames=4"] = bytes.Clone(buf.Bytes())
	one, err := fst.New[int64, int64](0, 1, 0)
	require.NoError(t, err)
	buf.Reset()
	_, err = fst.Encode(&buf, one, fst.NumberCodec[int64]())
	require.NoError(t, err)
	out["int64/one-segment"] = bytes.Clone(buf.Bytes())
	return out
}

func smallFloatEncoding(t testing.TB) []byte {
	t.Helper()
	tf, err := fst.New(-1.5, 2.5, "x")
	require.NoError(t, err)
	_, err = tf.Insert(-0.5, 0.25, "yy")
	require.NoError(t, err)
	_, err = tf.Insert(1, 2, "")
	require.NoError(t, err)
	var buf bytes.Buffer
	_, err = fst.Encode(&buf, tf, fst.StringCodec[string]())
	require.NoError(t, err)
	return buf.Bytes()
}

// decodeAny decodes enc as the type its name says.
func decodeAny(name string, enc []byte) error {
	if name == "float64" {
		_, err := fst.Decode[float64](bytes.NewReader(enc), fst.StringCodec[string]())
		return err
	}
	_, err := fst.Decode[int64](bytes.NewReader(enc), fst.NumberCodec[int64]())
	return err
}

// TestDecode_EveryTruncation: every proper prefix of an encoding, the empty
// one included, is rejected.
func TestDecode_EveryTruncation(t *testing.T) {
	encs := smallEncodings(t)
	encs["float64"] = smallFloatEncoding(t)
	for name, enc := range encs {
		t.Run(name, func(t *testing.T) {
			require.NoError(t, decodeAny(name, enc))
			for i := range len(enc) {
				err := decodeAny(name, enc[:i])
				require.ErrorIs(t, err, fst.ErrCorrupt, "prefix of %d of %d bytes", i, len(enc))
			}
		})
	}
}

// TestDecode_EveryBitFlip: flipping any single bit of an encoding is caught.
func TestDecode_EveryBitFlip(t *testing.T) {
	encs := smallEncodings(t)
	encs["float64"] = smallFloatEncoding(t)
	for name, enc := range encs {
		t.Run(name, func(t *testing.T) {
			for i := range len(enc) * 8 {
				bad := bytes.Clone(enc)
				bad[i/8] ^= 1 << (i % 8)
				err := decodeAny(name, bad)
				require.ErrorIs(t, err, fst.ErrCorrupt, "bit %d of byte %d", i%8, i/8)
			}
		})
	}
}

func TestDecode_TrailingBytes(t *testing.T) {
	enc := smallEncodings(t)["int64"]
	for _, extra := range [][]byte{{0}, {'F', 'S', 'T', 'S'}, enc} {
		err := decodeAny("int64", append(bytes.Clone(enc), extra...))
		require.ErrorIs(t, err, fst.ErrCorrupt)
		assert.Contains(t, err.Error(), "after the trailer")
	}
}

// TestDecode_TypeMismatch: keys and values must be decoded as the types they
// were encoded as; nothing is reinterpreted.
func TestDecode_TypeMismatch(t *testing.T) {
	enc := smallEncodings(t)["int64"]
	r := func() io.Reader { return bytes.NewReader(enc) }
	_, err := fst.Decode[int32](r(), fst.NumberCodec[int64]())
	require.ErrorIs(t, err, fst.ErrCorrupt)
	assert.Contains(t, err.Error(), "keys are int64, not int32")
	_, err = fst.Decode[uint64](r(), fst.NumberCodec[int64]())
	require.ErrorIs(t, err, fst.ErrCorrupt)
	_, err = fst.Decode[float64](r(), fst.NumberCodec[int64]())
	require.ErrorIs(t, err, fst.ErrCorrupt)
	_, err = fst.Decode[int64](r(), fst.NumberCodec[int32]())
	require.ErrorIs(t, err, fst.ErrCorrupt)
	assert.Contains(t, err.Error(), "values were written by int64, not int32")
	_, err = fst.Decode[int64](r(), fst.NumberCodec[float64]())
	require.ErrorIs(t, err, fst.ErrCorrupt)
	_, err = fst.Decode[int64](r(), fst.StringCodec[string]())
	require.ErrorIs(t, err, fst.ErrCorrupt)
	_, err = fst.Decode[int64](r(), fst.Codec[int64](customCodec{}))
	require.ErrorIs(t, err, fst.ErrCorrupt)
	assert.Contains(t, err.Error(), "not custom codec")

	// type Pos int64 is int64 on the wire.
	type Pos int64
	type Val int64
	got, err := fst.Decode[Pos](r(), fst.NumberCodec[Val]())
	require.NoError(t, err)
	assert.Equal(t, Pos(-5), got.MinKey())
	assert.Equal(t, 13, got.Len())
}

// customCodec is a codec from outside the package: int64 as 8 bytes.
type customCodec struct{}

func (customCodec) AppendValue(dst []byte, v int64) ([]byte, error) {
	return binary.BigEndian.AppendUint64(dst, uint64(v)), nil
}

func (customCodec) DecodeValue(src []byte) (int64, int, error) {
	if len(src) < 8 {
		return 0, 0, errors.New("short")
	}
	return int64(binary.BigEndian.Uint64(src)), 8, nil
}

func TestDecode_CustomCodec(t *testing.T) {
	tr, err := fst.New[int64, int64](0, 100, 1)
	require.NoError(t, err)
	_, err = tr.Insert(5, 6, -1)
	require.NoError(t, err)
	enc := roundTrip(t, tr, customCodec{})
	_, err = fst.Decode[int64](bytes.NewReader(enc), fst.NumberCodec[int64]())
	require.ErrorIs(t, err, fst.ErrCorrupt, "custom-coded values are not NumberCodec's")
}

// --- streams written by hand, with valid checksums ---

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// stream writes a stream by hand, following FORMAT.md rather than the
// encoder: each frame's checksum is the CRC-32C of every byte before it.
type stream struct{ b []byte }

func newStream() *stream { return &stream{b: []byte("FSTS\x01")} }

func (s *stream) frame(typ byte, payload []byte) *stream {
	s.b = append(s.b, typ)
	s.b = binary.LittleEndian.AppendUint16(s.b, uint16(len(payload)))
	s.b = append(s.b, payload...)
	s.b = binary.LittleEndian.AppendUint32(s.b, crc32.Checksum(s.b, castagnoli))
	return s
}

func (s *stream) trailer() []byte { return s.frame(3, nil).b }

// zz is a zigzag varint, uv a varint, cat concatenation.
func zz(x int64) []byte  { return binary.AppendVarint(nil, x) }
func uv(x uint64) []byte { return binary.AppendUvarint(nil, x) }
func cat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// int64Header is the header of an int64 -> int64 (NumberCodec) tree.
func int64Header(count uint64, min, max, def, first int64) []byte {
	return cat([]byte{0x13, 0x13}, uv(count), zz(min), zz(max), zz(def), zz(first))
}

// TestDecode_HandWritten checks a valid stream written from the spec, then
// streams whose checksums are right but whose contents are not.
func TestDecode_HandWritten(t *testing.T) {
	valid := newStream().frame(1, int64Header(3, -10, 100, 0, 4)).
		frame(2, cat(uv(15), zz(-2))).frame(2, cat(uv(50), zz(0))).trailer()
	tr, err := fst.Decode[int64](bytes.NewReader(valid), fst.NumberCodec[int64]())
	require.NoError(t, err)
	require.NoError(t, tr.Verify())
	assert.Equal(t, []fst.Segment[int64, int64]{{Start: -10, End: 5, Value: 4}, {Start: 5, End: 55, Value: -2}, {Start: 55, End: 100, Value: 0}},
		slices.Collect(tr.Segments()))

	f64 := func(x float64) []byte { return binary.LittleEndian.AppendUint64(nil, math.Float64bits(x)) }
	f64Header := func(count uint64, min, max float64) []byte {
		return cat([]byte{0x33, 0x13}, uv(count), f64(min), f64(max), zz(0), zz(1))
	}
	cases := []struct {
		name, want string
		enc        []byte
		float      bool
	}{
		{"bad magic", "bad magic", append([]byte("FSTX"), valid[4:]...), false},
		{"batch magic", "bad magic", append([]byte("FSTB"), valid[4:]...), false},
		{"version 0", "unknown format version 0", append([]byte("FSTS\x00"), valid[5:]...), false},
		{"version 2", "unknown format version 2", append([]byte("FSTS\x02"), valid[5:]...), false},
		{"no frames", "truncated", []byte("FSTS\x01"), false},
		{"segments first", "not a header", newStream().frame(2, cat(uv(1), zz(1))).trailer(), false},
		{"trailer first", "not a header", newStream().trailer(), false},
		{"unknown kind", "not the trailer", newStream().frame(1, int64Header(1, 0, 9, 0, 1)).frame(9, nil).b, false},
		{"zero segments", "zero segments", newStream().frame(1, int64Header(0, 0, 9, 0, 1)).trailer(), false},
		{"min = max", "invalid range", newStream().frame(1, int64Header(1, 9, 9, 0, 1)).trailer(), false},
		{"min > max", "invalid range", newStream().frame(1, int64Header(1, 10, 9, 0, 1)).trailer(), false},
		{"NaN min", "NaN", newStream().frame(1, f64Header(1, math.NaN(), 1)).trailer(), true},
		{"NaN boundary", "boundary", newStream().frame(1, f64Header(2, 0, 1)).frame(2, cat(f64(math.NaN()), zz(2))).trailer(), true},
		{"float boundary at min", "boundary", newStream().frame(1, f64Header(2, 0, 1)).frame(2, cat(f64(0), zz(2))).trailer(), true},
		{"float boundary below min", "boundary", newStream().frame(1, f64Header(2, 0, 1)).frame(2, cat(f64(-1), zz(2))).trailer(), true},
		{"float boundary at max", "max", newStream().frame(1, f64Header(2, 0, 1)).frame(2, cat(f64(1), zz(2))).trailer(), true},
		{"float boundaries descending", "boundary", newStream().frame(1, f64Header(3, 0, 1)).frame(2, cat(f64(0.5), zz(2), f64(0.25), zz(3))).trailer(), true},
		{"delta 0", "starts where", newStream().frame(1, int64Header(2, 0, 9, 0, 1)).frame(2, cat(uv(0), zz(2))).trailer(), false},
		{"boundary at max", "past max", newStream().frame(1, int64Header(2, 0, 9, 0, 1)).frame(2, cat(uv(9), zz(2))).trailer(), false},
		{"boundary wraps around", "past max", newStream().frame(1, int64Header(2, 0, 9, 0, 1)).frame(2, cat(uv(math.MaxUint64), zz(2))).trailer(), false},
		{"equal neighbours", "value of the segment before", newStream().frame(1, int64Header(2, 0, 9, 0, 1)).frame(2, cat(uv(3), zz(1))).trailer(), false},
		{"first value equals default is fine, second equal is not", "value of the segment before", newStream().frame(1, int64Header(3, 0, 9, 0, 0)).frame(2, cat(uv(3), zz(1), uv(1), zz(1))).trailer(), false},
		{"fewer segments than counted", "after 2 of 3 segments", newStream().frame(1, int64Header(3, 0, 9, 0, 1)).frame(2, cat(uv(3), zz(2))).trailer(), false},
		{"more segments than counted", "more segments", newStream().frame(1, int64Header(2, 0, 9, 0, 1)).frame(2, cat(uv(3), zz(2), uv(1), zz(3))).trailer(), false},
		{"segments missing", "after 1 of 2 segments", newStream().frame(1, int64Header(2, 0, 9, 0, 1)).trailer(), false},
		{"empty segment chunk", "empty segment chunk", newStream().frame(1, int64Header(2, 0, 9, 0, 1)).frame(2, nil).frame(2, cat(uv(3), zz(2))).trailer(), false},
		{"record split over chunks", "", newStream().frame(1, int64Header(2, 0, 9, 0, 1)).frame(2, uv(3)).frame(2, zz(2)).trailer(), false},
		{"record split over frames of one chunk", "ok", newStream().frame(1, int64Header(2, 0, 9, 0, 1)).frame(0x82, uv(3)).frame(2, zz(2)).trailer(), false},
		{"header split over frames", "ok", newStream().frame(0x81, int64Header(1, 0, 9, 0, 1)[:3]).frame(0x81, int64Header(1, 0, 9, 0, 1)[3:5]).frame(1, int64Header(1, 0, 9, 0, 1)[5:]).trailer(), false},
		{"continued into another kind", "continues a chunk", newStream().frame(0x81, int64Header(1, 0, 9, 0, 1)[:3]).frame(2, int64Header(1, 0, 9, 0, 1)[3:]).trailer(), false},
		{"empty continued frame", "empty frame", newStream().frame(0x81, nil).frame(1, int64Header(1, 0, 9, 0, 1)).trailer(), false},
		{"continued trailer", "", newStream().frame(1, int64Header(1, 0, 9, 0, 1)).frame(0x83, []byte{0}).frame(3, nil).b, false},
		{"trailer with payload", "not the trailer", newStream().frame(1, int64Header(1, 0, 9, 0, 1)).frame(3, []byte{0}).b, false},
		{"header too long", "after the header", newStream().frame(1, append(int64Header(1, 0, 9, 0, 1), 0)).trailer(), false},
		{"header too short", "", newStream().frame(1, []byte{0x13}).trailer(), false},
		{"overlong varint", "shortest form", newStream().frame(1, cat([]byte{0x13, 0x13}, []byte{0x81, 0x00}, zz(0), zz(9), zz(0), zz(1))).trailer(), false},
		{"10-byte varint", "overflows", newStream().frame(1, cat([]byte{0x13, 0x13}, bytes.Repeat([]byte{0xff}, 9), []byte{0x7f}, zz(0), zz(9), zz(0), zz(1))).trailer(), false},
		{"11-byte varint", "overflows", newStream().frame(1, cat([]byte{0x13, 0x13}, bytes.Repeat([]byte{0x80}, 10), []byte{1}, zz(0), zz(9), zz(0), zz(1))).trailer(), false},
		{"key tag unknown", "unknown type tag 0x77", newStream().frame(1, cat([]byte{0x77, 0x13}, uv(1), zz(0), zz(9), zz(0), zz(1))).trailer(), false},
		{"frame length past the limit", "more than 65529", append([]byte("FSTS\x01\x01\xff\xff"), make([]byte, 70000)...), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			if tc.float {
				_, err = fst.Decode[float64](bytes.NewReader(tc.enc), fst.NumberCodec[int64]())
			} else {
				_, err = fst.Decode[int64](bytes.NewReader(tc.enc), fst.NumberCodec[int64]())
			}
			if tc.want == "ok" {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, fst.ErrCorrupt)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// TestDecode_NarrowKeysOutOfRange: a key that does not fit the key type is
// rejected, not truncated.
func TestDecode_NarrowKeysOutOfRange(t *testing.T) {
	enc := newStream().frame(1, cat([]byte{0x10, 0x13}, uv(1), zz(-129), zz(0), zz(0), zz(1))).trailer()
	_, err := fst.Decode[int8](bytes.NewReader(enc), fst.NumberCodec[int64]())
	require.ErrorIs(t, err, fst.ErrCorrupt)
	assert.Contains(t, err.Error(), "out of range")
	enc = newStream().frame(1, cat([]byte{0x20, 0x13}, uv(1), uv(0), uv(256), zz(0), zz(1))).trailer()
	_, err = fst.Decode[uint8](bytes.NewReader(enc), fst.NumberCodec[int64]())
	require.ErrorIs(t, err, fst.ErrCorrupt)
	// A boundary delta that would wrap a uint8 past max.
	enc = newStream().frame(1, cat([]byte{0x20, 0x13}, uv(2), uv(250), uv(255), zz(0), zz(1))).frame(2, cat(uv(6), zz(2))).trailer()
	_, err = fst.Decode[uint8](bytes.NewReader(enc), fst.NumberCodec[int64]())
	require.ErrorIs(t, err, fst.ErrCorrupt)
	assert.Contains(t, err.Error(), "past max")
}

// TestDecode_HostileAllocation: counts and lengths the input claims never
// make Decode allocate what they claim.
func TestDecode_HostileAllocation(t *testing.T) {
	cases := map[string][]byte{
		"2^60 segments":                 newStream().frame(1, int64Header(1<<60, 0, math.MaxInt64, 0, 1)).frame(2, cat(uv(1), zz(2))).b,
		"2^60 segments, no more frames": newStream().frame(1, int64Header(1<<60, 0, math.MaxInt64, 0, 1)).b,
		"65529-byte frame, truncated":   append([]byte("FSTS\x01\x01\xf9\xff"), make([]byte, 100)...),
		"continued frames": func() []byte {
			s := newStream()
			for range 3 {
				s.frame(0x81, []byte{1})
			}
			return append(s.b, 0x81, 0xf9, 0xff, 1, 2, 3)
		}(),
		"string of 2^40 bytes": newStream().frame(1, cat([]byte{0x13, 0x40}, uv(1), zz(0), zz(9), uv(1<<40), []byte("abc"))).trailer(),
		"10-byte varint count": newStream().frame(1, cat([]byte{0x13, 0x13}, bytes.Repeat([]byte{0xff}, 9), []byte{1}, zz(0), zz(9), zz(0), zz(1))).trailer(),
	}
	for name, enc := range cases {
		t.Run(name, func(t *testing.T) {
			var err error
			decode := func() {
				if strings.HasPrefix(name, "string") {
					_, err = fst.Decode[int64](bytes.NewReader(enc), fst.StringCodec[string]())
				} else {
					_, err = fst.Decode[int64](bytes.NewReader(enc), fst.NumberCodec[int64]())
				}
			}
			a := allocated(50, decode)
			require.ErrorIs(t, err, fst.ErrCorrupt)
			// A node of the tree under construction (768 bytes), the first
			// step of the frame buffer (1 KiB) and error messages.
			assert.Less(t, a, uint64(4<<10+2*len(enc)), "allocated %d bytes for %d bytes of input", a, len(enc))
		})
	}
}

// errReader returns its data, then err.
type errReader struct {
	data []byte
	err  error
}

func (r *errReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

// TestDecode_ReaderError: an error of the reader is returned wrapped, and is
// not reported as corruption.
func TestDecode_ReaderError(t *testing.T) {
	enc := smallEncodings(t)["int64"]
	boom := errors.New("connection reset")
	for _, at := range []int{0, 3, 5, 9, len(enc) - 1, len(enc)} {
		_, err := fst.Decode[int64](&errReader{data: enc[:at], err: boom}, fst.NumberCodec[int64]())
		require.ErrorIs(t, err, boom, "at byte %d", at)
		assert.NotErrorIs(t, err, fst.ErrCorrupt, "at byte %d", at)
	}
}

// zeroReader returns neither data nor an error, forever.
type zeroReader struct{ data []byte }

func (r *zeroReader) Read(p []byte) (int, error) {
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

// TestDecode_ReaderWithoutProgress: a reader that returns neither data nor
// an error makes Decode give up, mid-stream or at its end, instead of
// looping forever.
func TestDecode_ReaderWithoutProgress(t *testing.T) {
	enc := smallEncodings(t)["int64"]
	for _, at := range []int{0, 4, 20, len(enc) - 1, len(enc)} {
		_, err := fst.Decode[int64](&zeroReader{data: enc[:at]}, fst.NumberCodec[int64]())
		require.ErrorIs(t, err, io.ErrNoProgress, "after %d bytes", at)
	}
}

// failWriter fails after n bytes.
type failWriter struct{ n int }

func (w *failWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		k := w.n
		w.n = 0
		return k, errors.New("disk full")
	}
	w.n -= len(p)
	return len(p), nil
}

func TestEncode_WriterError(t *testing.T) {
	tr, _ := codecTree(t, 100_000)
	n, err := fst.Encode(&failWriter{n: 100_000}, tr, fst.NumberCodec[int64]())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "disk full")
	assert.Equal(t, int64(100_000), n, "the bytes written before the error")
}

// failCodec fails on one value.
type failCodec struct{ bad int64 }

func (c failCodec) AppendValue(dst []byte, v int64) ([]byte, error) {
	if v == c.bad {
		return dst, errors.New("unencodable")
	}
	return binary.AppendVarint(dst, v), nil
}

func (failCodec) DecodeValue(src []byte) (int64, int, error) { return 0, -1, nil }

func TestEncode_CodecError(t *testing.T) {
	tr, err := fst.New[int64, int64](0, 100, 0)
	require.NoError(t, err)
	_, err = tr.Insert(10, 20, 5)
	require.NoError(t, err)
	_, err = fst.Encode(io.Discard, tr, failCodec{bad: 5})
	require.ErrorContains(t, err, "value of segment 1: unencodable")
	_, err = fst.Encode(io.Discard, tr, failCodec{bad: 0})
	require.ErrorContains(t, err, "default value: unencodable")
}

// TestDecode_BadCodec: a codec claiming more bytes than it was given, or a
// negative count, is caught instead of slicing out of range.
func TestDecode_BadCodec(t *testing.T) {
	tr, err := fst.New[int64, int64](0, 100, 0)
	require.NoError(t, err)
	var buf bytes.Buffer
	_, err = fst.Encode(&buf, tr, customCodec{})
	require.NoError(t, err)
	for _, n := range []int{-1, 1 << 20} {
		_, err = fst.Decode[int64](bytes.NewReader(buf.Bytes()), lyingCodec{n})
		require.ErrorIs(t, err, fst.ErrCorrupt)
		assert.Contains(t, err.Error(), "codec claims")
	}
}

type lyingCodec struct{ n int }

func (lyingCodec) AppendValue(dst []byte, v int64) ([]byte, error) { return dst, nil }
func (c lyingCodec) DecodeValue(src []byte) (int64, int, error)    { return 0, c.n, nil }

// TestDecode_Memory: decoding allocates little more than the tree it
// returns (the bound: peak memory within 1.5x of the result).
func TestDecode_Memory(t *testing.T) {
	tr, _ := codecTree(t, 200_000)
	var buf bytes.Buffer
	_, err := fst.Encode(&buf, tr, fst.NumberCodec[int64]())
	require.NoError(t, err)
	ratio := allocPerLive(t, func() (*fst.Tree[int64, int64], error) {
		return fst.Decode[int64](bytes.NewReader(buf.Bytes()), fst.NumberCodec[int64]())
	})
	assert.Less(t, ratio, 1.5, "bytes allocated by Decode over bytes of the tree it returns")
	assert.Less(t, float64(buf.Len())/200_000, 3.0, "bytes per segment")
}

// --- codecs ---

func codecRoundTrip[V comparable](t *testing.T, c fst.Codec[V], vals ...V) {
	t.Helper()
	var enc []byte
	for _, v := range vals {
		var err error
		enc, err = c.AppendValue(enc, v)
		require.NoError(t, err)
	}
	for _, v := range vals {
		got, n, err := c.DecodeValue(enc)
		require.NoError(t, err)
		require.Equal(t, bitsOf(v), bitsOf(got))
		enc = enc[n:]
	}
	require.Empty(t, enc)
}

func TestNumberCodec(t *testing.T) {
	codecRoundTrip(t, fst.NumberCodec[int8](), 0, 1, -1, math.MinInt8, math.MaxInt8)
	codecRoundTrip(t, fst.NumberCodec[int64](), 0, 63, -64, 64, math.MinInt64, math.MaxInt64)
	codecRoundTrip(t, fst.NumberCodec[uint16](), 0, 1, math.MaxUint16)
	codecRoundTrip(t, fst.NumberCodec[uint64](), 0, 127, 128, math.MaxUint64)
	codecRoundTrip(t, fst.NumberCodec[float32](), 0, float32(math.Copysign(0, -1)), float32(math.NaN()),
		math.Float32frombits(0x7fa00001), float32(math.Inf(-1)), math.SmallestNonzeroFloat32)
	codecRoundTrip(t, fst.NumberCodec[float64](), 0, math.Copysign(0, -1), math.NaN(),
		math.Float64frombits(0x7ff4000000000001), math.Inf(1), math.SmallestNonzeroFloat64)

	one, _ := fst.NumberCodec[int64]().AppendValue(nil, 63)
	assert.Len(t, one, 1, "small integers take one byte")
	_, _, err := fst.NumberCodec[int8]().DecodeValue(zz(128))
	require.ErrorIs(t, err, fst.ErrCorrupt, "int8 out of range")
	_, _, err = fst.NumberCodec[uint8]().DecodeValue(uv(256))
	require.ErrorIs(t, err, fst.ErrCorrupt, "uint8 out of range")
	_, _, err = fst.NumberCodec[float64]().DecodeValue([]byte{1, 2, 3})
	require.ErrorIs(t, err, fst.ErrCorrupt, "short float")
	_, _, err = fst.NumberCodec[uint64]().DecodeValue([]byte{0x80})
	require.ErrorIs(t, err, fst.ErrCorrupt, "truncated varint")
}

func TestStringCodec(t *testing.T) {
	type Name string
	codecRoundTrip(t, fst.StringCodec[Name](), "", "a", "héllo", Name(strings.Repeat("x", 300)))
	_, _, err := fst.StringCodec[string]().DecodeValue(cat(uv(10), []byte("short")))
	require.ErrorIs(t, err, fst.ErrCorrupt)
}

// appender is a BinaryMarshaler whose pointer also implements
// BinaryAppender, with a length of choice.
type appender struct{ n int }

func (a appender) MarshalBinary() ([]byte, error) {
	return nil, errors.New("AppendBinary must be used")
}
func (a *appender) AppendBinary(dst []byte) ([]byte, error) {
	return append(dst, bytes.Repeat([]byte{'z'}, a.n)...), nil
}
func (a *appender) UnmarshalBinary(b []byte) error {
	if bytes.Count(b, []byte{'z'}) != len(b) {
		return errors.New("not all z")
	}
	a.n = len(b)
	return nil
}

func TestBinaryCodec(t *testing.T) {
	codecRoundTrip(t, fst.BinaryCodec[netip.Addr](), netip.Addr{}, netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("2001:db8::1"))
	codecRoundTrip(t, fst.BinaryCodec[appender](), appender{0}, appender{1}, appender{127}, appender{128}, appender{20_000}, appender{3})

	// time.Time comes back as the same instant.
	tc := fst.BinaryCodec[time.Time]()
	now := time.Date(2026, 11, 21, 20, 28, 0, 5, time.UTC)
	enc, err := tc.AppendValue([]byte("prefix"), now)
	require.NoError(t, err)
	got, n, err := tc.DecodeValue(enc[len("prefix"):])
	require.NoError(t, err)
	assert.Equal(t, len(enc)-len("prefix"), n)
	assert.True(t, now.Equal(got))

	_, _, err = fst.BinaryCodec[appender]().DecodeValue(cat(uv(2), []byte("zy")))
	require.ErrorIs(t, err, fst.ErrCorrupt, "UnmarshalBinary's error")
	assert.ErrorContains(t, err, "not all z")

	// A tree of them.
	tr, err := fst.New[uint16](0, 1000, netip.Addr{})
	require.NoError(t, err)
	_, err = tr.Insert(10, 20, netip.MustParseAddr("192.168.1.1"))
	require.NoError(t, err)
	roundTrip(t, tr, fst.BinaryCodec[netip.Addr]())
}

func TestEncode_IntIsTaggedBySize(t *testing.T) {
	tr, err := fst.New(0, 10, 0)
	require.NoError(t, err)
	var buf bytes.Buffer
	_, err = fst.Encode(&buf, tr, fst.NumberCodec[int]())
	require.NoError(t, err)
	if unsafe.Sizeof(0) == 8 {
		_, err = fst.Decode[int64](bytes.NewReader(buf.Bytes()), fst.NumberCodec[int64]())
		require.NoError(t, err, "int is int64 on the wire on 64-bit machines")
	}
}

// TestDecode_ReaderUnexpectedEOF: a reader that reports its own truncation
// (a decompressor, say) makes a truncated stream, which is corruption.
func TestDecode_ReaderUnexpectedEOF(t *testing.T) {
	enc := smallEncodings(t)["int64"]
	_, err := fst.Decode[int64](&errReader{data: enc[:10], err: io.ErrUnexpectedEOF}, fst.NumberCodec[int64]())
	require.ErrorIs(t, err, fst.ErrCorrupt)
	require.ErrorIs(t, err, io.ErrUnexpectedEOF)
}

// TestBuild_Memory: Build streams the boundaries into the tree's nodes, so
// what it allocates is the tree (issue 8: at most 1.3 times the tree). Not
// parallel: it reads the process's allocation counters.
func TestBuild_Memory(t *testing.T) {
	const n = 200_000
	segs := make([]fst.Segment[int64, int64], n)
	for i := range segs {
		segs[i] = fst.Segment[int64, int64]{Start: int64(i) * 10, End: int64(i)*10 + 7, Value: int64(i%100) + 1}
	}
	ratio := allocPerLive(t, func() (*fst.Tree[int64, int64], error) { return fst.Build(0, n*10, 0, segs) })
	runtime.KeepAlive(segs) // alive through the measurement, so that its collection does not shrink the tree's share
	assert.Less(t, ratio, 1.3, "bytes allocated by Build over bytes of the tree it returns")
}
