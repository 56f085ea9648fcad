package rangemap

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/flatseg/flatseg/fst"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// dense is the obvious model: one value per key of a small integer span, with
// the shift semantics of mdds::flat_segment_tree written out directly.
type dense struct {
	vals []int
	init int
}

func (d *dense) insert(start, end, v int) bool {
	changed := false
	for k := start; k < end; k++ {
		changed = changed || d.vals[k] != v
		d.vals[k] = v
	}
	return changed
}

func (d *dense) shiftLeft(start, end int) {
	n := len(d.vals)
	out := slices.Concat(d.vals[:start], d.vals[end:])
	for len(out) < n {
		out = append(out, d.init)
	}
	d.vals = out
}

func (d *dense) shiftRight(pos, size int, skip bool) {
	n := len(d.vals)
	gap := d.init
	switch {
	case skip:
		gap = d.vals[pos]
	case pos > 0:
		gap = d.vals[pos-1]
	}
	out := slices.Clone(d.vals[:pos])
	for i := 0; i < size && len(out) < n; i++ {
		out = append(out, gap)
	}
	for i := pos; len(out) < n; i++ {
		out = append(out, d.vals[i])
	}
	d.vals = out
}

// segments returns the maximal runs of d.
func (d *dense) segments() []fst.Segment[int, int] {
	var out []fst.Segment[int, int]
	for k, v := range d.vals {
		if len(out) > 0 && out[len(out)-1].Value == v {
			out[len(out)-1].End = k + 1
			continue
		}
		out = append(out, fst.Segment[int, int]{Start: k, End: k + 1, Value: v})
	}
	return out
}

// model applies every op to a Map and to the dense model, and keeps clones
// of earlier states to check that writes to one copy never show in another.
type model[S Sorted[int, int, S]] struct {
	t        *testing.T
	m        *Map[int, int, S]
	d        dense
	versions []*Map[int, int, S]
	expect   [][]fst.Segment[int, int]
}

func newModel[S Sorted[int, int, S]](t *testing.T, span, init int) *model[S] {
	m, err := New[int, int, S](0, span, init)
	require.NoError(t, err)
	return &model[S]{t: t, m: m, d: dense{vals: slices.Repeat([]int{init}, span), init: init}}
}

// Validate checks the current Map against the model and every kept version
// against what it held when it was kept.
func (md *model[S]) Validate() error {
	got := slices.Collect(md.m.Segments())
	want := md.d.segments()
	if !slices.Equal(got, want) {
		return fmt.Errorf("segments:\n got %v\nwant %v", got, want)
	}
	if md.m.Len() != len(want) {
		return fmt.Errorf("Len() = %d, want %d", md.m.Len(), len(want))
	}
	for k, v := range md.d.vals {
		s, ok := md.m.Search(k)
		if !ok || s.Value != v || !(s.Start <= k && k < s.End) {
			return fmt.Errorf("Search(%d) = %v, %v; want value %d", k, s, ok, v)
		}
	}
	for i, old := range md.versions {
		if got := slices.Collect(old.Segments()); !slices.Equal(got, md.expect[i]) {
			return fmt.Errorf("version %d changed:\n got %v\nwant %v", i, got, md.expect[i])
		}
	}
	return nil
}

// keep clones the current Map and keeps one of the two copies unwritten from
// now on: the clone, or (odd calls) the original, writing the clone instead.
func (md *model[S]) keep() {
	c := md.m.Clone()
	if len(md.versions)%2 == 1 {
		md.m, c = c, md.m
	}
	md.versions = append(md.versions, c)
	md.expect = append(md.expect, md.d.segments())
}

// backends runs test once per backend, as a subtest named after it.
func backends(t *testing.T,
	immutable func(*testing.T), tidwall func(*testing.T), google func(*testing.T)) {
	t.Run("backend=immutable", immutable)
	t.Run("backend=tidwall", tidwall)
	t.Run("backend=google", google)
}

func TestMap_RandomOps(t *testing.T) {
	backends(t, testRandomOps[Immutable[int, int]], testRandomOps[Tidwall[int, int]], testRandomOps[Google[int, int]])
}

