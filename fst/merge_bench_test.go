package fst_test

import (
	"fmt"
	"testing"

	"github.com/flatseg/flatseg/fst"
)

// mergeShape returns the two trees of the merge benchmarks, of n
// segments with a value each (2n boundaries): a maps [4i, 4i+2) to
// 1+i%3 and the keys between to 0; b maps [4i+1, 4i+5) to 1+i%2, so that
// each of b's segments overlaps two of a's. Their sum has 3n segments.
func mergeShape(tb testing.TB, n int) (a, b *fst.Tree[int64, int64]) {
	tb.Helper()
	sa := make([]fst.Segment[int64, int64], n)
	sb := make([]fst.Segment[int64, int64], n)
	for i := range int64(n) {
		sa[i] = fst.Segment[int64, int64]{Start: 4 * i, End: 4*i + 2, Value: 1 + i%3}
		sb[i] = fst.Segment[int64, int64]{Start: 4*i + 1, End: 4*i + 5, Value: 1 + i%2}
	}
	span := int64(4*n + 8)
	a, err := fst.Build(0, span, 0, sa)
	if err == nil {
		b, err = fst.Build(0, span, 0, sb)
	}
	if err != nil {
		tb.Fatal(err)
	}
	a.Freeze()
	b.Freeze()
	return a, b
}

// The merge functions of the benchmarks: the sum, as Boost.ICL's += of
// two interval_maps aggregates, and the sum where both are set (0
// elsewhere), as its &= does.
var (
	addOf = func(x, y int64) int64 { return x + y }
	andOf = func(x, y int64) int64 {
		if x == 0 || y == 0 {
			return 0
		}
		return x + y
	}
)

// insertLoop is what a caller writes today to merge b into a with f: a
// Clone of a, and for each of b's segments an Insert of f over each of
// a's segments it overlaps.
func insertLoop(a, b *fst.Tree[int64, int64], f func(x, y int64) int64) *fst.Tree[int64, int64] {
	c := a.Clone()
	for s := range b.All() {
		for o := range a.Overlapping(s.Start, s.End) {
			if _, err := c.Insert(max(o.Start, s.Start), min(o.End, s.End), f(o.Value, s.Value)); err != nil {
				panic(err)
			}
		}
	}
	return c
}

// BenchmarkMerge compares, on the trees of mergeShape (n segments each),
// impl=merge (Merge), impl=build (Build of Merge's result from a slice of
// its segments, the floor a bottom-up build sets) and impl=inserts (the
// loop of Overlapping and Insert of insertLoop), for op=sum (x+y) and
// op=and (x+y where both are set, else 0). segs/op is the result's size.
func BenchmarkMerge(b *testing.B) {
	const n = 500_000
	ta, tb := mergeShape(b, n)
	for _, op := range []struct {
		name string
		f    func(x, y int64) int64
	}{{"sum", addOf}, {"and", andOf}} {
		want, err := fst.Merge(ta, tb, op.f)
		if err != nil {
			b.Fatal(err)
		}
		segs := make([]fst.Segment[int64, int64], 0, want.Len())
		for s := range want.All() {
			segs = append(segs, s)
		}
		for _, impl := range []string{"merge", "build", "inserts"} {
			b.Run(fmt.Sprintf("op=%s/impl=%s/n=%d", op.name, impl, n), func(b *testing.B) {
				b.ReportAllocs()
				var got *fst.Tree[int64, int64]
				for b.Loop() {
					switch impl {
					case "merge":
						got, err = fst.Merge(ta, tb, op.f)
					case "build":
						got, err = fst.Build(ta.MinKey(), ta.MaxKey(), 0, segs)
					case "inserts":
						got = insertLoop(ta, tb, op.f)
					}
					if err != nil {
						b.Fatal(err)
					}
				}
				if !got.Equal(want) {
					b.Fatal("wrong result")
				}
				b.ReportMetric(float64(got.Len()), "segs/op")
			})
		}
	}
}

// versions returns the frozen tree of n segments of benchTree and a
// frozen version of it after c Inserts of one segment's width each, spread
// over the span, of values below every value of the tree; when mixed,
// every other Insert writes a value above every value of the tree instead.
func versions(tb testing.TB, n, c int, mixed bool) (before, after *fst.Tree[int64, int64]) {
	tb.Helper()
	before = benchTree(tb, n)
	after = before.Clone()
	span := int64(n) * width
	for i := range int64(c) {
		k := span/int64(c)*i + 5
		v := -1 - i
		if mixed && i%2 == 1 {
			v = 1<<40 + i
		}
		if _, err := after.Insert(k, k+width, v); err != nil {
			tb.Fatal(err)
		}
	}
	after.Freeze()
	return before, after
}

// BenchmarkMergeSame measures MergeSame (f = min, idempotent) of two
// versions of a tree of n segments c Inserts apart, against impl=merge,
// Merge of the same two. writes=below: the Inserts wrote smaller values,
// which the merge takes, so the result is the second version;
// writes=mixed: every other Insert wrote a larger value, so the result is
// neither version and MergeSame inserts c/2 ranges. nodes/op is the number
// of nodes MergeSame's walk entered.
func BenchmarkMergeSame(b *testing.B) {
	const n = 1_000_000
	minOf := func(x, y int64) int64 { return min(x, y) }
	for _, writes := range []string{"below", "mixed"} {
		for _, c := range []int{1, 100} {
			before, after := versions(b, n, c, writes == "mixed")
			for _, impl := range []string{"mergesame", "merge"} {
				b.Run(fmt.Sprintf("impl=%s/writes=%s/c=%d/n=%d", impl, writes, c, n), func(b *testing.B) {
					b.ReportAllocs()
					nodes := 0
					for b.Loop() {
						var err error
						if impl == "merge" {
							_, err = fst.Merge(before, after, minOf)
						} else {
							_, nodes, err = fst.MergeSameNodes(before, after, minOf)
						}
						if err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64(nodes), "nodes/op")
				})
			}
		}
	}
}

// BenchmarkZip compares impl=zip, a walk of Zip over the trees of
// mergeShape, with impl=all, a walk of All over each of them. ns/step is
// the time per range yielded (Zip) or per segment (All).
func BenchmarkZip(b *testing.B) {
	const n = 500_000
	ta, tb := mergeShape(b, n)
	for _, impl := range []string{"zip", "all"} {
		b.Run(fmt.Sprintf("impl=%s/n=%d", impl, n), func(b *testing.B) {
			b.ReportAllocs()
			steps := 0
			for b.Loop() {
				if impl == "zip" {
					for range fst.Zip(ta, tb) {
						steps++
					}
					continue
				}
				for range ta.All() {
					steps++
				}
				for range tb.All() {
					steps++
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(steps), "ns/step")
		})
	}
}
