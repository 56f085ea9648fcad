package fst_test

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/flatseg/flatseg/fst"
)

// Measured trees against plain ones, side by side in one run so that their
// ratios come from the same conditions. The trees are the ones of
// bench_test.go, segment i = [16i, 16i+16) holding i+1 over [0, 16n), and
// the measure is the sum of value × length, an int64. Names read as
// BenchmarkMeasured/op=search/kind=plain/keys=cold/n=1000000: kind=plain is
// an fst.Tree, kind=measured an fst.Measured of the same segments, and
// kind=folder the same with the measure as a Folder (foldedSum).

var measuredSizes = []int{1_000_000}

// sumMeasure sums value × length: the sum over every key of its value.
type sumMeasure struct{}

func (sumMeasure) Of(v, n int64) int64      { return v * n }
func (sumMeasure) Combine(a, b int64) int64 { return a + b }

// foldedSum is sumMeasure as a Folder: one call per leaf run or node.
type foldedSum struct{ sumMeasure }

func (foldedSum) Fold(vals, starts []int64, end int64) int64 {
	var s int64
	n := len(starts) - 1
	for i, v := range vals[:n] {
		s += v * (starts[i+1] - starts[i])
	}
	return s + vals[n]*(end-starts[n])
}

func (foldedSum) Prefixes(ms []int64) {
	for i := 1; i < len(ms); i++ {
		ms[i] += ms[i-1]
	}
}

func (foldedSum) Suffixes(ms []int64) {
	for i := len(ms) - 2; i >= 0; i-- {
		ms[i] += ms[i+1]
	}
}

// prefixSum is the sum of sumMeasure over the keys [0, x) of a benchmark
// tree (before any write): the full segments below x, then the part of the
// segment holding x.
func prefixSum(x int64) int64 {
	q, r := x/width, x%width
	return width*q*(q+1)/2 + r*(q+1)
}

var measuredTrees = map[string]*fst.Measured[int64, int64, int64]{}

// measuredTree is insertedTree (how = "append" or "random") or benchTree
// (how = "build") as a measured tree, built once per shape and size.
func measuredTree(b *testing.B, how string, n int) *fst.Measured[int64, int64, int64] {
	b.Helper()
	builtMu.Lock()
	defer builtMu.Unlock()
	return measuredTreeLocked(b, how, n)
}

// foldedTree is measuredTree with foldedSum: the same segments, sharing its
// leaves (WithMeasure).
func foldedTree(b *testing.B, how string, n int) *fst.Measured[int64, int64, int64] {
	b.Helper()
	builtMu.Lock()
	defer builtMu.Unlock()
	key := fmt.Sprintf("folded/%s/%d", how, n)
	if t, ok := measuredTrees[key]; ok {
		return t
	}
	t, err := fst.WithMeasure(measuredTreeLocked(b, how, n), fst.Measure[int64, int64, int64](foldedSum{}))
	if err != nil {
		b.Fatal(err)
	}
	t.Freeze()
	measuredTrees[key] = t
	return t
}

func measuredTreeLocked(b *testing.B, how string, n int) *fst.Measured[int64, int64, int64] {
	key := fmt.Sprintf("%s/%d", how, n)
	if t, ok := measuredTrees[key]; ok {
		return t
	}
	var t *fst.Measured[int64, int64, int64]
	var err error
	if how == "build" {
		segs := make([]fst.Segment[int64, int64], n)
		for i := range segs {
			segs[i] = fst.Segment[int64, int64]{Start: int64(i) * width, End: int64(i+1) * width, Value: int64(i + 1)}
		}
		t, err = buildMeasured(0, int64(n)*width, segs)
		if err != nil {
			b.Fatal(err)
		}
	} else {
		order := rand.New(rand.NewPCG(3, 4)).Perm(n)
		if how == "append" {
			slices.Sort(order)
		}
		t, err = fst.NewMeasured(0, int64(n)*width, int64(0), fst.Measure[int64, int64, int64](sumMeasure{}))
		if err != nil {
			b.Fatal(err)
		}
		for _, i := range order {
			if _, err := t.Insert(int64(i)*width, int64(i+1)*width, int64(i+1)); err != nil {
				b.Fatal(err)
			}
		}
	}
	t.Freeze()
	measuredTrees[key] = t
	return t
}

