package fst_test

import (
	"errors"
	"fmt"
	"iter"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/flatseg/flatseg/fst"
	"github.com/flatseg/flatseg/internal/testenv"
)

// The one model harness: every model test of this package (comparable
// values, NewFunc values, float keys, integer keys at the ends of their type)
// is a config of it, and seeded subtests and fuzz targets drive the same
// interpreter (harness.run). The harness applies each operation to the tree
// under test (a subject) and to an obviously correct model, then checks:
// the error against the model's (a failed operation must change nothing),
// Insert's changed flag, Verify, every read method against the model, the
// clones kept earlier against the models kept with them, and Diff and Equal
// against the state before the operation.
//
// A new kind of tree (the measured trees of issue 15, say) plugs in as
// another subject (its methods have these names) and adds its own checks in
// config.extra, which sees the tree and the model after every operation.

// opKind is one kind of operation, for the harness and for the case tables
// of mdds_cases_test.go.
type opKind int

const (
	opInsert     opKind = iota + 1 // Insert(a, b, v)
	opShiftLeft                    // ShiftLeft(a, b)
	opShiftRight                   // ShiftRight(a, b, skip)
	opClear                        // Clear()
	opSearch                       // Search(a): case tables only; the harness searches after every op
	opClone                        // keep a clone and its model, re-checked after every later op
	opFreeze                       // Freeze()
	opApply                        // Apply(a, b, f) with f encoded in c (see applyFunc)
	opAppend                       // Insert over [s, s+size(b)) where s starts the last segment: an append
)

func (k opKind) String() string {
	return [...]string{"?", "Insert", "ShiftLeft", "ShiftRight", "Clear", "Search", "Clone", "Freeze", "Apply", "Append"}[k]
}

// subject is the tree under test as the harness drives it: T is the type
// Clone returns (*fst.Tree[K, V] for the trees of today).
type subject[K fst.Key, V, T any] interface {
	Insert(start, end K, v V) (bool, error)
	Apply(start, end K, f func(V) V) (bool, error)
	ShiftLeft(start, end K) error
	ShiftRight(pos, size K, skip bool) error
	Clear()
	Freeze()
	Clone() T
	Equal(o T) bool
	Verify() error
	LeafSize() int
	Segments() iter.Seq[fst.Segment[K, V]]
	LeafNodes() iter.Seq2[K, V]
	LeafNodesBackward() iter.Seq2[K, V]
	Search(key K) (fst.Segment[K, V], bool)
	Overlapping(start, end K) iter.Seq[fst.Segment[K, V]]
}

// segCursor is what the harness drives of an fst.Cursor, of any summary.
type segCursor[K fst.Key, V any] interface {
	Seek(key K) (fst.Segment[K, V], bool)
	Next() (fst.Segment[K, V], bool)
	Prev() (fst.Segment[K, V], bool)
}

// cursorOf is config.cursor for the trees of every summary.
func cursorOf[K fst.Key, V, M any](t *fst.Measured[K, V, M]) segCursor[K, V] { return t.Cursor() }

// model is the obviously correct counterpart of a subject. Its values are
// small ints; the subject holds config.box of them. A model may change on a
// failed operation: the harness puts back the clone it took before.
type model[K fst.Key, M any] interface {
	insert(start, end K, v int) (changed bool, err error)
	apply(start, end K, f func(int) int) (changed bool, err error)
	shiftLeft(start, end K) error
	shiftRight(pos, size K, skip bool) error
	clear()
	clone() M
	segments() []fst.Segment[K, int] // in key order, covering the span
}

// weight is how often an operation kind is drawn, out of the sum of a
// config's weights.
type weight struct {
	op opKind
	n  int
}

