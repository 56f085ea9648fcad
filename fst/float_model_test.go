package fst_test

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/flatseg/flatseg/fst"
	"github.com/flatseg/flatseg/internal/num"
)

// The float model: the boundaries of a tree as a plain sorted list, and each
// operation written as "build the new list, check it, merge equal
// neighbours". It computes every moved key with the same single float
// operation the tree documents (k+size, k-size, max-size), so it predicts
// the tree bit for bit, and it refuses exactly what the documentation says
// cannot be done exactly. Simple enough to read in one sitting; the real mdds
// checks the finite cases (internal/mddsdiff).

type fbound[K fst.Key] struct {
	k K
	v int
}

type fmodel[K fst.Key] struct {
	min, max K
	init     int
	b        []fbound[K] // strictly increasing, b[0].k == min, neighbours differ
}

func (m *fmodel[K]) clone() *fmodel[K] {
	c := *m
	c.b = slices.Clone(m.b)
	return &c
}

// at returns the value at key k, which must be inside the span.
func (m *fmodel[K]) at(k K) int {
	v := m.b[0].v
	for _, x := range m.b {
		if x.k <= k {
			v = x.v
		}
	}
	return v
}

// isBoundary reports whether a segment starts at k.
func (m *fmodel[K]) isBoundary(k K) bool {
	return slices.ContainsFunc(m.b, func(x fbound[K]) bool { return x.k == k })
}

// commit validates a candidate list (keys strictly increasing inside the
// span, starting at min), merges equal neighbours and installs it.
func (m *fmodel[K]) commit(nb []fbound[K]) error {
	for i, x := range nb {
		if i == 0 && x.k != m.min {
			return fmt.Errorf("%w: model: first key %v", fst.ErrInvalidShift, x.k)
		}
		if !(x.k < m.max) || (i > 0 && !(nb[i-1].k < x.k)) {
			return fmt.Errorf("%w: model: keys %v", fst.ErrInvalidShift, nb)
		}
	}
	out := nb[:0:0]
	for _, x := range nb {
		if len(out) > 0 && out[len(out)-1].v == x.v {
			continue
		}
		out = append(out, x)
	}
	m.b = out
	return nil
}

func (m *fmodel[K]) insert(s, e K, v int) (bool, error) {
	switch {
	case num.IsNaN(s) || num.IsNaN(e):
		return false, fst.ErrNaN
	case !(s < e):
		return false, fst.ErrInvalidRange
	case e <= m.min || !(s < m.max):
		return false, fst.ErrOutOfSpan
	}
	s, e = max(s, m.min), min(e, m.max)
	var nb []fbound[K]
	for _, x := range m.b {
		if x.k < s {
			nb = append(nb, x)
		}
	}
	nb = append(nb, fbound[K]{s, v})
	if e < m.max {
		nb = append(nb, fbound[K]{e, m.at(e)})
	}
	for _, x := range m.b {
		if x.k > e {
			nb = append(nb, x)
		}
	}
	old := slices.Clone(m.b)
	if err := m.commit(nb); err != nil {
		panic(err) // an insert never makes an invalid list
	}
	return !slices.Equal(old, m.b), nil
}

// apply inserts f of each segment's value over the segment's part in
// [s, e): the ranges are disjoint, so each key takes f of its old value.
func (m *fmodel[K]) apply(s, e K, f func(int) int) (bool, error) {
	if _, err := m.clone().insert(s, e, 0); err != nil {
		return false, err // the range rule is Insert's
	}
	changed := false
	for _, sg := range m.segments() {
		if sg.Start < e && s < sg.End {
			c, _ := m.insert(max(sg.Start, s), min(sg.End, e), f(sg.Value))
			changed = changed || c
		}
	}
	return changed, nil
}

func (m *fmodel[K]) shiftLeft(start, end K) error {
	switch {
	case num.IsNaN(start) || num.IsNaN(end):
		return fst.ErrNaN
	case !(start < end):
		return fst.ErrInvalidRange
	case start < m.min || m.max < end:
		return fst.ErrOutOfSpan
	}
	if last := m.b[len(m.b)-1]; last.k <= start && last.v == m.init {
		return nil // [start, max) is all default: nothing to do
	}
	var nb []fbound[K]
	for _, x := range m.b {
		if x.k < start {
			nb = append(nb, x)
		}
	}
	if end == m.max { // nothing moves: [start, max) becomes default
		return m.commit(append(nb, fbound[K]{start, m.init}))
	}
	size := end - start
	if num.IsInf(size) {
		return fst.ErrInvalidShift
	}
	tail := m.max - size
	if !(start < tail) {
		return fst.ErrInvalidShift
	}
	nb = append(nb, fbound[K]{start, m.at(end)})
	moved := 0
	for _, x := range m.b {
		if x.k > end {
			nk := x.k - size
			if moved++; moved == 1 && nk == start {
				nb[len(nb)-1].v = x.v // the first moved boundary lands on start and replaces it
				continue
			}
			nb = append(nb, fbound[K]{nk, x.v})
		}
	}
	if tail < m.max {
		nb = append(nb, fbound[K]{tail, m.init})
	}
	return m.commit(nb)
}

