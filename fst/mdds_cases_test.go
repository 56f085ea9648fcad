package fst_test

// The cases in this file follow the edge cases that mdds's own test suite
// (test/flat_segment_tree/test_main.cpp in kohei-us/mdds) checks for
// flat_segment_tree, rewritten against this package's API:
//
//   - insert_front, insert_back and the positional insert all map to Insert;
//     the iterator mdds returns from an insert is checked with Search(start).
//   - check_leaf_nodes(keys, values) becomes assertLeaves, which also
//     checks Backward, Segments, LeafSize and Verify.
//   - search and search_tree both map to Search.
//   - where mdds silently ignores bad input, we expect an error wrapping the
//     documented sentinel and an unchanged tree.
//
// The steps use the operation kinds of the model harness (harness_test.go).

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flatseg/flatseg/fst"
	"github.com/flatseg/flatseg/internal/testenv"
)

// changeFlag is what an insert step expects of the changed flag. Whatever it
// says, the flag is always checked against the content before and after.
type changeFlag int

const (
	anyChange     changeFlag = iota // mdds states nothing about the flag
	mustChange                      // mdds asserts ret.second
	mustNotChange                   // mdds asserts !ret.second
)

// caseStep is one operation of a case and what is expected after it.
type caseStep[K fst.Key, V comparable] struct {
	op      opKind
	a, b    K // Insert, ShiftLeft: start, end; ShiftRight: pos, size; Search: key in a
	v       V // Insert: the value
	skip    bool
	changed changeFlag
	err     error // the sentinel the call must wrap; the tree must stay unchanged
	keys    []K   // leaf keys after the step, max included; nil: not checked
	vals    []V   // values of all leaves but the last
	found   bool  // Search
	seg     fst.Segment[K, V]
}

func (s caseStep[K, V]) String() string {
	switch s.op {
	case opInsert:
		return fmt.Sprintf("Insert(%v, %v, %v)", s.a, s.b, s.v)
	case opShiftLeft:
		return fmt.Sprintf("ShiftLeft(%v, %v)", s.a, s.b)
	case opShiftRight:
		return fmt.Sprintf("ShiftRight(%v, %v, %v)", s.a, s.b, s.skip)
	case opClear:
		return "Clear()"
	case opSearch:
		return fmt.Sprintf("Search(%v)", s.a)
	}
	return fmt.Sprintf("op(%d)", int(s.op))
}

// tableCase is a tree and a sequence of steps applied to it.
type tableCase[K fst.Key, V comparable] struct {
	name     string
	min, max K
	init     V
	steps    []caseStep[K, V]
}

// leafPair is one leaf as All yields it.
type leafPair[K fst.Key, V comparable] struct {
	Key   K
	Value V
}

func leafPairs[K fst.Key, V comparable](tr *fst.Tree[K, V]) []leafPair[K, V] {
	var out []leafPair[K, V]
	for k, v := range tr.LeafNodes() {
		out = append(out, leafPair[K, V]{k, v})
	}
	return out
}

func leafPairsBackward[K fst.Key, V comparable](tr *fst.Tree[K, V]) []leafPair[K, V] {
	var out []leafPair[K, V]
	for k, v := range tr.LeafNodesBackward() {
		out = append(out, leafPair[K, V]{k, v})
	}
	return out
}

func mustNew[K fst.Key, V comparable](t *testing.T, lo, hi K, init V) *fst.Tree[K, V] {
	t.Helper()
	tr, err := fst.New(lo, hi, init)
	require.NoError(t, err)
	return tr
}

// assertLeaves is mdds's check_leaf_nodes: keys are all leaf keys in
// order, max included; vals are the values of all leaves but the last (mdds
// does not specify the value of the rightmost leaf here; see
// TestTree_RightLeafValueMddsCases). It also checks that Backward is All
// reversed, that Segments agrees, LeafSize and Verify.
func assertLeaves[K fst.Key, V comparable](t *testing.T, tr *fst.Tree[K, V], keys []K, vals []V, msgAndArgs ...any) {
	t.Helper()
	require.Len(t, vals, len(keys)-1, "test table: need one value per key but the last")

	pairs := leafPairs(tr)
	gotKeys := make([]K, 0, len(pairs))
	gotVals := make([]V, 0, len(pairs))
	for _, p := range pairs {
		gotKeys = append(gotKeys, p.Key)
		gotVals = append(gotVals, p.Value)
	}
	assert.Equal(t, keys, gotKeys, append([]any{"leaf keys"}, msgAndArgs...)...)
	if len(gotVals) > 0 {
		gotVals = gotVals[:len(gotVals)-1]
	}
	assert.Equal(t, vals, gotVals, append([]any{"leaf values"}, msgAndArgs...)...)
	assert.Equal(t, len(keys), tr.LeafSize(), append([]any{"LeafSize"}, msgAndArgs...)...)

	back := leafPairsBackward(tr)
	slices.Reverse(back)
	assert.Equal(t, pairs, back, append([]any{"Backward is not All reversed"}, msgAndArgs...)...)

	want := make([]fst.Segment[K, V], 0, len(vals))
	for i, v := range vals {
		want = append(want, fst.Segment[K, V]{Start: keys[i], End: keys[i+1], Value: v})
	}
	got := slices.Collect(tr.Segments())
	assert.Equal(t, want, got, append([]any{"Segments"}, msgAndArgs...)...)
	assert.NoError(t, tr.Verify(), msgAndArgs...)
}

func runCases[K fst.Key, V comparable](t *testing.T, cases []tableCase[K, V]) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tr := mustNew(t, tc.min, tc.max, tc.init)
			assertLeaves(t, tr, []K{tc.min, tc.max}, []V{tc.init}, "new tree")
			runSteps(t, tr, tc.steps)
		})
	}
}

func runSteps[K fst.Key, V comparable](t *testing.T, tr *fst.Tree[K, V], steps []caseStep[K, V]) {
	t.Helper()
	for i, st := range steps {
		runStep(t, tr, st, fmt.Sprintf("step %d: %v", i, st))
	}
}

// runStep applies one step and checks it. Beyond what the step states, it
// checks that a failed call changes nothing, that the changed flag of an
// insert is true exactly when the content changed, that Search changes
// nothing, and that a clone taken before the step still holds the old leaves.
func runStep[K fst.Key, V comparable](t *testing.T, tr *fst.Tree[K, V], st caseStep[K, V], desc string) {
	t.Helper()
	before := leafPairs(tr)
	snap := tr.Clone()

	var (
		changed bool
		err     error
	)
	switch st.op {
	case opInsert:
		changed, err = tr.Insert(st.a, st.b, st.v)
	case opShiftLeft:
		err = tr.ShiftLeft(st.a, st.b)
	case opShiftRight:
		err = tr.ShiftRight(st.a, st.b, st.skip)
	case opClear:
		tr.Clear()
	case opSearch:
		seg, ok := tr.Search(st.a)
		assert.Equal(t, st.found, ok, "%s: found", desc)
		if st.found && ok {
			assert.Equal(t, st.seg, seg, "%s: segment", desc)
		}
	default:
		require.FailNow(t, "test table: unknown op", desc)
	}
	after := leafPairs(tr)

	if st.err != nil {
		assert.ErrorIs(t, err, st.err, desc)
		assert.False(t, changed, "%s: changed reported by a failed call", desc)
		assert.Equal(t, before, after, "%s: a failed call changed the tree", desc)
	} else {
		assert.NoError(t, err, desc)
	}
	if st.op == opInsert && st.err == nil {
		assert.Equal(t, !slices.Equal(before, after), changed, "%s: changed flag disagrees with the content", desc)
		switch st.changed {
		case mustChange:
			assert.True(t, changed, "%s: changed", desc)
		case mustNotChange:
			assert.False(t, changed, "%s: changed", desc)
		}
	}
	if st.op == opSearch {
		assert.Equal(t, before, after, "%s: Search changed the tree", desc)
	}
	assert.Equal(t, before, leafPairs(snap), "%s: a clone taken before the step changed", desc)
	if st.keys != nil {
		assertLeaves(t, tr, st.keys, st.vals, desc)
	}
	assert.NoError(t, tr.Verify(), desc)
}