// config is one model test: which operations, how their arguments are
// drawn, how the subject's values map to the model's, and which extra checks
// run.
type config[K fst.Key, V any, T subject[K, V, T], M model[K, M]] struct {
	mix []weight
	// keys and sizes are the palettes an operation draws keys and shift
	// sizes from, given the model before it; keys are also the probes of
	// Search and the ends of the Overlapping windows.
	keys, sizes func(m M) []K
	values      int // model values are 0 .. values-1
	// box turns a model value into the subject's; unbox turns it back; eq
	// tells whether the subject stored the value it was given.
	box    func(int) V
	unbox  func(V) int
	eq     func(a, b V) bool
	keep   int                                                  // clones kept for re-checks, oldest dropped first
	diff   func(a, b T) iter.Seq[fst.Change[K, V]]              // fst.Diff for the subject type
	cursor func(t T) segCursor[K, V]                            // t.Cursor(), as a segCursor
	extra  func(h *harness[K, V, T, M], tr T, m M, what string) // more checks; may be nil
	// owned runs the operations as a program that only writes does: the
	// harness takes no clone of the tree before an operation (no Diff
	// check against it, no cursor made before the write, a failed
	// operation compared with the model alone) and makes no cursor over
	// the tree (a Cursor clones it), so the tree keeps its writer token
	// from one write to the next unless the operation itself is a Clone
	// or a Freeze. Writes then change the nodes the tree owns in place,
	// and runs of appends go through the writer's kept last leaf
	// (cow.Tree.LastLeaf), which the other writes must let go of.
	owned bool
}

// ownedConfig returns cfg in owned mode, with appends drawn three times as
// often, so that runs of them build and split the last leaf between the
// other operations.
func ownedConfig[K fst.Key, V any, T subject[K, V, T], M model[K, M]](cfg *config[K, V, T, M]) *config[K, V, T, M] {
	c := *cfg
	c.owned = true
	c.mix = slices.Clone(cfg.mix)
	for i := range c.mix {
		if c.mix[i].op == opAppend {
			c.mix[i].n *= 3
		}
	}
	return &c
}

// harness holds one run: the subject and its model, the clones kept with
// their models, and the log of the operations so far.
type harness[K fst.Key, V any, T subject[K, V, T], M model[K, M]] struct {
	t       testing.TB
	cfg     *config[K, V, T, M]
	lo, hi  K
	init    int
	tree    T
	model   M
	old     []T
	oldM    []M
	log     []string
	weights int
}

// run makes a harness for tree and m (a new tree over [lo, hi) holding init
// everywhere, and its model) and applies ops, four bytes per operation.
func run[K fst.Key, V any, T subject[K, V, T], M model[K, M]](t testing.TB, cfg *config[K, V, T, M], lo, hi K, init int, tree T, m M, ops []byte) {
	t.Helper()
	h := &harness[K, V, T, M]{t: t, cfg: cfg, lo: lo, hi: hi, init: init, tree: tree, model: m}
	for _, w := range cfg.mix {
		h.weights += w.n
	}
	h.check(h.tree, h.model, "new tree", !cfg.owned)
	for i := 0; i+3 < len(ops); i += 4 {
		h.step(ops[i], ops[i+1], ops[i+2], ops[i+3])
	}
}

// fail stops the test with the message, the span, the operations so far and
// the command that replays the run.
func (h *harness[K, V, T, M]) fail(format string, args ...any) {
	h.t.Helper()
	env := ""
	if testenv.Deep(h.t) {
		env = testenv.DeepVar + "=1 "
	}
	parts := strings.Split(h.t.Name(), "/")
	h.t.Fatalf("%s\nspan [%v, %v) init %d\nops: %v\nreplay: %sgo test ./fst -run '^%s$'",
		fmt.Sprintf(format, args...), h.lo, h.hi, h.init, strings.Join(h.log, " "), env, strings.Join(parts, "$/^"))
}

func (h *harness[K, V, T, M]) draw(op byte) opKind {
	x := int(op) % h.weights
	for _, w := range h.cfg.mix {
		if x < w.n {
			return w.op
		}
		x -= w.n
	}
	panic("unreachable")
}

