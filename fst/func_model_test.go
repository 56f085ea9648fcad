package fst_test

import (
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
// tree that compared slice headers instead of contents would fail at once,
// and one that kept a value other than the one it was given shows in the
// harness's "stored as given" check.

func box(v int) []int { return []int{v, -v} }

// unbox returns the model value a boxed value holds (-1 for a slice box did
// not make, which the harness reports as not stored as given).
func unbox(s []int) int {
	if len(s) != 2 {
		return -1
	}
	return s[0]
}

func sliceEqual(a, b []int) bool { return slices.Equal(a, b) }

var funcConfig = intConfig(box, unbox, sliceEqual, fst.Diff[int, []int, fst.None], cursorOf[int, []int, fst.None])

func runFunc(t testing.TB, fanout int, ops []byte) {
	if len(ops) < 3 {
		return
	}
	lo, hi, init := intSpan(ops)
	tr, err := fst.NewFuncFanout(lo, hi, box(init), sliceEqual, fanout)
	if err != nil {
		t.Fatalf("NewFuncFanout(%d, %d, %v, %d): %v", lo, hi, box(init), fanout, err)
	}
	run(t, funcConfig, lo, hi, init, tr, newDense(lo, hi, init), ops[3:])
}

func TestTree_FuncModel(t *testing.T) {
	t.Parallel()
	for _, fan := range []int{4, fst.MaxFanout} {
		seeds(t, fmt.Sprintf("fanout=%d/", fan), 4, 60, func(t *testing.T, seed uint64) {
			runFunc(t, fan, randomOps(seed, 3+4*200))
		})
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