// Step constructors, to keep the tables short.

func ins[K fst.Key, V comparable](s, e K, v V, ch changeFlag, keys []K, vals []V) caseStep[K, V] {
	return caseStep[K, V]{op: opInsert, a: s, b: e, v: v, changed: ch, keys: keys, vals: vals}
}

func insErr[K fst.Key, V comparable](s, e K, v V, err error) caseStep[K, V] {
	return caseStep[K, V]{op: opInsert, a: s, b: e, v: v, err: err}
}

func left[K fst.Key, V comparable](s, e K, keys []K, vals []V) caseStep[K, V] {
	return caseStep[K, V]{op: opShiftLeft, a: s, b: e, keys: keys, vals: vals}
}

func leftErr[K fst.Key, V comparable](s, e K, err error) caseStep[K, V] {
	return caseStep[K, V]{op: opShiftLeft, a: s, b: e, err: err}
}

func right[K fst.Key, V comparable](pos, size K, skip bool, keys []K, vals []V) caseStep[K, V] {
	return caseStep[K, V]{op: opShiftRight, a: pos, b: size, skip: skip, keys: keys, vals: vals}
}

func rightErr[K fst.Key, V comparable](pos, size K, err error) caseStep[K, V] {
	return caseStep[K, V]{op: opShiftRight, a: pos, b: size, err: err}
}

func find[K fst.Key, V comparable](key, start, end K, v V) caseStep[K, V] {
	return caseStep[K, V]{op: opSearch, a: key, found: true, seg: segOf(start, end, v)}
}

func segOf[K fst.Key, V comparable](start, end K, v V) fst.Segment[K, V] {
	return fst.Segment[K, V]{Start: start, End: end, Value: v}
}

func miss[K fst.Key, V comparable](key K) caseStep[K, V] {
	return caseStep[K, V]{op: opSearch, a: key}
}

func clr[K fst.Key, V comparable](keys []K, vals []V) caseStep[K, V] {
	return caseStep[K, V]{op: opClear, keys: keys, vals: vals}
}

// fromCells turns a dense model (value of every unit cell [lo+i, lo+i+1))
// into the canonical leaf keys and values.
func fromCells[K fst.Key, V comparable](lo K, dense []V) (keys []K, vals []V) {
	for i, v := range dense {
		if i == 0 || v != dense[i-1] {
			keys = append(keys, lo+K(i))
			vals = append(vals, v)
		}
	}
	return append(keys, lo+K(len(dense))), vals
}

func TestTree_NewMddsCases(t *testing.T) {
	t.Parallel()
	// fst_test_min_max_default
	tr := mustNew[int64, int16](t, 0, 100, 2)
	assert.Equal(t, int64(0), tr.MinKey())
	assert.Equal(t, int64(100), tr.MaxKey())
	assert.Equal(t, int16(2), tr.DefaultValue())
	// fst_test_tree_build: a new tree has the two end leaves only.
	assertLeaves(t, tr, []int64{0, 100}, []int16{2})

	// mdds does not validate its bounds; we refuse an empty or reversed span.
	tests := []struct {
		name     string
		min, max float64
		want     error
	}{
		{name: "empty span", min: 5, max: 5, want: fst.ErrInvalidRange},
		{name: "reversed span", min: 10, max: 0, want: fst.ErrInvalidRange},
		{name: "NaN min", min: math.NaN(), max: 1, want: fst.ErrNaN},
		{name: "NaN max", min: 0, max: math.NaN(), want: fst.ErrNaN},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := fst.New(tc.min, tc.max, 0)
			assert.ErrorIs(t, err, tc.want)
			assert.Nil(t, tr)
		})
	}
}

