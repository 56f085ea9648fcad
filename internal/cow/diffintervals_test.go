package cow_test

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/flatseg/flatseg/internal/cow"
	"github.com/flatseg/flatseg/internal/testenv"
	"github.com/stretchr/testify/require"
)

// intervalModel is the model of a tree read as an interval map: its
// entries, each mapping the keys from its own up to the next entry's.
type intervalModel[K cow.Number] map[K]int

// sortedModel is an intervalModel's entries in key order, for lookups.
type sortedModel[K cow.Number] struct {
	keys []K
	vals []int
}

func (m intervalModel[K]) sorted() sortedModel[K] {
	keys := slices.Sorted(maps.Keys(m))
	vals := make([]int, len(keys))
	for i, k := range keys {
		vals[i] = m[k]
	}
	return sortedModel[K]{keys, vals}
}

// at returns the value of key x: that of the entry with the greatest key
// <= x, or false below the first key.
func (m sortedModel[K]) at(x K) (int, bool) {
	i, found := slices.BinarySearch(m.keys, x)
	if found {
		return m.vals[i], true
	}
	if i == 0 {
		return 0, false
	}
	return m.vals[i-1], true
}

// wantIntervals is the reference for DiffIntervals: every key of [from,
// to) at which a key of either model starts a piece, the value of both
// models there, and the touching pieces with the same pair of values
// merged.
func wantIntervals[K cow.Number](a, b sortedModel[K], from, to K) []cow.IntervalChange[K, int] {
	if !(from < to) {
		return nil
	}
	points := []K{from}
	for _, k := range slices.Concat(a.keys, b.keys) {
		if from < k && k < to {
			points = append(points, k)
		}
	}
	slices.Sort(points)
	points = slices.Compact(points)
	var out []cow.IntervalChange[K, int]
	for i, s := range points {
		e := to
		if i+1 < len(points) {
			e = points[i+1]
		}
		va, oka := a.at(s)
		vb, okb := b.at(s)
		if !oka || !okb || va == vb {
			continue
		}
		if n := len(out); n > 0 && out[n-1].End == s && out[n-1].Old == va && out[n-1].New == vb {
			out[n-1].End = e
			continue
		}
		out = append(out, cow.IntervalChange[K, int]{Start: s, End: e, Old: va, New: vb})
	}
	return out
}

// TestDiffIntervals_Model makes a family of versions of one tree, each a
// clone of an earlier one after a few random sets, deletes and shifts
// (shifted integer versions share moved subtrees with their parents), and
// checks DiffIntervals of random pairs over random ranges against the
// models, for integer and float keys and small and full nodes. Values are
// few, so that neighbouring entries often hold equal values.
func TestDiffIntervals_Model(t *testing.T) {
	t.Parallel()
	for _, fanout := range []int{4, cow.MaxFanout} {
		for seed := uint64(1); seed <= uint64(testenv.Pick(t, 6, 100)); seed++ {
			t.Run(fmt.Sprintf("key=int64/fanout=%d/seed=%d", fanout, seed), func(t *testing.T) {
				t.Parallel()
				runIntervalModel[int64](t, seed, fanout)
			})
			t.Run(fmt.Sprintf("key=float64/fanout=%d/seed=%d", fanout, seed), func(t *testing.T) {
				t.Parallel()
				runIntervalModel[float64](t, seed, fanout)
			})
		}
	}
}

