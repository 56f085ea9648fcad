package fst_test

import (
	"bytes"
	"encoding/gob"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/flatseg/flatseg/fst"
)

// The encoding benchmarks use the data set: n segments about 10 keys
// apart (gaps uniform in 1..19) with small integer values (uniform in 0..99,
// neighbours different), int64 keys and values. flatseg is Encode/Decode with
// NumberCodec; gob and json encode the tree's segments as a []Segment
// (collecting it from the tree is timed) and decode it back into a tree with
// Build (timed); build is Build from an in-memory []Segment, the floor any
// decoder is measured against.

var encodeSizes = []int{1_000, 1_000_000}

// codecSegments returns the data set's segments, the same for every call.
func codecSegments(n int) []fst.Segment[int64, int64] {
	r := rand.New(rand.NewPCG(uint64(n), 10))
	segs := make([]fst.Segment[int64, int64], n)
	var k, v int64
	for i := range segs {
		nv := r.Int64N(99)
		if nv >= v {
			nv++ // never the previous value
		}
		v = nv
		end := k + 1 + r.Int64N(19)
		segs[i] = fst.Segment[int64, int64]{Start: k, End: end, Value: v}
		k = end
	}
	return segs
}

func codecTree(tb testing.TB, n int) (*fst.Tree[int64, int64], []fst.Segment[int64, int64]) {
	tb.Helper()
	segs := codecSegments(n)
	t, err := fst.Build(0, segs[n-1].End, 0, segs)
	if err != nil {
		tb.Fatal(err)
	}
	if t.Len() != n {
		tb.Fatalf("Build merged segments: %d of %d", t.Len(), n)
	}
	t.Freeze()
	return t, segs
}

func encodeGob(t *fst.Tree[int64, int64], buf *bytes.Buffer) error {
	return gob.NewEncoder(buf).Encode(slices.Collect(t.Segments()))
}

func encodeJSON(t *fst.Tree[int64, int64], buf *bytes.Buffer) error {
	return json.NewEncoder(buf).Encode(slices.Collect(t.Segments()))
}

func BenchmarkEncode(b *testing.B) {
	c := fst.NumberCodec[int64]()
	for _, n := range encodeSizes {
		t, _ := codecTree(b, n)
		formats := []struct {
			name string
			enc  func(*bytes.Buffer) error
		}{
			{"flatseg", func(buf *bytes.Buffer) error { _, err := fst.Encode(buf, t, c); return err }},
			{"gob", func(buf *bytes.Buffer) error { return encodeGob(t, buf) }},
			{"json", func(buf *bytes.Buffer) error { return encodeJSON(t, buf) }},
		}
		for _, f := range formats {
			b.Run(fmt.Sprintf("format=%s/n=%d", f.name, n), func(b *testing.B) {
				var buf bytes.Buffer
				if err := f.enc(&buf); err != nil {
					b.Fatal(err)
				}
				size := buf.Len()
				b.SetBytes(int64(size))
				b.ReportAllocs()
				for b.Loop() {
					buf.Reset()
					if err := f.enc(&buf); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(size)/float64(n), "B/seg")
			})
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	c := fst.NumberCodec[int64]()
	for _, n := range encodeSizes {
		t, segs := codecTree(b, n)
		var fsBuf, gobBuf, jsonBuf bytes.Buffer
		if _, err := fst.Encode(&fsBuf, t, c); err != nil {
			b.Fatal(err)
		}
		if err := encodeGob(t, &gobBuf); err != nil {
			b.Fatal(err)
		}
		if err := encodeJSON(t, &jsonBuf); err != nil {
			b.Fatal(err)
		}
		max := t.MaxKey()
		formats := []struct {
			name string
			size int
			dec  func() (*fst.Tree[int64, int64], error)
		}{
			{"flatseg", fsBuf.Len(), func() (*fst.Tree[int64, int64], error) {
				return fst.Decode[int64, int64](bytes.NewReader(fsBuf.Bytes()), c)
			}},
			{"gob", gobBuf.Len(), func() (*fst.Tree[int64, int64], error) {
				var s []fst.Segment[int64, int64]
				if err := gob.NewDecoder(bytes.NewReader(gobBuf.Bytes())).Decode(&s); err != nil {
					return nil, err
				}
				return fst.Build(0, max, 0, s)
			}},
			{"json", jsonBuf.Len(), func() (*fst.Tree[int64, int64], error) {
				var s []fst.Segment[int64, int64]
				if err := json.NewDecoder(bytes.NewReader(jsonBuf.Bytes())).Decode(&s); err != nil {
					return nil, err
				}
				return fst.Build(0, max, 0, s)
			}},
			{"build", 0, func() (*fst.Tree[int64, int64], error) { return fst.Build(0, max, 0, segs) }},
		}
		for _, f := range formats {
			b.Run(fmt.Sprintf("format=%s/n=%d", f.name, n), func(b *testing.B) {
				got, err := f.dec()
				if err != nil {
					b.Fatal(err)
				}
				if !got.Equal(t) {
					b.Fatal("decoded tree differs")
				}
				ratio := allocPerLive(b, f.dec)
				if f.size > 0 {
					b.SetBytes(int64(f.size))
				}
				b.ReportAllocs()
				for b.Loop() {
					if _, err := f.dec(); err != nil {
						b.Fatal(err)
					}
				}
				if f.size > 0 {
					b.ReportMetric(float64(f.size)/float64(n), "B/seg")
				}
				b.ReportMetric(ratio, "alloc/live")
			})
		}
	}
}

// allocPerLive runs dec once and returns the bytes it allocated over the
// bytes of the tree it returned that stay live: a bound on the peak memory of
// a decode relative to its result (the peak cannot exceed what was
// allocated).
func allocPerLive(tb testing.TB, dec func() (*fst.Tree[int64, int64], error)) float64 {
	tb.Helper()
	var before, after, kept runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	t, err := dec()
	runtime.ReadMemStats(&after)
	if err != nil {
		tb.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&kept)
	runtime.KeepAlive(t)
	return float64(after.TotalAlloc-before.TotalAlloc) / float64(kept.HeapAlloc-before.HeapAlloc)
}
