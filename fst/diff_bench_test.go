package fst_test

import (
	"fmt"
	"testing"

	"github.com/flatseg/flatseg/fst"
)

// diffPair returns the benchmark tree of n segments and a frozen version of
// it after the write named by what: shift (ShiftRight by one key near the
// start: every boundary after it moves), insert1 (one Insert in the middle)
// or insert10 (ten Inserts spread over the span).
func diffPair(b *testing.B, what string, n int) (before, after *fst.Tree[int64, int64]) {
	b.Helper()
	before = benchTree(b, n)
	after = before.Clone()
	span := int64(n) * width
	var err error
	switch what {
	case "shift":
		err = after.ShiftRight(10*width+3, 1, false)
	case "insert1":
		_, err = after.Insert(span/2+3, span/2+width+3, -1)
	case "insert10":
		for i := range int64(10) {
			k := span/10*i + 5
			if _, err = after.Insert(k, k+width, -1); err != nil {
				break
			}
		}
	default:
		b.Fatalf("unknown write %q", what)
	}
	if err != nil {
		b.Fatal(err)
	}
	after.Freeze()
	return before, after
}

// BenchmarkDiff measures Diff of two versions of a tree of n segments
// (16 keys each, distinct values) one write apart: case=shift after a
// one-key ShiftRight near the start, which moves every boundary after it
// (Diff then reports about n ranges, one per boundary), case=insert1 after
// one Insert, case=insert10 after ten. case=walk is the baseline for
// case=shift: a plain walk (All) of both trees of the shift case, counting
// segments. changes/op is the number of ranges Diff yields.
func BenchmarkDiff(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		for _, c := range []string{"walk", "shift", "insert1", "insert10"} {
			b.Run(fmt.Sprintf("case=%s/n=%d", c, n), func(b *testing.B) {
				what := c
				if c == "walk" {
					what = "shift"
				}
				before, after := diffPair(b, what, n)
				b.ReportAllocs()
				count := 0
				for b.Loop() {
					count = 0
					if c == "walk" {
						for range before.All() {
							count++
						}
						for range after.All() {
							count++
						}
						continue
					}
					for range fst.Diff(before, after) {
						count++
					}
				}
				b.ReportMetric(float64(count), "changes/op")
			})
		}
	}
}