// seekThreshold is the threshold a Seek from (or a SeekBackward to) key k
// looks for: a pseudo-random number in [1, rem], the same for the same key
// (so that keys=hot repeats whole queries).
func seekThreshold(k, rem int64) int64 {
	return 1 + int64(uint64(k)*0x9e3779b97f4a7c15%uint64(rem))
}

// BenchmarkMeasured compares, on trees built by random inserts, Search on a
// plain and on a measured tree with the measured queries: Measure of a
// random range [lo, hi), Seek of the first end at which the sum from a
// random key passes a random threshold (at most what is left to the end),
// the same from the first key (op=seek0: a row at a pixel offset) and
// Measure from it (op=prefix: a row's pixel offset), and SeekBackward, the
// mirror of Seek. Then it compares the writes of
// BenchmarkInsert, BenchmarkShiftLeft and BenchmarkShiftRight, in a private
// clone of a built tree, plain against measured. Keys are drawn as
// BenchmarkSearch draws them: keys=cold a fresh random key per op,
// keys=hot 4096 keys over and over. Before timing, the answers of a few
// queries are checked against prefixSum.
func BenchmarkMeasured(b *testing.B) {
	for _, n := range measuredSizes {
		plain, meas, folded := insertedTree(b, "random", n), measuredTree(b, "random", n), foldedTree(b, "random", n)
		span := int64(n) * width
		checkMeasuredAnswers(b, meas, span)
		checkMeasuredAnswers(b, folded, span)
		for _, keys := range []string{"cold", "hot"} {
			name := func(op, kind string) string {
				return fmt.Sprintf("op=%s/kind=%s/keys=%s/n=%d", op, kind, keys, n)
			}
			b.Run(name("search", "plain"), func(b *testing.B) {
				ks := newKeySource(keys, span)
				b.ReportAllocs()
				var sink int64
				for b.Loop() {
					s, _ := plain.Search(ks.next())
					sink += s.Value
				}
				_ = sink
			})
			b.Run(name("search", "measured"), func(b *testing.B) {
				ks := newKeySource(keys, span)
				b.ReportAllocs()
				var sink int64
				for b.Loop() {
					s, _ := meas.Search(ks.next())
					sink += s.Value
				}
				_ = sink
			})
			for _, q := range []struct {
				kind string
				t    *fst.Measured[int64, int64, int64]
			}{{"measured", meas}, {"folder", folded}} {
				b.Run(name("measure", q.kind), func(b *testing.B) {
					ks := newKeySource(keys, span)
					b.ReportAllocs()
					var sink int64
					for b.Loop() {
						lo, hi := ks.next(), ks.next()
						if lo > hi {
							lo, hi = hi, lo
						}
						s := q.t.Measure(lo, hi+1)
						sink += s
					}
					_ = sink
				})
				// Seek from a random key, and from the first key (op=seek0:
				// the row at a pixel offset); op=prefix below is the pixel
				// offset of a row, a Measure from 0.
				seek := func(op string, fromKey func(k int64) int64) {
					b.Run(name(op, q.kind), func(b *testing.B) {
						ks := newKeySource(keys, span)
						total := prefixSum(span)
						var thr int64
						pred := func(s int64) bool { return s >= thr }
						b.ReportAllocs()
						var sink int64
						for b.Loop() {
							k := ks.next()
							from := fromKey(k)
							thr = seekThreshold(k, total-prefixSum(from))
							end, _, _ := q.t.Seek(from, pred)
							sink += end
						}
						_ = sink
					})
				}
				seek("seek", func(k int64) int64 { return k })
				seek("seek0", func(int64) int64 { return 0 })
				b.Run(name("prefix", q.kind), func(b *testing.B) {
					ks := newKeySource(keys, span)
					b.ReportAllocs()
					var sink int64
					for b.Loop() {
						sink += q.t.Measure(0, ks.next()+1)
					}
					_ = sink
				})
				b.Run(name("seekbackward", q.kind), func(b *testing.B) {
					ks := newKeySource(keys, span)
					var thr int64
					pred := func(s int64) bool { return s >= thr }
					b.ReportAllocs()
					var sink int64
					for b.Loop() {
						to := ks.next() + 1
						thr = seekThreshold(to, prefixSum(to))
						start, _, _ := q.t.SeekBackward(to, pred)
						sink += start
					}
					_ = sink
				})
			}
		}

		// Writes, with cold keys: the ops of BenchmarkInsert (split a
		// random segment in three, then restore it), BenchmarkShiftLeft and
		// BenchmarkShiftRight, and an Apply that negates the values of a
		// range over parts of four segments (then negates them back: the
		// sheet's hiding and showing a run of rows), on a private clone
		// written in place.
		type writer interface {
			Apply(start, end int64, f func(int64) int64) (bool, error)
			Insert(start, end, v int64) (bool, error)
			ShiftLeft(start, end int64) error
			ShiftRight(pos, size int64, skipStartNode bool) error
		}
		kinds := []struct {
			kind  string
			clone func() writer
		}{
			{"plain", func() writer { return benchTree(b, n).Clone() }},
			{"measured", func() writer { return measuredTree(b, "build", n).Clone() }},
			{"folder", func() writer { return foldedTree(b, "build", n).Clone() }},
		}
		negate := func(v int64) int64 { return -v }
		for _, op := range []string{"insert", "shiftleft", "shiftright", "apply"} {
			for _, k := range kinds {
				b.Run(fmt.Sprintf("op=%s/kind=%s/keys=cold/n=%d", op, k.kind, n), func(b *testing.B) {
					t := k.clone()
					ks := newKeySource("cold", int64(n))
					b.ReportAllocs()
					i := 0
					var s int64
					for b.Loop() {
						var err error
						switch op {
						case "insert":
							if i&1 == 0 {
								s = ks.next() * width
								_, err = t.Insert(s+4, s+12, -1)
							} else {
								_, err = t.Insert(s, s+width, s/width+1)
							}
						case "shiftleft":
							k := ks.next()*width + int64(i&(width-1))
							err = t.ShiftLeft(k, k+1)
						case "shiftright":
							err = t.ShiftRight(ks.next()*width+int64(i&(width-1)), 1, false)
						case "apply":
							if i&1 == 0 {
								s = min(ks.next(), int64(n)-4) * width
							}
							_, err = t.Apply(s+4, s+4+3*width, negate)
						}
						if err != nil {
							b.Fatal(err)
						}
						i++
					}
				})
			}
		}
	}
}