func TestTree_InsertMddsCases(t *testing.T) {
	t.Parallel()
	type K = int
	type V = int
	type step = caseStep[K, V]
	ks := func(k ...K) []K { return k }
	vs := func(v ...V) []V { return v }

	// fst_test_leaf_search "Simple insert test": 20 adjacent segments.
	var simple []step
	for i := range 20 {
		simple = append(simple, ins(i*5, i*5+5, V(i), mustChange, nil, nil))
	}
	var simpleKeys []K
	var simpleVals []V
	for i := range 20 {
		simpleKeys = append(simpleKeys, i*5)
		simpleVals = append(simpleVals, V(i))
	}
	simple = append(simple, find[K, V](99, 95, 100, 19), find[K, V](0, 0, 5, 0))
	simple[19].keys, simple[19].vals = append(simpleKeys, 100), simpleVals

	// fst_test_leaf_search "Merge test 2": a run of distinct values, wiped out
	// by the default value in three ways, then partly overwritten.
	steps10to80 := func() []step {
		var out []step
		for i := 10; i <= 80; i += 10 {
			out = append(out, ins(i, i+10, V(i), mustChange, nil, nil))
		}
		out[len(out)-1].keys = ks(0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100)
		out[len(out)-1].vals = vs(-1, 10, 20, 30, 40, 50, 60, 70, 80, -1)
		return out
	}
	var merge2 []step
	merge2 = append(merge2, ins(10, 90, -1, mustNotChange, ks(0, 100), vs(-1)))
	merge2 = append(merge2, steps10to80()...)
	merge2 = append(merge2, ins(10, 90, -1, mustChange, ks(0, 100), vs(-1)))
	merge2 = append(merge2, steps10to80()...)
	merge2 = append(merge2, ins(8, 92, -1, mustChange, ks(0, 100), vs(-1)))
	merge2 = append(merge2, steps10to80()...)
	merge2 = append(merge2, ins(12, 88, 25, mustChange, ks(0, 10, 12, 88, 90, 100), vs(-1, 10, 25, 80, -1)))

	// fst_test_tree_build: ten segments, the first one equal to the default.
	var build []step
	for i := 0; i < 100; i += 10 {
		build = append(build, ins(i, i+10, V(i*2), anyChange, nil, nil))
	}
	build[len(build)-1].keys = ks(0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100)
	build[len(build)-1].vals = vs(0, 20, 40, 60, 80, 100, 120, 140, 160, 180)

	// fst_perf_test_insert_position, small: alternating unit segments, then
	// every one of them flipped.
	var alternate []step
	var altKeys []K
	var altVals []V
	for i := range 64 {
		alternate = append(alternate, ins(i, i+1, V(i%2), anyChange, nil, nil))
	}
	for i := range 64 {
		alternate = append(alternate, ins(i, i+1, V(1-i%2), mustChange, nil, nil))
		altKeys = append(altKeys, i)
		altVals = append(altVals, V(1-i%2))
	}
	alternate[len(alternate)-1].keys, alternate[len(alternate)-1].vals = append(altKeys, 64), altVals

	runCases(t, []tableCase[K, V]{
		{name: "simple insert", min: 0, max: 100, init: -1, steps: simple},
		{name: "merge test 1", min: 0, max: 100, init: -1, steps: []step{
			ins(10, 20, 5, mustChange, ks(0, 10, 20, 100), vs(-1, 5, -1)),
			ins(15, 30, 5, mustChange, ks(0, 10, 30, 100), vs(-1, 5, -1)),
			ins(30, 50, 5, mustChange, ks(0, 10, 50, 100), vs(-1, 5, -1)),
			ins(8, 11, 5, mustChange, ks(0, 8, 50, 100), vs(-1, 5, -1)),
			ins(5, 8, 5, mustChange, ks(0, 5, 50, 100), vs(-1, 5, -1)),
		}},
		{name: "merge test 2", min: 0, max: 100, init: -1, steps: merge2},
		{name: "tree build", min: 0, max: 100, init: 0, steps: build},
		{name: "alternating re-insert", min: 0, max: 64, init: 0, steps: alternate},
		{
			// fst_test_insert_iterator: mdds returns an iterator to the start
			// of the segment holding the new range; Search(start) must find
			// that segment.
			name: "insert iterator", min: 0, max: 100, init: 0, steps: []step{
				ins(0, 5, 4, mustChange, nil, nil), find[K, V](0, 0, 5, 4),
				ins(3, 10, 100, mustChange, nil, nil), find[K, V](3, 3, 10, 100),
				ins(5, 8, 100, mustNotChange, nil, nil), find[K, V](5, 3, 10, 100),
				ins(5, 8, 50, mustChange, nil, nil), find[K, V](5, 5, 8, 50),
				ins(6, 9, 50, mustChange, nil, nil), find[K, V](6, 5, 9, 50),
				ins(9, 20, 24, mustChange, nil, nil), find[K, V](9, 9, 20, 24),
				ins(19, 24, 34, mustChange, nil, nil), find[K, V](19, 19, 24, 34),
				ins(24, 26, 0, mustNotChange, nil, nil), find[K, V](24, 24, 100, 0),
				ins(30, 50, 2, mustChange, ks(0, 3, 5, 9, 19, 24, 30, 50, 100), vs(4, 100, 50, 24, 34, 0, 2, 0)),
				find[K, V](30, 30, 50, 2),
				insErr[K, V](120, 140, 34, fst.ErrOutOfSpan),
				insErr[K, V](-20, -10, 20, fst.ErrOutOfSpan),
			},
		},
		{
			// fst_test_insert_state_changed
			name: "insert state changed", min: 0, max: 1000, init: 0, steps: []step{
				ins(10, 15, 0, mustNotChange, ks(0, 1000), vs(0)),
				ins(0, 10, 1, mustChange, ks(0, 10, 1000), vs(1, 0)),
				ins(0, 10, 1, mustNotChange, nil, nil),
				ins(0, 1, 1, mustNotChange, nil, nil),
				ins(8, 10, 1, mustNotChange, nil, nil),
				ins(8, 11, 1, mustChange, ks(0, 11, 1000), vs(1, 0)),
				ins(11, 15, 0, mustNotChange, nil, nil),
				ins(11, 15, 1, mustChange, ks(0, 15, 1000), vs(1, 0)),
				ins(2, 4, 1, mustNotChange, nil, nil),
				ins(2, 4, 0, mustChange, ks(0, 2, 4, 15, 1000), vs(1, 0, 1, 0)),
				ins(2, 4, 1, mustChange, ks(0, 15, 1000), vs(1, 0)),
				ins(1, 8, 1, mustNotChange, nil, nil),
				ins(1, 8, 2, mustChange, ks(0, 1, 8, 15, 1000), vs(1, 2, 1, 0)),
				ins(8, 20, 2, mustChange, ks(0, 1, 20, 1000), vs(1, 2, 0)),
				ins(0, 1, 1, mustNotChange, nil, nil),
				// Partly below min: clipped to [0, 2).
				ins(-50, 2, 10, mustChange, ks(0, 2, 20, 1000), vs(10, 2, 0)),
				find[K, V](0, 0, 2, 10),
				// Wholly below min: mdds ignores it, we report it.
				insErr[K, V](-50, -2, 20, fst.ErrOutOfSpan),
				// Partly above max: clipped to [800, 1000).
				ins(800, 1200, 20, mustChange, ks(0, 2, 20, 800, 1000), vs(10, 2, 0, 20)),
				insErr[K, V](1300, 1400, 25, fst.ErrOutOfSpan),
			},
		},
		{
			// Input mdds ignores (or, for the first one, crashes on).
			name: "bad ranges", min: 0, max: 100, init: 0, steps: []step{
				ins(20, 30, 3, mustChange, ks(0, 20, 30, 100), vs(0, 3, 0)),
				// mdds defect: clipped to the empty range [0, 0); mdds aborts.
				insErr[K, V](-5, 0, 7, fst.ErrOutOfSpan),
				insErr[K, V](25, 25, 7, fst.ErrInvalidRange),
				insErr[K, V](30, 20, 7, fst.ErrInvalidRange),
				insErr[K, V](100, 105, 7, fst.ErrOutOfSpan),
				insErr[K, V](-10, -1, 7, fst.ErrOutOfSpan),
				// Touching the bounds is fine.
				ins(0, 100, 3, mustChange, ks(0, 100), vs(3)),
				ins(-1, 1, 4, mustChange, ks(0, 1, 100), vs(4, 3)),
				ins(99, 101, 4, mustChange, ks(0, 1, 99, 100), vs(4, 3, 4)),
				ins(-1000, 1000, 0, mustChange, ks(0, 100), vs(0)),
			},
		},
	})
}

// fst_test_back_insert, with mdds's key and value types.
func TestTree_InsertBackMddsCases(t *testing.T) {
	t.Parallel()
	type K = uint32
	type V = uint16
	type step = caseStep[K, V]
	ks := func(k ...K) []K { return k }
	vs := func(v ...V) []V { return v }
	runCases(t, []tableCase[K, V]{
		{name: "back insert", min: 0, max: 100, init: 0, steps: []step{
			ins(1, 2, 1, mustChange, ks(0, 1, 2, 100), vs(0, 1, 0)),
			ins(3, 4, 2, mustChange, ks(0, 1, 2, 3, 4, 100), vs(0, 1, 0, 2, 0)),
			ins(4, 5, 2, mustChange, ks(0, 1, 2, 3, 5, 100), vs(0, 1, 0, 2, 0)),
			ins(90, 120, 10, mustChange, ks(0, 1, 2, 3, 5, 90, 100), vs(0, 1, 0, 2, 0, 10)),
			ins(0, 10, 20, mustChange, ks(0, 10, 90, 100), vs(20, 0, 10)),
			ins(5, 20, 20, mustChange, ks(0, 20, 90, 100), vs(20, 0, 10)),
			ins(15, 30, 5, mustChange, ks(0, 15, 30, 90, 100), vs(20, 5, 0, 10)),
			ins(0, 1, 2, mustChange, ks(0, 1, 15, 30, 90, 100), vs(2, 20, 5, 0, 10)),
		}},
	})
}

// fst_test_insert_out_of_bound and fst_test_insert_out_of_bound_2.
func TestTree_InsertOutOfBoundMddsCases(t *testing.T) {
	t.Parallel()
	type K = int
	type V = bool
	type step = caseStep[K, V]
	ks := func(k ...K) []K { return k }
	vs := func(v ...V) []V { return v }
	runCases(t, []tableCase[K, V]{
		{name: "out of bound", min: 0, max: 10, init: false, steps: []step{
			insErr[K, V](-10, -8, false, fst.ErrOutOfSpan),
			insErr[K, V](12, 13, false, fst.ErrOutOfSpan),
			ins(-2, 2, true, mustChange, ks(0, 2, 10), vs(true, false)),
			ins(8, 20, true, mustChange, ks(0, 2, 8, 10), vs(true, false, true)),
		}},
		{name: "start at max", min: 0, max: 256, init: false, steps: []step{
			insErr[K, V](256, 1024, true, fst.ErrOutOfSpan),
		}},
		{name: "end at min", min: 0, max: 256, init: false, steps: []step{
			// mdds 2.0.3 aborts on this one (the clipped range is empty).
			insErr[K, V](-5, 0, true, fst.ErrOutOfSpan),
		}},
	})
}

