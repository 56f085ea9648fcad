package fst_test

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flatseg/flatseg/fst"
	"github.com/flatseg/flatseg/internal/testenv"
)

// The model tests of Merge, MergeFunc, MergeSame and Zip. Pairs of trees
// are grown by the model harness (harness.step: every operation checked
// against its dense model as in TestTree_Model) from random bytes, with a
// shared history or independently; each merge is then checked against the
// key-by-key merge of the two models by the harness's own check (Verify,
// which finds neighbours left unmerged and, on measured trees, every stored
// summary; segments; leaf nodes both ways; Search; Overlapping; and, on
// measured trees, Measure, Seek and SeekBackward), and every Zip against
// the ranges between the two models' boundaries. The functions are not
// commutative, so that an argument order swapped somewhere fails. Seeded
// subtests and FuzzMerge drive the same interpreter (runMerge).

// grow applies ops to tr and its model m through the harness, four bytes
// per operation, every operation checked, and returns both.
func grow[K fst.Key, V any, T subject[K, V, T], M model[K, M]](t testing.TB, cfg *config[K, V, T, M], lo, hi K, init int, tr T, m M, ops []byte) (T, M) {
	t.Helper()
	h := &harness[K, V, T, M]{t: t, cfg: cfg, lo: lo, hi: hi, init: init, tree: tr, model: m}
	for _, w := range cfg.mix {
		h.weights += w.n
	}
	for i := 0; i+3 < len(ops); i += 4 {
		h.step(ops[i], ops[i+1], ops[i+2], ops[i+3])
	}
	return h.tree, h.model
}

// checkModel runs the harness's checks of tr against m, a tree over
// [lo, hi) whose default value is init.
func checkModel[K fst.Key, V any, T subject[K, V, T], M model[K, M]](t testing.TB, cfg *config[K, V, T, M], lo, hi K, init int, tr T, m M, what string) {
	t.Helper()
	h := &harness[K, V, T, M]{t: t, cfg: cfg, lo: lo, hi: hi, init: init}
	h.check(tr, m, what, true)
}

// The merge functions of the tests, on model values 0..3 (and 0..1 for a
// mask). None is commutative; the last four are idempotent (f(x, x) = x),
// as MergeSame requires.
var (
	mix     = func(x, y int) int { return (3*x + y) % 7 }
	overlay = func(x, y int) int { // y where it is set (non-zero), else x
		if y != 0 {
			return y
		}
		return x
	}
	maxOf  = func(x, y int) int { return max(x, y) }
	first  = func(x, _ int) int { return x }
	second = func(_, y int) int { return y }
	// x where the two agree, else a value that may be neither
	agree = func(x, y int) int {
		if x == y {
			return x
		}
		return (x + 2*y + 1) % 4
	}
	// the spreadsheet's visible heights: a height where the row is not
	// hidden, and a distinct value per hidden height
	visible = func(h int, hidden bool) string {
		if hidden {
			return "hidden " + strconv.Itoa(h)
		}
		return strconv.Itoa(h)
	}
)

var sameFuncs = []struct {
	name string
	f    func(x, y int) int
}{{"overlay", overlay}, {"max", maxOf}, {"first", first}, {"second", second}, {"agree", agree}}

// mergeDense is the key-by-key merge of two dense models.
func mergeDense[K intKey](a, b *dense[K], f func(x, y int) int) *dense[K] {
	d := &dense[K]{min: a.min, max: a.max, init: f(a.init, b.init), v: make([]int, len(a.v))}
	for i := range d.v {
		d.v[i] = f(a.v[i], b.v[i])
	}
	return d
}

