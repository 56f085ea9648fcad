package cow

import (
	"math/rand/v2"
	"testing"
)

func floorLEB[K Number](keys *[maxFanout]K, n int, origin, x K) int {
	if n <= 0 || !(origin+keys[0] <= x) {
		return -1
	}
	base := 0
	for l := n; l > 1; {
		half := l >> 1
		if origin+keys[base+half] <= x {
			base += half
		}
		l -= half
	}
	return base
}

type floorCase struct {
	keys [maxFanout]int64
	n    int
	end  int64
}

func floorCases(n, nodes int, r *rand.Rand) []floorCase {
	cs := make([]floorCase, nodes)
	for j := range cs {
		var k int64
		for i := 0; i < n; i++ {
			cs[j].keys[i] = k
			k += 1 + r.Int64N(100)
		}
		cs[j].n, cs[j].end = n, k
	}
	return cs
}

func TestFloorLEB(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := 1; n <= maxFanout; n++ {
		for _, c := range floorCases(n, 20, r) {
			for x := int64(-3); x < c.end+3; x++ {
				want := floorLE(&c.keys, c.n, 0, x, c.end, false)
				if got := floorLEB(&c.keys, c.n, 0, x); got != want {
					t.Fatalf("n=%d x=%d got %d want %d", n, x, got, want)
				}
			}
		}
	}
}

func BenchmarkFloor(b *testing.B) {
	for _, n := range []int{33, 47} {
		r := rand.New(rand.NewPCG(1, 2))
		cs := floorCases(n, 64, r)
		xs := make([]int64, 4096)
		for i := range xs {
			xs[i] = r.Int64N(cs[i%64].end)
		}
		b.Run("f=interp/n="+itoa(n), func(b *testing.B) {
			s := 0
			i := 0
			for b.Loop() {
				c := &cs[i&63]
				s += floorLE(&c.keys, c.n, 0, xs[i&4095], c.end, true)
				i++
			}
			sink = s
		})
		b.Run("f=branchless/n="+itoa(n), func(b *testing.B) {
			s := 0
			i := 0
			for b.Loop() {
				c := &cs[i&63]
				s += floorLEB(&c.keys, c.n, 0, xs[i&4095])
				i++
			}
			sink = s
		})
	}
}

var sink int

func itoa(n int) string { return string(rune('0'+n/10)) + string(rune('0'+n%10)) }