// checkMeasuredAnswers checks Measure, Seek and SeekBackward on a few keys
// against prefixSum: a benchmark of wrong answers measures nothing.
func checkMeasuredAnswers(b *testing.B, t *fst.Measured[int64, int64, int64], span int64) {
	b.Helper()
	total := prefixSum(span)
	ks := newKeySource("cold", span)
	for range 100 {
		lo, hi := ks.next(), ks.next()
		if lo > hi {
			lo, hi = hi, lo
		}
		if got := t.Measure(lo, hi+1); got != prefixSum(hi+1)-prefixSum(lo) {
			b.Fatalf("Measure(%d, %d) = %d; want %d", lo, hi+1, got, prefixSum(hi+1)-prefixSum(lo))
		}
		thr := seekThreshold(lo, total-prefixSum(lo))
		end, _, ok := t.Seek(lo, func(s int64) bool { return s >= thr })
		if !ok || prefixSum(end)-prefixSum(lo) < thr || prefixSum(end-1)-prefixSum(lo) >= thr {
			b.Fatalf("Seek(%d, >= %d) = %d, %v", lo, thr, end, ok)
		}
		if got := t.Measure(0, hi+1); got != prefixSum(hi+1) {
			b.Fatalf("Measure(0, %d) = %d; want %d", hi+1, got, prefixSum(hi+1))
		}
		thr = seekThreshold(lo, total)
		end, _, ok = t.Seek(0, func(s int64) bool { return s >= thr })
		if !ok || prefixSum(end) < thr || prefixSum(end-1) >= thr {
			b.Fatalf("Seek(0, >= %d) = %d, %v", thr, end, ok)
		}
		thr = seekThreshold(hi+1, prefixSum(hi+1))
		start, _, ok := t.SeekBackward(hi+1, func(s int64) bool { return s >= thr })
		if !ok || prefixSum(hi+1)-prefixSum(start) < thr || prefixSum(hi+1)-prefixSum(start+1) >= thr {
			b.Fatalf("SeekBackward(%d, >= %d) = %d, %v", hi+1, thr, start, ok)
		}
	}
}