// fst_test_insert_front_back: unit segments inserted left to right and right
// to left must give equal trees, for every default value 0..100.
func TestTree_InsertFrontBackMddsCases(t *testing.T) {
	t.Parallel()
	t.Run("uint32/uint16", func(t *testing.T) { insertFrontBack[uint32, uint16](t, 0, 100) })
	t.Run("int32/int16", func(t *testing.T) { insertFrontBack[int32, int16](t, 0, 100) })
	t.Run("int64/uint32", func(t *testing.T) { insertFrontBack[int64, uint32](t, 0, 100) })
	t.Run("float64/int", func(t *testing.T) { insertFrontBack[float64, int](t, 0, 100) })
	t.Run("int/int negative span", func(t *testing.T) { insertFrontBack[int, int](t, -50, 50) })
}

type number interface {
	~int | ~int16 | ~uint16 | ~uint32
}

func insertFrontBack[K fst.Key, V number](t *testing.T, lo, hi K) {
	n := int(hi-lo) - 10
	// Defaults 0 to 10 equal some inserted value (j%11), 11 and 12 none;
	// deep runs go on to 100 as mdds's test does.
	for d := range testenv.Pick(t, 13, 101) {
		def := V(d)
		front := mustNew(t, lo, hi, def)
		dense := make([]V, int(hi-lo))
		for i := range dense {
			dense[i] = def
		}
		for j := range n {
			k, val := lo+K(j), V(j%11)
			_, err := front.Insert(k, k+1, val)
			require.NoError(t, err)
			dense[j] = val
			// mdds: the returned iterator points at (k, val).
			seg, ok := front.Search(k)
			require.True(t, ok, "default=%d key=%v", d, k)
			assert.Equal(t, k, seg.Start, "default=%d key=%v", d, k)
			assert.Equal(t, val, seg.Value, "default=%d key=%v", d, k)
		}
		back := mustNew(t, lo, hi, def)
		for j := n - 1; j >= 0; j-- {
			k := lo + K(j)
			_, err := back.Insert(k, k+1, V(j%11))
			require.NoError(t, err)
		}
		assert.True(t, front.Equal(back), "default=%d: front and back insertion differ", d)
		keys, vals := fromCells(lo, dense)
		assertLeaves(t, front, keys, vals, "default=%d", d)
		assertLeaves(t, back, keys, vals, "default=%d", d)
	}
}

func TestTree_SearchMddsCases(t *testing.T) {
	t.Parallel()
	type K = int
	type V = int
	type step = caseStep[K, V]
	ks := func(k ...K) []K { return k }
	vs := func(v ...V) []V { return v }

	// fst_test_leaf_search "Search test": every key 0..100.
	var leaf []step
	for i := range 10 {
		leaf = append(leaf, ins(i*10, i*10+10, V(i*5), anyChange, nil, nil))
	}
	for i := 0; i < 100; i++ {
		leaf = append(leaf, find[K, V](i, i/10*10, i/10*10+10, V(i/10*5)))
	}
	leaf = append(leaf, miss[K, V](100))

	// fst_test_tree_search: keys from min-10 to max+10, then after a clear.
	var tree []step
	for i := 0; i < 200; i += 5 {
		tree = append(tree, ins(i, i+5, V(i), anyChange, nil, nil))
	}
	for i := -10; i < 210; i++ {
		if i < 0 || i >= 200 {
			tree = append(tree, miss[K, V](i))
		} else {
			tree = append(tree, find[K, V](i, i/5*5, i/5*5+5, V(i/5*5)))
		}
	}
	tree = append(tree,
		clr(ks(0, 200), vs(0)),
		ins(5, 10, 2, mustChange, nil, nil),
		ins(15, 18, 3, mustChange, nil, nil),
		ins(23, 28, 4, mustChange, ks(0, 5, 10, 15, 18, 23, 28, 200), vs(0, 2, 0, 3, 0, 4, 0)),
		find[K, V](0, 0, 5, 0),
		find[K, V](6, 5, 10, 2),
		find[K, V](17, 15, 18, 3),
		find[K, V](55, 28, 200, 0),
		miss[K, V](210),
		miss[K, V](200),
		miss[K, V](-1),
	)

	// fst_test_position_search: every key, then a chain of searches where
	// each starts at the end of the previous segment.
	var pos []step
	pos = append(pos,
		ins(10, 20, 1, mustChange, nil, nil),
		ins(30, 50, 5, mustChange, ks(0, 10, 20, 30, 50, 100), vs(0, 1, 0, 5, 0)),
	)
	params := []fst.Segment[K, V]{segOf[K, V](0, 10, 0), segOf[K, V](10, 20, 1), segOf[K, V](20, 30, 0), segOf[K, V](30, 50, 5), segOf[K, V](50, 100, 0)}
	for _, p := range params {
		for j := p.Start; j < p.End; j++ {
			pos = append(pos, find[K, V](j, p.Start, p.End, p.Value))
		}
	}

	runCases(t, []tableCase[K, V]{
		{name: "leaf search", min: 0, max: 100, init: -1, steps: leaf},
		{name: "tree search", min: 0, max: 200, init: 0, steps: tree},
		{name: "position search", min: 0, max: 100, init: 0, steps: pos},
		{
			// fst_test_insert_search_mix
			name: "insert search mix", min: 0, max: 100, init: 0, steps: []step{
				find[K, V](0, 0, 100, 0),
				find[K, V](99, 0, 100, 0),
				ins(0, 10, 1, mustChange, ks(0, 10, 100), vs(1, 0)),
				find[K, V](0, 0, 10, 1),
				find[K, V](5, 0, 10, 1),
				find[K, V](9, 0, 10, 1),
				find[K, V](10, 10, 100, 0),
				ins(0, 100, 0, mustChange, ks(0, 100), vs(0)),
				find[K, V](0, 0, 100, 0),
				find[K, V](99, 0, 100, 0),
				ins(10, 20, 5, mustChange, nil, nil),
				ins(30, 40, 5, mustChange, ks(0, 10, 20, 30, 40, 100), vs(0, 5, 0, 5, 0)),
				find[K, V](10, 10, 20, 5),
				find[K, V](20, 20, 30, 0),
				find[K, V](30, 30, 40, 5),
				find[K, V](40, 40, 100, 0),
				ins(18, 22, 6, mustChange, ks(0, 10, 18, 22, 30, 40, 100), vs(0, 5, 6, 0, 5, 0)),
				find[K, V](18, 18, 22, 6),
				find[K, V](22, 22, 30, 0),
				find[K, V](30, 30, 40, 5),
				ins(19, 30, 5, mustChange, ks(0, 10, 18, 19, 40, 100), vs(0, 5, 6, 5, 0)),
				find[K, V](19, 19, 40, 5),
				ins(-100, 500, 999, mustChange, ks(0, 100), vs(999)),
				find[K, V](30, 0, 100, 999),
				miss[K, V](100),
				miss[K, V](-100),
			},
		},
	})

	t.Run("chained position search", func(t *testing.T) {
		tr := mustNew[int64, int16](t, 0, 100, 0)
		_, err := tr.Insert(10, 20, 1)
		require.NoError(t, err)
		_, err = tr.Insert(30, 50, 5)
		require.NoError(t, err)
		type seg = fst.Segment[int64, int16]
		want := []seg{{Start: 0, End: 10, Value: 0}, {Start: 10, End: 20, Value: 1}, {Start: 20, End: 30, Value: 0}, {Start: 30, End: 50, Value: 5}, {Start: 50, End: 100, Value: 0}}
		var got []fst.Segment[int64, int16]
		for key := int64(0); key < 100; {
			seg, ok := tr.Search(key)
			require.True(t, ok, "key=%d", key)
			got = append(got, seg)
			key = seg.End
		}
		assert.Equal(t, want, got)
	})
}

