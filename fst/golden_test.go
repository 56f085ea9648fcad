package fst_test

import (
	"bytes"
	"flag"
	"io"
	"math"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flatseg/flatseg/fst"
)

var update = flag.Bool("update", false, "rewrite the golden files of the current format version in testdata/")

// currentVersion is the format version Encode and AppendBatch write. The
// golden files of older versions stay in testdata/v<n>/ and must keep
// decoding; only the current version's are compared with the encoder's
// output (FORMAT.md, "Versions").
const currentVersion = "v1"

// golden is one golden file: how the current encoder writes it, and how to
// check what a decoder makes of it.
type golden struct {
	version, file string
	encode        func(w io.Writer) error
	check         func(t *testing.T, data []byte)
}

// treeGolden pins the encoding of tr with c in frames of at most limit
// payload bytes.
func treeGolden[K fst.Key, V comparable](version, file string, tr *fst.Tree[K, V], c fst.Codec[V], limit int) golden {
	return golden{
		version: version, file: file,
		encode: func(w io.Writer) error {
			_, err := fst.EncodeFrames(w, tr, c, limit)
			return err
		},
		check: func(t *testing.T, data []byte) {
			got, err := fst.Decode[K, V](bytes.NewReader(data), c)
			require.NoError(t, err)
			require.NoError(t, got.Verify())
			assert.Equal(t, dump(tr), dump(got))
		},
	}
}

func goldens(t *testing.T) []golden {
	negZero := math.Copysign(0, -1)
	return []golden{
		// The worked example of FORMAT.md: mdds's quick start.
		treeGolden("v1", "tree-int64-quickstart.fst",
			mustTree(t, int64(0), 500, int64(0), seg[int64, int64]{10, 20, 10}, seg[int64, int64]{50, 70, 15}, seg[int64, int64]{60, 65, 5}),
			fst.NumberCodec[int64](), fst.MaxFramePayload),
		// The widest int64 span and deltas, in frames of 8 bytes.
		treeGolden("v1", "tree-int64-extremes-frames8.fst",
			mustTree(t, int64(math.MinInt64), math.MaxInt64, int64(math.MinInt64),
				seg[int64, int64]{math.MinInt64 + 1, -1, math.MaxInt64}, seg[int64, int64]{0, 1, -1},
				seg[int64, int64]{1, math.MaxInt64 - 1, 0}),
			fst.NumberCodec[int64](), 8),
		// Infinite bounds, -0 and a subnormal boundary; NaN (with a
		// payload), -0 and -Inf values.
		treeGolden("v1", "tree-float64.fst",
			mustTree(t, math.Inf(-1), math.Inf(1), 0.5,
				seg[float64, float64]{-math.MaxFloat64, -1.5, math.Float64frombits(0x7ff8_0000_dead_beef)},
				seg[float64, float64]{negZero, 5e-324, negZero},
				seg[float64, float64]{0.1, 1e300, math.Inf(-1)}),
			fst.NumberCodec[float64](), fst.MaxFramePayload),
		// String values, one longer than a frame: a chunk continued over
		// several frames of 16 bytes.
		treeGolden("v1", "tree-float32-string-frames16.fst",
			mustTree(t, float32(-1), 1, "",
				seg[float32, string]{-0.5, 0.25, "héllo"},
				seg[float32, string]{0.25, 0.5, strings.Repeat("long value ", 4)},
				seg[float32, string]{0.75, 1, "x"}),
			fst.StringCodec[string](), 16),
		// The whole uint8 span.
		treeGolden("v1", "tree-uint8-string.fst",
			mustTree(t, uint8(0), 255, "none", seg[uint8, string]{0, 1, "first"}, seg[uint8, string]{128, 254, "high"}),
			fst.StringCodec[string](), fst.MaxFramePayload),
		// BinaryCodec values.
		treeGolden("v1", "tree-int16-netip.fst",
			mustTree(t, int16(math.MinInt16), math.MaxInt16, netip.Addr{},
				seg[int16, netip.Addr]{-100, 0, netip.MustParseAddr("10.1.2.3")},
				seg[int16, netip.Addr]{0, 100, netip.MustParseAddr("2001:db8::1")}),
			fst.BinaryCodec[netip.Addr](), fst.MaxFramePayload),
		// A codec of another package, tagged custom.
		treeGolden("v1", "tree-uint32-custom.fst",
			mustTree(t, uint32(7), 1<<31, int64(-7), seg[uint32, int64]{8, 9, 1 << 40}),
			fst.Codec[int64](customCodec{}), fst.MaxFramePayload),
	}
}

