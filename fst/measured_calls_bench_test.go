package fst_test

import (
	"fmt"
	"testing"

	"github.com/flatseg/flatseg/fst"
)

// countingSum is sumMeasure counting its calls: the work a query does in
// the Measure, exact whatever the machine's load.
type countingSum struct{ of, combine *int }

func (c countingSum) Of(v, n int64) int64      { *c.of++; return v * n }
func (c countingSum) Combine(a, b int64) int64 { *c.combine++; return a + b }

// BenchmarkMeasuredCalls reports, for the queries and writes of
// BenchmarkMeasured on the same tree (random inserts, cold keys), the Of
// and Combine calls per query or write (of/op, combine/op): counts, not
// times, so they compare exactly from one build to another on a loaded
// machine. The writes go to one clone per benchmark, as
// BenchmarkMeasured's do.
func BenchmarkMeasuredCalls(b *testing.B) {
	for _, n := range measuredSizes {
		var of, combine int
		t, err := fst.WithMeasure(measuredTree(b, "random", n), fst.Measure[int64, int64, int64](countingSum{&of, &combine}))
		if err != nil {
			b.Fatal(err)
		}
		span := int64(n) * width
		total := prefixSum(span)
		for _, op := range []string{"measure", "seek", "seekbackward", "insert", "shiftleft", "shiftright"} {
			b.Run(fmt.Sprintf("op=%s/keys=cold/n=%d", op, n), func(b *testing.B) {
				ks := newKeySource("cold", span)
				w := t.Clone()
				of, combine = 0, 0
				var thr int64
				pred := func(s int64) bool { return s >= thr }
				var sink int64
				for b.Loop() {
					switch op {
					case "measure":
						lo, hi := ks.next(), ks.next()
						if lo > hi {
							lo, hi = hi, lo
						}
						sink += t.Measure(lo, hi+1)
					case "insert":
						k := ks.next()
						_, _ = w.Insert(k, k+width/2, k%7)
					case "shiftleft":
						k := ks.next()
						_ = w.ShiftLeft(k, k+1)
					case "shiftright":
						k := ks.next()
						_ = w.ShiftRight(k, 1, false)
					case "seek":
						from := ks.next()
						thr = seekThreshold(from, total-prefixSum(from))
						end, _, _ := t.Seek(from, pred)
						sink += end
					default:
						to := ks.next() + 1
						thr = seekThreshold(to, prefixSum(to))
						start, _, _ := t.SeekBackward(to, pred)
						sink += start
					}
				}
				_ = sink
				b.ReportMetric(float64(of)/float64(b.N), "of/op")
				b.ReportMetric(float64(combine)/float64(b.N), "combine/op")
			})
		}
	}
}
