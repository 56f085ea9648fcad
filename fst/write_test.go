package fst_test

import (
	"math"
	"slices"
	"testing"

	"github.com/flatseg/flatseg/fst"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// mustPanic runs f and reports whether it panicked.
func mustPanic(f func()) (panicked bool) {
	defer func() { panicked = recover() != nil }()
	f()
	return false
}

// TestTree_PanickingEqualityChangesNothing: a value type such as any is
// comparable to the compiler but panics on == when it holds a slice. Every
// write compares values before it changes anything, so the panic leaves the
// tree as it was (issue 8).
func TestTree_PanickingEqualityChangesNothing(t *testing.T) {
	t.Parallel()
	build := func(t *testing.T) *fst.Tree[int, any] {
		tr, err := fst.New[int, any](0, 100, 0)
		require.NoError(t, err)
		for _, s := range []fst.Segment[int, any]{{10, 20, []int{1}}, {20, 30, 0}, {30, 40, []int{2}}, {50, 70, []int{3}}} {
			_, err := tr.Insert(s.Start, s.End, s.Value)
			require.NoError(t, err)
		}
		return tr
	}
	for name, write := range map[string]func(*fst.Tree[int, any]){
		"Insert over a slice segment": func(tr *fst.Tree[int, any]) { _, _ = tr.Insert(45, 65, []int{9}) },
		"Insert inside a slice":       func(tr *fst.Tree[int, any]) { _, _ = tr.Insert(55, 65, []int{9}) },
		"ShiftLeft between slices":    func(tr *fst.Tree[int, any]) { _ = tr.ShiftLeft(20, 30) },
	} {
		t.Run(name, func(t *testing.T) {
			tr := build(t)
			want := slices.Collect(tr.Segments())
			require.True(t, mustPanic(func() { write(tr) }), "the comparison of two []int must panic")
			require.NoError(t, tr.Verify())
			assert.Equal(t, want, slices.Collect(tr.Segments()))
		})
	}
}

// TestTree_ZeroValue: the zero Tree has the empty span [0, 0). It maps no
// key, every write fails with ErrOutOfSpan and Clear does nothing.
func TestTree_ZeroValue(t *testing.T) {
	t.Parallel()
	var tr fst.Tree[int, int]
	_, err := tr.Insert(-5, 5, 5)
	require.ErrorIs(t, err, fst.ErrOutOfSpan)
	require.ErrorIs(t, tr.ShiftLeft(0, 1), fst.ErrOutOfSpan)
	require.ErrorIs(t, tr.ShiftRight(0, 1, false), fst.ErrOutOfSpan)
	tr.Clear()
	require.NoError(t, tr.Verify())
	_, ok := tr.Search(0)
	assert.False(t, ok)
	assert.Equal(t, 0, tr.Len())
	assert.Empty(t, slices.Collect(tr.Segments()))
	assert.True(t, tr.Equal(tr.Clone()))
}

// TestTree_NaNValues pins the choice for float values under New: equality
// is ==, as in mdds, so a NaN value never equals itself. NaN segments never
// merge and rewriting NaN with NaN reports a change.
func TestTree_NaNValues(t *testing.T) {
	t.Parallel()
	nan := math.NaN()
	tr, err := fst.New(0, 10, 0.0)
	require.NoError(t, err)
	changed, err := tr.Insert(2, 4, nan)
	require.NoError(t, err)
	assert.True(t, changed)
	changed, err = tr.Insert(2, 4, nan)
	require.NoError(t, err)
	assert.True(t, changed, "NaN != NaN: the same insert counts as a change")
	_, err = tr.Insert(4, 6, nan)
	require.NoError(t, err)
	require.NoError(t, tr.Verify())
	assert.Equal(t, 4, tr.Len(), "[0,2) 0, [2,4) NaN, [4,6) NaN, [6,10) 0: the NaN segments stay apart")
}