// mergeFloat is the merge of two float models: a boundary wherever either
// has one, holding f of both values there, neighbours then merged.
func mergeFloat[K fst.Key](a, b *fmodel[K], f func(x, y int) int) *fmodel[K] {
	var keys []K
	for _, x := range a.b {
		keys = append(keys, x.k)
	}
	for _, x := range b.b {
		keys = append(keys, x.k)
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	m := &fmodel[K]{min: a.min, max: a.max, init: f(a.init, b.init)}
	var nb []fbound[K]
	for _, k := range keys {
		nb = append(nb, fbound[K]{k, f(a.at(k), b.at(k))})
	}
	if err := m.commit(nb); err != nil {
		panic(err)
	}
	return m
}

// zipModel is what Zip must yield over [lo, hi) for two trees whose
// segments are sa and sb (one span): the ranges between consecutive
// boundaries of either, clipped.
func zipModel[K fst.Key](sa, sb []fst.Segment[K, int], lo, hi K) []fst.Pair[K, int, int] {
	var out []fst.Pair[K, int, int]
	for i, j := 0, 0; i < len(sa) && j < len(sb); {
		s, e := max(sa[i].Start, sb[j].Start, lo), min(sa[i].End, sb[j].End, hi)
		if s < e {
			out = append(out, fst.Pair[K, int, int]{Start: s, End: e, A: sa[i].Value, B: sb[j].Value})
		}
		end := min(sa[i].End, sb[j].End)
		if sa[i].End == end {
			i++
		}
		if sb[j].End == end {
			j++
		}
	}
	return out
}

// checkZip compares Zip, ZipBackward, ZipRange and ZipRangeBackward of a
// and b with their models' ranges, over the whole span and over windows
// whose ends are drawn from keys (reaching outside the span, empty and
// reversed ones included), stopping early once.
func checkZip[K fst.Key, MA, MB any](t testing.TB, a *fst.Measured[K, int, MA], b *fst.Measured[K, int, MB], sa, sb []fst.Segment[K, int], keys []K) {
	t.Helper()
	lo, hi := a.MinKey(), a.MaxKey()
	want := zipModel(sa, sb, lo, hi)
	got := slices.Collect(fst.Zip(a, b))
	if !slices.Equal(got, want) {
		t.Fatalf("Zip\n got %v\nwant %v", got, want)
	}
	back := slices.Collect(fst.ZipBackward(a, b))
	slices.Reverse(back)
	if !slices.Equal(back, want) {
		t.Fatalf("ZipBackward reversed\n got %v\nwant %v", back, want)
	}
	for range fst.Zip(a, b) {
		break // stopping early must not panic
	}
	n := len(keys)
	for i := 0; i < n; i += max(n/9, 1) {
		for j := n - 1; j >= 0; j -= max(n/7, 1) {
			s, e := keys[i], keys[j]
			var want []fst.Pair[K, int, int]
			if max(s, lo) < min(e, hi) {
				want = zipModel(sa, sb, s, e)
			}
			got := slices.Collect(fst.ZipRange(a, b, s, e))
			if !slices.Equal(got, want) {
				t.Fatalf("ZipRange(%v, %v)\n got %v\nwant %v", s, e, got, want)
			}
			back := slices.Collect(fst.ZipRangeBackward(a, b, s, e))
			slices.Reverse(back)
			if !slices.Equal(back, want) {
				t.Fatalf("ZipRangeBackward(%v, %v) reversed\n got %v\nwant %v", s, e, back, want)
			}
		}
	}
}

// pairModes are the histories of the two trees of a run.
var pairModes = []string{
	"independent", // grown apart, from separate New calls, maybe with other node sizes
	"siblings",    // both forks of a third tree, each written a little after the fork
	"version",     // b is a's clone, written a little; a is not written after the fork
	"clone",       // b is an unwritten clone of a
}

// The operation mixes of the trees of a pair: mostly Inserts and Applys,
// so that a tree grows many segments (Clear and the shifts would keep it
// small); then, on each side of a fork, a few writes of every kind, so that
// the forks still share most of their subtrees (at the same offsets, or
// moved by a shift).
var (
	baseMix = []weight{{opInsert, 16}, {opApply, 6}, {opShiftLeft, 1}, {opShiftRight, 1}, {opClone, 2}, {opFreeze, 2}}
	sideMix = []weight{{opInsert, 10}, {opApply, 4}, {opShiftLeft, 1}, {opShiftRight, 1}, {opClear, 1}}
)

// withMix returns a copy of cfg drawing its operations from mix.
func withMix[K fst.Key, V any, T subject[K, V, T], M model[K, M]](cfg *config[K, V, T, M], mix []weight) *config[K, V, T, M] {
	c := *cfg
	c.mix = mix
	return &c
}

var (
	plainBase, plainSide   = withMix(plainConfig, baseMix), withMix(plainConfig, sideMix)
	float64Base, floatSide = withMix(float64Config, baseMix), withMix(float64Config, sideMix)
)

// history splits the bytes that grow a pair: the runs of the tree the
// pair starts from (at most one byte per key of the span), maybe one
// operation on it, then each side's writes: maybe one operation (drawn
// from the first three bytes, a third of the time) and 4 narrow Inserts (see
// scribble). Random operations overwrite wide ranges, so more of them
// would leave few segments to share.
func history(ops []byte, span int) (runs, base, mine, theirs []byte) {
	if len(ops) < 3 {
		return nil, nil, nil, nil
	}
	nbase, na, nb := 4*int(ops[0]%3/2), 4*int(ops[1]%3/2)+8, 4*int(ops[2]%3/2)+8
	ops = ops[3:]
	runs, ops = ops[:min(span, len(ops))], ops[min(span, len(ops)):]
	take := func(n int) []byte {
		b := ops[:min(n, len(ops))]
		ops = ops[len(b):]
		return b
	}
	return runs, take(nbase), take(na), take(nb)
}

// side applies one side's writes (see history) to tr and its model.
func side[K fst.Key, V any, T subject[K, V, T], M model[K, M]](t testing.TB, cfg *config[K, V, T, M], lo, hi K, init int, tr T, m M, ops []byte) (T, M) {
	t.Helper()
	n := max(len(ops)-8, 0) / 4 * 4
	tr, m = grow(t, cfg, lo, hi, init, tr, m, ops[:n])
	return scribble(t, cfg, lo, hi, init, tr, m, ops[n:])
}

// scribble makes narrow Inserts into tr and its model, two bytes each:
// from a key of cfg's palette to one of the three keys after it, with a
// value, then checks tr against the model.
func scribble[K fst.Key, V any, T subject[K, V, T], M model[K, M]](t testing.TB, cfg *config[K, V, T, M], lo, hi K, init int, tr T, m M, ops []byte) (T, M) {
	t.Helper()
	for i := 0; i+1 < len(ops); i += 2 {
		keys := slices.Compact(slices.Sorted(slices.Values(cfg.keys(m))))
		j := int(ops[i]) % len(keys)
		s, e, v := keys[j], keys[min(j+1+int(ops[i+1]%3), len(keys)-1)], int(ops[i+1]/4)%cfg.values
		_, err := tr.Insert(s, e, cfg.box(v))
		_, werr := m.insert(s, e, v)
		require.True(t, sameError(err, werr), "Insert(%v, %v, %d): error %v, the model's %v", s, e, v, err, werr)
	}
	checkModel(t, cfg, lo, hi, init, tr, m, "after narrow inserts")
	return tr, m
}

// intRuns returns the segments of a tree over [lo, hi) that the bytes
// draw, one byte per run (1 to 4 keys holding a value 0..3), and its dense
// model, whose default value is init; keys past the last run keep init.
func intRuns(lo, hi, init int, b []byte) ([]fst.Segment[int, int], *dense[int]) {
	m := newDense(lo, hi, init)
	var segs []fst.Segment[int, int]
	for i, k := 0, lo; k < hi && i < len(b); i++ {
		e, v := min(k+1+int(b[i]%4), hi), int(b[i]/4)%4
		segs = append(segs, fst.Segment[int, int]{Start: k, End: e, Value: v})
		for x := k; x < e; x++ {
			m.v[x-lo] = v
		}
		k = e
	}
	return segs, m
}

// mergeSpan decodes the span and default value of a pair of int trees:
// up to 256 keys, so that a tree of node size 4 is four or five levels
// deep.
func mergeSpan(b []byte) (lo, hi, init int) {
	lo = int(b[0]%16) - 8
	return lo, lo + 1 + int(b[1]), int(b[2] % 3)
}

// growPair grows two int trees over [lo, hi), with default values ia and
// ib and node sizes fanA and fanB, from ops (see pair).
func growPair(t testing.TB, mode string, lo, hi, ia, ib, fanA, fanB int, ops []byte) (a, b *fst.Tree[int, int], ma, mb *dense[int]) {
	t.Helper()
	return pair(t, mode, plainSide, lo, hi, ia, ib, ops, hi-lo, func(which, init int, runs, ops []byte) (*fst.Tree[int, int], *dense[int]) {
		segs, m := intRuns(lo, hi, init, runs)
		tr, err := fst.BuildFanout(lo, hi, init, segs, []int{fanA, fanB}[which])
		require.NoError(t, err)
		return grow(t, plainBase, lo, hi, init, tr, m, ops)
	})
}

// pair grows the two trees of a run, with default values ia and ib, from
// ops: each starts from a tree of many short segments (build makes it
// from runs, the first span bytes, then writes it a few times, as the
// model tests write; which is 0 for a and 1 for b) that the two share when
// mode says so, then takes its own few writes with sideCfg (side).
// Independent trees start from the runs read forwards and backwards.
func pair[K fst.Key, V any, T subject[K, V, T], M model[K, M]](t testing.TB, mode string, sideCfg *config[K, V, T, M], lo, hi K, ia, ib int, ops []byte, span int,
	build func(which, init int, runs, ops []byte) (T, M)) (a, b T, ma, mb M) {
	t.Helper()
	runs, base, mine, theirs := history(ops, span)
	if mode == "independent" {
		half := len(base) / 8 * 4
		back := slices.Clone(runs)
		slices.Reverse(back)
		a, ma = build(0, ia, runs, base[:half])
		b, mb = build(1, ib, back, base[half:])
		a, ma = side(t, sideCfg, lo, hi, ia, a, ma, mine)
		b, mb = side(t, sideCfg, lo, hi, ib, b, mb, theirs)
		return a, b, ma, mb
	}
	a, ma = build(0, ia, runs, base)
	b, mb = a.Clone(), ma.clone()
	switch mode {
	case "siblings":
		a, ma = side(t, sideCfg, lo, hi, ia, a, ma, mine)
		b, mb = side(t, sideCfg, lo, hi, ia, b, mb, theirs)
	case "version":
		b, mb = side(t, sideCfg, lo, hi, ia, b, mb, mine)
		b, mb = side(t, sideCfg, lo, hi, ia, b, mb, theirs)
	}
	return a, b, ma, mb
}

// runMerge interprets ops: three bytes choose the span and a's default
// value, then b's default value, the history of the pair, the node sizes
// and the mask's default value; the rest grows the trees (and a mask
// tree, for the merges of mixed value types), then every merge is checked
// against the models.
func runMerge(t testing.TB, ops []byte) {
	if len(ops) < 8 {
		return
	}
	lo, hi, ia := mergeSpan(ops)
	ib := int(ops[3] % 4)
	mode := pairModes[int(ops[4])%len(pairModes)]
	fans := []int{4, 4, 7, fst.MaxFanout} // small nodes: deep trees, more subtrees to share
	fanA, fanB := fans[int(ops[5])%4], fans[int(ops[5]/4)%4]
	im := int(ops[6] % 2)
	if mode != "independent" {
		ib = ia // a fork keeps its default value
	}
	rest := ops[7:]
	a, b, ma, mb := growPair(t, mode, lo, hi, ia, ib, fanA, fanB, rest)
	// The mask: runs of the bytes backwards, hidden for odd values.
	segs, _ := intRuns(lo, hi, im, rest[len(rest)-min(len(rest), hi-lo):])
	mmask := newDense(lo, hi, im)
	var msegs []fst.Segment[int, bool]
	for _, sg := range segs {
		msegs = append(msegs, fst.Segment[int, bool]{Start: sg.Start, End: sg.End, Value: sg.Value%2 == 1})
		_, _ = mmask.insert(sg.Start, sg.End, sg.Value%2)
	}
	mask, err := fst.BuildFanout(lo, hi, im == 1, msegs, fanB)
	require.NoError(t, err)
	checkMerges(t, a, b, ma, mb, mask, mmask)
}

// checkMerges checks every merge of a and b (and of a and the mask)
// against the models, then that neither input changed and that later
// writes to the inputs and to the results never show in one another.
func checkMerges(t testing.TB, a, b *fst.Tree[int, int], ma, mb *dense[int], mask *fst.Tree[int, bool], mmask *dense[int]) {
	t.Helper()
	lo, hi := ma.min, ma.max
	type result struct {
		name string
		tr   *fst.Tree[int, int]
		m    *dense[int]
	}
	var results []result
	for _, order := range []struct {
		name   string
		x, y   *fst.Tree[int, int]
		mx, my *dense[int]
	}{{"a,b", a, b, ma, mb}, {"b,a", b, a, mb, ma}} {
		got, err := fst.Merge(order.x, order.y, mix)
		require.NoError(t, err)
		want := mergeDense(order.mx, order.my, mix)
		checkModel(t, plainConfig, lo, hi, want.init, got, want, "Merge("+order.name+", mix)")
		results = append(results, result{"Merge(" + order.name + ")", got, want})
		for _, sf := range sameFuncs {
			got, err := fst.MergeSame(order.x, order.y, sf.f)
			require.NoError(t, err)
			want := mergeDense(order.mx, order.my, sf.f)
			what := fmt.Sprintf("MergeSame(%s, %s)", order.name, sf.name)
			checkModel(t, plainConfig, lo, hi, want.init, got, want, what)
			if got.SameOrigin(order.x) != (want.init == order.mx.init) {
				t.Fatalf("%s: SameOrigin with its first argument is %v, defaults %d and %d", what, got.SameOrigin(order.x), want.init, order.mx.init)
			}
			results = append(results, result{what, got, want})
		}
	}

	// Mixed value types: heights and a mask, into strings, and into slices
	// compared by a function.
	vis, err := fst.Merge(a, mask, visible)
	require.NoError(t, err)
	require.NoError(t, vis.Verify())
	checkSegmentsFunc(t, "Merge(a, mask, visible)", vis, ma, mmask, func(x, y int) string { return visible(x, y == 1) }, func(x, y string) bool { return x == y })
	pair := func(x int, y bool) []int {
		if y {
			return []int{x, 1}
		}
		return []int{x, 0}
	}
	pairs, err := fst.MergeFunc(a, mask, pair, slices.Equal[[]int])
	require.NoError(t, err)
	require.NoError(t, pairs.Verify())
	checkSegmentsFunc(t, "MergeFunc(a, mask, pair)", pairs, ma, mmask, func(x, y int) []int { return pair(x, y == 1) }, slices.Equal[[]int])

	checkZip(t, a, b, ma.segments(), mb.segments(), plainConfig.keys(ma))
	checkZip(t, b, a, mb.segments(), ma.segments(), plainConfig.keys(ma))

	// The inputs are as they were; writes to them, then to the results,
	// show nowhere else (MergeSame shares nodes with its inputs).
	checkModel(t, plainConfig, lo, hi, ma.init, a, ma, "a after the merges")
	checkModel(t, plainConfig, lo, hi, mb.init, b, mb, "b after the merges")
	for i, w := range []struct {
		tr *fst.Tree[int, int]
		m  *dense[int]
	}{{a, ma}, {b, mb}} {
		for k := lo; k < hi; k += 3 {
			_, err := w.tr.Insert(k, k+1, 9+i)
			require.NoError(t, err)
			_, err = w.m.insert(k, k+1, 9+i)
			require.NoError(t, err)
		}
	}
	for _, r := range results {
		checkModel(t, plainConfig, lo, hi, r.m.init, r.tr, r.m, r.name+" after writes to its inputs")
		_, err := r.tr.Insert(lo, hi, 5)
		require.NoError(t, err)
	}
	checkModel(t, plainConfig, lo, hi, ma.init, a, ma, "a after writes to the results")
	checkModel(t, plainConfig, lo, hi, mb.init, b, mb, "b after writes to the results")
}

// checkSegmentsFunc compares the segments of a merge into values of
// another type with the key-by-key merge of the models.
func checkSegmentsFunc[C any](t testing.TB, what string, got *fst.Tree[int, C], ma, mb *dense[int], f func(x, y int) C, eq func(x, y C) bool) {
	t.Helper()
	var want []fst.Segment[int, C]
	for k := ma.min; k < ma.max; k++ {
		v := f(ma.at(k), mb.at(k))
		if n := len(want); n > 0 && eq(want[n-1].Value, v) {
			want[n-1].End = k + 1
			continue
		}
		want = append(want, fst.Segment[int, C]{Start: k, End: k + 1, Value: v})
	}
	segs := slices.Collect(got.All())
	same := len(segs) == len(want)
	for i := 0; same && i < len(segs); i++ {
		same = segs[i].Start == want[i].Start && segs[i].End == want[i].End && eq(segs[i].Value, want[i].Value)
	}
	if !same {
		t.Fatalf("%s: segments\n got %v\nwant %v", what, segs, want)
	}
	if d := f(ma.init, mb.init); !eq(got.DefaultValue(), d) {
		t.Fatalf("%s: default value %v, want %v", what, got.DefaultValue(), d)
	}
}

func TestMerge_Model(t *testing.T) {
	t.Parallel()
	seeds(t, "", 12, 400, func(t *testing.T, seed uint64) {
		runMerge(t, randomOps(seed, 7+3+256+4*6))
	})
}

func FuzzMerge(f *testing.F) {
	f.Add([]byte{8, 40, 0, 1, 1, 0, 0, 0, 10, 20, 1, 4, 3, 9, 0, 6, 5, 3, 4, 8, 0, 0, 0, 3, 1, 7, 2, 0, 4, 4, 9, 1})
	f.Add([]byte{0, 7, 1, 0, 2, 4, 1, 0, 0, 255, 2, 6, 0, 11, 0, 4, 1, 2, 0, 8, 8, 8, 8, 1, 2, 3, 4})
	f.Fuzz(func(t *testing.T, ops []byte) {
		runMerge(t, ops[:min(len(ops), 7+3+256+4*6)])
	})
}

// spread is a summary that depends on the length of every segment and is
// not commutative: the first, last, least and greatest value (edges) and
// the number of keys holding a value above 1. A summary that misses a
// change of a segment's length (the last segment of a subtree linked
// whole, whose next key moved) fails Verify.
type spread struct {
	E    edges
	High int64
}

type spreadOf[K intKey] struct{}

func (spreadOf[K]) Of(v int, n K) spread {
	s := spread{E: edgesOf[K]{}.Of(v, n)}
	if v > 1 {
		s.High = int64(n)
	}
	return s
}

func (spreadOf[K]) Combine(a, b spread) spread {
	return spread{E: edgesOf[K]{}.Combine(a.E, b.E), High: a.High + b.High}
}

// keeps are preds: High only grows, and a greatest value only rises, as
// runs combine.
func (s spreadOf[K]) keeps(thr int) []func(spread) bool { return s.preds(thr) }

func (spreadOf[K]) preds(thr int) []func(spread) bool {
	return []func(spread) bool{
		func(s spread) bool { return s.High >= int64(thr) },
		func(s spread) bool { return s.E.Has && s.E.Max >= thr%4 },
	}
}

var (
	spreadConfig           = measuredIntConfig[int, spread](spreadOf[int]{}, ident, ident, eqInt)
	spreadBase, spreadSide = withMix(spreadConfig, baseMix), withMix(spreadConfig, sideMix)
)

// The measured merges: MergeSame of two measured trees keeps and settles
// summaries (Verify recomputes every one), and a Merge given a Measure by
// WithMeasure answers Measure, Seek and SeekBackward as its model says.

func runMeasuredMerge(t testing.TB, ops []byte) {
	if len(ops) < 6 {
		return
	}
	lo, hi, init := mergeSpan(ops)
	mode := pairModes[int(ops[3])%len(pairModes)]
	fan := []int{4, 4, 7, fst.MaxFanout}[int(ops[4])%4]
	a, b, ma, mb := pair(t, mode, spreadSide, lo, hi, init, init, ops[5:], hi-lo, func(_, init int, runs, ops []byte) (*fst.Measured[int, int, spread], *dense[int]) {
		segs, m := intRuns(lo, hi, init, runs)
		plain, err := fst.BuildFanout(lo, hi, init, segs, fan)
		require.NoError(t, err)
		tr, err := fst.WithMeasure(plain, spreadOf[int]{})
		require.NoError(t, err)
		return grow(t, spreadBase, lo, hi, init, tr, m, ops)
	})
	for _, sf := range sameFuncs {
		got, err := fst.MergeSame(a, b, sf.f)
		require.NoError(t, err)
		want := mergeDense(ma, mb, sf.f)
		checkModel(t, spreadConfig, lo, hi, want.init, got, want, "MergeSame(a, b, "+sf.name+")")
	}
	plain, err := fst.Merge(a, b, mix)
	require.NoError(t, err)
	got, err := fst.WithMeasure(plain, spreadOf[int]{})
	require.NoError(t, err)
	want := mergeDense(ma, mb, mix)
	checkModel(t, spreadConfig, lo, hi, want.init, got, want, "WithMeasure(Merge(a, b, mix))")
	checkModel(t, spreadConfig, lo, hi, ma.init, a, ma, "a after the merges")
	checkModel(t, spreadConfig, lo, hi, mb.init, b, mb, "b after the merges")
}

func TestMerge_MeasuredModel(t *testing.T) {
	t.Parallel()
	seeds(t, "", 6, 150, func(t *testing.T, seed uint64) {
		runMeasuredMerge(t, randomOps(seed, 5+3+256+4*6))
	})
}

func FuzzMergeMeasured(f *testing.F) {
	f.Add([]byte{8, 40, 0, 1, 0, 0, 10, 20, 1, 4, 3, 9, 0, 6, 5, 3, 4, 8, 0, 0, 0, 3, 1, 7, 2})
	f.Fuzz(func(t *testing.T, ops []byte) {
		runMeasuredMerge(t, ops[:min(len(ops), 5+3+256+4*6)])
	})
}

// The float merges: spans with infinite and huge bounds, boundaries at the
// bounds and a float apart (the float model's palette), against the float
// model.

func runFloatMerge(t testing.TB, ops []byte) {
	if len(ops) < 4 {
		return
	}
	sp := floatSpans[int(ops[0])%len(floatSpans)]
	lo, hi := sp[0], sp[1]
	ia, ib := int(ops[1]%3), int(ops[2]%3)
	mode := pairModes[int(ops[3])%len(pairModes)]
	if mode != "independent" {
		ib = ia
	}
	a, b, ma, mb := pair(t, mode, floatSide, lo, hi, ia, ib, ops[4:], 64, func(_, init int, runs, ops []byte) (*fst.Tree[float64, int], *fmodel[float64]) {
		segs, m := floatRuns(lo, hi, init, runs)
		tr, err := fst.BuildFanout(lo, hi, init, segs, 4)
		require.NoError(t, err)
		return grow(t, float64Base, lo, hi, init, tr, m, ops)
	})
	got, err := fst.Merge(a, b, mix)
	require.NoError(t, err)
	want := mergeFloat(ma, mb, mix)
	checkModel(t, float64Config, lo, hi, want.init, got, want, "Merge(a, b, mix)")
	for _, sf := range sameFuncs {
		got, err := fst.MergeSame(a, b, sf.f)
		require.NoError(t, err)
		want := mergeFloat(ma, mb, sf.f)
		checkModel(t, float64Config, lo, hi, want.init, got, want, "MergeSame(a, b, "+sf.name+")")
	}
	checkZip(t, a, b, ma.segments(), mb.segments(), floatKeys(ma))
	checkModel(t, float64Config, lo, hi, ma.init, a, ma, "a after the merges")
	checkModel(t, float64Config, lo, hi, mb.init, b, mb, "b after the merges")
}

// floatRuns returns the segments of a float tree over [lo, hi) that the
// bytes draw, and its model: one boundary per byte, at a fraction of the
// span (of a finite window of it, for an infinite bound), every other one
// followed by a boundary one float above it, each holding a value 0..3;
// the keys before the first hold init.
func floatRuns(lo, hi float64, init int, b []byte) ([]fst.Segment[float64, int], *fmodel[float64]) {
	wlo, whi := lo, hi
	if math.IsInf(wlo, -1) {
		wlo = min(-1e30, whi-1e30)
	}
	if math.IsInf(whi, 1) {
		whi = max(1e30, wlo+1e30)
	}
	type point struct {
		k float64
		v int
	}
	var pts []point
	for _, x := range b {
		k := wlo + (whi-wlo)*(float64(x)/256)
		pts = append(pts, point{k, int(x/8) % 4})
		if x&1 != 0 {
			pts = append(pts, point{math.Nextafter(k, math.Inf(1)), int(x/32) % 4})
		}
	}
	slices.SortStableFunc(pts, func(p, q point) int { return cmpFloat(p.k, q.k) })
	pts = slices.CompactFunc(pts, func(p, q point) bool { return p.k == q.k })
	m := &fmodel[float64]{min: lo, max: hi, init: init}
	nb := []fbound[float64]{{lo, init}}
	var segs []fst.Segment[float64, int]
	for i, p := range pts {
		if !(lo < p.k && p.k < hi) {
			continue
		}
		end := hi
		if i+1 < len(pts) {
			end = min(pts[i+1].k, hi)
		}
		segs = append(segs, fst.Segment[float64, int]{Start: p.k, End: end, Value: p.v})
		nb = append(nb, fbound[float64](p))
	}
	if err := m.commit(nb); err != nil {
		panic(err)
	}
	return segs, m
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func TestMerge_FloatModel(t *testing.T) {
	t.Parallel()
	seeds(t, "", 8, 200, func(t *testing.T, seed uint64) {
		runFloatMerge(t, randomOps(seed, 4+3+64+4*6))
	})
}

func FuzzMergeFloat(f *testing.F) {
	f.Add([]byte{3, 1, 0, 1, 0, 20, 1, 1, 3, 0, 5, 8, 2, 9, 9, 1})
	f.Fuzz(func(t *testing.T, ops []byte) {
		runFloatMerge(t, ops[:min(len(ops), 4+3+64+4*6)])
	})
}

func TestMerge_Errors(t *testing.T) {
	t.Parallel()
	a, err := fst.New(0, 10, 0)
	require.NoError(t, err)
	other, err := fst.New(0, 11, 0)
	require.NoError(t, err)
	wide, err := fst.New(-1, 10, false)
	require.NoError(t, err)

	_, err = fst.Merge(a, other, mix)
	assert.ErrorIs(t, err, fst.ErrIncompatible)
	_, err = fst.Merge(a, wide, visible)
	assert.ErrorIs(t, err, fst.ErrIncompatible)
	_, err = fst.MergeFunc(a, other, mix, func(x, y int) bool { return x == y })
	assert.ErrorIs(t, err, fst.ErrIncompatible)
	_, err = fst.MergeSame(a, other, maxOf)
	assert.ErrorIs(t, err, fst.ErrIncompatible)
	_, err = fst.MergeFunc(a, a, mix, nil)
	assert.ErrorIs(t, err, fst.ErrNilEqual)
	_, err = fst.Merge(a, new(fst.Tree[int, int]), mix)
	assert.ErrorIs(t, err, fst.ErrOutOfSpan)
	_, err = fst.MergeSame(nil, a, maxOf)
	assert.ErrorIs(t, err, fst.ErrOutOfSpan)

	// Zip reads the keys both spans hold.
	got := slices.Collect(fst.Zip(a, wide))
	assert.Equal(t, []fst.Pair[int, int, bool]{{Start: 0, End: 10, A: 0, B: false}}, got)
	assert.Empty(t, slices.Collect(fst.Zip(a, new(fst.Tree[int, int]))))
	assert.Empty(t, slices.Collect(fst.ZipRange(a, a, 5, 5)))
	nan, err := fst.New(0.0, 1.0, 0)
	require.NoError(t, err)
	assert.Empty(t, slices.Collect(fst.ZipRange(nan, nan, math.NaN(), 1)))
	assert.Empty(t, slices.Collect(fst.ZipRangeBackward(nan, nan, 0, math.NaN())))
}

// TestMerge_PanicChangesNothing: a panic in f, in the equality or in the
// Measure leaves both inputs as they were and returns nothing.
func TestMerge_PanicChangesNothing(t *testing.T) {
	t.Parallel()
	build := func() (*fst.Measured[int, int, edges], *dense[int]) {
		tr, err := fst.NewMeasuredFanout(0, 40, 0, edgesOf[int]{}, 4)
		require.NoError(t, err)
		m := newDense(0, 40, 0)
		for k := 0; k < 40; k += 3 {
			_, err := tr.Insert(k, k+2, k%4)
			require.NoError(t, err)
			_, _ = m.insert(k, k+2, k%4)
		}
		return tr, m
	}
	a, ma := build()
	b, mb := a.Clone(), ma.clone()
	for k := 1; k < 40; k += 7 {
		_, err := b.Insert(k, k+3, 2)
		require.NoError(t, err)
		_, _ = mb.insert(k, k+3, 2)
	}
	boom := func(calls int) func(x, y int) int {
		return func(x, y int) int {
			if calls--; calls < 0 {
				panic("boom")
			}
			return max(x, y)
		}
	}
	for _, calls := range []int{0, 1, 5} {
		assert.PanicsWithValue(t, "boom", func() { _, _ = fst.Merge(a, b, boom(calls)) })
		assert.PanicsWithValue(t, "boom", func() { _, _ = fst.MergeSame(a, b, boom(calls)) })
	}
	checkModel(t, edgesConfig, 0, 40, 0, a, ma, "a after panics")
	checkModel(t, edgesConfig, 0, 40, 0, b, mb, "b after panics")
	// A Measure that panics while the result settles.
	pa, err := fst.WithMeasure(a, panicky{})
	require.NoError(t, err)
	pb, err := fst.WithMeasure(b, panicky{})
	require.NoError(t, err)
	panicking = true
	assert.Panics(t, func() { _, _ = fst.MergeSame(pa, pb, maxOf) })
	panicking = false
	require.NoError(t, pa.Verify())
	require.NoError(t, pb.Verify())
	assert.Equal(t, slices.Collect(a.All()), slices.Collect(pa.All()))
	assert.Equal(t, slices.Collect(b.All()), slices.Collect(pb.All()))
}

// panicky is a count Measure that panics while panicking is set.
type panicky struct{}

var panicking bool

func (panicky) Of(v int, n int) int {
	if panicking {
		panic(errors.New("measure"))
	}
	return n
}
func (panicky) Combine(a, b int) int { return a + b }

// TestMergeSame_SubtreeEdges writes next to boundaries of a deep tree
// (every fifth key, every key with FLATSEG_DEEP=1), one write per version,
// and merges each version with the tree both ways round: the write moves
// the boundary before or after a key, makes two segments one, or removes
// one, so the ranges MergeSame writes over touch what it keeps of the
// first tree on either side and must merge with it, at leaf and subtree
// edges. With summaries (Verify recomputes every one), the versions are
// clones of a measured tree and, apart, WithMeasure of clones of its plain
// tree, which share its leaves but not its inner nodes.
func TestMergeSame_SubtreeEdges(t *testing.T) {
	t.Parallel()
	const lo, hi = 0, 120
	var segs []fst.Segment[int, int]
	m := newDense(lo, hi, 0)
	for k := lo; k < hi; k += 2 {
		v := 1 + k%3
		segs = append(segs, fst.Segment[int, int]{Start: k, End: k + 2, Value: v})
		_, _ = m.insert(k, k+2, v)
	}
	plain, err := fst.BuildFanout(lo, hi, 0, segs, 4)
	require.NoError(t, err)
	a, err := fst.WithMeasure(plain, spreadOf[int]{})
	require.NoError(t, err)
	for k := lo + 1; k < hi; k += testenv.Pick(t, 9, 1) {
		for _, w := range []struct {
			name       string
			start, end int
			v          int
		}{
			{"extend the segment before", k, k + 1, m.at(k - 1)},
			{"extend the segment after", k - 1, k, m.at(k)},
			{"a new value", k, k + 1, 0},
			{"two segments one", k - 1, k + 1, m.at(k)},
			{"remove the boundary at k", k, k + 2, m.at(k - 1)},
		} {
			mb := m.clone()
			_, _ = mb.insert(w.start, w.end, w.v)
			b := a.Clone()
			_, err := b.Insert(w.start, w.end, w.v)
			require.NoError(t, err)
			pb := plain.Clone() // measured apart from a: leaves shared, inner nodes not
			_, err = pb.Insert(w.start, w.end, w.v)
			require.NoError(t, err)
			rb, err := fst.WithMeasure(pb, spreadOf[int]{})
			require.NoError(t, err)
			for _, v := range []struct {
				name string
				b    *fst.Measured[int, int, spread]
			}{{"clone", b}, {"remeasured", rb}} {
				for _, sf := range sameFuncs {
					for _, swap := range []bool{false, true} {
						x, y, mx, my := a, v.b, m, mb
						if swap {
							x, y, mx, my = y, x, my, mx
						}
						what := fmt.Sprintf("k=%d, %s, %s, %s, swapped %v", k, w.name, v.name, sf.name, swap)
						got, err := fst.MergeSame(x, y, sf.f)
						require.NoError(t, err)
						require.NoError(t, got.Verify(), what)
						want := mergeDense(mx, my, sf.f)
						require.Equal(t, want.segments(), slices.Collect(got.All()), what)
					}
				}
			}
		}
	}
}

// TestMergeSame_Work counts the nodes MergeSame's walk enters and the
// allocations it makes (the nodes its Inserts copy) for two versions of a
// tree c Inserts apart: both are O(c·log n), bounded by a few nodes per
// level per Insert, the same bound for n = 10³ and 10⁵ segments, far below
// the number of leaves a walk of the whole trees would read.
func TestMergeSame_Work(t *testing.T) { // not parallel: AllocsPerRun
	minOf := func(x, y int64) int64 { return min(x, y) } // takes after's smaller values, before's where after wrote larger ones (mixed)
	for _, n := range []int{1_000, 100_000} {
		for _, c := range []int{1, 10, 100} {
			for _, mixed := range []bool{false, true} {
				t.Run(fmt.Sprintf("n=%d/c=%d/mixed=%v", n, c, mixed), func(t *testing.T) {
					before, after := versions(t, n, c, mixed)
					got, nodes, err := fst.MergeSameNodes(before, after, minOf)
					require.NoError(t, err)
					require.NoError(t, got.Verify())
					levels := 1
					for k := fst.MaxFanout / 2; k < n; k *= fst.MaxFanout / 2 {
						levels++ // at most: nodes are at least half full
					}
					// Each Insert differs on one path of each tree: a node
					// and its right neighbour per level, in both trees.
					bound := 4 * c * levels
					allocs := testing.AllocsPerRun(5, func() { _, _, _ = fst.MergeSameNodes(before, after, minOf) })
					t.Logf("%d levels at most: %d nodes entered, %.0f allocations (bound %d)", levels, nodes, allocs, bound)
					require.LessOrEqual(t, nodes, bound, "nodes entered")
					require.LessOrEqual(t, allocs, float64(bound), "allocations")
					if !mixed && 2*c <= (2*n+c)/16 {
						// The result is after, forked: no Insert, nothing
						// copied; the allocations are the fork, the walk
						// and the list of 2c ranges (a few growths).
						// (Past (n+m)/16 ranges MergeSame builds instead.)
						require.LessOrEqual(t, allocs, 16.0, "allocations when the result is the second version")
					}
					want, err := fst.Merge(before, after, minOf)
					require.NoError(t, err)
					require.True(t, got.Equal(want), "MergeSame and Merge differ")
				})
			}
		}
	}
}

// TestZip_Allocs: a walk of Zip allocates the same for trees of 10 and of
// 10⁴ ranges (its iterator, once), so no step allocates.
func TestZip_Allocs(t *testing.T) { // not parallel: AllocsPerRun
	for _, n := range []int{10, 10_000} {
		a, b := mergeShape(t, n)
		steps := 0
		allocs := testing.AllocsPerRun(10, func() {
			for range fst.Zip(a, b) {
				steps++
			}
			for range fst.ZipBackward(a, b) {
				steps++
			}
			for range fst.ZipRange(a, b, 3, int64(4*n)) {
				steps++
			}
		})
		require.Greater(t, steps, 3*n)
		require.LessOrEqual(t, allocs, 6.0, "n=%d: %.0f allocations", n, allocs)
	}
}