func (m *fmodel[K]) shiftRight(pos, size K, skip bool) error {
	switch {
	case num.IsNaN(pos) || num.IsNaN(size):
		return fst.ErrNaN
	case !(size > 0):
		return fst.ErrInvalidShift
	case pos < m.min || !(pos < m.max):
		return fst.ErrOutOfSpan
	}
	p2 := pos + size
	if num.IsNaN(p2) {
		return fst.ErrInvalidShift
	}
	hasB := m.isBoundary(pos)
	var nb, moving []fbound[K]
	for _, x := range m.b {
		switch {
		case x.k < pos:
			nb = append(nb, x)
		case x.k > pos || !skip:
			moving = append(moving, x)
		}
	}
	if len(moving) == 0 {
		return nil // nothing moves: the gap continues the segment at pos
	}
	gap := m.at(pos)
	if hasB && !skip {
		gap = m.init
		if pos > m.min {
			gap = m.at(nb[len(nb)-1].k)
		}
	}
	nb = append(nb, fbound[K]{pos, gap})
	for _, x := range moving {
		nk := x.k + size
		if !(nk < m.max) {
			break // pushed out of the span (rounding is monotone: so is the rest)
		}
		if last := &nb[len(nb)-1]; x.k == pos && nk == pos {
			last.v = x.v // the gap rounded to nothing: the boundary stays
			continue
		}
		nb = append(nb, fbound[K]{nk, x.v})
	}
	return m.commit(nb)
}

func (m *fmodel[K]) clear() { m.b = []fbound[K]{{m.min, m.init}} }

func (m *fmodel[K]) segments() []fst.Segment[K, int] {
	out := make([]fst.Segment[K, int], len(m.b))
	for i, x := range m.b {
		out[i] = fst.Segment[K, int]{Start: x.k, End: m.max, Value: x.v}
		if i > 0 {
			out[i-1].End = x.k
		}
	}
	return out
}

// floatSpans are the spans the interpreter picks from: infinite and huge
// bounds, [1, 2) where ulps are coarse relative to tiny sizes, tiny spans.
var floatSpans = [][2]float64{
	{1, 2}, {0, 2}, {-0.3, 0.7}, {0, math.Inf(1)}, {math.Inf(-1), 0},
	{math.Inf(-1), math.Inf(1)}, {-1e300, 1e300}, {1e300, math.Inf(1)},
	{0, 1e-300}, {-1, 1}, {0, 1 << 53}, {math.Inf(-1), -1e300},
}

// keys returns the palette operations draw keys from: the bounds and their
// next floats both ways, points inside the span at several scales, the
// current boundaries and their next floats, and keys outside the span.
func floatKeys[K ~float32 | ~float64](m *fmodel[K]) []K {
	up, down := func(k K) K { return nextAfter(k, true) }, func(k K) K { return nextAfter(k, false) }
	ks := []K{m.min, m.max, up(m.min), down(m.max), down(m.min), up(m.max), 0, K(math.Inf(-1)), K(math.Inf(1))}
	lo, hi := m.min, m.max
	if num.IsInf(lo) {
		lo = K(-1e30)
		if !num.IsInf(hi) {
			lo = min(lo, hi-1e30)
		}
	}
	if num.IsInf(hi) {
		hi = K(1e30)
		if !num.IsInf(m.min) {
			hi = max(hi, m.min+1e30)
		}
	}
	for _, f := range []float64{0.001, 0.1, 0.25, 0.5, 0.75, 0.9, 0.999} {
		ks = append(ks, lo+(hi-lo)*K(f))
	}
	ks = append(ks, 1, -1, 1.5, 1.25, 10, 5, K(-huge), K(huge))
	for _, b := range m.b {
		ks = append(ks, b.k, up(b.k), down(b.k))
	}
	return ks
}

// sizes returns the palette of shift sizes: subnormals, sizes below half an
// ulp of either bound, ordinary sizes, the whole span, huge and infinite
// sizes, and invalid ones (zero, negative, NaN).
func floatSizes[K ~float32 | ~float64](m *fmodel[K]) []K {
	ulp := func(k K) K {
		if num.IsInf(k) {
			return K(maxF64)
		}
		return nextAfter(k, true) - k
	}
	return []K{
		K(math.SmallestNonzeroFloat64), K(math.SmallestNonzeroFloat32), 1e-310, 1e-17,
		ulp(m.min) / 2, ulp(m.min) / 4, ulp(m.max) / 2, ulp(m.max) / 3, ulp(m.min), ulp(m.max),
		0.1, 0.25, 0.5, 1, 5, m.max - m.min, (m.max - m.min) / 2, K(huge), K(math.Inf(1)),
		0, -1, K(math.NaN()),
	}
}

