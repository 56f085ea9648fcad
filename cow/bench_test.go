package cow_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/flatseg/flatseg/cow"
)

var cowSizes = []int{1_000, 100_000, 1_000_000}

func probeKeys(n int) []int64 {
	r := rand.New(rand.NewPCG(5, 6))
	keys := make([]int64, 1<<16)
	for i := range keys {
		keys[i] = r.Int64N(int64(n) * 10)
	}
	return keys
}

func BenchmarkFloor(b *testing.B) {
	for _, n := range cowSizes {
		tr, keys := built(b, n), probeKeys(n)
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			var sink int64
			i := 0
			for b.Loop() {
				f, _ := tr.Floor(keys[i&(len(keys)-1)])
				sink += f.Value
				i++
			}
			_ = sink
		})
	}
}

// BenchmarkSet replaces and adds entries in a private clone (in place after
// the first copy of each path).
func BenchmarkSet(b *testing.B) {
	for _, n := range cowSizes {
		base, keys := built(b, n), probeKeys(n)
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			tr := base.Clone()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				tr.Set(keys[i&(len(keys)-1)], int64(i))
				i++
			}
		})
	}
}

// BenchmarkShift moves every key above a random point by +1 and back.
func BenchmarkShift(b *testing.B) {
	for _, n := range cowSizes {
		base, keys := built(b, n), probeKeys(n)
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			tr := base.Clone()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				k := keys[i&(len(keys)-1)]
				if i&1 == 0 {
					tr.Shift(k, 1)
				} else {
					tr.Shift(k+1, -1)
				}
				i++
			}
		})
	}
}

// BenchmarkCloneSet is the persistent write: clone a frozen tree, set once.
func BenchmarkCloneSet(b *testing.B) {
	for _, n := range cowSizes {
		base, keys := built(b, n), probeKeys(n)
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				c := base.Clone()
				c.Set(keys[i&(len(keys)-1)]|1, 1)
				i++
			}
		})
	}
}

func BenchmarkBuild(b *testing.B) {
	for _, n := range cowSizes {
		keys := make([]int64, n)
		vals := make([]int64, n)
		for i := range keys {
			keys[i], vals[i] = int64(i)*10, int64(i)
		}
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := cow.Build(keys, vals); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkAll(b *testing.B) {
	for _, n := range cowSizes {
		tr := built(b, n)
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c := 0
				for range tr.All() {
					c++
				}
				if c != n {
					b.Fatal(c)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/entry")
		})
	}
}