// step applies the operation the four bytes encode: op chooses the kind, a
// and b the keys or sizes, c the value and the flags (c&4: skip, c&8:
// ShiftLeft's end is a size past its start, c&16: Apply's f is a constant).
func (h *harness[K, V, T, M]) step(op, a, b, c byte) {
	h.t.Helper()
	keys, sizes := h.cfg.keys(h.model), h.cfg.sizes(h.model)
	key := func(x byte) K { return keys[int(x)%len(keys)] }
	size := func(x byte) K { return sizes[int(x)%len(sizes)] }
	val := int(c) % h.cfg.values
	// A cursor made before the write, walked after it: it must read the
	// version it was made from, whatever the write did to the tree (made
	// before the Clone below, which would make the write copy every node
	// anyway). It is positioned by a Seek first, so that the walk
	// continues a path.
	owned := h.cfg.owned
	var early segCursor[K, V]
	var before T
	if !owned {
		early = h.cfg.cursor(h.tree)
		early.Seek(key(c))
		before = h.tree.Clone()
	}
	beforeM := h.model.clone()
	var got, want error
	switch kind := h.draw(op); kind {
	case opInsert, opAppend:
		s, e := key(a), key(b)
		if kind == opAppend {
			// Runs of these fill the last leaf and split it (an uneven
			// split that leaves the tree's right edge thin, see
			// cow.SpliceLeaf); the other operations then write to such
			// trees.
			segs := h.model.segments()
			s = segs[len(segs)-1].Start
			if e = s + size(b); !(s < e && e < h.hi) { // also an overflow, or NaN
				e = h.hi
			}
		}
		h.log = append(h.log, fmt.Sprintf("Insert(%v,%v,%d)", s, e, val))
		changed, err := h.tree.Insert(s, e, h.cfg.box(val))
		wantChanged, werr := h.model.insert(s, e, val)
		got, want = err, werr
		if err == nil && werr == nil && changed != wantChanged {
			h.fail("Insert(%v,%v,%d) changed=%v, want %v", s, e, val, changed, wantChanged)
		}
	case opApply:
		s, e := key(a), key(b)
		f, name := applyFunc(val, c&16 != 0, h.cfg.values)
		h.log = append(h.log, fmt.Sprintf("Apply(%v,%v,%s)", s, e, name))
		var calls []int // the old values f was given, in order
		changed, err := h.tree.Apply(s, e, func(v V) V {
			calls = append(calls, h.cfg.unbox(v))
			return h.cfg.box(f(h.cfg.unbox(v)))
		})
		wantChanged, werr := h.model.apply(s, e, f)
		got, want = err, werr
		if err == nil && werr == nil && changed != wantChanged {
			h.fail("Apply(%v,%v,%s) changed=%v, want %v", s, e, name, changed, wantChanged)
		}
		var wantCalls []int // one call per segment overlapping [s, e), in order
		if werr == nil {
			for _, sg := range beforeM.segments() {
				if sg.Start < e && s < sg.End {
					wantCalls = append(wantCalls, sg.Value)
				}
			}
		}
		if !slices.Equal(calls, wantCalls) {
			h.fail("Apply(%v,%v,%s) called f with %v, want %v", s, e, name, calls, wantCalls)
		}
	case opShiftLeft:
		s, e := key(a), key(b)
		if c&8 != 0 {
			e = s + size(b)
		}
		h.log = append(h.log, fmt.Sprintf("ShiftLeft(%v,%v)", s, e))
		got, want = h.tree.ShiftLeft(s, e), h.model.shiftLeft(s, e)
	case opShiftRight:
		pos, sz, skip := key(a), size(b), c&4 != 0
		h.log = append(h.log, fmt.Sprintf("ShiftRight(%v,%v,%v)", pos, sz, skip))
		got, want = h.tree.ShiftRight(pos, sz, skip), h.model.shiftRight(pos, sz, skip)
	case opClear:
		h.log = append(h.log, "Clear")
		h.tree.Clear()
		h.model.clear()
	case opFreeze:
		h.log = append(h.log, "Freeze")
		h.tree.Freeze()
	case opClone:
		h.log = append(h.log, "Clone")
		h.old, h.oldM = append(h.old, h.tree.Clone()), append(h.oldM, h.model.clone())
		if len(h.old) > h.cfg.keep {
			h.old, h.oldM = h.old[1:], h.oldM[1:]
		}
	default:
		h.fail("the harness does not apply %v", kind)
	}
	if !sameError(got, want) {
		h.fail("error = %v, want %v", got, want)
	}
	if got != nil {
		h.model = beforeM // check compares the tree with it
		if !owned && !h.tree.Equal(before) {
			h.fail("a failed operation changed the tree")
		}
	}
	h.check(h.tree, h.model, "tree", !owned)
	for i, o := range h.old {
		h.check(o, h.oldM[i], fmt.Sprintf("clone %d", i), true)
	}
	if !owned {
		h.checkDiff(before, beforeM)
		h.checkCursor(early, beforeM, keys, int(a)^int(b)<<8, "a cursor made before the write")
	}
}

