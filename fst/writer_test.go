package fst_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flatseg/flatseg/fst"
)

// writer forwards the three writes to a tree: a Writer that is not a tree.
type writer struct{ t *fst.Tree[int, int] }

func (w writer) Insert(start, end, v int) (bool, error) { return w.t.Insert(start, end, v) }
func (w writer) ShiftLeft(start, end int) error         { return w.t.ShiftLeft(start, end) }
func (w writer) ShiftRight(pos, size int, skip bool) error {
	return w.t.ShiftRight(pos, size, skip)
}

// TestBatch_Apply: the writes replay in order through any Writer and stop
// at the first that fails, naming its index; on a tree, of any summary,
// they are all or nothing.
func TestBatch_Apply(t *testing.T) {
	var b fst.Batch[int, int]
	b.Insert(10, 20, 1)
	b.ShiftRight(0, 5, false)
	b.ShiftLeft(0, 2)
	want, err := fst.New(0, 100, 0)
	require.NoError(t, err)
	_, _ = want.Insert(10, 20, 1)
	require.NoError(t, want.ShiftRight(0, 5, false))
	require.NoError(t, want.ShiftLeft(0, 2))
	got, err := fst.New(0, 100, 0)
	require.NoError(t, err)
	require.NoError(t, b.Apply(got))
	assert.Equal(t, slices.Collect(want.All()), slices.Collect(got.All()))
	gotW, err := fst.New(0, 100, 0)
	require.NoError(t, err)
	require.NoError(t, b.Apply(writer{gotW}))
	assert.Equal(t, slices.Collect(want.All()), slices.Collect(gotW.All()))

	b.Insert(5, 1, 2) // fails
	b.Insert(50, 60, 3)
	partial, err := fst.New(0, 100, 0)
	require.NoError(t, err)
	err = b.Apply(writer{partial})
	require.ErrorIs(t, err, fst.ErrInvalidRange)
	assert.Contains(t, err.Error(), "batch write 3")
	assert.Equal(t, slices.Collect(want.All()), slices.Collect(partial.All()), "the writes before the failing one stay, the ones after it do not run")

	whole, err := fst.New(0, 100, 0)
	require.NoError(t, err)
	before := whole.Clone()
	err = b.Apply(whole)
	require.ErrorIs(t, err, fst.ErrInvalidRange)
	assert.True(t, whole.Equal(before), "a tree is all or nothing")
	sum, err := fst.NewMeasured(0, 100, 0, fst.Measure[int, int, int64](sumOf[int]{}))
	require.NoError(t, err)
	require.ErrorIs(t, b.Apply(sum), fst.ErrInvalidRange)
	require.NoError(t, sum.Verify())
	assert.Equal(t, int64(0), sum.Measure(0, 100), "a measured tree too")
}

// TestTree_Assign: a fork of the same origin is shared in O(1); a tree
// made apart is rebuilt under the receiver's equality, merging what it
// finds equal; a tree of another span or default is refused.
func TestTree_Assign(t *testing.T) {
	sameParity := func(a, b int) bool { return a%2 == b%2 }
	dst, err := fst.NewFunc(0, 100, 0, sameParity)
	require.NoError(t, err)
	fork := dst.Clone()
	_, _ = fork.Insert(10, 20, 1)
	require.True(t, dst.SameOrigin(fork))
	require.NoError(t, dst.Assign(fork))
	assert.True(t, dst.Equal(fork))

	apart, err := fst.Build(0, 100, 0, []fst.Segment[int, int]{{Start: 10, End: 20, Value: 1}, {Start: 20, End: 30, Value: 3}})
	require.NoError(t, err)
	require.False(t, dst.SameOrigin(apart))
	require.NoError(t, dst.Assign(apart))
	require.NoError(t, dst.Verify())
	assert.Equal(t, []fst.Segment[int, int]{{Start: 0, End: 10, Value: 0}, {Start: 10, End: 30, Value: 1}, {Start: 30, End: 100, Value: 0}}, slices.Collect(dst.All()))
	assert.True(t, dst.SameValue(2, 4), "dst keeps its own equality")

	for _, bad := range []struct {
		lo, hi, init int
	}{{0, 50, 0}, {1, 100, 0}, {0, 100, 1}} {
		other, err := fst.New(bad.lo, bad.hi, bad.init)
		require.NoError(t, err)
		err = dst.Assign(other)
		assert.True(t, errors.Is(err, fst.ErrIncompatible), "%+v: %v", bad, err)
	}
	assert.ErrorIs(t, dst.Assign(nil), fst.ErrIncompatible)
	assert.Equal(t, 3, dst.Len(), "a refused Assign changes nothing")
}
