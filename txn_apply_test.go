package flatseg

import (
	"errors"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flatseg/flatseg/fst"
)

// The tests of Txn.Apply; TestStore_Model and the race tests also draw it
// (randomOp's opApply) and compare it with fst.Tree.Apply.

func TestTxn_Apply(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	require.NoError(t, s.Update(func(tx *Txn[int, int]) error {
		for _, sg := range []fst.Segment[int, int]{seg(10, 20, 1), seg(20, 30, 2), seg(50, 60, 1)} {
			if _, err := tx.Insert(sg.Start, sg.End, sg.Value); err != nil {
				return err
			}
		}
		return nil
	}))
	v1 := s.Snapshot()

	var calls []int
	require.NoError(t, s.Update(func(tx *Txn[int, int]) error {
		changed, err := tx.Apply(15, 55, func(v int) int {
			calls = append(calls, v)
			return v * 2
		})
		require.NoError(t, err)
		assert.True(t, changed)
		got, _ := tx.Search(25) // the transaction reads its own write
		assert.Equal(t, seg(20, 30, 4), got)
		return nil
	}))
	assert.Equal(t, []int{1, 2, 0, 1}, calls, "once per overlapping segment, in key order")
	v2 := s.Snapshot()
	assert.Equal(t, v1.Version()+1, v2.Version())
	assert.Equal(t, []fst.Segment[int, int]{
		seg(0, 10, 0), seg(10, 15, 1), seg(15, 20, 2), seg(20, 30, 4), seg(30, 50, 0), seg(50, 55, 2), seg(55, 60, 1), seg(60, testMax, 0),
	}, collect(v2.Segments()))
	assert.Equal(t, []fst.Segment[int, int]{seg(0, 10, 0), seg(10, 20, 1), seg(20, 30, 2), seg(30, 50, 0), seg(50, 60, 1), seg(60, testMax, 0)},
		collect(v1.Segments()), "an older snapshot never changes")

	// An Apply that changes nothing publishes nothing.
	require.NoError(t, s.Update(func(tx *Txn[int, int]) error {
		changed, err := tx.Apply(testMin-10, testMax+10, func(v int) int { return v })
		assert.False(t, changed)
		return err
	}))
	assert.Same(t, v2, s.Snapshot())

	// The range rule is Insert's; a failed Apply changes nothing and the
	// transaction stays usable.
	tx := s.Begin()
	defer tx.Rollback()
	never := func(int) int { panic("f called on an invalid range") }
	_, err := tx.Apply(30, 20, never)
	require.ErrorIs(t, err, fst.ErrInvalidRange)
	_, err = tx.Apply(testMax, testMax+5, never)
	require.ErrorIs(t, err, fst.ErrOutOfSpan)
	changed, err := tx.Apply(0, 5, func(v int) int { return v + 1 })
	require.NoError(t, err)
	assert.True(t, changed)
	sn, err := tx.Commit()
	require.NoError(t, err)
	assert.Equal(t, v2.Version()+1, sn.Version())
	_, err = tx.Apply(0, 5, func(v int) int { return v + 1 })
	require.ErrorIs(t, err, ErrTxDone)
}

// TestTxn_Apply_Panic: f panicking inside a transaction leaves its
// contents and its record as they were; the transaction goes on.
func TestTxn_Apply_Panic(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	var b fst.Batch[int, int]
	require.NoError(t, s.Record(&b, func(tx *Txn[int, int]) error {
		if _, err := tx.Insert(10, 20, 1); err != nil {
			return err
		}
		before := collect(tx.Segments())
		recorded := tx.record.Len()
		assert.PanicsWithValue(t, "f", func() {
			_, _ = tx.Apply(0, 100, func(v int) int {
				if v == 1 {
					panic("f")
				}
				return v + 2
			})
		})
		assert.Equal(t, before, collect(tx.Segments()))
		assert.Equal(t, recorded, tx.record.Len(), "nothing recorded")
		_, err := tx.Apply(0, 100, func(v int) int { return v + 2 })
		return err
	}))
	assert.Equal(t, []fst.Segment[int, int]{seg(0, 10, 2), seg(10, 20, 3), seg(20, 100, 2), seg(100, testMax, 0)}, collect(s.Snapshot().Segments()))
	replayed := newTestStore(t)
	_, err := replayed.Apply(&b)
	require.NoError(t, err)
	assert.True(t, replayed.Snapshot().tree.Equal(s.Snapshot().tree))
}

// TestTxn_Apply_Record: a recorded transaction that applies functions
// ships as inserts and shifts only; encoded, decoded and applied to
// another store at the same version, it gives the same version.
func TestTxn_Apply_Record(t *testing.T) {
	t.Parallel()
	leader, follower := newTestStore(t), newTestStore(t)
	ship := func(b *fst.Batch[int, int]) { t.Helper(); shipBatch(t, leader, follower, b) }

	var b fst.Batch[int, int]
	require.NoError(t, leader.Record(&b, func(tx *Txn[int, int]) error {
		for i := range 40 {
			if _, err := tx.Insert(i*20, i*20+10, i%3+1); err != nil {
				return err
			}
		}
		return nil
	}))
	ship(&b)

	b.Reset()
	calls := 0
	require.NoError(t, leader.Record(&b, func(tx *Txn[int, int]) error {
		double := func(v int) int { calls++; return v * 2 }
		if _, err := tx.Apply(105, 395, double); err != nil {
			return err
		}
		if err := tx.ShiftRight(200, 7, false); err != nil {
			return err
		}
		if _, err := tx.Apply(-50, 150, func(v int) int { return v % 3 }); err != nil {
			return err
		}
		if _, err := tx.Apply(500, 600, func(v int) int { return v }); err != nil { // records nothing
			return err
		}
		_, err := tx.Apply(700, 2000, func(int) int { return 9 }) // clipped; one insert
		return err
	}))
	assert.Equal(t, 30, calls, "once per segment of [105, 395)")
	require.NotZero(t, b.Len())
	ship(&b)

	// A rolled-back transaction records nothing.
	b.Reset()
	errRollback := errors.New("roll back")
	require.ErrorIs(t, leader.Record(&b, func(tx *Txn[int, int]) error {
		_, _ = tx.Apply(0, 100, func(v int) int { return v + 1 })
		return errRollback
	}), errRollback)
	assert.Zero(t, b.Len())
	assert.Equal(t, slices.Collect(leader.Snapshot().Segments()), slices.Collect(follower.Snapshot().Segments()))
}

// shipBatch checks that b, recorded by a transaction of leader, holds
// inserts and shifts only, and that encoded, decoded and applied to
// follower, at leader's previous version, it gives leader's head.
func shipBatch(t *testing.T, leader, follower *Store[int, int], b *fst.Batch[int, int]) {
	t.Helper()
	for _, op := range b.All() {
		assert.Contains(t, []fst.OpKind{fst.OpInsert, fst.OpShiftLeft, fst.OpShiftRight}, op.Kind)
	}
	entry, err := fst.AppendBatch(nil, b, fst.NumberCodec[int]())
	require.NoError(t, err)
	got, err := fst.DecodeBatch[int](entry, fst.NumberCodec[int]())
	require.NoError(t, err)
	sn, err := follower.Apply(got)
	require.NoError(t, err)
	head := leader.Snapshot()
	assert.Equal(t, head.Version(), sn.Version())
	assert.Equal(t, collect(head.Segments()), collect(sn.Segments()))
	require.NoError(t, sn.tree.Verify())
}
