package fst_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/flatseg/flatseg/fst"
)

// dense is the obviously correct model: one value per key of [min, max).
type dense struct {
	min, max int
	init     int
	v        []int
}

func newDense(min, max, init int) *dense {
	d := &dense{min: min, max: max, init: init, v: make([]int, max-min)}
	for i := range d.v {
		d.v[i] = init
	}
	return d
}

func (d *dense) clone() *dense {
	c := *d
	c.v = slices.Clone(d.v)
	return &c
}

func (d *dense) at(k int) int { return d.v[k-d.min] }

// insert follows the documented semantics: clip to the span, then assign.
func (d *dense) insert(s, e, v int) (bool, error) {
	switch {
	case s >= e:
		return false, fst.ErrInvalidRange
	case e <= d.min || s >= d.max:
		return false, fst.ErrOutOfSpan
	}
	changed := false
	for k := max(s, d.min); k < min(e, d.max); k++ {
		changed = changed || d.at(k) != v
		d.v[k-d.min] = v
	}
	return changed, nil
}

// shiftLeft deletes [s, e) and pulls the rest left; the tail takes init.
func (d *dense) shiftLeft(s, e int) error {
	switch {
	case s >= e:
		return fst.ErrInvalidRange
	case s < d.min || e > d.max:
		return fst.ErrOutOfSpan
	}
	n := make([]int, len(d.v))
	for k := d.min; k < d.max; k++ {
		switch {
		case k < s:
			n[k-d.min] = d.at(k)
		case k+(e-s) < d.max:
			n[k-d.min] = d.at(k + e - s)
		default:
			n[k-d.min] = d.init
		}
	}
	d.v = n
	return nil
}

// shiftRight opens [pos, pos+size): the gap continues the segment covering
// pos, or, when a segment starts at pos and skip is false, the one before it
// (the default value at min).
func (d *dense) shiftRight(pos, size int, skip bool) error {
	switch {
	case size <= 0:
		return fst.ErrInvalidShift
	case pos < d.min || pos >= d.max:
		return fst.ErrOutOfSpan
	}
	startsAtPos := pos == d.min || d.at(pos-1) != d.at(pos)
	gap := d.at(pos)
	if startsAtPos && !skip {
		gap = d.init
		if pos > d.min {
			gap = d.at(pos - 1)
		}
	}
	n := make([]int, len(d.v))
	for k := d.min; k < d.max; k++ {
		switch {
		case k < pos:
			n[k-d.min] = d.at(k)
		case k < pos+size:
			n[k-d.min] = gap
		default:
			n[k-d.min] = d.at(k - size)
		}
	}
	d.v = n
	return nil
}

func (d *dense) segments() []fst.Segment[int, int] {
	var out []fst.Segment[int, int]
	for k := d.min; k < d.max; k++ {
		if k == d.min || d.at(k) != d.at(k-1) {
			out = append(out, fst.Segment[int, int]{Start: k, End: d.max, Value: d.at(k)})
			if len(out) > 1 {
				out[len(out)-2].End = k
			}
		}
	}
	return out
}

// harness applies each operation to a fst.Tree and to the dense model,
// checks Verify and every read method after each one, and re-checks clones
// taken earlier (and their expected content) after writes to the newest.
type harness struct {
	t     testing.TB
	tree  *fst.Tree[int, int]
	model *dense
	old   []*fst.Tree[int, int]
	oldM  []*dense
	log   []string
}

func newHarness(t testing.TB, min, max, init, fanout int) *harness {
	tr, err := fst.NewFanout(min, max, init, fanout)
	if err != nil {
		t.Fatalf("New(%d, %d, %d): %v", min, max, init, err)
	}
	return &harness{t: t, tree: tr, model: newDense(min, max, init)}
}

func (h *harness) fail(format string, args ...any) {
	h.t.Helper()
	h.t.Fatalf("%s\nops: %v", fmt.Sprintf(format, args...), h.log)
}

