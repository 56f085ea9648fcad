package fst_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/flatseg/flatseg/fst"
)

// seedFiles adds the golden files matching pattern to the corpus.
func seedFiles(f *testing.F, pattern string) {
	files, err := filepath.Glob(filepath.Join("testdata", "v*", pattern))
	if err != nil || len(files) == 0 {
		f.Fatalf("no golden files %s: %v", pattern, err)
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}

// fixFrames rewrites the checksum of every whole frame of a tree stream, so
// that the fuzzer's mutations of lengths and contents get past the checksums
// and reach the checks behind them.
func fixFrames(data []byte) []byte {
	out := bytes.Clone(data)
	for pos := 5; pos+3 <= len(out); {
		end := pos + 3 + int(binary.LittleEndian.Uint16(out[pos+1:]))
		if end+4 > len(out) {
			break
		}
		binary.LittleEndian.PutUint32(out[end:], crc32.Checksum(out[:end], castagnoli))
		pos = end + 4
	}
	return out
}

// checkDecode decodes data as a tree of K -> V; a decoded tree must verify
// and survive a round trip, and an error must wrap ErrCorrupt.
func checkDecode[K fst.Key, V comparable](t *testing.T, data []byte, c fst.Codec[V]) {
	tr, err := fst.Decode[K](bytes.NewReader(data), c)
	if err != nil {
		if !errors.Is(err, fst.ErrCorrupt) {
			t.Fatalf("error without ErrCorrupt: %v", err)
		}
		return
	}
	if err := tr.Verify(); err != nil {
		t.Fatalf("decoded tree does not verify: %v", err)
	}
	var buf bytes.Buffer
	if _, err := fst.Encode(&buf, tr, c); err != nil {
		t.Fatalf("re-encoding: %v", err)
	}
	if buf.Len() > len(data) {
		t.Fatalf("the canonical encoding (%d bytes) is longer than an accepted one (%d)", buf.Len(), len(data))
	}
	again, err := fst.Decode[K](bytes.NewReader(buf.Bytes()), c)
	if err != nil {
		t.Fatalf("decoding the re-encoding: %v", err)
	}
	if a, b := dump(tr), dump(again); !slices.Equal(a, b) {
		t.Fatalf("round trip changed the tree:\n%v\n%v", a, b)
	}
}

// FuzzDecode feeds Decode arbitrary bytes, as they are and with their frame
// checksums repaired, as four key and value types: it must never panic, and
// either return an error wrapping ErrCorrupt or a valid tree that round-trips.
func FuzzDecode(f *testing.F) {
	seedFiles(f, "*.fst")
	for _, enc := range smallEncodings(f) {
		f.Add(enc)
	}
	f.Add(smallFloatEncoding(f))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, d := range [][]byte{data, fixFrames(data)} {
			checkDecode[int64](t, d, fst.NumberCodec[int64]())
			checkDecode[float64](t, d, fst.NumberCodec[float64]())
			checkDecode[float32](t, d, fst.StringCodec[string]())
			checkDecode[uint8](t, d, fst.StringCodec[string]())
			checkDecode[int16](t, d, fst.BinaryCodec[netip.Addr]())
		}
	})
}

// checkDecodeBatch decodes data as a batch of K -> V; a decoded batch must
// encode back to exactly data (the batch encoding is canonical) and apply to
// base all or nothing.
func checkDecodeBatch[K fst.Key, V comparable](t *testing.T, data []byte, c fst.Codec[V], base *fst.Tree[K, V]) {
	b, err := fst.DecodeBatch[K](data, c)
	if err != nil {
		if !errors.Is(err, fst.ErrCorrupt) {
			t.Fatalf("error without ErrCorrupt: %v", err)
		}
		return
	}
	enc, err := fst.AppendBatch(nil, b, c)
	if err != nil {
		t.Fatalf("re-encoding: %v", err)
	}
	if !bytes.Equal(enc, data) {
		t.Fatalf("re-encoding differs:\n%x\n%x", data, enc)
	}
	tr := base.Clone()
	before := dump(tr)
	if err := b.Apply(tr); err != nil {
		if !slices.Equal(before, dump(tr)) {
			t.Fatalf("a failed Apply changed the tree: %v", err)
		}
		return
	}
	if err := tr.Verify(); err != nil {
		t.Fatalf("after Apply: %v", err)
	}
}

// FuzzDecodeBatch feeds DecodeBatch arbitrary bytes, as they are and with
// the checksum repaired, as three key and value types.
func FuzzDecodeBatch(f *testing.F) {
	seedFiles(f, "*.fstb")
	f.Add(smallBatch(f))
	bi := mustTree(f, int64(-100), 1000, int64(0), seg[int64, int64]{10, 20, 1})
	bf := mustTree(f, -1.0, 1.0, 0.0, seg[float64, float64]{0, 0.5, 1})
	bs := mustTree(f, uint16(0), 65535, "", seg[uint16, string]{5, 500, "x"})
	f.Fuzz(func(t *testing.T, data []byte) {
		fixed := bytes.Clone(data)
		if len(fixed) >= 4 {
			n := len(fixed) - 4
			binary.LittleEndian.PutUint32(fixed[n:], crc32.Checksum(fixed[:n], castagnoli))
		}
		for _, d := range [][]byte{data, fixed} {
			checkDecodeBatch(t, d, fst.NumberCodec[int64](), bi)
			checkDecodeBatch(t, d, fst.NumberCodec[float64](), bf)
			checkDecodeBatch(t, d, fst.StringCodec[string](), bs)
		}
	})
}