// fst_test_leaf_search_2, fst_test_non_numeric_value and the move tests:
// string values.
func TestTree_SearchStringMddsCases(t *testing.T) {
	t.Parallel()
	type K = int32
	type V = string
	type step = caseStep[K, V]
	ks := func(k ...K) []K { return k }
	vs := func(v ...V) []V { return v }
	runCases(t, []tableCase[K, V]{
		{name: "leaf search 2", min: 0, max: 8, init: "-", steps: []step{
			ins[K, V](2, 4, "2-4", mustChange, nil, nil),
			ins[K, V](4, 6, "4-6", mustChange, ks(0, 2, 4, 6, 8), vs("-", "2-4", "4-6", "-")),
			miss[K, V](-1),
			miss[K, V](8),
			find[K, V](0, 0, 2, "-"),
			find[K, V](1, 0, 2, "-"),
			find[K, V](2, 2, 4, "2-4"),
			find[K, V](3, 2, 4, "2-4"),
			find[K, V](4, 4, 6, "4-6"),
			find[K, V](5, 4, 6, "4-6"),
			find[K, V](6, 6, 8, "-"),
			find[K, V](7, 6, 8, "-"),
		}},
		{name: "non numeric value", min: 0, max: 4, init: "42", steps: []step{
			ins[K, V](1, 2, "hello world", mustChange, ks(0, 1, 2, 4), vs("42", "hello world", "42")),
			find[K, V](1, 1, 2, "hello world"),
		}},
		{name: "move ctor 4 nodes", min: -50, max: 50, init: "none", steps: []step{
			ins[K, V](-10, 10, "middle", mustChange, ks(-50, -10, 10, 50), vs("none", "middle", "none")),
			find[K, V](-40, -50, -10, "none"),
			find[K, V](0, -10, 10, "middle"),
		}},
		{name: "move assignment", min: 0, max: 100, init: "base", steps: []step{
			ins[K, V](10, 25, "10-25", mustChange, ks(0, 10, 25, 100), vs("base", "10-25", "base")),
			find[K, V](20, 10, 25, "10-25"),
		}},
	})

	tr := mustNew[K, V](t, 0, 4, "42")
	_, err := tr.Insert(1, 2, "hello world")
	require.NoError(t, err)
	assert.Equal(t, "42", tr.DefaultValue())
	assert.True(t, tr.Clone().Equal(tr))
}

func TestTree_ShiftLeftMddsCases(t *testing.T) {
	t.Parallel()
	type K = int
	type V = int
	type step = caseStep[K, V]
	ks := func(k ...K) []K { return k }
	vs := func(v ...V) []V { return v }
	runCases(t, []tableCase[K, V]{
		{
			// fst_test_shift_left
			name: "shift left", min: 0, max: 100, init: 0, steps: []step{
				ins(20, 40, 5, mustChange, nil, nil),
				ins(50, 60, 10, mustChange, nil, nil),
				ins(70, 80, 15, mustChange, ks(0, 20, 40, 50, 60, 70, 80, 100), vs(0, 5, 0, 10, 0, 15, 0)),
				// Invalid ranges: mdds ignores them, we report them.
				leftErr[K, V](5, 0, fst.ErrInvalidRange),
				leftErr[K, V](5, 5, fst.ErrInvalidRange),
				leftErr[K, V](95, 120, fst.ErrOutOfSpan),
				leftErr[K, V](105, 120, fst.ErrOutOfSpan),
				leftErr[K, V](-10, -5, fst.ErrOutOfSpan),
				leftErr[K, V](-10, 5, fst.ErrOutOfSpan),
				// No node removed, the range starts at the lower bound.
				left(0, 5, ks(0, 15, 35, 45, 55, 65, 75, 100), vs(0, 5, 0, 10, 0, 15, 0)),
				// No node removed, the range starts after the lower bound.
				left(1, 6, ks(0, 10, 30, 40, 50, 60, 70, 100), vs(0, 5, 0, 10, 0, 15, 0)),
				// No node removed, the range ends at a node.
				left(5, 10, ks(0, 5, 25, 35, 45, 55, 65, 100), vs(0, 5, 0, 10, 0, 15, 0)),
				// One node inside the range.
				left(1, 11, ks(0, 1, 15, 25, 35, 45, 55, 100), vs(0, 5, 0, 10, 0, 15, 0)),
				// Two nodes inside the range.
				left(2, 30, ks(0, 1, 2, 7, 17, 27, 100), vs(0, 5, 10, 0, 15, 0)),
				// Both ends at nodes, none in between.
				left(0, 1, ks(0, 1, 6, 16, 26, 100), vs(5, 10, 0, 15, 0)),
				// Both ends at nodes; the neighbours then share a value and
				// must be merged.
				left(16, 26, ks(0, 1, 6, 100), vs(5, 10, 0)),
				ins(10, 20, 400, mustChange, nil, nil),
				ins(30, 40, 400, mustChange, ks(0, 1, 6, 10, 20, 30, 40, 100), vs(5, 10, 0, 400, 0, 400, 0)),
				// As above, with a merged value other than the default.
				left(20, 30, ks(0, 1, 6, 10, 30, 100), vs(5, 10, 0, 400, 0)),
				// Remove all.
				left(0, 100, ks(0, 100), vs(0)),
			},
		},
		{
			// mdds defect: shift_left(s, max) with s > min sets the node at s
			// to the default without merging it into an equal predecessor,
			// leaving 0:0, 10:0, 100 in mdds. We keep the canonical form.
			name: "to max merges into default predecessor", min: 0, max: 100, init: 0, steps: []step{
				ins(10, 50, 5, mustChange, nil, nil),
				ins(50, 100, 7, mustChange, ks(0, 10, 50, 100), vs(0, 5, 7)),
				left(10, 100, ks(0, 100), vs(0)),
				find[K, V](10, 0, 100, 0),
			},
		},
		{
			name: "to max after a non-default predecessor", min: 0, max: 100, init: 0, steps: []step{
				ins(0, 10, 3, mustChange, nil, nil),
				ins(10, 50, 5, mustChange, nil, nil),
				ins(50, 100, 7, mustChange, ks(0, 10, 50, 100), vs(3, 5, 7)),
				left(10, 100, ks(0, 10, 100), vs(3, 0)),
			},
		},
		{
			name: "to max from inside a segment", min: -20, max: 20, init: 1, steps: []step{
				ins(-10, 0, 2, mustChange, nil, nil),
				ins(5, 15, 3, mustChange, ks(-20, -10, 0, 5, 15, 20), vs(1, 2, 1, 3, 1)),
				left(-5, 20, ks(-20, -10, -5, 20), vs(1, 2, 1)),
			},
		},
		{
			name: "range without nodes", min: 0, max: 100, init: 0, steps: []step{
				ins(10, 60, 4, mustChange, ks(0, 10, 60, 100), vs(0, 4, 0)),
				left(20, 30, ks(0, 10, 50, 100), vs(0, 4, 0)),
				left(70, 80, ks(0, 10, 50, 100), vs(0, 4, 0)),
				ins(80, 100, 9, mustChange, ks(0, 10, 50, 80, 100), vs(0, 4, 0, 9)),
				// The vacated tail gets the default value.
				left(60, 70, ks(0, 10, 50, 70, 90, 100), vs(0, 4, 0, 9, 0)),
			},
		},
	})
}

