package cow_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/flatseg/flatseg/internal/cow"
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

// BenchmarkFloor looks up random keys in trees whose keys are evenly spaced
// (dist=even), spaced by random gaps in [1, 20) (dist=random), or by gaps
// that are mostly 1 and sometimes 1000 (dist=clustered, hard on the
// interpolated first probe of the in-node search).
func BenchmarkFloor(b *testing.B) {
	for _, dist := range []string{"even", "random", "clustered"} {
		for _, n := range cowSizes {
			r := rand.New(rand.NewPCG(7, 8))
			keys := make([]int64, n)
			vals := make([]int64, n)
			var k int64
			for i := range keys {
				keys[i], vals[i] = k, int64(i)
				switch dist {
				case "even":
					k += 10
				case "random":
					k += 1 + r.Int64N(19)
				case "clustered":
					k++
					if r.IntN(10) == 0 {
						k += 1000
					}
				}
			}
			tr, err := cow.Build(keys, vals)
			if err != nil {
				b.Fatal(err)
			}
			probes := make([]int64, 1<<16)
			for i := range probes {
				probes[i] = r.Int64N(k)
			}
			b.Run(fmt.Sprintf("dist=%s/n=%d", dist, n), func(b *testing.B) {
				b.ReportAllocs()
				var sink int64
				i := 0
				for b.Loop() {
					_, v, _ := tr.Floor(probes[i&(len(probes)-1)])
					sink += v
					i++
				}
				_ = sink
			})
		}
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
