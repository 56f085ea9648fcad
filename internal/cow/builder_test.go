package cow

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flatseg/flatseg/internal/testenv"
)

// buildWith streams keys[i] -> vals[i] through a Builder.
func buildWith[K Number, V any](t testing.TB, fanout int, keys []K, vals []V) *Plain[K, V] {
	t.Helper()
	b := NewBuilderFanout[K, V](fanout)
	for i, k := range keys {
		require.NoError(t, b.Add(k, vals[i]), "Add #%d (%v)", i, k)
	}
	require.Equal(t, len(keys), b.Len())
	return b.Tree()
}

// contents lists the entries of tr in order.
func contents[K Number, V any](tr *Plain[K, V]) ([]K, []V) {
	var ks []K
	var vs []V
	for k, v := range tr.All() {
		ks, vs = append(ks, k), append(vs, v)
	}
	return ks, vs
}

// nodeStats counts the nodes of tr and the fewest entries of a non-root node.
func nodeStats[K Number, V any](tr *Plain[K, V]) (nodes, minEntries int) {
	minEntries = math.MaxInt
	var walk func(p ptr, h int, root bool)
	walk = func(p ptr, h int, root bool) {
		nodes++
		if h == 0 {
			if !root {
				minEntries = min(minEntries, asLeaf[K, V](p).len())
			}
			return
		}
		in := asInner[K, struct{}](p)
		if !root {
			minEntries = min(minEntries, in.len())
		}
		for _, c := range in.livePayload() {
			walk(c.p, h-1, false)
		}
	}
	if tr.root != nil {
		walk(tr.root, int(tr.levels), true)
	}
	return nodes, minEntries
}

// checkBuilt builds keys/vals with the Builder and with Build and checks that
// both verify and hold the input, and that the Builder's tree is packed as
// densely as Build's.
func checkBuilt[K Number, V comparable](t *testing.T, fanout int, keys []K, vals []V) {
	t.Helper()
	got := buildWith(t, fanout, keys, vals)
	require.NoError(t, got.Verify(nil))
	want, err := BuildFanout(keys, vals, fanout)
	require.NoError(t, err)
	require.Equal(t, len(keys), got.Len())
	gk, gv := contents(got)
	if len(keys) == 0 {
		require.Empty(t, gk)
		return
	}
	require.Equal(t, keys, gk)
	require.Equal(t, vals, gv)
	for i, k := range keys { // the search path, not just the iterator
		v, ok := got.Get(k)
		require.True(t, ok, "Get(%v)", k)
		require.Equal(t, vals[i], v, "Get(%v)", k)
	}
	gn, _ := nodeStats(got)
	wn, _ := nodeStats(want)
	assert.LessOrEqual(t, gn, wn+got.Height(), "at most one more node per level than Build")
	assert.LessOrEqual(t, got.Height(), want.Height(), "no taller than Build")
}

func TestBuilder_MatchesBuild(t *testing.T) {
	t.Parallel()
	for _, fanout := range []int{4, 5, 6, 7, 8, 11, 16, MaxFanout} {
		t.Run(fmt.Sprintf("fanout=%d", fanout), func(t *testing.T) {
			fan := fanout
			r := rand.New(rand.NewPCG(uint64(fanout), 1))
			sizes := []int{0, 1, 2, 3}
			for n := 4; n <= 300; n += 1 + n/20 {
				sizes = append(sizes, n)
			}
			sizes = append(sizes, 2_000, 10_007)
			for _, n := range sizes {
				keys := make([]int64, n)
				vals := make([]int, n)
				k := -r.Int64N(1 << 40)
				for i := range keys {
					k += 1 + r.Int64N(1000)
					keys[i], vals[i] = k, r.Int()
				}
				t.Run(fmt.Sprintf("n=%d", n), func(t *testing.T) { checkBuilt(t, fan, keys, vals) })
			}
		})
	}
}