func TestTree_ShiftLeftBoolMddsCases(t *testing.T) {
	t.Parallel()
	type K = int
	type V = bool
	type step = caseStep[K, V]
	ks := func(k ...K) []K { return k }
	vs := func(v ...V) []V { return v }
	const T, F = true, false
	runCases(t, []tableCase[K, V]{
		{
			// fst_test_shift_left_right_edge
			name: "right edge", min: 0, max: 100, init: F, steps: []step{
				left(2, 100, ks(0, 100), vs(F)),
				ins(20, 100, T, mustChange, ks(0, 20, 100), vs(F, T)),
				// A new default segment is appended at the end.
				left(80, 100, ks(0, 20, 80, 100), vs(F, T, F)),
				// The removed range already holds the default.
				left(85, 100, ks(0, 20, 80, 100), vs(F, T, F)),
				ins(85, 100, T, mustChange, ks(0, 20, 80, 85, 100), vs(F, T, F, T)),
				left(90, 95, ks(0, 20, 80, 85, 95, 100), vs(F, T, F, T, F)),
			},
		},
		{
			// fst_test_shift_left_append_new_segment
			name: "append new segment", min: 0, max: 100, init: F, steps: []step{
				ins(0, 100, T, mustChange, ks(0, 100), vs(T)),
				left(10, 20, ks(0, 90, 100), vs(T, F)),
				ins(0, 10, T, anyChange, nil, nil),
				ins(10, 20, F, anyChange, nil, nil),
				ins(20, 60, T, anyChange, nil, nil),
				ins(60, 80, F, anyChange, nil, nil),
				ins(80, 100, T, anyChange, ks(0, 10, 20, 60, 80, 100), vs(T, F, T, F, T)),
				left(0, 70, ks(0, 10, 30, 100), vs(F, T, F)),
			},
		},
	})
}

func TestTree_ShiftRightMddsCases(t *testing.T) {
	t.Parallel()
	type K = int
	type V = int
	type step = caseStep[K, V]
	ks := func(k ...K) []K { return k }
	vs := func(v ...V) []V { return v }

	init0 := []step{
		ins(0, 10, 15, mustChange, nil, nil),
	}
	for i := 1; i <= 8; i++ {
		init0 = append(init0, ins(i*10, i*10+10, V(i), mustChange, nil, nil))
	}
	init0 = append(init0,
		// At the lower bound: the non-default first value moves right with
		// a new node.
		right(0, 5, false, ks(0, 5, 15, 25, 35, 45, 55, 65, 75, 85, 95, 100), vs(0, 15, 1, 2, 3, 4, 5, 6, 7, 8, 0)),
		// The end of the last non-default segment reaches max.
		right(0, 5, false, ks(0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100), vs(0, 15, 1, 2, 3, 4, 5, 6, 7, 8)),
		right(0, 49, false, ks(0, 59, 69, 79, 89, 99, 100), vs(0, 15, 1, 2, 3, 4)),
		// The second node from the right becomes the last one.
		right(0, 11, false, ks(0, 70, 80, 90, 100), vs(0, 15, 1, 2)),
		// Everything pushed out.
		right(0, 30, false, ks(0, 100), vs(0)),
		ins(5, 10, 5, mustChange, nil, nil),
		ins(20, 30, 5, mustChange, ks(0, 5, 10, 20, 30, 100), vs(0, 5, 0, 5, 0)),
		// Not at a node: that segment grows.
		right(6, 20, false, ks(0, 5, 30, 40, 50, 100), vs(0, 5, 0, 5, 0)),
		// At a node.
		right(5, 20, false, ks(0, 25, 50, 60, 70, 100), vs(0, 5, 0, 5, 0)),
		// Not at a node, a node pushed past max.
		right(65, 40, false, ks(0, 25, 50, 60, 100), vs(0, 5, 0, 5)),
		// At a node, a node pushed past max.
		right(50, 40, false, ks(0, 25, 90, 100), vs(0, 5, 0)),
		// A node pushed exactly onto max is dropped too.
		right(50, 10, false, ks(0, 25, 100), vs(0, 5)),
	)

	runCases(t, []tableCase[K, V]{
		{name: "init 0", min: 0, max: 100, init: 0, steps: init0},
		{
			// fst_test_shift_right_init999
			name: "init 999", min: 0, max: 100, init: 999, steps: []step{
				ins(0, 10, 0, mustChange, ks(0, 10, 100), vs(0, 999)),
				right(1, 10, false, ks(0, 20, 100), vs(0, 999)),
				// At the leftmost node: a new segment with the default.
				right(0, 10, false, ks(0, 10, 30, 100), vs(999, 0, 999)),
				// Invalid shifts: mdds ignores them, we report them.
				rightErr[K, V](-10, 10, fst.ErrOutOfSpan),
				rightErr[K, V](100, 10, fst.ErrOutOfSpan),
				rightErr[K, V](101, 10, fst.ErrOutOfSpan),
				rightErr[K, V](0, 0, fst.ErrInvalidShift),
				rightErr[K, V](50, -5, fst.ErrInvalidShift),
			},
		},
		{
			name: "at min with a non-default first value", min: 0, max: 10, init: 0, steps: []step{
				ins(0, 10, 2, mustChange, ks(0, 10), vs(2)),
				// Shifted by span-1: one unit of the default at the front.
				right(0, 9, false, ks(0, 9, 10), vs(0, 2)),
				// The node lands on max and is dropped.
				right(0, 1, false, ks(0, 10), vs(0)),
				ins(0, 4, 2, mustChange, ks(0, 4, 10), vs(2, 0)),
				// Shifted by the whole span: only the default is left.
				right(0, 10, false, ks(0, 10), vs(0)),
				ins(0, 4, 2, mustChange, ks(0, 4, 10), vs(2, 0)),
				right(0, 25, false, ks(0, 10), vs(0)),
			},
		},
		{
			name: "skip start node only matters at a node", min: 0, max: 100, init: 0, steps: []step{
				ins(10, 20, 5, mustChange, ks(0, 10, 20, 100), vs(0, 5, 0)),
				right(15, 5, true, ks(0, 10, 25, 100), vs(0, 5, 0)),
				right(15, 5, false, ks(0, 10, 30, 100), vs(0, 5, 0)),
				right(10, 5, false, ks(0, 15, 35, 100), vs(0, 5, 0)),
				right(15, 5, true, ks(0, 15, 40, 100), vs(0, 5, 0)),
				// skip at min with the default first value: nothing to keep.
				right(0, 5, true, ks(0, 20, 45, 100), vs(0, 5, 0)),
			},
		},
	})
}

// fst_test_shift_right_bool, fst_test_shift_right_skip_start_node and
// fst_test_shift_right_all_nodes, with mdds's key and value types.
func TestTree_ShiftRightTypedMddsCases(t *testing.T) {
	t.Parallel()
	const big = 1048576
	t.Run("bool", func(t *testing.T) {
		type K = int64
		type V = bool
		runCases(t, []tableCase[K, V]{{name: "bool", min: 0, max: big, init: false, steps: []caseStep[K, V]{
			ins[K, V](3, 7, true, mustChange, []K{0, 3, 7, big}, []V{false, true, false}),
			right[K, V](1, 1, false, []K{0, 4, 8, big}, []V{false, true, false}),
		}}})
	})
	t.Run("skip start node", func(t *testing.T) {
		type K = int64
		type V = int16
		runCases(t, []tableCase[K, V]{{name: "skip start node", min: 0, max: big, init: 0, steps: []caseStep[K, V]{
			ins[K, V](3, 7, 5, mustChange, []K{0, 3, 7, big}, []V{0, 5, 0}),
			right[K, V](3, 2, true, []K{0, 3, 9, big}, []V{0, 5, 0}),
			ins[K, V](0, 4, 2, mustChange, []K{0, 4, 9, big}, []V{2, 5, 0}),
			// At min with skip: the first value is kept and its segment grows.
			right[K, V](0, 2, true, []K{0, 6, 11, big}, []V{2, 5, 0}),
			// At min without skip: it moves with a new node.
			right[K, V](0, 2, false, []K{0, 2, 8, 13, big}, []V{0, 2, 5, 0}),
		}}})
	})
	t.Run("all nodes", func(t *testing.T) {
		type K = uint32
		type V = uint32
		runCases(t, []tableCase[K, V]{{name: "all nodes", min: 0, max: 10, init: 0, steps: []caseStep[K, V]{
			ins[K, V](0, 8, 2, mustChange, []K{0, 8, 10}, []V{2, 0}),
			right[K, V](0, 15, false, []K{0, 10}, []V{0}),
		}}})
	})
}

