package fst_test

import (
	"math"
	"slices"
	"testing"

	"github.com/flatseg/flatseg/fst"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTree_ShiftLeftFloatLandsOnStart: a moved boundary that rounding puts
// exactly on start replaces the boundary there, as in mdds (found by the
// differential test, seed 164 of TestDifferential_MddsFloatRounding).
func TestTree_ShiftLeftFloatLandsOnStart(t *testing.T) {
	t.Parallel()
	tr, err := fst.New[float64, int64](-0.3, 0.7, 0)
	require.NoError(t, err)
	_, err = tr.Insert(0.10000000000000003, 0.3000000000000001, 2)
	require.NoError(t, err)
	require.NoError(t, tr.ShiftRight(-0.3, 0.1, false))
	require.NoError(t, tr.ShiftLeft(-0.19999999999999998, 0.2))
	require.NoError(t, tr.Verify())
	var keys []float64
	var vals []int64
	for k, v := range tr.LeafNodes() {
		keys, vals = append(keys, k), append(vals, v)
	}
	// What mdds 2.0.3 prints for the same calls.
	assert.Equal(t, []float64{-0.3, -0.19999999999999998, 1.1102230246251565e-16, 0.7}, keys)
	assert.Equal(t, []int64{0, 2, 0, 0}, vals)
}

// TestTree_FloatShiftCollisionIsAnError: when rounding would make two moved
// boundaries meet, the shift is refused and nothing changes.
func TestTree_FloatShiftCollisionIsAnError(t *testing.T) {
	t.Parallel()
	tr, err := fst.New[float32, int](0, 1e9, 0)
	require.NoError(t, err)
	_, err = tr.Insert(101, 102, 1) // boundaries at 101 and 102
	require.NoError(t, err)
	before := slices.Collect(tr.Segments())
	// float32 has 24 bits of mantissa: 1e8+101 and 1e8+102 both round to 1e8+104.
	err = tr.ShiftRight(50, 1e8, false)
	require.ErrorIs(t, err, fst.ErrInvalidShift)
	assert.Equal(t, before, slices.Collect(tr.Segments()))
	require.NoError(t, tr.Verify())
}

// TestTree_ShiftRightFloatGapRoundsToNothing: issue 8, repro 1. A gap
// min+size that rounds back to min is empty: the value at min stays and
// nothing is lost.
func TestTree_ShiftRightFloatGapRoundsToNothing(t *testing.T) {
	t.Parallel()
	t.Run("later segment", func(t *testing.T) {
		tr, err := fst.New[float64, string](1, 2, "free")
		require.NoError(t, err)
		_, err = tr.Insert(1.5, 1.75, "used")
		require.NoError(t, err)
		require.NoError(t, tr.ShiftRight(1, 1e-17, false)) // 1+1e-17 == 1
		require.NoError(t, tr.Verify())
		assert.Equal(t, []fst.Segment[float64, string]{{1, 1.5, "free"}, {1.5, 1.75, "used"}, {1.75, 2, "free"}}, slices.Collect(tr.Segments()))
		seg, ok := tr.Search(1.2)
		assert.True(t, ok)
		assert.Equal(t, fst.Segment[float64, string]{1, 1.5, "free"}, seg)
	})
	t.Run("first segment", func(t *testing.T) {
		tr, err := fst.New[float64, string](1, 2, "free")
		require.NoError(t, err)
		_, err = tr.Insert(1, 1.5, "used")
		require.NoError(t, err)
		require.NoError(t, tr.ShiftRight(1, 1e-17, false))
		require.NoError(t, tr.Verify())
		assert.Equal(t, []fst.Segment[float64, string]{{1, 1.5, "used"}, {1.5, 2, "free"}}, slices.Collect(tr.Segments()))
	})
	t.Run("min is -Inf", func(t *testing.T) {
		tr, err := fst.New[float64, string](math.Inf(-1), 10, "free")
		require.NoError(t, err)
		_, err = tr.Insert(math.Inf(-1), 0, "used")
		require.NoError(t, err)
		require.NoError(t, tr.ShiftRight(math.Inf(-1), 3, false)) // -Inf+3 == -Inf: the boundary at 0 moves to 3
		require.NoError(t, tr.Verify())
		assert.Equal(t, []fst.Segment[float64, string]{{math.Inf(-1), 3, "used"}, {3, 10, "free"}}, slices.Collect(tr.Segments()))
		// -Inf + +Inf is NaN: refused, nothing changes.
		err = tr.ShiftRight(math.Inf(-1), math.Inf(1), false)
		require.ErrorIs(t, err, fst.ErrInvalidShift)
		require.NoError(t, tr.Verify())
		assert.Len(t, slices.Collect(tr.Segments()), 2)
	})
}

// TestTree_ShiftLeftFloatTailRoundsToMax: issue 8, repro 2. A freed tail
// max-size that rounds back to max is empty; an infinite size is refused.
func TestTree_ShiftLeftFloatTailRoundsToMax(t *testing.T) {
	t.Parallel()
	t.Run("size below half an ulp of max", func(t *testing.T) {
		tr, err := fst.New[float64, string](0, 2, "free")
		require.NoError(t, err)
		_, err = tr.Insert(1, 2, "used")
		require.NoError(t, err)
		require.NoError(t, tr.ShiftLeft(0.25, math.Nextafter(0.25, 1)))
		require.NoError(t, tr.Verify())
		// 1-size rounds to 1 as well: the boundaries stay where they were.
		assert.Equal(t, []fst.Segment[float64, string]{{0, 1, "free"}, {1, 2, "used"}}, slices.Collect(tr.Segments()))
	})
	t.Run("max is +Inf", func(t *testing.T) {
		tr, err := fst.New[float64, string](0, math.Inf(1), "free")
		require.NoError(t, err)
		_, err = tr.Insert(10, math.Inf(1), "used")
		require.NoError(t, err)
		require.NoError(t, tr.ShiftLeft(0, 5))
		require.NoError(t, tr.Verify())
		assert.Equal(t, []fst.Segment[float64, string]{{0, 5, "free"}, {5, math.Inf(1), "used"}}, slices.Collect(tr.Segments()))
	})
	t.Run("infinite size", func(t *testing.T) {
		tr, err := fst.New[float64, string](math.Inf(-1), math.Inf(1), "free")
		require.NoError(t, err)
		_, err = tr.Insert(10, 20, "used")
		require.NoError(t, err)
		before := tr.Clone()
		err = tr.ShiftLeft(math.Inf(-1), 0) // size +Inf: every boundary would land on -Inf
		require.ErrorIs(t, err, fst.ErrInvalidShift)
		require.NoError(t, tr.Verify())
		assert.True(t, tr.Equal(before))
		// Reaching max moves nothing, so an infinite range is fine there.
		require.NoError(t, tr.ShiftLeft(15, math.Inf(1)))
		require.NoError(t, tr.Verify())
		assert.Equal(t, []fst.Segment[float64, string]{{math.Inf(-1), 10, "free"}, {10, 15, "used"}, {15, math.Inf(1), "free"}}, slices.Collect(tr.Segments()))
	})
}