// applyFunc returns the f of an Apply operation on model values 0 ..
// values-1, and its name for the log: the constant val, or adding val
// modulo values (the identity when val is 0).
func applyFunc(val int, constant bool, values int) (func(int) int, string) {
	if constant {
		return func(int) int { return val }, fmt.Sprintf("=%d", val)
	}
	return func(v int) int { return (v + val) % values }, fmt.Sprintf("+%d", val)
}

// sameError reports whether got is nil exactly when want is, and otherwise
// wraps the fst sentinel that want is or wraps.
func sameError(got, want error) bool {
	if want == nil || got == nil {
		return got == nil && want == nil
	}
	for _, s := range []error{fst.ErrNaN, fst.ErrInvalidRange, fst.ErrOutOfSpan, fst.ErrInvalidShift} {
		if errors.Is(want, s) {
			return errors.Is(got, s)
		}
	}
	return errors.Is(got, want)
}

// segment turns a subject's segment into the model's, checking that the
// subject stored the value it was given.
func (h *harness[K, V, T, M]) segment(s fst.Segment[K, V], what string) fst.Segment[K, int] {
	v := h.cfg.unbox(s.Value)
	if !h.cfg.eq(s.Value, h.cfg.box(v)) {
		h.t.Helper() // only here: Helper costs a stack walk, and this runs per segment
		h.fail("%s: value %v of segment [%v, %v) was not stored as given", what, s.Value, s.Start, s.End)
	}
	return fst.Segment[K, int]{Start: s.Start, End: s.End, Value: v}
}

