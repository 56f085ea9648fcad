package fst_test

import (
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
	tr, err := fst.New[float64, int64](-0.3, 0.7, 0)
	require.NoError(t, err)
	_, err = tr.Insert(0.10000000000000003, 0.3000000000000001, 2)
	require.NoError(t, err)
	require.NoError(t, tr.ShiftRight(-0.3, 0.1, false))
	require.NoError(t, tr.ShiftLeft(-0.19999999999999998, 0.2))
	require.NoError(t, tr.Verify())
	var keys []float64
	var vals []int64
	for k, v := range tr.All() {
		keys, vals = append(keys, k), append(vals, v)
	}
	// What mdds 2.0.3 prints for the same calls.
	assert.Equal(t, []float64{-0.3, -0.19999999999999998, 1.1102230246251565e-16, 0.7}, keys)
	assert.Equal(t, []int64{0, 2, 0, 0}, vals)
}

// TestTree_FloatShiftCollisionIsAnError: when rounding would make two moved
// boundaries meet, the shift is refused and nothing changes.
func TestTree_FloatShiftCollisionIsAnError(t *testing.T) {
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