// fst_test_const_iterator: forward and reverse leaf iteration.
func TestTree_IterationMddsCases(t *testing.T) {
	t.Parallel()
	t.Run("uint keys", func(t *testing.T) {
		const maxV = math.MaxUint16
		tr := mustNew[uint32, uint16](t, 0, 1000, maxV)
		assertLeaves(t, tr, []uint32{0, 1000}, []uint16{maxV})
		for _, s := range [][3]uint32{{10, 20, 10}, {20, 50, 20}, {100, 300, 55}} {
			_, err := tr.Insert(s[0], s[1], uint16(s[2]))
			require.NoError(t, err)
		}
		keys := []uint32{0, 10, 20, 50, 100, 300, 1000}
		vals := []uint16{maxV, 10, 20, maxV, 55, maxV}
		assertLeaves(t, tr, keys, vals)
	})

	t.Run("bool values", func(t *testing.T) {
		tr := mustNew(t, 0, 100, true)
		_, err := tr.Insert(0, 50, false)
		require.NoError(t, err)

		var fk []int
		var fv []bool
		for k, v := range tr.LeafNodes() {
			fk, fv = append(fk, k), append(fv, v)
		}
		require.Len(t, fv, 3)
		assert.Equal(t, []int{0, 50, 100}, fk)
		assert.Equal(t, []bool{false, true}, fv[:2])

		var bk []int
		var bv []bool
		for k, v := range tr.LeafNodesBackward() {
			bk, bv = append(bk, k), append(bv, v)
		}
		require.Len(t, bv, 3)
		assert.Equal(t, []int{100, 50, 0}, bk)
		assert.Equal(t, []bool{true, false}, bv[1:])
	})

	t.Run("early stop", func(t *testing.T) {
		tr := mustNew(t, 0, 100, 0)
		for i := 0; i < 100; i += 10 {
			_, err := tr.Insert(i, i+5, i+1)
			require.NoError(t, err)
		}
		n := 0
		for k := range tr.LeafNodes() {
			n++
			if k >= 20 {
				break
			}
		}
		assert.Equal(t, 5, n, "All: 0, 5, 10, 15, 20")
		n = 0
		for k := range tr.LeafNodesBackward() {
			n++
			if k <= 80 {
				break
			}
		}
		assert.Equal(t, 5, n, "Backward: 100, 95, 90, 85, 80")
		n = 0
		for s := range tr.Segments() {
			n++
			if s.Start >= 10 {
				break
			}
		}
		assert.Equal(t, 3, n, "Segments: [0,5), [5,10), [10,15)")
	})
}

// fst_test_segment_iterator and fst_test_segment_range.
func TestTree_SegmentsMddsCases(t *testing.T) {
	t.Parallel()
	t.Run("int16 keys", func(t *testing.T) {
		tr := mustNew[int16, bool](t, 0, 100, false)
		assert.Equal(t, []fst.Segment[int16, bool]{segOf[int16](0, 100, false)}, slices.Collect(tr.Segments()))
		_, err := tr.Insert(20, 50, true)
		require.NoError(t, err)
		assert.Equal(t, []fst.Segment[int16, bool]{segOf[int16](0, 20, false), segOf[int16](20, 50, true), segOf[int16](50, 100, false)},
			slices.Collect(tr.Segments()))
	})
	t.Run("string values", func(t *testing.T) {
		tr := mustNew[int32, string](t, 0, 100, "-")
		assert.Equal(t, []fst.Segment[int32, string]{segOf[int32](0, 100, "-")}, slices.Collect(tr.Segments()))
		_, err := tr.Insert(10, 25, "10-25")
		require.NoError(t, err)
		assert.Equal(t, []fst.Segment[int32, string]{segOf[int32](0, 10, "-"), segOf[int32](10, 25, "10-25"), segOf[int32](25, 100, "-")},
			slices.Collect(tr.Segments()))
	})
}

// fst_test_equality, fst_test_copy_ctor and fst_test_assignment.
func TestTree_EqualMddsCases(t *testing.T) {
	t.Parallel()
	t.Run("equality", func(t *testing.T) {
		db1 := mustNew[uint64, int](t, 0, 100, 0)
		db2 := mustNew[uint64, int](t, 0, 100, 0)
		type ins struct {
			tree       *fst.Tree[uint64, int]
			start, end uint64
			v          int
		}
		steps := []struct {
			name  string
			ins   []ins
			equal bool
		}{
			{name: "both new", equal: true},
			{name: "one segment in db1", ins: []ins{{db1, 0, 1, 1}}, equal: false},
			{name: "same segment in db2", ins: []ins{{db2, 0, 1, 1}}, equal: true},
			{name: "same nodes, other value", ins: []ins{{db2, 0, 1, 2}}, equal: false},
			{name: "value set back", ins: []ins{{db2, 0, 1, 1}}, equal: true},
			{name: "insert and undo", ins: []ins{{db1, 4, 10, 10}, {db1, 4, 10, 0}}, equal: true},
			{name: "nested segment in db1", ins: []ins{{db1, 20, 40, 5}, {db1, 30, 35, 6}}, equal: false},
			{name: "same built in pieces in db2", ins: []ins{{db2, 20, 30, 5}, {db2, 30, 35, 6}, {db2, 35, 40, 5}}, equal: true},
		}
		for i, st := range steps {
			for _, in := range st.ins {
				_, err := in.tree.Insert(in.start, in.end, in.v)
				require.NoError(t, err, "step %d (%s)", i, st.name)
			}
			assert.Equal(t, st.equal, db1.Equal(db2), "step %d (%s): db1.Equal(db2)", i, st.name)
			assert.Equal(t, st.equal, db2.Equal(db1), "step %d (%s): db2.Equal(db1)", i, st.name)
			assert.True(t, db1.Equal(db1), "step %d (%s): db1.Equal(db1)", i, st.name)
		}
	})

	t.Run("copy", func(t *testing.T) {
		db := mustNew[uint64, int](t, 0, 100, 5)
		cp := db.Clone()
		assert.True(t, db.Equal(cp))
		assertLeaves(t, cp, []uint64{0, 100}, []int{5})

		// The same insert into both: still equal.
		_, err := db.Insert(5, 10, 0)
		require.NoError(t, err)
		_, err = cp.Insert(5, 10, 0)
		require.NoError(t, err)
		assert.True(t, db.Equal(cp))
		assertLeaves(t, db, []uint64{0, 5, 10, 100}, []int{5, 0, 5})

		// An insert into the copy only.
		_, err = cp.Insert(15, 20, 35)
		require.NoError(t, err)
		assert.False(t, db.Equal(cp))
		assertLeaves(t, cp, []uint64{0, 5, 10, 15, 20, 100}, []int{5, 0, 5, 35, 5})
		assertLeaves(t, db, []uint64{0, 5, 10, 100}, []int{5, 0, 5})

		again := cp.Clone()
		assert.True(t, again.Equal(cp))
		seg, ok := again.Search(18)
		require.True(t, ok)
		assert.Equal(t, 35, seg.Value)

		// fst_test_assignment: a copy takes the bounds and default value.
		assert.Equal(t, uint64(0), again.MinKey())
		assert.Equal(t, uint64(100), again.MaxKey())
		assert.Equal(t, 5, again.DefaultValue())
	})
}