// TestBuilder_EveryEdgeFill builds every size up to a few full levels at the
// smallest fanouts, where each size ends the levels with a different fill and
// so takes a different branch of the right-edge fix (none, borrow, merge).
func TestBuilder_EveryEdgeFill(t *testing.T) {
	t.Parallel()
	for _, fanout := range []int{4, 5, 6} {
		fan := fanout
		for n := range testenv.Pick(t, 300, 700) { // 300: four levels at fanout 4
			keys := make([]int64, n)
			for i := range keys {
				keys[i] = int64(i * 3)
			}
			tr := buildWith(t, fan, keys, keys)
			require.NoError(t, tr.Verify(nil), "fanout %d, n %d", fanout, n)
			if n > 1 {
				_, least := nodeStats(tr)
				require.GreaterOrEqual(t, least, fanout/2, "fanout %d, n %d", fanout, n)
			}
			gk, _ := contents(tr)
			require.Equal(t, n, len(gk))
			if n > 0 {
				require.Equal(t, keys, gk, "fanout %d, n %d", fanout, n)
			}
		}
	}
}

// TestBuilder_IntegerExtremes covers keys at both ends of narrow integer
// types, where relative keys wrap around.
func TestBuilder_IntegerExtremes(t *testing.T) {
	for _, fanout := range []int{4, 7, MaxFanout} {
		t.Run(fmt.Sprintf("fanout=%d", fanout), func(t *testing.T) {
			fan := fanout
			var all []uint8
			for k := range 256 {
				all = append(all, uint8(k))
			}
			checkBuilt(t, fan, all, all)
			checkBuilt(t, fan, []uint8{0, 255}, []uint8{1, 2})
			checkBuilt(t, fan, []uint8{255}, []uint8{1})
			ends := []uint8{0, 1, 2, 3, 4, 5, 6, 7, 250, 251, 252, 253, 254, 255}
			checkBuilt(t, fan, ends, ends)

			var i8 []int8
			for k := math.MinInt8; k <= math.MaxInt8; k++ {
				i8 = append(i8, int8(k))
			}
			checkBuilt(t, fan, i8, i8)
			i64 := []int64{math.MinInt64, math.MinInt64 + 1, -1, 0, 1, math.MaxInt64 - 1, math.MaxInt64}
			checkBuilt(t, fan, i64, i64)
			u64 := []uint64{0, 1, 1 << 63, math.MaxUint64 - 1, math.MaxUint64}
			checkBuilt(t, fan, u64, u64)
		})
	}
}

func TestBuilder_FloatKeys(t *testing.T) {
	for _, fanout := range []int{4, 5, MaxFanout} {
		t.Run(fmt.Sprintf("fanout=%d", fanout), func(t *testing.T) {
			fan := fanout
			keys := []float64{math.Inf(-1), -math.MaxFloat64, -1e300, -1, -math.SmallestNonzeroFloat64, 0,
				math.SmallestNonzeroFloat64, 1e-300, 0.1, 0.3, 1, 1 + 1e-15, 1e300, math.MaxFloat64, math.Inf(1)}
			checkBuilt(t, fan, keys, keys)
			r := rand.New(rand.NewPCG(3, uint64(fanout)))
			many := make([]float64, 3000)
			for i := range many {
				many[i] = r.NormFloat64() * 1e6
			}
			slices.Sort(many)
			many = slices.Compact(many)
			checkBuilt(t, fan, many, many)
			f32 := []float32{float32(math.Inf(-1)), -1, 0, 0.5, math.MaxFloat32, float32(math.Inf(1))}
			checkBuilt(t, fan, f32, f32)
		})
	}
}

func TestBuilder_Add_Unsorted(t *testing.T) {
	b := NewBuilderFanout[float64, int](maxFanout)
	require.NoError(t, b.Add(1, 1))
	require.NoError(t, b.Add(2, 2))
	require.ErrorIs(t, b.Add(2, 3), ErrUnsorted, "equal key")
	require.ErrorIs(t, b.Add(1.5, 3), ErrUnsorted, "smaller key")
	require.ErrorIs(t, b.Add(math.NaN(), 3), ErrUnsorted, "NaN")
	require.Equal(t, 2, b.Len(), "a rejected key adds nothing")
	require.NoError(t, b.Add(3, 3), "the builder stays usable")
	tr := b.Tree()
	require.NoError(t, tr.Verify(nil))
	ks, vs := contents(tr)
	assert.Equal(t, []float64{1, 2, 3}, ks)
	assert.Equal(t, []int{1, 2, 3}, vs)

	nb := NewBuilderFanout[float64, int](maxFanout)
	require.ErrorIs(t, nb.Add(math.NaN(), 0), ErrUnsorted, "NaN as the first key")
	assert.Zero(t, nb.Tree().Len())
}

