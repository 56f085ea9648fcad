package fst_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
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

// floatHarness drives a float fst.Tree and the list model with the same
// operations, checking after each one.
type floatHarness[K ~float32 | ~float64] struct {
	t     testing.TB
	tree  *fst.Tree[K, int]
	model *fmodel[K]
	old   []*fst.Tree[K, int]
	oldM  []*fmodel[K]
	log   []string
}

func (h *floatHarness[K]) fail(format string, args ...any) {
	h.t.Helper()
	h.t.Fatalf("%s\nspan [%v, %v) init %d\nops: %v", fmt.Sprintf(format, args...), h.model.min, h.model.max, h.model.init, h.log)
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
func (h *floatHarness[K]) keys() []K {
	m := h.model
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
func (h *floatHarness[K]) sizes() []K {
	m := h.model
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

func runFloat[K ~float32 | ~float64](t testing.TB, fanout int, ops []byte) {
	if len(ops) < 2 {
		return
	}
	sp := floatSpans[int(ops[0])%len(floatSpans)]
	lo, hi := K(sp[0]), K(sp[1])
	if !(lo < hi) { // the span does not survive the conversion (float32)
		return
	}
	init := int(ops[1] % 3)
	tr, err := fst.NewFanout(lo, hi, init, fanout)
	if err != nil {
		t.Fatalf("New(%v, %v): %v", lo, hi, err)
	}
	h := &floatHarness[K]{t: t, tree: tr, model: &fmodel[K]{min: lo, max: hi, init: init, b: []fbound[K]{{lo, init}}}}
	for i := 2; i+3 < len(ops); i += 4 {
		h.step(ops[i], ops[i+1], ops[i+2], ops[i+3])
	}
}

func (h *floatHarness[K]) step(op, a, b, c byte) {
	h.t.Helper()
	ks, ss := h.keys(), h.sizes()
	key := func(x byte) K { return ks[int(x)%len(ks)] }
	val := int(c % 4)
	before := h.tree.Clone()
	beforeM := h.model.clone()
	var gotErr, wantErr error
	switch op % 8 {
	case 0, 1, 2:
		s, e := key(a), key(b)
		h.log = append(h.log, fmt.Sprintf("Insert(%v,%v,%d)", s, e, val))
		changed, err := h.tree.Insert(s, e, val)
		wantChanged, werr := h.model.insert(s, e, val)
		gotErr, wantErr = err, werr
		if err == nil && changed != wantChanged {
			h.fail("Insert changed=%v, want %v", changed, wantChanged)
		}
	case 3, 4:
		s, e := key(a), key(b)
		if c&8 != 0 { // a size from the palette instead of a second key
			e = s + ss[int(b)%len(ss)]
		}
		h.log = append(h.log, fmt.Sprintf("ShiftLeft(%v,%v)", s, e))
		gotErr, wantErr = h.tree.ShiftLeft(s, e), h.model.shiftLeft(s, e)
	case 5, 6:
		pos, size, skip := key(a), ss[int(b)%len(ss)], c&4 != 0
		h.log = append(h.log, fmt.Sprintf("ShiftRight(%v,%v,%v)", pos, size, skip))
		gotErr, wantErr = h.tree.ShiftRight(pos, size, skip), h.model.shiftRight(pos, size, skip)
	case 7:
		h.log = append(h.log, "Clone")
		h.old = append(h.old, h.tree.Clone())
		h.oldM = append(h.oldM, h.model.clone())
		if len(h.old) > 3 {
			h.old, h.oldM = h.old[1:], h.oldM[1:]
		}
	}
	if (gotErr == nil) != (wantErr == nil) || (wantErr != nil && !errors.Is(gotErr, unwrapSentinel(wantErr))) {
		h.fail("error = %v, want %v", gotErr, wantErr)
	}
	if gotErr != nil {
		h.model = beforeM
		if !h.tree.Equal(before) {
			h.fail("a failed operation changed the tree")
		}
	}
	h.check(h.tree, h.model, "tree")
	for i, o := range h.old {
		h.check(o, h.oldM[i], fmt.Sprintf("clone %d", i))
	}
}

// unwrapSentinel returns the fst sentinel a model error wraps.
func unwrapSentinel(err error) error {
	for _, s := range []error{fst.ErrNaN, fst.ErrInvalidRange, fst.ErrOutOfSpan, fst.ErrInvalidShift} {
		if errors.Is(err, s) {
			return s
		}
	}
	return err
}

func (h *floatHarness[K]) check(tr *fst.Tree[K, int], m *fmodel[K], what string) {
	h.t.Helper()
	if err := tr.Verify(); err != nil {
		h.fail("%s: Verify: %v", what, err)
	}
	var got []fbound[K]
	for s := range tr.Segments() {
		got = append(got, fbound[K]{s.Start, s.Value})
	}
	if !slices.Equal(got, m.b) {
		h.fail("%s: boundaries\n got %v\nwant %v", what, got, m.b)
	}
	for _, k := range h.keys() {
		seg, ok := tr.Search(k)
		in := m.min <= k && k < m.max
		if ok != in {
			h.fail("%s: Search(%v) ok=%v, in span %v", what, k, ok, in)
		}
		if !ok {
			continue
		}
		if !(m.min <= seg.Start && seg.Start <= k && k < seg.End && seg.End <= m.max) {
			h.fail("%s: Search(%v) = %+v: not a segment of the span holding the key", what, k, seg)
		}
		if seg.Value != m.at(k) {
			h.fail("%s: Search(%v) value %d, want %d", what, k, seg.Value, m.at(k))
		}
	}
}

// TestTree_FloatModel runs random operations over float spans with infinite
// and huge bounds, keys at the bounds and their next floats, and shift sizes
// from subnormal to infinite, against the list model.
func TestTree_FloatModel(t *testing.T) {
	t.Parallel()
	for _, fan := range []int{4, fst.MaxFanout} {
		for seed := uint64(1); seed <= 100; seed++ {
			t.Run(fmt.Sprintf("float64/fanout=%d/seed=%d", fan, seed), func(t *testing.T) {
				t.Parallel()
				runFloat[float64](t, fan, randomOps(seed, 2+4*150))
			})
		}
		for seed := uint64(1); seed <= 25; seed++ {
			t.Run(fmt.Sprintf("float32/fanout=%d/seed=%d", fan, seed), func(t *testing.T) {
				t.Parallel()
				runFloat[float32](t, fan, randomOps(seed, 2+4*150))
			})
		}
	}
}

func randomOps(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, 2))
	ops := make([]byte, n)
	for i := range ops {
		ops[i] = byte(r.UintN(256))
	}
	return ops
}

func FuzzTreeFloat(f *testing.F) {
	f.Add([]byte{0, 0, 0, 10, 11, 1, 5, 0, 0, 0})
	f.Add([]byte{3, 1, 0, 20, 1, 1, 3, 0, 5, 8})
	f.Add([]byte{5, 2, 3, 0, 0, 1, 4, 3, 1, 0})
	f.Fuzz(func(t *testing.T, ops []byte) {
		if len(ops) > 0 && ops[0]&0x80 != 0 {
			runFloat[float32](t, 4, ops[:min(len(ops), 2+4*100)])
			return
		}
		runFloat[float64](t, 4, ops[:min(len(ops), 2+4*100)])
	})
}