// BenchmarkMeasuredMemory reports the live heap per segment of a plain and
// of a measured tree (an int64 summary per inner-node child) of the same
// segments, built by random inserts (how=inserts) and by Build (how=build),
// as BenchmarkMemory does. Run it with -benchtime 1x: one op builds a tree.
func BenchmarkMeasuredMemory(b *testing.B) {
	for _, n := range measuredSizes {
		for _, how := range []string{"inserts", "build"} {
			for _, kind := range []string{"plain", "measured"} {
				b.Run(fmt.Sprintf("how=%s/kind=%s/n=%d", how, kind, n), func(b *testing.B) {
					var perSeg float64
					for b.Loop() {
						runtime.GC()
						var before, after runtime.MemStats
						runtime.ReadMemStats(&before)
						t := memoryTree(b, how, kind, n)
						runtime.GC()
						runtime.ReadMemStats(&after)
						perSeg = float64(after.HeapAlloc-before.HeapAlloc) / float64(n)
						runtime.KeepAlive(t)
					}
					b.ReportMetric(perSeg, "B/segment")
				})
			}
		}
	}
}

// memoryTree builds, without caching, the n-segment tree of
// BenchmarkMeasuredMemory.
func memoryTree(b *testing.B, how, kind string, n int) any {
	var segs []fst.Segment[int64, int64]
	var order []int
	if how == "build" {
		segs = make([]fst.Segment[int64, int64], n)
		for i := range segs {
			segs[i] = fst.Segment[int64, int64]{Start: int64(i) * width, End: int64(i+1) * width, Value: int64(i + 1)}
		}
	} else {
		order = rand.New(rand.NewPCG(3, 4)).Perm(n)
	}
	span := int64(n) * width
	var t interface {
		Insert(start, end, v int64) (bool, error)
	}
	var err error
	switch {
	case kind == "plain" && how == "build":
		t, err = fst.Build(0, span, 0, segs)
	case kind == "plain":
		t, err = fst.New[int64, int64](0, span, 0)
	case how == "build":
		t, err = buildMeasured(0, span, segs)
	default:
		t, err = fst.NewMeasured(0, span, int64(0), fst.Measure[int64, int64, int64](sumMeasure{}))
	}
	if err != nil {
		b.Fatal(err)
	}
	for _, i := range order {
		if _, err := t.Insert(int64(i)*width, int64(i+1)*width, int64(i+1)); err != nil {
			b.Fatal(err)
		}
	}
	return t
}

// buildMeasured builds a tree over [min, max) of default 0 holding segs,
// summed by sumMeasure: Build, then WithMeasure.
func buildMeasured(min, max int64, segs []fst.Segment[int64, int64]) (*fst.Measured[int64, int64, int64], error) {
	t, err := fst.Build(min, max, 0, segs)
	if err != nil {
		return nil, err
	}
	return fst.WithMeasure(t, fst.Measure[int64, int64, int64](sumMeasure{}))
}