// check compares tr with m: Verify, Segments, LeafSize, LeafNodes and
// LeafNodesBackward, Search of every key of the palette, Overlapping over a
// few windows, a new cursor (when cursor: it clones tr), then config.extra.
func (h *harness[K, V, T, M]) check(tr T, m M, what string, cursor bool) {
	h.t.Helper()
	if err := tr.Verify(); err != nil {
		h.fail("%s: Verify: %v", what, err)
	}
	want := m.segments()
	var got []fst.Segment[K, int]
	for s := range tr.Segments() {
		got = append(got, h.segment(s, what))
	}
	if !slices.Equal(got, want) {
		h.fail("%s: segments\n got %v\nwant %v", what, got, want)
	}
	if tr.LeafSize() != len(want)+1 {
		h.fail("%s: LeafSize = %d, want %d", what, tr.LeafSize(), len(want)+1)
	}
	type leaf struct {
		k K
		v int
	}
	var leaves []leaf
	for _, s := range want {
		leaves = append(leaves, leaf{s.Start, s.Value})
	}
	leaves = append(leaves, leaf{h.hi, h.init})
	var fwd, back []leaf
	for k, v := range tr.LeafNodes() {
		fwd = append(fwd, leaf{k, h.cfg.unbox(v)})
	}
	if !slices.Equal(fwd, leaves) {
		h.fail("%s: LeafNodes = %v, want %v", what, fwd, leaves)
	}
	for k, v := range tr.LeafNodesBackward() {
		back = append(back, leaf{k, h.cfg.unbox(v)})
	}
	slices.Reverse(back)
	if !slices.Equal(back, leaves) {
		h.fail("%s: LeafNodesBackward reversed = %v, want %v", what, back, leaves)
	}
	probes := h.cfg.keys(m)
	for _, k := range probes {
		seg, ok := tr.Search(k)
		if in := h.lo <= k && k < h.hi; ok != in {
			h.fail("%s: Search(%v) ok=%v, in the span: %v", what, k, ok, in)
		}
		if !ok {
			continue
		}
		i := slices.IndexFunc(want, func(s fst.Segment[K, int]) bool { return s.Start <= k && k < s.End })
		if got := h.segment(seg, what); got != want[i] {
			h.fail("%s: Search(%v) = %v, want %v", what, k, got, want[i])
		}
	}
	// Windows at both ends, in the middle, empty and nearly all.
	n := len(probes)
	for _, w := range [][2]int{{0, n / 4}, {n / 4, 3 * n / 4}, {3 * n / 4, n - 1}, {n / 2, n / 2}, {1, n - 2}} {
		lo, hi := probes[w[0]], probes[max(w[1], 0)]
		var exp []fst.Segment[K, int]
		if lo < hi {
			for _, s := range want {
				if s.Start < hi && lo < s.End {
					exp = append(exp, s)
				}
			}
		}
		var got []fst.Segment[K, int]
		for s := range tr.Overlapping(lo, hi) {
			got = append(got, h.segment(s, what))
		}
		if !slices.Equal(got, exp) {
			h.fail("%s: Overlapping(%v, %v) = %v, want %v", what, lo, hi, got, exp)
		}
	}
	if cursor {
		h.checkCursor(h.cfg.cursor(tr), m, probes, len(want), what+": a new cursor")
	}
	if h.cfg.extra != nil {
		h.cfg.extra(h, tr, m, what)
	}
}

// checkCursor checks c, a cursor over a version whose model is m, against
// the model: Seek of every probe (in palette order, then in an order drawn
// from mix, so that Seeks climb both ways), each followed by a step of Next
// or Prev from where it landed; then a whole walk with Next to the last
// segment and one with Prev back to the first. Seeks outside the span
// report false and leave the cursor where it was.
func (h *harness[K, V, T, M]) checkCursor(c segCursor[K, V], m M, probes []K, mix int, what string) {
	h.t.Helper()
	want := m.segments()
	at := func(k K) int {
		return slices.IndexFunc(want, func(s fst.Segment[K, int]) bool { return s.Start <= k && k < s.End })
	}
	order := slices.Clone(probes)
	rng := rand.New(rand.NewPCG(uint64(mix), uint64(len(probes))))
	rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	cur := -1 // the segment the cursor is at, -1 before any
	for _, k := range append(slices.Clone(probes), order...) {
		seg, ok := c.Seek(k)
		i := at(k)
		if ok != (i >= 0) {
			h.fail("%s: Seek(%v) ok=%v, in the span: %v", what, k, ok, i >= 0)
		}
		if !ok {
			continue
		}
		if got := h.segment(seg, what); got != want[i] {
			h.fail("%s: Seek(%v) = %v, want %v", what, k, got, want[i])
		}
		cur = i
		step, name, j := c.Next, "Next", cur+1
		if rng.IntN(2) == 0 {
			step, name, j = c.Prev, "Prev", cur-1
		}
		seg, ok = step()
		if ok != (0 <= j && j < len(want)) {
			h.fail("%s: %s after Seek(%v) ok=%v with %d segments", what, name, k, ok, len(want))
		}
		if ok {
			cur = j
		}
		if got := h.segment(seg, what); got != want[cur] {
			h.fail("%s: %s after Seek(%v) = %v, want %v", what, name, k, got, want[cur])
		}
	}
	if cur < 0 { // never positioned: the first Next is the first segment
		seg, ok := c.Next()
		if !ok || h.segment(seg, what) != want[0] {
			h.fail("%s: Next of a new cursor = %v, %v, want %v", what, seg, ok, want[0])
		}
		cur = 0
	}
	for ; cur+1 < len(want); cur++ {
		if seg, ok := c.Next(); !ok || h.segment(seg, what) != want[cur+1] {
			h.fail("%s: Next from segment %d = %v, %v, want %v", what, cur, seg, ok, want[cur+1])
		}
	}
	if seg, ok := c.Next(); ok || h.segment(seg, what) != want[cur] {
		h.fail("%s: Next past the last = %v, %v: want false and the last", what, seg, ok)
	}
	for ; cur > 0; cur-- {
		if seg, ok := c.Prev(); !ok || h.segment(seg, what) != want[cur-1] {
			h.fail("%s: Prev from segment %d = %v, %v, want %v", what, cur, seg, ok, want[cur-1])
		}
	}
	if seg, ok := c.Prev(); ok || h.segment(seg, what) != want[0] {
		h.fail("%s: Prev before the first = %v, %v: want false and the first", what, seg, ok)
	}
}

