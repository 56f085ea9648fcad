package fst

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func eqInt(a, b int) bool { return a == b }

// TestBuilder checks the builder decoding relies on: it accepts exactly the
// boundaries of a valid tree, compares values only through eq, and yields
// a tree that verifies and that owns its nodes alone.
func TestBuilder(t *testing.T) {
	b, err := newBuilderFanout(0, 1000, 0, eqInt, 4)
	require.NoError(t, err)
	require.ErrorIs(t, b.add(1, 5), ErrOutOfSpan, "the first boundary must be min")
	require.NoError(t, b.add(0, 5))
	require.ErrorIs(t, b.add(0, 6), ErrUnsorted, "equal boundary")
	for k := 10; k < 1000; k += 10 {
		require.NoError(t, b.add(k, k%3))
	}
	require.ErrorIs(t, b.add(985, 1), ErrUnsorted, "smaller boundary")
	require.ErrorContains(t, b.add(995, 0), "has the value of the segment before it", "990 holds 0")
	tr, err := finish(b)
	require.NoError(t, err)
	require.NoError(t, tr.Verify())
	assert.Equal(t, 100, tr.Len())
	_, err = finish(b)
	require.Error(t, err, "a spent builder yields no second tree sharing the nodes")
	require.Error(t, b.add(2000, 1))

	b, err = newPlainBuilder(0, 10, 0, eqInt)
	require.NoError(t, err)
	require.NoError(t, b.add(0, 1))
	require.ErrorIs(t, b.add(10, 2), ErrOutOfSpan, "a boundary at max")

	// eq decides: under "always equal" no second segment is accepted, and
	// under "never equal" neighbouring equal values are.
	b, err = newPlainBuilder(0, 10, 0, func(a, b int) bool { return true })
	require.NoError(t, err)
	require.NoError(t, b.add(0, 1))
	require.Error(t, b.add(5, 2))
	b, err = newPlainBuilder(0, 10, 0, func(a, b int) bool { return false })
	require.NoError(t, err)
	require.NoError(t, b.add(0, 1))
	require.NoError(t, b.add(5, 1))

	_, err = newPlainBuilder(5, 5, 0, eqInt)
	require.ErrorIs(t, err, ErrInvalidRange)
	_, err = newPlainBuilder(math.NaN(), 1, 0, eqInt)
	require.ErrorIs(t, err, ErrNaN)
	empty, err := newPlainBuilder(0, 10, 0, eqInt)
	require.NoError(t, err)
	_, err = finish(empty)
	require.Error(t, err, "no boundary at min")
}