func testRandomOps[S Sorted[int, int, S]](t *testing.T) {
	for seed := uint64(1); seed <= 40; seed++ {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 0))
			span := 1 + rng.IntN(60)
			md := newModel[S](t, span, rng.IntN(3))
			for i := range 300 {
				var desc string
				switch rng.IntN(4) {
				case 0, 1:
					a, b := rng.IntN(span), rng.IntN(span+1)
					if a == b {
						continue
					}
					a, b = min(a, b), max(a, b)
					v := rng.IntN(4)
					desc = fmt.Sprintf("Insert(%d, %d, %d)", a, b, v)
					changed, err := md.m.Insert(a, b, v)
					require.NoError(t, err, desc)
					require.Equal(t, md.d.insert(a, b, v), changed, desc)
				case 2:
					a, b := rng.IntN(span), rng.IntN(span+1)
					if a == b {
						continue
					}
					a, b = min(a, b), max(a, b)
					desc = fmt.Sprintf("ShiftLeft(%d, %d)", a, b)
					require.NoError(t, md.m.ShiftLeft(a, b), desc)
					md.d.shiftLeft(a, b)
				case 3:
					pos, size, skip := rng.IntN(span), 1+rng.IntN(span+2), rng.IntN(2) == 0
					desc = fmt.Sprintf("ShiftRight(%d, %d, %v)", pos, size, skip)
					require.NoError(t, md.m.ShiftRight(pos, size, skip), desc)
					md.d.shiftRight(pos, size, skip)
				}
				require.NoError(t, md.Validate(), "op %d: %s", i, desc)
				if i%25 == 0 {
					md.keep()
				}
			}
		})
	}
}

func TestMap_InvalidRanges(t *testing.T) {
	backends(t, testInvalidRanges[Immutable[int, int]], testInvalidRanges[Tidwall[int, int]], testInvalidRanges[Google[int, int]])
}

func testInvalidRanges[S Sorted[int, int, S]](t *testing.T) {
	_, err := New[int, int, S](5, 5, 0)
	require.ErrorIs(t, err, ErrInvalidRange)
	m, err := New[int, int, S](0, 10, 0)
	require.NoError(t, err)
	tests := []struct {
		name string
		op   func() error
	}{
		{"insert empty", func() error { _, err := m.Insert(3, 3, 1); return err }},
		{"insert past end", func() error { _, err := m.Insert(3, 11, 1); return err }},
		{"insert before start", func() error { _, err := m.Insert(-1, 2, 1); return err }},
		{"shift left reversed", func() error { return m.ShiftLeft(4, 2) }},
		{"shift right at end", func() error { return m.ShiftRight(10, 1, false) }},
		{"shift right zero", func() error { return m.ShiftRight(2, 0, false) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.ErrorIs(t, tc.op(), ErrInvalidRange)
		})
	}
	assert.Equal(t, []fst.Segment[int, int]{{Start: 0, End: 10, Value: 0}}, slices.Collect(m.Segments()), "failed ops change nothing")
	_, ok := m.Search(10)
	assert.False(t, ok)
	_, ok = m.Search(-1)
	assert.False(t, ok)
}

func TestBuild(t *testing.T) {
	backends(t, testBuild[Immutable[int64, int64]], testBuild[Tidwall[int64, int64]], testBuild[Google[int64, int64]])
}

// testBuild checks Build against fst.Build on random segments with gaps,
// equal neighbours and parts outside the span, and rejects overlaps.
func testBuild[S Sorted[int64, int64, S]](t *testing.T) {
	for seed := uint64(1); seed <= 30; seed++ {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 2))
			lo, hi := int64(rng.IntN(10)), int64(20+rng.IntN(200))
			init := rng.Int64N(3)
			var segs []fst.Segment[int64, int64]
			for at := lo - 5; at < hi+5; {
				s := at + rng.Int64N(4)
				e := s + 1 + rng.Int64N(10)
				segs = append(segs, fst.Segment[int64, int64]{Start: s, End: e, Value: rng.Int64N(3)})
				at = e
			}
			want, err := fst.Build(lo, hi, init, segs)
			require.NoError(t, err)
			got, err := Build[int64, int64, S](lo, hi, init, segs)
			require.NoError(t, err)
			require.Equal(t, slices.Collect(want.Segments()), slices.Collect(got.Segments()))
			require.Equal(t, want.Len(), got.Len())
		})
	}
	_, err := Build[int64, int64, S](0, 10, 0, []fst.Segment[int64, int64]{{Start: 1, End: 5, Value: 1}, {Start: 4, End: 6, Value: 2}})
	require.ErrorIs(t, err, ErrInvalidRange)
}