func runIntervalModel[K int64 | float64](t *testing.T, seed uint64, fanout int) {
	r := rand.New(rand.NewPCG(seed, 21))
	key := func() K { return K(r.IntN(240)) / 2 } // 0 to 119 (int), or to 119.5 by halves (float)
	tr := cow.NewFanout[K, int](fanout)
	m := intervalModel[K]{}
	for range 20 + r.IntN(100) {
		k, x := key(), r.IntN(3)
		tr.Set(k, x)
		m[k] = x
	}
	tr.Freeze()
	versions, models := []*cow.Plain[K, int]{tr}, []intervalModel[K]{m}
	var log []string
	for range 12 {
		from := r.IntN(len(versions))
		v, vm := versions[from].Clone(), maps.Clone(models[from])
		step := fmt.Sprintf("v%d = v%d:", len(versions), from)
		for range 1 + r.IntN(3) {
			switch op := r.IntN(10); {
			case op < 4:
				k, x := key(), r.IntN(3)
				v.Set(k, x)
				vm[k] = x
				step += fmt.Sprintf(" Set(%v,%d)", k, x)
			case op < 5:
				k := key()
				v.Delete(k)
				delete(vm, k)
				step += fmt.Sprintf(" Delete(%v)", k)
			default: // shifts are the point: half the writes
				p, d := key(), K(r.IntN(17))/2-K(4) // d from -4 to 4
				if d < 0 {
					v.DeleteRange(p+d, p) // Shift's precondition
					for k := range vm {
						if p+d <= k && k < p {
							delete(vm, k)
						}
					}
				}
				v.Shift(p, d)
				next := intervalModel[K]{}
				for k, x := range vm {
					if k >= p {
						k += d
					}
					next[k] = x
				}
				vm = next
				step += fmt.Sprintf(" Shift(%v,%v)", p, d)
			}
		}
		v.Freeze()
		require.NoError(t, v.Verify(nil))
		versions, models, log = append(versions, v), append(models, vm), append(log, step)
	}
	sorted := make([]sortedModel[K], len(models))
	for i, m := range models {
		sorted[i] = m.sorted()
	}
	for i := range versions {
		for j := range versions {
			for range 4 {
				// from may lie below the first key; one range in four
				// holds every key.
				from, to := key()-4, key()+4
				if r.IntN(4) == 0 {
					from, to = K(0)-K(10), K(200)
				}
				from, to = min(from, to), max(from, to)
				want := wantIntervals(sorted[i], sorted[j], from, to)
				got := slices.Collect(cow.DiffIntervals(versions[i], versions[j], from, to, func(x, y int) bool { return x == y }))
				if !slices.Equal(got, want) {
					t.Fatalf("DiffIntervals(v%d, v%d, %v, %v)\n got %v\nwant %v\nversions:\n%v", i, j, from, to, got, want, log)
				}
			}
		}
	}
}

// TestDiffIntervals_Stop: the walk stops as soon as yield returns false.
func TestDiffIntervals_Stop(t *testing.T) {
	t.Parallel()
	a, err := cow.BuildFanout([]int64{0, 10, 20, 30, 40}, []int{1, 2, 1, 2, 1}, 4)
	require.NoError(t, err)
	b := a.Clone()
	b.Shift(5, 1)
	all := slices.Collect(cow.DiffIntervals(a, b, 0, 100, func(x, y int) bool { return x == y }))
	require.Len(t, all, 4) // [10, 11), [20, 21), [30, 31), [40, 41)
	for n := range len(all) {
		var got []cow.IntervalChange[int64, int]
		for c := range cow.DiffIntervals(a, b, 0, 100, func(x, y int) bool { return x == y }) {
			got = append(got, c)
			if len(got) == n+1 {
				break
			}
		}
		require.Equal(t, all[:n+1], got)
	}
}

// TestDiffIntervals_Work counts the nodes DiffIntervals enters and the calls
// of equal it makes over a range of k entries high in the key space, after
// a one-key shift near the start (which moves every subtree after it) and
// after a Set there (which moves nothing): both are O(k + log n), the same
// for n = 10³ and 5·10⁴ but for the levels, not O(n) as a walk from the
// start of the tree would be.
func TestDiffIntervals_Work(t *testing.T) {
	t.Parallel()
	const k = 40 // entries in the range, in each tree
	for _, fanout := range []int{4, cow.MaxFanout} {
		for _, n := range []int{1_000, 50_000} {
			keys, vals := make([]int64, n), make([]int, n)
			for i := range keys {
				keys[i], vals[i] = int64(i)*10, i%2
			}
			a, err := cow.BuildFanout(keys, vals, fanout)
			require.NoError(t, err)
			a.Freeze()
			from := int64(n-2*k) * 10
			to := from + k*10
			for _, write := range []string{"shift", "set"} {
				t.Run(fmt.Sprintf("fanout=%d/n=%d/write=%s", fanout, n, write), func(t *testing.T) {
					b := a.Clone()
					if write == "shift" {
						b.Shift(15, 1)
					} else {
						b.Set(15, 7)
					}
					calls := 0
					eq := func(x, y int) bool { calls++; return x == y }
					changes, nodes := cow.DiffIntervalsWork(a, b, from, to, eq)
					levels := a.Height() + 1
					// Each tree: a root-to-leaf descent, then the leaves
					// of k entries (at least fanout/2 each) and the inner
					// nodes above them.
					leaves := k/(fanout/2) + 2
					bound := 2 * (levels + 2*leaves)
					t.Logf("%d levels: %d nodes entered (bound %d), %d equal calls, %d changes", levels, nodes, bound, calls, len(changes))
					require.LessOrEqual(t, nodes, bound, "nodes entered")
					require.LessOrEqual(t, calls, 2*k+2, "calls of equal")
					if write == "shift" {
						require.Len(t, changes, k, "one change at each boundary")
					} else {
						require.Empty(t, changes)
					}
				})
			}
		}
	}
}