// TestGolden pins the format: the encoders must write exactly the golden
// files of the current version, and every golden file, of every version,
// must decode to what it holds. Run with -update to rewrite the current
// version's files after a deliberate change, which needs a new format
// version (FORMAT.md, "Versions").
func TestGolden(t *testing.T) {
	all := append(goldens(t), batchGoldens(t)...)
	known := map[string]bool{}
	for _, g := range all {
		path := filepath.Join("testdata", g.version, g.file)
		known[path] = true
		t.Run(g.version+"/"+g.file, func(t *testing.T) {
			if g.version == currentVersion {
				var buf bytes.Buffer
				require.NoError(t, g.encode(&buf))
				if *update {
					require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
					require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
				}
				want, err := os.ReadFile(path)
				require.NoError(t, err, "run go test ./fst -run TestGolden -update to create it")
				require.Equal(t, want, buf.Bytes(), "the encoder no longer writes %s: a format change needs a new version (FORMAT.md)", path)
			}
			data, err := os.ReadFile(path)
			require.NoError(t, err)
			g.check(t, data)
		})
	}
	files, err := filepath.Glob(filepath.Join("testdata", "v*", "*"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		assert.True(t, known[f], "%s has no entry in goldens or batchGoldens: every golden file must be checked", f)
	}
}

// batchGoldens pins the batch format (see TestGolden).
func batchGoldens(t *testing.T) []golden {
	var bi fst.Batch[int64, int64]
	bi.Insert(10, 20, 10)
	bi.Insert(math.MinInt64, math.MaxInt64, -1)
	bi.ShiftLeft(-3, 300)
	bi.ShiftRight(0, 64, false)
	bi.ShiftRight(1, 1, true)
	var bf fst.Batch[float64, float64]
	bf.Insert(math.Copysign(0, -1), 0.5, math.NaN())
	bf.Insert(0.1, math.Inf(1), math.Copysign(0, -1))
	bf.ShiftLeft(0.25, 0.75)
	bf.ShiftRight(5e-324, 1e-300, true)
	var bs fst.Batch[uint16, string]
	bs.Insert(0, 65535, "héllo")
	var empty fst.Batch[int32, int64]
	return []golden{
		batchGolden("v1", "batch-int64.fstb", &bi, fst.NumberCodec[int64]()),
		batchGolden("v1", "batch-float64.fstb", &bf, fst.NumberCodec[float64]()),
		batchGolden("v1", "batch-uint16-string.fstb", &bs, fst.StringCodec[string]()),
		batchGolden("v1", "batch-empty.fstb", &empty, fst.NumberCodec[int64]()),
	}
}

func batchGolden[K fst.Key, V comparable](version, file string, b *fst.Batch[K, V], c fst.Codec[V]) golden {
	return golden{
		version: version, file: file,
		encode: func(w io.Writer) error {
			enc, err := fst.AppendBatch(nil, b, c)
			if err != nil {
				return err
			}
			_, err = w.Write(enc)
			return err
		},
		check: func(t *testing.T, data []byte) {
			got, err := fst.DecodeBatch[K](data, c)
			require.NoError(t, err)
			assert.Equal(t, opsOf(b), opsOf(got))
		},
	}
}