// step decodes one operation from four bytes; keys range a little beyond
// the span on both sides so that clipping and bad input are exercised.
func (h *harness) step(op, a, b, c byte) {
	h.t.Helper()
	m := h.model
	width := m.max - m.min
	key := func(x byte) int { return m.min - 3 + int(x)%(width+7) }
	val := int(c % 4)
	before := h.tree.Clone()
	beforeModel := m.clone()
	var gotErr, wantErr error
	switch op % 10 {
	case 0, 1, 2, 3:
		s, e := key(a), key(b)
		h.log = append(h.log, fmt.Sprintf("Insert(%d,%d,%d)", s, e, val))
		changed, err := h.tree.Insert(s, e, val)
		wantChanged, werr := m.insert(s, e, val)
		gotErr, wantErr = err, werr
		if err == nil && changed != wantChanged {
			h.fail("Insert(%d,%d,%d) changed=%v, want %v", s, e, val, changed, wantChanged)
		}
	case 4, 5:
		s, e := key(a), key(b)
		h.log = append(h.log, fmt.Sprintf("ShiftLeft(%d,%d)", s, e))
		gotErr, wantErr = h.tree.ShiftLeft(s, e), m.shiftLeft(s, e)
	case 6, 7:
		pos, size, skip := key(a), int(b%12)-1, c&4 != 0
		h.log = append(h.log, fmt.Sprintf("ShiftRight(%d,%d,%v)", pos, size, skip))
		gotErr, wantErr = h.tree.ShiftRight(pos, size, skip), m.shiftRight(pos, size, skip)
	case 8:
		h.log = append(h.log, "Clone")
		h.old = append(h.old, h.tree.Clone())
		h.oldM = append(h.oldM, m.clone())
		if len(h.old) > 3 {
			h.old, h.oldM = h.old[1:], h.oldM[1:]
		}
	case 9:
		if a%8 == 0 {
			h.log = append(h.log, "Clear")
			h.tree.Clear()
			*m = *newDense(m.min, m.max, m.init)
		} else {
			h.log = append(h.log, "Freeze")
			h.tree.Freeze()
		}
	}
	if !errors.Is(gotErr, wantErr) || (gotErr == nil) != (wantErr == nil) {
		h.fail("error = %v, want %v", gotErr, wantErr)
	}
	if gotErr != nil && !h.tree.Equal(before) {
		h.fail("failed operation changed the tree")
	}
	h.check(h.tree, h.model, "tree")
	for i, o := range h.old {
		h.check(o, h.oldM[i], fmt.Sprintf("clone %d", i))
	}
	h.checkDiff(before, beforeModel)
}

func (h *harness) check(tr *fst.Tree[int, int], m *dense, what string) {
	h.t.Helper()
	if err := tr.Verify(); err != nil {
		h.fail("%s: Verify: %v", what, err)
	}
	want := m.segments()
	got := slices.Collect(tr.Segments())
	if !slices.Equal(got, want) {
		h.fail("%s: segments\n got %v\nwant %v", what, got, want)
	}
	if tr.LeafSize() != len(want)+1 {
		h.fail("%s: LeafSize = %d, want %d", what, tr.LeafSize(), len(want)+1)
	}
	var leaves [][2]int
	for _, s := range want {
		leaves = append(leaves, [2]int{s.Start, s.Value})
	}
	leaves = append(leaves, [2]int{m.max, m.init})
	var gotLeaves [][2]int
	for k, v := range tr.LeafNodes() {
		gotLeaves = append(gotLeaves, [2]int{k, v})
	}
	if !slices.Equal(gotLeaves, leaves) {
		h.fail("%s: All = %v, want %v", what, gotLeaves, leaves)
	}
	var back [][2]int
	for k, v := range tr.LeafNodesBackward() {
		back = append(back, [2]int{k, v})
	}
	slices.Reverse(back)
	if !slices.Equal(back, leaves) {
		h.fail("%s: Backward reversed = %v, want %v", what, back, leaves)
	}
	for k := m.min - 2; k < m.max+2; k++ {
		seg, ok := tr.Search(k)
		inSpan := m.min <= k && k < m.max
		if ok != inSpan {
			h.fail("%s: Search(%d) ok=%v", what, k, ok)
		}
		if ok {
			i := slices.IndexFunc(want, func(s fst.Segment[int, int]) bool { return s.Start <= k && k < s.End })
			if seg != want[i] {
				h.fail("%s: Search(%d) = %v, want %v", what, k, seg, want[i])
			}
		}
	}
	// Overlapping over a few windows, against a filter of the model.
	for _, w := range [][2]int{{m.min - 1, m.min + 3}, {m.min + 2, m.max - 2}, {m.max - 1, m.max + 4}, {m.min + 5, m.min + 5}} {
		var exp []fst.Segment[int, int]
		if w[0] < w[1] {
			for _, s := range want {
				if s.Start < w[1] && w[0] < s.End {
					exp = append(exp, s)
				}
			}
		}
		if got := slices.Collect(tr.Overlapping(w[0], w[1])); !slices.Equal(got, exp) {
			h.fail("%s: Overlapping(%d,%d) = %v, want %v", what, w[0], w[1], got, exp)
		}
	}
}