func TestBuilder_Tree_Spent(t *testing.T) {
	b := NewBuilderFanout[int, int](maxFanout)
	require.NoError(t, b.Add(1, 1))
	tr := b.Tree()
	require.Error(t, b.Add(2, 2))
	assert.Same(t, tr, b.Tree(), "a second Tree returns the same tree")
	assert.Equal(t, 1, tr.Len())

	var zero Builder[int64, int, struct{}] // the zero Builder is ready to use
	for k := range int64(100) {
		require.NoError(t, zero.Add(k, int(k)))
	}
	zt := zero.Tree()
	require.NoError(t, zt.Verify(nil))
	assert.Equal(t, 100, zt.Len())
	require.NoError(t, new(Builder[int, int, struct{}]).Tree().Verify(nil))

	empty := NewBuilderFanout[int, int](maxFanout).Tree()
	require.NoError(t, empty.Verify(nil))
	assert.Zero(t, empty.Len())
	empty.Set(5, 5) // the empty result is an ordinary empty tree
	require.NoError(t, empty.Verify(nil))
}

// TestBuilder_WritesAfterBuild: the built tree owns its nodes, so writes
// change them in place (no copy), and writes to a clone leave it unchanged.
func TestBuilder_WritesAfterBuild(t *testing.T) {
	fan := 5
	keys := make([]int64, 500)
	for i := range keys {
		keys[i] = int64(i) * 10
	}
	tr := buildWith(t, fan, keys, keys)
	assert.Zero(t, testing.AllocsPerRun(10, func() { tr.Set(4990, 1) }), "the builder's tree writes its own nodes in place")
	model := map[int64]int64{}
	for _, k := range keys {
		model[k] = k
	}
	model[4990] = 1
	frozen := tr.Clone()
	r := rand.New(rand.NewPCG(9, 9))
	for range 2000 {
		k := r.Int64N(6000)
		if r.IntN(2) == 0 {
			tr.Set(k, -k)
			model[k] = -k
		} else {
			tr.Delete(k)
			delete(model, k)
		}
	}
	require.NoError(t, tr.Verify(nil))
	require.Equal(t, len(model), tr.Len())
	for k, v := range tr.All() {
		require.Equal(t, model[k], v)
	}
	fk, fv := contents(frozen)
	require.Equal(t, keys, fk, "the clone taken before the writes is unchanged")
	require.Equal(t, append(slices.Clone(keys[:499]), 1), fv)
	require.NoError(t, frozen.Verify(nil))
}

// TestBuilder_Memory: the builder allocates the nodes of the tree and, beyond
// them, O(height) (its per-level slice); never a slice of all the entries.
func TestBuilder_Memory(t *testing.T) {
	const n = 100_000
	var tr *Plain[int64, int64]
	allocs := testing.AllocsPerRun(3, func() {
		b := NewBuilderFanout[int64, int64](maxFanout)
		for i := range int64(n) {
			if err := b.Add(i, i); err != nil {
				t.Fatal(err)
			}
		}
		tr = b.Tree()
	})
	nodes, _ := nodeStats(tr)
	assert.LessOrEqual(t, allocs, float64(nodes+2+2*tr.Height()), "nodes %d, height %d", nodes, tr.Height())
}

// BenchmarkBuilder compares streaming n keys through a Builder with Build
// from slices already in memory (which the caller had to fill first).
func BenchmarkBuilder(b *testing.B) {
	for _, n := range []int{1_000, 1_000_000} {
		keys := make([]int64, n)
		for i := range keys {
			keys[i] = int64(i) * 10
		}
		b.Run(fmt.Sprintf("impl=builder/n=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				bl := NewBuilderFanout[int64, int64](maxFanout)
				for _, k := range keys {
					if err := bl.Add(k, k); err != nil {
						b.Fatal(err)
					}
				}
				_ = bl.Tree()
			}
		})
		b.Run(fmt.Sprintf("impl=build/n=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Build(keys, keys); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
