package fst_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/flatseg/flatseg/fst"
	"github.com/flatseg/flatseg/internal/testenv"
	"github.com/stretchr/testify/assert"
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

// TestTree_AppendsForkAndFreeze: appends write through the last leaf the
// tree's writer keeps (cow.Tree.LastLeaf) only while nobody else can
// reach it. A clone taken between appends keeps its segments while the
// original appends on, and the clone's own appends (and a write inside it)
// never show in the original; a frozen tree's readers never see the
// appends made after Freeze.
func TestTree_AppendsForkAndFreeze(t *testing.T) {
	t.Parallel()
	for _, fanout := range []int{4, fst.MaxFanout} {
		t.Run(fmt.Sprintf("fanout=%d", fanout), func(t *testing.T) {
			const n = 400
			tr, err := fst.NewFanout[int64, int](0, 16*n, 0, fanout)
			require.NoError(t, err)
			type version struct {
				tree *fst.Tree[int64, int]
				segs []fst.Segment[int64, int]
			}
			var kept []version
			appendTo := func(tr *fst.Tree[int64, int], i int, v int) {
				t.Helper()
				_, err := tr.Insert(int64(16*i), int64(16*i+16), v)
				require.NoError(t, err)
			}
			for i := range n {
				appendTo(tr, i, i%5+1)
				switch i % 37 {
				case 3: // a clone that appends too, and writes inside
					c := tr.Clone()
					want := slices.Collect(tr.All())
					for j := i + 1; j < min(i+60, n); j++ {
						appendTo(c, j, 9)
					}
					_, err := c.Insert(int64(16*i-40), int64(16*i-20), 7)
					require.NoError(t, err)
					require.NoError(t, c.Verify())
					require.Equal(t, want, slices.Collect(tr.All()), "the clone's writes showed in the original")
					kept = append(kept, version{c, slices.Collect(c.All())})
				case 11: // a clone kept as it is
					kept = append(kept, version{tr.Clone(), slices.Collect(tr.All())})
				case 20: // frozen, then written on
					tr.Freeze()
					kept = append(kept, version{tr.Clone(), slices.Collect(tr.All())})
				}
				require.NoError(t, tr.Verify())
			}
			for j, k := range kept {
				require.NoError(t, k.tree.Verify())
				require.Equal(t, k.segs, slices.Collect(k.tree.All()), "version %d changed", j)
			}
			got := slices.Collect(tr.All())
			require.Len(t, got, n)
			for i, s := range got {
				require.Equal(t, fst.Segment[int64, int]{Start: int64(16 * i), End: int64(16*i + 16), Value: i%5 + 1}, s)
			}
		})
	}
}

// TestTree_AppendsConcurrentReaders: a writer appends and every so often
// publishes a frozen clone; readers on other goroutines read the versions
// published while the writer goes on appending. Under -race a write to a
// node a published version reaches (the last leaf the writer keeps, say)
// is reported; without it the readers check each version's segments.
func TestTree_AppendsConcurrentReaders(t *testing.T) {
	t.Parallel()
	const n = 3000
	tr, err := fst.New[int64, int](0, 16*n, 0)
	require.NoError(t, err)
	versions := make(chan *fst.Tree[int64, int], n)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 2 {
		wg.Go(func() {
			for v := range versions {
				i := 0
				for s := range v.All() {
					if s.Value != 0 && s != (fst.Segment[int64, int]{Start: int64(16 * i), End: int64(16*i + 16), Value: i%5 + 1}) {
						errs <- fmt.Errorf("segment %d of a published version is %v", i, s)
						return
					}
					i++
				}
			}
		})
	}
	for i := range n {
		_, err := tr.Insert(int64(16*i), int64(16*i+16), i%5+1)
		require.NoError(t, err)
		if i%7 == 0 {
			v := tr.Clone()
			v.Freeze()
			versions <- v
		}
	}
	close(versions)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// TestMeasured_PanickingMeasureAppends: an append to a measured tree
// whose Measure panics at its k-th call, for every k until the append
// completes, leaves the tree as it was (the same segments, Equal, every
// summary verified) and usable. The appends run after j others on a fork,
// for every j up to a few leaves' worth, so that the tree owns its right
// edge and the append writes the last leaf in place, splits it, or splits
// nodes up to a new root; one append reaches max (one boundary written),
// one continues the value before it (none written for s).
func TestMeasured_PanickingMeasureAppends(t *testing.T) {
	t.Parallel()
	m := bomb{new(bombState)}
	const hi = 4000
	base, err := fst.NewMeasuredFanout(0, hi, 0, m, 4)
	require.NoError(t, err)
	for i := range int64(40) {
		_, err := base.Insert(10*i, 10*i+5, int(i%3)+1)
		require.NoError(t, err)
	}
	base.Freeze()
	appends := []struct {
		name string
		op   func(tr *fst.Measured[int64, int, int64], s int64) error
	}{
		{"two boundaries", func(tr *fst.Measured[int64, int, int64], s int64) error {
			_, err := tr.Insert(s, s+5, 7)
			return err
		}},
		{"to max", func(tr *fst.Measured[int64, int, int64], s int64) error {
			_, err := tr.Insert(s, hi, 7)
			return err
		}},
		{"continuing the value before", func(tr *fst.Measured[int64, int, int64], s int64) error {
			_, err := tr.Insert(s-5, s+5, 8) // the warm-up left [s-10, s-5) -> 8
			return err
		}},
	}
	for _, ap := range appends {
		for j := range 14 {
			t.Run(fmt.Sprintf("%s/after=%d", ap.name, j), func(t *testing.T) {
				hits := 0
				for k := 1; ; k++ {
					tr := base.Clone()
					s := int64(400)
					for range j + 1 { // own the right edge
						_, err := tr.Insert(s, s+5, 8)
						require.NoError(t, err)
						s += 10
					}
					if !panicAt(t, tr, m, k, hi, func() error { return ap.op(tr, s) }) {
						break
					}
					hits++
					require.NoError(t, ap.op(tr, s), "k=%d: the tree takes the append once the Measure behaves", k)
					require.NoError(t, tr.Verify())
				}
				assert.Positive(t, hits, "the append called the Measure")
			})
		}
	}
}