// huge and maxF64 are variables so that converting them to float32 gives
// +Inf instead of a compile error.
var huge, maxF64 = 1e300, math.MaxFloat64

func nextAfter[K ~float32 | ~float64](k K, up bool) K {
	dir := math.Inf(-1)
	if up {
		dir = math.Inf(1)
	}
	if one := K(1); one+1e-10 == one { // float32
		return K(math.Nextafter32(float32(k), float32(dir)))
	}
	return K(math.Nextafter(float64(k), dir))
}

// floatConfig is the model test of float keys, K float32 or float64.
func floatConfig[K ~float32 | ~float64]() *config[K, int, *fst.Tree[K, int], *fmodel[K]] {
	return &config[K, int, *fst.Tree[K, int], *fmodel[K]]{
		mix:    []weight{{opInsert, 6}, {opAppend, 3}, {opApply, 2}, {opShiftLeft, 4}, {opShiftRight, 4}, {opClone, 2}, {opFreeze, 1}, {opClear, 1}},
		keys:   floatKeys[K],
		sizes:  floatSizes[K],
		values: 4,
		box:    func(v int) int { return v },
		unbox:  func(v int) int { return v },
		eq:     func(a, b int) bool { return a == b },
		keep:   3,
		diff:   fst.Diff[K, int, fst.None],
		cursor: cursorOf[K, int, fst.None],
	}
}

var (
	float64Config = floatConfig[float64]()
	float32Config = floatConfig[float32]()
)

// runFloat interprets ops: the first byte chooses the span, the second the
// default value, then every four bytes are one operation.
func runFloat[K ~float32 | ~float64](t testing.TB, cfg *config[K, int, *fst.Tree[K, int], *fmodel[K]], fanout int, ops []byte) {
	runFloatOn(t, cfg, func(lo, hi K, init int) (*fst.Tree[K, int], error) {
		return fst.NewFanout(lo, hi, init, fanout)
	}, ops)
}

// runFloatOn is runFloat for any subject, made over the span by newTree.
func runFloatOn[K ~float32 | ~float64, T subject[K, int, T]](t testing.TB, cfg *config[K, int, T, *fmodel[K]], newTree func(lo, hi K, init int) (T, error), ops []byte) {
	if len(ops) < 2 {
		return
	}
	sp := floatSpans[int(ops[0])%len(floatSpans)]
	lo, hi := K(sp[0]), K(sp[1])
	if !(lo < hi) { // the span does not survive the conversion (float32)
		return
	}
	init := int(ops[1] % 3)
	tr, err := newTree(lo, hi, init)
	if err != nil {
		t.Fatalf("new tree over [%v, %v): %v", lo, hi, err)
	}
	run(t, cfg, lo, hi, init, tr, &fmodel[K]{min: lo, max: hi, init: init, b: []fbound[K]{{lo, init}}}, ops[2:])
}

// TestTree_FloatModel runs random operations over float spans with infinite
// and huge bounds, keys at the bounds and their next floats, and shift sizes
// from subnormal to infinite, against the list model.
func TestTree_FloatModel(t *testing.T) {
	t.Parallel()
	for _, fan := range []int{4, fst.MaxFanout} {
		seeds(t, fmt.Sprintf("float64/fanout=%d/", fan), 6, 100, func(t *testing.T, seed uint64) {
			runFloat(t, float64Config, fan, randomOps(seed, 2+4*150))
		})
		seeds(t, fmt.Sprintf("float32/fanout=%d/", fan), 3, 25, func(t *testing.T, seed uint64) {
			runFloat(t, float32Config, fan, randomOps(seed, 2+4*150))
		})
	}
}

// TestTree_FloatModelOwned is TestTree_FloatModel in owned mode (see
// TestTree_ModelOwned): float keys are stored absolute, so the writer's
// kept last leaf has origin 0.
func TestTree_FloatModelOwned(t *testing.T) {
	t.Parallel()
	cfg := ownedConfig(float64Config)
	for _, fan := range []int{4, fst.MaxFanout} {
		seeds(t, fmt.Sprintf("float64/fanout=%d/", fan), 2, 60, func(t *testing.T, seed uint64) {
			runFloat(t, cfg, fan, randomOps(seed, 2+4*150))
		})
	}
}

func FuzzTreeFloat(f *testing.F) {
	f.Add([]byte{0, 0, 0, 10, 11, 1, 5, 0, 0, 0})
	f.Add([]byte{3, 1, 0, 20, 1, 1, 3, 0, 5, 8})
	f.Add([]byte{5, 2, 3, 0, 0, 1, 4, 3, 1, 0})
	f.Fuzz(func(t *testing.T, ops []byte) {
		if len(ops) > 0 && ops[0]&0x80 != 0 {
			runFloat(t, float32Config, 4, ops[:min(len(ops), 2+4*100)])
			return
		}
		runFloat(t, float64Config, 4, ops[:min(len(ops), 2+4*100)])
	})
}
