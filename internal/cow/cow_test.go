package cow_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/flatseg/flatseg/internal/cow"
	"github.com/flatseg/flatseg/internal/testenv"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func built(t testing.TB, n int) *cow.Plain[int64, int64] {
	keys := make([]int64, n)
	vals := make([]int64, n)
	for i := range keys {
		keys[i], vals[i] = int64(i)*10, int64(i)
	}
	tr, err := cow.Build(keys, vals)
	require.NoError(t, err)
	tr.Freeze()
	return tr
}

func entries(tr *cow.Plain[int64, int64]) [][2]int64 {
	var out [][2]int64
	for k, v := range tr.All() {
		out = append(out, [2]int64{k, v})
	}
	return out
}

// escaped keeps the clones of allocation tests on the heap, so that their
// allocation counts do not depend on inlining.
var escaped *cow.Plain[int64, int64]

func TestTree_CopiesEachNodeOnce(t *testing.T) {
	base := built(t, 100_000)
	want := entries(base)
	first := testing.AllocsPerRun(20, func() {
		c := base.Clone()
		c.Set(505, 1)
		escaped = c // on the heap whatever the inliner does (the race detector changes it)
	})
	assert.Equal(t, float64(1+1+base.Height()+1), first, "a clone, the owner token of its first write, and one copy per level of the path")
	c := base.Clone()
	c.Set(505, 1)
	again := testing.AllocsPerRun(100, func() {
		c.Set(505, 2)
		c.Shift(400, 0)
		c.Set(515, 3)
		c.Delete(515)
	})
	assert.Zero(t, again, "later writes on the same path change the copies in place")
	shift := testing.AllocsPerRun(10, func() { c.Shift(600, 1); c.Shift(600, -1) })
	assert.Zero(t, shift, "a shift on the owned path writes in place")
	require.NoError(t, c.Verify(nil))
	assert.Equal(t, want, entries(base), "the frozen tree never changes")
}

func TestTree_NoOpWritesDoNotAllocate(t *testing.T) {
	tr := built(t, 10_000).Clone()
	allocs := testing.AllocsPerRun(50, func() {
		tr.DeleteRange(1, 9)                 // between keys 0 and 10
		tr.Delete(15)                        // absent
		tr.DeleteRange(1_000_000, 2_000_000) // past the end
		tr.Shift(1_000_000, 5)               // no key moves
		tr.Shift(50, 0)                      // zero shift
	})
	assert.Zero(t, allocs)
	require.NoError(t, tr.Verify(nil))
}

// TestTree_ConcurrentClones clones one frozen tree from many goroutines and
// writes each clone; run with -race. Clone must not write its receiver.
func TestTree_ConcurrentClones(t *testing.T) {
	t.Parallel()
	base := built(t, 5_000)
	want := entries(base)
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for g := range 8 {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(g), 0))
			for range 50 {
				c := base.Clone()
				for range 20 {
					k := r.Int64N(50_000)
					c.Set(k, -1)
					c.Shift(k+1, 3)
				}
				if err := c.Verify(nil); err != nil {
					errs[g] = err
					return
				}
				for k, v := range base.All() { // concurrent reads of the shared tree
					_, _ = k, v
				}
			}
		})
	}
	wg.Wait()
	for g, err := range errs {
		assert.NoError(t, err, "goroutine %d", g)
	}
	assert.Equal(t, want, entries(base))
}

// TestTree_WriterTokenRotatesAfterClone checks that a tree holding a writer
// token stops writing its nodes in place once a clone shares them.
func TestTree_WriterTokenRotatesAfterClone(t *testing.T) {
	t.Parallel()
	tr := cow.New[int64, int64]()
	for i := range int64(200) {
		tr.Set(i, i)
	}
	snap := tr.Clone()
	want := entries(snap)
	for i := range int64(200) {
		tr.Set(i, -i)
		tr.Shift(100, 1)
	}
	assert.Equal(t, want, entries(snap))
	require.NoError(t, snap.Verify(nil))
	require.NoError(t, tr.Verify(nil))
}

// TestTree_FloatKeys runs shifts and deletes on float64 keys that are exact
// binary fractions, so that the model's arithmetic matches the tree's.
func TestTree_FloatKeys(t *testing.T) {
	t.Parallel()
	for seed := uint64(1); seed <= uint64(testenv.Pick(t, 5, 20)); seed++ {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			t.Parallel()
			r := rand.New(rand.NewPCG(seed, 9))
			tr := cow.NewFanout[float64, int](4)
			model := map[float64]int{}
			for range 300 {
				k := float64(r.IntN(200)) / 4
				switch r.IntN(4) {
				case 0, 1:
					tr.Set(k, int(k*4))
					model[k] = int(k * 4)
				case 2:
					tr.DeleteRange(k, k+2)
					for mk := range model {
						if k <= mk && mk < k+2 {
							delete(model, mk)
						}
					}
				case 3:
					d := float64(r.IntN(8)) / 2
					tr.Shift(k, d)
					next := map[float64]int{}
					for mk, v := range model {
						if mk >= k {
							mk += d
						}
						next[mk] = v
					}
					model = next
				}
				require.NoError(t, tr.Verify(nil))
				keys := slices.Sorted(func(yield func(float64) bool) {
					for k := range model {
						if !yield(k) {
							return
						}
					}
				})
				var got []float64
				for k, v := range tr.All() {
					got = append(got, k)
					require.Equal(t, model[k], v)
				}
				require.Equal(t, keys, got)
			}
		})
	}
}

// TestTree_MergeDoesNotCopyTheDroppedSibling: when a delete leaves a leaf
// under the minimum and it merges with its right sibling, the sibling is
// only read: the write copies the owner token and the path, nothing else.
func TestTree_MergeDoesNotCopyTheDroppedSibling(t *testing.T) {
	keys := make([]int64, 200)
	vals := make([]int64, 200)
	for i := range keys {
		keys[i], vals[i] = int64(i)*10, int64(i)
	}
	base, err := cow.BuildFanout(keys, vals, 8) // leaves of 6: [0..50], [60..110], ...
	require.NoError(t, err)
	prepared := base.Clone()
	prepared.Delete(10)
	prepared.Delete(20) // the first leaf holds 4, the minimum
	prepared.Delete(70) // the second holds 5: the two fit in one node of 8
	prepared.Freeze()
	require.NoError(t, prepared.Verify(nil))
	allocs := testing.AllocsPerRun(20, func() {
		c := prepared.Clone()
		c.Delete(30) // the first leaf drops to 3 and merges with the second
		if c.Len() != prepared.Len()-1 {
			panic("Delete(30) removed nothing")
		}
		escaped = c
	})
	assert.Equal(t, float64(1+1+prepared.Height()+1), allocs, "the clone, the owner token and one copy per level of the path")
	c := prepared.Clone()
	c.Delete(30)
	require.NoError(t, c.Verify(nil))
	require.NoError(t, prepared.Verify(nil))
	assert.Equal(t, 196, c.Len())
}
