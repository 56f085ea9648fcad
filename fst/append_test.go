package fst_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/flatseg/flatseg/fst"
	"github.com/flatseg/flatseg/internal/testenv"
	"github.com/stretchr/testify/require"
)

// TestMeasured_Appends drives the one-descent append (Insert at the end of
// the last leaf, which splits it when full, see cow.SpliceLeaf) on trees
// with summaries, which the random model tests reach only now and then:
// runs of segments in key order, of random lengths and values (some equal
// to the segment before or to the default, so that boundaries merge),
// now and then a write over the last few segments, with Verify (structure
// and every stored summary) and a Measure against a model after each
// Insert, and a clone kept every so often that must not change.
func TestMeasured_Appends(t *testing.T) {
	t.Parallel()
	const hi = 1 << 20
	n := testenv.Pick(t, 600, 5000)
	for _, fanout := range []int{4, 5, fst.MaxFanout} {
		for seed := range uint64(3) {
			t.Run(fmt.Sprintf("fanout=%d/seed=%d", fanout, seed), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(seed, 7))
				tr, err := fst.NewMeasuredFanout(0, hi, 0, fst.Measure[int, int, int64](sumOf[int]{}), fanout)
				require.NoError(t, err)
				model := make([]int, 0, 4*n) // the value of every key below the end written
				type kept struct {
					tree  *fst.Measured[int, int, int64]
					model []int
				}
				var clones []kept
				for i := range n {
					s := len(model)
					if i%11 == 10 && s > 8 {
						s -= 1 + rng.IntN(8) // over the last few segments
					}
					e := s + 1 + rng.IntN(4)
					v := rng.IntN(3)
					_, err := tr.Insert(s, e, v)
					require.NoError(t, err)
					for len(model) < e {
						model = append(model, 0)
					}
					for k := s; k < e; k++ {
						model[k] = v
					}
					require.NoError(t, tr.Verify(), "Insert(%d, %d, %d), op %d", s, e, v, i)
					a := rng.IntN(len(model))
					var want int64
					for _, x := range model[a:] {
						want += int64(x)
					}
					require.Equal(t, want, tr.Measure(a, hi), "Measure(%d, hi) after op %d", a, i)
					if i%97 == 0 {
						clones = append(clones, kept{tr.Clone(), append([]int(nil), model...)})
					}
				}
				for _, c := range clones {
					require.NoError(t, c.tree.Verify())
					var sum int64
					for _, x := range c.model {
						sum += int64(x)
					}
					require.Equal(t, sum, c.tree.Measure(0, hi), "a clone changed")
				}
			})
		}
	}
}
