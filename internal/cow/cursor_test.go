package cow_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flatseg/flatseg/internal/cow"
	"github.com/flatseg/flatseg/internal/testenv"
)

// TestCursor_Model: on trees of random keys several levels deep, a cursor
// walked with Next and Prev visits every entry in order, each Seek lands
// on the entry Floor names (also right after another Seek anywhere, which
// climbs from the old path), and Entry's next key is the following key.
func TestCursor_Model(t *testing.T) {
	t.Parallel()
	for seed := uint64(1); seed <= uint64(testenv.Pick(t, 6, 60)); seed++ {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 7))
			n := 1 + rng.IntN(600)
			set := map[int64]bool{}
			for len(set) < n {
				set[rng.Int64N(5000)-2500] = true
			}
			keys := slices.Sorted(func(yield func(int64) bool) {
				for k := range set {
					if !yield(k) {
						return
					}
				}
			})
			vals := make([]int, n)
			for i := range vals {
				vals[i] = i
			}
			tr, err := cow.BuildFanout(keys, vals, 4+rng.IntN(4))
			require.NoError(t, err)
			c := tr.Cursor()
			require.False(t, c.Next(), "an unpositioned cursor does not move")
			require.True(t, c.Seek(keys[0]))
			for i := range keys { // forwards
				k, v, next, ok := c.Entry()
				require.Equal(t, keys[i], k)
				require.Equal(t, i, v)
				require.Equal(t, i+1 < n, ok)
				if ok {
					require.Equal(t, keys[i+1], next)
				}
				require.Equal(t, i+1 < n, c.Next())
			}
			for i := n - 1; i >= 0; i-- { // backwards
				k, _, _, _ := c.Entry()
				require.Equal(t, keys[i], k)
				require.Equal(t, i > 0, c.Prev())
			}
			for range 300 { // seeks anywhere, each from the last one's path
				x := rng.Int64N(5200) - 2600
				fk, fv, fok := tr.Floor(x)
				ok := c.Seek(x)
				require.Equal(t, fok, ok, "Seek(%d)", x)
				k, v, _, _ := c.Entry()
				if !fok {
					require.Equal(t, keys[0], k, "below every key: the first entry")
					continue
				}
				require.Equal(t, fk, k, "Seek(%d)", x)
				require.Equal(t, fv, v)
			}
		})
	}
}