// fst_test_clear
func TestTree_ClearMddsCases(t *testing.T) {
	t.Parallel()
	type K = int64
	type V = int
	type step = caseStep[K, V]
	runCases(t, []tableCase[K, V]{{name: "clear", min: 0, max: 100, init: 42, steps: []step{
		clr[K, V]([]K{0, 100}, []V{42}),
		ins[K, V](0, 10, 0, mustChange, nil, nil),
		ins[K, V](10, 20, 1, mustChange, nil, nil),
		ins[K, V](20, 30, 2, mustChange, []K{0, 10, 20, 30, 100}, []V{0, 1, 2, 42}),
		clr[K, V]([]K{0, 100}, []V{42}),
		find[K, V](50, 0, 100, 42),
	}}})

	tr := mustNew[int64, int](t, -5, 5, 42)
	_, err := tr.Insert(-1, 1, 7)
	require.NoError(t, err)
	cp := tr.Clone()
	cp.Clear()
	assert.Equal(t, int64(-5), cp.MinKey())
	assert.Equal(t, int64(5), cp.MaxKey())
	assert.Equal(t, 42, cp.DefaultValue())
	assertLeaves(t, cp, []int64{-5, 5}, []int{42})
	assertLeaves(t, tr, []int64{-5, -1, 1, 5}, []int{42, 7, 42}, "the original of a cleared clone")
}

// The rightmost leaf (at max) carries no segment. mdds 2.0.3 sets its value
// to init_val in the constructor and never changes it afterwards; the
// equality operator compares it like any other leaf. All and Backward report
// it as the value of the pair at max.
func TestTree_RightLeafValueMddsCases(t *testing.T) {
	t.Parallel()
	tr := mustNew(t, 0, 100, 9)
	steps := []func() error{
		func() error { _, err := tr.Insert(50, 100, 3); return err },
		func() error { _, err := tr.Insert(0, 100, 4); return err },
		func() error { return tr.ShiftLeft(10, 100) },
		func() error { return tr.ShiftRight(0, 30, false) },
		func() error { tr.Clear(); return nil },
	}
	for i, step := range steps {
		require.NoError(t, step(), "step %d", i)
		pairs := leafPairs(tr)
		require.NotEmpty(t, pairs, "step %d", i)
		assert.Equal(t, leafPair[int, int]{100, 9}, pairs[len(pairs)-1], "step %d: last pair of All", i)
		for k, v := range tr.LeafNodesBackward() {
			assert.Equal(t, 100, k, "step %d: first pair of Backward", i)
			assert.Equal(t, 9, v, "step %d: first pair of Backward", i)
			break
		}
	}
}

// mdds's tests only use integer keys; these repeat the edge cases with
// fractional float64 keys (exact binary fractions, so no rounding is
// involved) plus what only floats can be: NaN and infinities.
func TestTree_FloatKeysMddsCases(t *testing.T) {
	t.Parallel()
	type K = float64
	type V = int
	type step = caseStep[K, V]
	ks := func(k ...K) []K { return k }
	vs := func(v ...V) []V { return v }
	nan, inf := math.NaN(), math.Inf(1)
	runCases(t, []tableCase[K, V]{
		{name: "fractional keys", min: -2.5, max: 7.5, init: 0, steps: []step{
			ins[K, V](-1, 0.5, 4, mustChange, ks(-2.5, -1, 0.5, 7.5), vs(0, 4, 0)),
			ins[K, V](0.5, 1.75, 4, mustChange, ks(-2.5, -1, 1.75, 7.5), vs(0, 4, 0)),
			ins[K, V](-10, -2, 9, mustChange, ks(-2.5, -2, -1, 1.75, 7.5), vs(9, 0, 4, 0)),
			ins[K, V](7, 100, 5, mustChange, ks(-2.5, -2, -1, 1.75, 7, 7.5), vs(9, 0, 4, 0, 5)),
			ins[K, V](-0.75, 1.5, 4, mustNotChange, nil, nil),
			find[K, V](-2.5, -2.5, -2, 9),
			find[K, V](-2.25, -2.5, -2, 9),
			find[K, V](1.75, 1.75, 7, 0),
			find[K, V](7.25, 7, 7.5, 5),
			miss[K, V](7.5),
			miss[K, V](-2.75),
			left[K, V](-1.5, -0.5, ks(-2.5, -2, -1.5, 0.75, 6, 6.5, 7.5), vs(9, 0, 4, 0, 5, 0)),
			right[K, V](0.75, 0.25, true, ks(-2.5, -2, -1.5, 0.75, 6.25, 6.75, 7.5), vs(9, 0, 4, 0, 5, 0)),
			right[K, V](0.75, 0.25, false, ks(-2.5, -2, -1.5, 1, 6.5, 7, 7.5), vs(9, 0, 4, 0, 5, 0)),
			right[K, V](-2.5, 0.5, false, ks(-2.5, -2, -1.5, -1, 1.5, 7, 7.5), vs(0, 9, 0, 4, 0, 5)),
			right[K, V](6.5, 2, false, ks(-2.5, -2, -1.5, -1, 1.5, 7.5), vs(0, 9, 0, 4, 0)),
			left[K, V](5, 7.5, ks(-2.5, -2, -1.5, -1, 1.5, 7.5), vs(0, 9, 0, 4, 0)),
			left[K, V](-1.75, 7.5, ks(-2.5, -2, -1.75, 7.5), vs(0, 9, 0)),
			clr[K, V](ks(-2.5, 7.5), vs(0)),
		}},
		{name: "NaN and infinities", min: 0, max: 10, init: 0, steps: []step{
			ins[K, V](2, 4, 1, mustChange, ks(0, 2, 4, 10), vs(0, 1, 0)),
			insErr[K, V](nan, 1, 3, fst.ErrNaN),
			insErr[K, V](1, nan, 3, fst.ErrNaN),
			leftErr[K, V](nan, 1, fst.ErrNaN),
			leftErr[K, V](1, nan, fst.ErrNaN),
			rightErr[K, V](nan, 1, fst.ErrNaN),
			miss[K, V](nan),
			miss[K, V](inf),
			miss[K, V](-inf),
			insErr[K, V](10, inf, 3, fst.ErrOutOfSpan),
			ins[K, V](-inf, 1, 3, mustChange, ks(0, 1, 2, 4, 10), vs(3, 0, 1, 0)),
			ins[K, V](-inf, inf, 5, mustChange, ks(0, 10), vs(5)),
		}},
	})

	t.Run("float32", func(t *testing.T) {
		type K = float32
		runCases(t, []tableCase[K, V]{{name: "float32", min: 0, max: 1, init: 0, steps: []caseStep[K, V]{
			ins[K, V](0.25, 0.5, 1, mustChange, []K{0, 0.25, 0.5, 1}, []V{0, 1, 0}),
			left[K, V](0.125, 0.25, []K{0, 0.125, 0.375, 1}, []V{0, 1, 0}),
			right[K, V](0.125, 0.5, true, []K{0, 0.125, 0.875, 1}, []V{0, 1, 0}),
			find[K, V](0.5, 0.125, 0.875, 1),
		}}})
	})
}
