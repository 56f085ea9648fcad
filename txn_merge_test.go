package flatseg

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flatseg/flatseg/fst"
)

// TestTxn_LoadMerge: a merge loaded into a recorded transaction
// (tx.Load(fst.MergeSame(...)) or tx.Load(fst.Merge(...))) ships as the
// inserts that make the difference, which a follower applies to reach
// the same version; a transaction that fails or panics after merging
// records and publishes nothing.
func TestTxn_LoadMerge(t *testing.T) {
	t.Parallel()
	leader, follower := newTestStore(t), newTestStore(t)
	ship := func(b *fst.Batch[int, int]) {
		t.Helper()
		for _, op := range b.All() {
			assert.Equal(t, fst.OpInsert, op.Kind)
		}
		shipBatch(t, leader, follower, b)
	}
	var b fst.Batch[int, int]
	require.NoError(t, leader.Record(&b, func(tx *Txn[int, int]) error {
		for i := range 50 {
			if _, err := tx.Insert(i*20, i*20+10, i%3+1); err != nil {
				return err
			}
		}
		return nil
	}))
	ship(&b)

	// A patch written on a version of the head, merged back with max:
	// two ranges differ, two inserts ship.
	patch := leader.Snapshot().Tree()
	_, err := patch.Insert(105, 125, 7)
	require.NoError(t, err)
	_, err = patch.Insert(600, 605, 0)
	require.NoError(t, err)
	maxOf := func(x, y int) int { return max(x, y) }
	b.Reset()
	require.NoError(t, leader.Record(&b, func(tx *Txn[int, int]) error {
		m, err := fst.MergeSame(leader.Snapshot().Tree(), patch, maxOf) // the head: Record holds the writer lock
		if err != nil {
			return err
		}
		return tx.Load(m)
	}))
	assert.Equal(t, 3, b.Len(), "[105, 125) changes, over three of the head's segments (one insert per range of Diff); [600, 605) keeps the head's larger values")
	got, _ := leader.Snapshot().Search(110)
	assert.Equal(t, seg(105, 125, 7), got)
	ship(&b)

	// A tree made apart, merged with a sum: Load rebuilds, the record is
	// the difference.
	other, err := fst.New(testMin, testMax, 0)
	require.NoError(t, err)
	_, err = other.Insert(0, 300, 1)
	require.NoError(t, err)
	b.Reset()
	require.NoError(t, leader.Record(&b, func(tx *Txn[int, int]) error {
		m, err := fst.Merge(leader.Snapshot().Tree(), other, func(x, y int) int { return x + y })
		if err != nil {
			return err
		}
		return tx.Load(m)
	}))
	require.NotZero(t, b.Len())
	ship(&b)

	// All or nothing: an error after the Load, or a panic in f, records
	// and publishes nothing.
	head := leader.Snapshot()
	b.Reset()
	errStop := errors.New("stop")
	require.ErrorIs(t, leader.Record(&b, func(tx *Txn[int, int]) error {
		m, err := fst.MergeSame(leader.Snapshot().Tree(), patch, func(x, y int) int { return y })
		if err == nil {
			err = tx.Load(m)
		}
		require.NoError(t, err)
		return errStop
	}), errStop)
	assert.Zero(t, b.Len())
	assert.Panics(t, func() {
		_ = leader.Record(&b, func(tx *Txn[int, int]) error {
			if _, err := tx.Insert(0, 5, 9); err != nil {
				return err
			}
			m, err := fst.MergeSame(leader.Snapshot().Tree(), patch, func(x, y int) int { panic("boom") })
			if err != nil {
				return err
			}
			return tx.Load(m)
		})
	})
	assert.Zero(t, b.Len())
	assert.Same(t, head, leader.Snapshot())
	require.NoError(t, leader.Update(func(tx *Txn[int, int]) error { // the store goes on
		_, err := tx.Insert(0, 5, 9)
		return err
	}))
}