// changesTo is what Diff(d, n) must yield: the maximal ranges over which
// the two models differ, key by key, merged when they touch with the same
// pair of values.
func (d *dense) changesTo(n *dense) []fst.Change[int, int] {
	var want []fst.Change[int, int]
	for k := d.min; k < d.max; k++ {
		o, v := d.at(k), n.at(k)
		if o == v {
			continue
		}
		if l := len(want) - 1; l >= 0 && want[l].End == k && want[l].Old == o && want[l].New == v {
			want[l].End++
			continue
		}
		want = append(want, fst.Change[int, int]{Start: k, End: k + 1, Old: o, New: v})
	}
	return want
}

// checkDiff compares Diff(before, now) with a key-by-key comparison of the
// two models, and Equal with the models' equality.
func (h *harness) checkDiff(before *fst.Tree[int, int], bm *dense) {
	h.t.Helper()
	want := bm.changesTo(h.model)
	if got := slices.Collect(fst.Diff(before, h.tree)); !slices.Equal(got, want) {
		h.fail("Diff = %v, want %v", got, want)
	}
	if eq := before.Equal(h.tree); eq != (len(want) == 0) {
		h.fail("Equal = %v with %d changes", eq, len(want))
	}
}

// run interprets ops: the first three bytes choose the span and the default
// value, then every four bytes are one operation.
func run(t testing.TB, fanout int, ops []byte) {
	if len(ops) < 3 {
		return
	}
	min := int(ops[0]%16) - 8
	width := 1 + int(ops[1]%48)
	h := newHarness(t, min, min+width, int(ops[2]%3), fanout)
	for i := 3; i+3 < len(ops); i += 4 {
		h.step(ops[i], ops[i+1], ops[i+2], ops[i+3])
	}
}

func TestTree_Model(t *testing.T) {
	t.Parallel()
	for _, fan := range []int{4, 7, fst.MaxFanout} {
		for seed := uint64(1); seed <= 60; seed++ {
			t.Run(fmt.Sprintf("fanout=%d/seed=%d", fan, seed), func(t *testing.T) {
				t.Parallel()
				r := rand.New(rand.NewPCG(seed, 1))
				ops := make([]byte, 3+4*300)
				for i := range ops {
					ops[i] = byte(r.UintN(256))
				}
				run(t, fan, ops)
			})
		}
	}
}

func FuzzTree(f *testing.F) {
	f.Add([]byte{8, 40, 0, 0, 10, 20, 1, 4, 3, 9, 0, 6, 5, 3, 4, 8, 0, 0, 0})
	f.Add([]byte{0, 7, 1, 0, 0, 255, 2, 6, 0, 11, 0, 4, 1, 2, 0})
	f.Fuzz(func(t *testing.T, ops []byte) {
		run(t, 4, ops[:min(len(ops), 3+4*100)]) // at most 100 ops: every op is checked in full
	})
}