// checkDiff compares Diff(before, tree) with the changes between the two
// models, and Equal with whether there are any.
func (h *harness[K, V, T, M]) checkDiff(before T, bm M) {
	h.t.Helper()
	want := changes(bm.segments(), h.model.segments())
	var got []fst.Change[K, int]
	for c := range h.cfg.diff(before, h.tree) {
		got = append(got, fst.Change[K, int]{Start: c.Start, End: c.End, Old: h.cfg.unbox(c.Old), New: h.cfg.unbox(c.New)})
	}
	if !slices.Equal(got, want) {
		h.fail("Diff = %v, want %v", got, want)
	}
	if eq := before.Equal(h.tree); eq != (len(want) == 0) {
		h.fail("Equal = %v with %d changes", eq, len(want))
	}
}

// changes is what Diff must yield between two versions whose segments are a
// and b (over one span): the maximal ranges where the values differ, touching
// ranges with the same pair of values merged.
func changes[K fst.Key](a, b []fst.Segment[K, int]) []fst.Change[K, int] {
	var out []fst.Change[K, int]
	for i, j := 0, 0; i < len(a) && j < len(b); {
		s, e := max(a[i].Start, b[j].Start), min(a[i].End, b[j].End)
		if o, n := a[i].Value, b[j].Value; o != n {
			if l := len(out) - 1; l >= 0 && out[l].End == s && out[l].Old == o && out[l].New == n {
				out[l].End = e
			} else {
				out = append(out, fst.Change[K, int]{Start: s, End: e, Old: o, New: n})
			}
		}
		if a[i].End == e {
			i++
		}
		if b[j].End == e {
			j++
		}
	}
	return out
}

// seeds runs f in one parallel subtest per seed, named prefix+"seed=N": quick
// seeds by default, deep with FLATSEG_DEEP=1 (seeds 1 to quick first).
func seeds(t *testing.T, prefix string, quick, deep int, f func(t *testing.T, seed uint64)) {
	for seed := uint64(1); seed <= uint64(testenv.Pick(t, quick, deep)); seed++ {
		t.Run(fmt.Sprintf("%sseed=%d", prefix, seed), func(t *testing.T) {
			t.Parallel()
			f(t, seed)
		})
	}
}

// randomOps returns n random bytes for seed, the input of a seeded run.
func randomOps(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, 2))
	ops := make([]byte, n)
	for i := range ops {
		ops[i] = byte(r.UintN(256))
	}
	return ops
}