func TestMap_AgainstFst(t *testing.T) {
	backends(t, testAgainstFst[Immutable[int64, int64]], testAgainstFst[Tidwall[int64, int64]], testAgainstFst[Google[int64, int64]])
}

// testAgainstFst drives a Map and an fst.Tree with the same random ops,
// over wider spans than the dense test, and compares every result.
func testAgainstFst[S Sorted[int64, int64, S]](t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 1))
			span := int64(2 + rng.IntN(2000))
			m, err := New[int64, int64, S](0, span, 0)
			require.NoError(t, err)
			tr, err := fst.New[int64, int64](0, span, 0)
			require.NoError(t, err)
			for i := range 400 {
				var desc string
				switch rng.IntN(4) {
				case 0, 1:
					a := rng.Int64N(span)
					b := a + 1 + rng.Int64N(min(span-a, 40))
					v := rng.Int64N(5)
					desc = fmt.Sprintf("Insert(%d, %d, %d)", a, b, v)
					got, err := m.Insert(a, b, v)
					require.NoError(t, err, desc)
					want, err := tr.Insert(a, b, v)
					require.NoError(t, err, desc)
					require.Equal(t, want, got, desc)
				case 2:
					a := rng.Int64N(span)
					b := a + 1 + rng.Int64N(min(span-a, 40))
					desc = fmt.Sprintf("ShiftLeft(%d, %d)", a, b)
					require.NoError(t, m.ShiftLeft(a, b), desc)
					require.NoError(t, tr.ShiftLeft(a, b), desc)
				case 3:
					p, size, skip := rng.Int64N(span), 1+rng.Int64N(40), rng.IntN(2) == 0
					desc = fmt.Sprintf("ShiftRight(%d, %d, %v)", p, size, skip)
					require.NoError(t, m.ShiftRight(p, size, skip), desc)
					require.NoError(t, tr.ShiftRight(p, size, skip), desc)
				}
				require.Equal(t, slices.Collect(tr.Segments()), slices.Collect(m.Segments()), "op %d: %s", i, desc)
				require.Equal(t, tr.Len(), m.Len(), "op %d: %s", i, desc)
				for range 5 {
					k := rng.Int64N(span)
					got, ok1 := m.Search(k)
					want, ok2 := tr.Search(k)
					require.Equal(t, ok2, ok1)
					require.Equal(t, want, got, "Search(%d) after op %d: %s", k, i, desc)
				}
			}
		})
	}
}

func TestMap_ReadWhileClonesAreWritten(t *testing.T) {
	backends(t, testReadWhileClonesAreWritten[Immutable[int64, int64]], testReadWhileClonesAreWritten[Tidwall[int64, int64]], testReadWhileClonesAreWritten[Google[int64, int64]])
}

// testReadWhileClonesAreWritten reads one Map from two goroutines while a
// writer clones it, writes the clone, clones that and so on (how the
// comparison's throughput test publishes versions). Under -race it checks
// the package's concurrency contract; without, that the version read never
// changes.
func testReadWhileClonesAreWritten[S Sorted[int64, int64, S]](t *testing.T) {
	const span = 4000
	var segs []fst.Segment[int64, int64]
	for s := int64(0); s < span; s += 4 {
		segs = append(segs, fst.Segment[int64, int64]{Start: s, End: s + 4, Value: s % 3})
	}
	m, err := Build[int64, int64, S](0, span, -1, segs)
	require.NoError(t, err)
	want := slices.Collect(m.Segments())

	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		faults []string
	)
	for r := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(r), 3))
			for range 20000 {
				k := rng.Int64N(span)
				if got, ok := m.Search(k); !ok || got != want[k/4] {
					mu.Lock()
					faults = append(faults, fmt.Sprintf("Search(%d) = %v, %v; want %v", k, got, ok, want[k/4]))
					mu.Unlock()
					return
				}
			}
		}()
	}
	rng := rand.New(rand.NewPCG(9, 3))
	cur := m
	for range 2000 {
		next := cur.Clone()
		s := rng.Int64N(span - 10)
		_, err := next.Insert(s, s+1+rng.Int64N(10), 7)
		require.NoError(t, err)
		cur = next
	}
	wg.Wait()
	assert.Empty(t, faults)
	assert.Equal(t, want, slices.Collect(m.Segments()), "the version read never changed")
}
