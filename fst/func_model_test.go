package fst_test

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flatseg/flatseg/fst"
)

// The NewFunc path: values that are not comparable ([]int, compared with
// slices.Equal), driven by the same operations and checked against the same
// dense model as the comparable path. Every value is a fresh slice, so a
// tree that compared slice headers instead of contents would fail at once.

type sliceHarness struct {
	t     testing.TB
	tree  *fst.Tree[int, []int]
	model *dense
	old   []*fst.Tree[int, []int]
	oldM  []*dense
	log   []string
}

func box(v int) []int { return []int{v, -v} }

func sliceEqual(a, b []int) bool { return slices.Equal(a, b) }

func (h *sliceHarness) fail(format string, args ...any) {
	h.t.Helper()
	h.t.Fatalf("%s\nops: %v", fmt.Sprintf(format, args...), h.log)
}

func runFunc(t testing.TB, fanout int, ops []byte) {
	if len(ops) < 3 {
		return
	}
	lo := int(ops[0]%16) - 8
	width := 1 + int(ops[1]%48)
	init := int(ops[2] % 3)
	tr, err := fst.NewFuncFanout(lo, lo+width, box(init), sliceEqual, fanout)
	if err != nil {
		t.Fatalf("NewFunc: %v", err)
	}
	h := &sliceHarness{t: t, tree: tr, model: newDense(lo, lo+width, init)}
	for i := 3; i+3 < len(ops); i += 4 {
		h.step(ops[i], ops[i+1], ops[i+2], ops[i+3])
	}
}

func (h *sliceHarness) step(op, a, b, c byte) {
	h.t.Helper()
	m := h.model
	width := m.max - m.min
	key := func(x byte) int { return m.min - 3 + int(x)%(width+7) }
	val := int(c % 4)
	before, beforeM := h.tree.Clone(), m.clone()
	var gotErr, wantErr error
	switch op % 8 {
	case 0, 1, 2:
		s, e := key(a), key(b)
		h.log = append(h.log, fmt.Sprintf("Insert(%d,%d,%d)", s, e, val))
		changed, err := h.tree.Insert(s, e, box(val))
		wantChanged, werr := m.insert(s, e, val)
		gotErr, wantErr = err, werr
		if err == nil && changed != wantChanged {
			h.fail("Insert changed=%v, want %v", changed, wantChanged)
		}
	case 3, 4:
		s, e := key(a), key(b)
		h.log = append(h.log, fmt.Sprintf("ShiftLeft(%d,%d)", s, e))
		gotErr, wantErr = h.tree.ShiftLeft(s, e), m.shiftLeft(s, e)
	case 5, 6:
		pos, size, skip := key(a), int(b%12)-1, c&4 != 0
		h.log = append(h.log, fmt.Sprintf("ShiftRight(%d,%d,%v)", pos, size, skip))
		gotErr, wantErr = h.tree.ShiftRight(pos, size, skip), m.shiftRight(pos, size, skip)
	case 7:
		if a%4 == 0 {
			h.log = append(h.log, "Clear")
			h.tree.Clear()
			*m = *newDense(m.min, m.max, m.init)
		} else {
			h.log = append(h.log, "Clone")
			h.old, h.oldM = append(h.old, h.tree.Clone()), append(h.oldM, m.clone())
		}
	}
	if !errors.Is(gotErr, wantErr) || (gotErr == nil) != (wantErr == nil) {
		h.fail("error = %v, want %v", gotErr, wantErr)
	}
	if gotErr != nil && !h.tree.Equal(before) {
		h.fail("a failed operation changed the tree")
	}
	h.check(h.tree, m, "tree")
	for i, o := range h.old {
		h.check(o, h.oldM[i], fmt.Sprintf("clone %d", i))
	}
	// Diff against the state before the operation, as the models see it.
	want := beforeM.changesTo(m)
	var got []fst.Change[int, int]
	for c := range fst.Diff(before, h.tree) {
		got = append(got, fst.Change[int, int]{Start: c.Start, End: c.End, Old: c.Old[0], New: c.New[0]})
	}
	if !slices.Equal(got, want) {
		h.fail("Diff = %v, want %v", got, want)
	}
	if eq := before.Equal(h.tree); eq != (len(want) == 0) {
		h.fail("Equal = %v with %d changes", eq, len(want))
	}
}

func (h *sliceHarness) check(tr *fst.Tree[int, []int], m *dense, what string) {
	h.t.Helper()
	if err := tr.Verify(); err != nil {
		h.fail("%s: Verify: %v", what, err)
	}
	var got []fst.Segment[int, int]
	for s := range tr.All() {
		if !slices.Equal(s.Value, box(s.Value[0])) {
			h.fail("%s: value %v was not stored as given", what, s.Value)
		}
		got = append(got, fst.Segment[int, int]{Start: s.Start, End: s.End, Value: s.Value[0]})
	}
	if want := m.segments(); !slices.Equal(got, want) {
		h.fail("%s: segments\n got %v\nwant %v", what, got, want)
	}
	for k := m.min; k < m.max; k++ {
		if seg, ok := tr.Search(k); !ok || seg.Value[0] != m.at(k) {
			h.fail("%s: Search(%d) = %v, %v; want value %d", what, k, seg, ok, m.at(k))
		}
	}
}

func TestTree_FuncModel(t *testing.T) {
	t.Parallel()
	for _, fan := range []int{4, fst.MaxFanout} {
		for seed := uint64(1); seed <= 60; seed++ {
			t.Run(fmt.Sprintf("fanout=%d/seed=%d", fan, seed), func(t *testing.T) {
				t.Parallel()
				runFunc(t, fan, randomOps(seed, 3+4*200))
			})
		}
	}
}

func FuzzTreeFunc(f *testing.F) {
	f.Add([]byte{8, 40, 0, 0, 10, 20, 1, 3, 3, 9, 0, 5, 5, 3, 4, 7, 0, 0, 0})
	f.Fuzz(func(t *testing.T, ops []byte) {
		runFunc(t, 4, ops[:min(len(ops), 3+4*100)])
	})
}

// TestNewFunc_MapValues: map values, compared by content.
func TestNewFunc_MapValues(t *testing.T) {
	t.Parallel()
	tr, err := fst.NewFunc(0, 100, map[string]int{}, maps.Equal[map[string]int])
	require.NoError(t, err)
	changed, err := tr.Insert(10, 20, map[string]int{"a": 1})
	require.NoError(t, err)
	assert.True(t, changed)
	changed, err = tr.Insert(20, 30, map[string]int{"a": 1}) // equal by content: merges
	require.NoError(t, err)
	assert.True(t, changed)
	assert.Equal(t, 3, tr.Len(), "[0,10) {}, [10,30) {a:1}, [30,100) {}")
	changed, err = tr.Insert(12, 18, map[string]int{"a": 1})
	require.NoError(t, err)
	assert.False(t, changed, "rewriting equal content is no change")
	require.NoError(t, tr.Verify())

	_, err = fst.NewFunc[int, map[string]int](0, 1, nil, nil)
	require.ErrorIs(t, err, fst.ErrNilEqual)
	_, err = fst.BuildFunc[int, map[string]int](0, 1, nil, nil, nil)
	require.ErrorIs(t, err, fst.ErrNilEqual)
}
