package flatseg

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flatseg/flatseg/fst"
)

func newTestStore(t *testing.T, opts ...Option) *Store[int, int] {
	t.Helper()
	s, err := New(testMin, testMax, 0, opts...)
	require.NoError(t, err)
	return s
}

func collect(seq iter.Seq[fst.Segment[int, int]]) []fst.Segment[int, int] { return slices.Collect(seq) }

func seg(start, end, v int) fst.Segment[int, int] {
	return fst.Segment[int, int]{Start: start, End: end, Value: v}
}

// within runs f and fails the test if it does not return within d, which
// in these tests means a writer was left holding the lock.
func within(t *testing.T, d time.Duration, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("%s did not return within %v", what, d)
	}
}

func TestNew(t *testing.T) {
	t.Parallel()
	s, err := New(0, 100, "x")
	require.NoError(t, err)
	sn := s.Snapshot()
	assert.Equal(t, uint64(0), sn.Version())
	assert.Equal(t, 0, sn.MinKey())
	assert.Equal(t, 100, sn.MaxKey())
	assert.Equal(t, "x", sn.DefaultValue())
	assert.Equal(t, []fst.Segment[int, string]{{Start: 0, End: 100, Value: "x"}}, slices.Collect(sn.Segments()))
	at, ok := s.At(0)
	assert.True(t, ok)
	assert.Same(t, sn, at)
}

func TestNew_Errors(t *testing.T) {
	t.Parallel()
	_, err := New(5, 5, 0)
	assert.ErrorIs(t, err, fst.ErrInvalidRange)
	_, err = New(9, 5, 0)
	assert.ErrorIs(t, err, fst.ErrInvalidRange)
	_, err = New(math.NaN(), 5, 0)
	assert.ErrorIs(t, err, fst.ErrNaN)
	_, err = New(0, 5, 0, WithRetain(0))
	assert.ErrorIs(t, err, ErrInvalidOption)
}

func TestNewFrom(t *testing.T) {
	t.Parallel()
	tree, err := fst.Build(0, 100, 0, []fst.Segment[int, int]{seg(10, 20, 1), seg(30, 40, 2)})
	require.NoError(t, err)
	s, err := NewFrom(tree)
	require.NoError(t, err)
	want := []fst.Segment[int, int]{seg(0, 10, 0), seg(10, 20, 1), seg(20, 30, 0), seg(30, 40, 2), seg(40, 100, 0)}
	assert.Equal(t, want, collect(s.Snapshot().Segments()))

	// The caller's tree stays usable and its writes do not reach the store.
	_, err = tree.Insert(0, 100, 7)
	require.NoError(t, err)
	assert.Equal(t, []fst.Segment[int, int]{seg(0, 100, 7)}, collect(tree.Segments()))
	assert.Equal(t, want, collect(s.Snapshot().Segments()))

	_, err = NewFrom(tree, WithRetain(-1))
	assert.ErrorIs(t, err, ErrInvalidOption)
}

func TestStore_Snapshot_Allocs(t *testing.T) {
	s := newTestStore(t)
	require.NoError(t, s.Update(func(tx *Txn[int, int]) error {
		for i := range 100 {
			if _, err := tx.Insert(i*10, i*10+5, i%3+1); err != nil {
				return err
			}
		}
		return nil
	}))
	var sn *Snapshot[int, int]
	assert.Zero(t, testing.AllocsPerRun(1000, func() { sn = s.Snapshot() }), "Snapshot")
	var found bool
	assert.Zero(t, testing.AllocsPerRun(1000, func() { _, found = sn.Search(512) }), "Snapshot.Search")
	assert.True(t, found)
	assert.Zero(t, testing.AllocsPerRun(1000, func() { _, found = s.At(1) }), "Store.At")
	assert.True(t, found)
}

func TestTxn_SeesOwnWritesReadersDoNot(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	before := s.Snapshot()
	tx := s.Begin()
	defer tx.Rollback()

	changed, err := tx.Insert(10, 20, 5)
	require.NoError(t, err)
	assert.True(t, changed)
	got, ok := tx.Search(15)
	assert.True(t, ok)
	assert.Equal(t, seg(10, 20, 5), got)
	got, _ = s.Snapshot().Search(15)
	assert.Equal(t, seg(testMin, testMax, 0), got, "readers see the transaction before it commits")

	sn, err := tx.Commit()
	require.NoError(t, err)
	assert.Equal(t, uint64(1), sn.Version())
	assert.Same(t, sn, s.Snapshot())
	got, _ = sn.Search(15)
	assert.Equal(t, seg(10, 20, 5), got)
	assert.Equal(t, []fst.Segment[int, int]{seg(testMin, testMax, 0)}, collect(before.Segments()), "old snapshot changed")
	select {
	case <-before.Stale():
	default:
		t.Error("the Stale channel of the previous head is not closed")
	}
}

func TestTxn_Finished(t *testing.T) {
	for _, end := range []string{"commit", "rollback", "empty commit"} {
		t.Run(end, func(t *testing.T) {
			s := newTestStore(t)
			tx := s.Begin()
			if end != "empty commit" {
				_, err := tx.Insert(1, 2, 3)
				require.NoError(t, err)
			}
			if end == "rollback" {
				tx.Rollback()
			} else {
				_, err := tx.Commit()
				require.NoError(t, err)
			}
			head := s.Snapshot()

			_, err := tx.Insert(5, 6, 1)
			assert.ErrorIs(t, err, ErrTxDone)
			assert.ErrorIs(t, tx.ShiftLeft(5, 6), ErrTxDone)
			assert.ErrorIs(t, tx.ShiftRight(5, 6, false), ErrTxDone)
			got, ok := tx.Search(5)
			assert.False(t, ok)
			assert.Zero(t, got)
			sn, err := tx.Commit()
			assert.ErrorIs(t, err, ErrTxDone)
			assert.Nil(t, sn)
			tx.Rollback()
			tx.Rollback()
			assert.Same(t, head, s.Snapshot(), "a finished transaction changed the store")

			// The writer lock was released exactly once.
			within(t, time.Second, "Begin", func() { s.Begin().Rollback() })
		})
	}
}

func TestStore_BeginWaitsForWriter(t *testing.T) {
	s := newTestStore(t)
	tx := s.Begin()
	began := make(chan *Txn[int, int])
	go func() { began <- s.Begin() }()
	select {
	case <-began:
		t.Fatal("a second Begin returned while the first transaction was open")
	case <-time.After(50 * time.Millisecond):
	}
	_, err := tx.Insert(0, 10, 1)
	require.NoError(t, err)
	_, err = tx.Commit()
	require.NoError(t, err)
	select {
	case tx2 := <-began:
		got, _ := tx2.Search(5)
		assert.Equal(t, seg(0, 10, 1), got, "the second transaction starts from the first one's commit")
		tx2.Rollback()
	case <-time.After(time.Second):
		t.Fatal("Begin did not return after the previous transaction committed")
	}
}

func TestTxn_InvalidInput(t *testing.T) {
	t.Parallel()
	nan := math.NaN()
	floatTests := []struct {
		name string
		op   func(tx *Txn[float64, int]) error
		want error
	}{
		{"Insert NaN start", func(tx *Txn[float64, int]) error { _, err := tx.Insert(nan, 5, 1); return err }, fst.ErrNaN},
		{"Insert NaN end", func(tx *Txn[float64, int]) error { _, err := tx.Insert(1, nan, 1); return err }, fst.ErrNaN},
		{"ShiftLeft NaN", func(tx *Txn[float64, int]) error { return tx.ShiftLeft(nan, 5) }, fst.ErrNaN},
		{"ShiftRight NaN size", func(tx *Txn[float64, int]) error { return tx.ShiftRight(1, nan, false) }, fst.ErrNaN},
	}
	for _, tc := range floatTests {
		t.Run(tc.name, func(t *testing.T) {
			floats, err := New(0.0, 100.0, 0)
			require.NoError(t, err)
			checkInvalid(t, floats, tc.op, tc.want)
		})
	}

	intTests := []struct {
		name string
		op   func(tx *Txn[int, int]) error
		want error
	}{
		{"Insert empty", func(tx *Txn[int, int]) error { _, err := tx.Insert(5, 5, 1); return err }, fst.ErrInvalidRange},
		{"Insert reversed", func(tx *Txn[int, int]) error { _, err := tx.Insert(6, 5, 1); return err }, fst.ErrInvalidRange},
		{"Insert beyond max", func(tx *Txn[int, int]) error { _, err := tx.Insert(testMax, testMax+5, 1); return err }, fst.ErrOutOfSpan},
		{"Insert below min", func(tx *Txn[int, int]) error { _, err := tx.Insert(testMin-9, testMin-5, 1); return err }, fst.ErrOutOfSpan},
		{"ShiftLeft empty", func(tx *Txn[int, int]) error { return tx.ShiftLeft(5, 5) }, fst.ErrInvalidRange},
		{"ShiftLeft reversed", func(tx *Txn[int, int]) error { return tx.ShiftLeft(6, 5) }, fst.ErrInvalidRange},
		{"ShiftRight zero", func(tx *Txn[int, int]) error { return tx.ShiftRight(5, 0, false) }, fst.ErrInvalidShift},
		{"ShiftRight negative", func(tx *Txn[int, int]) error { return tx.ShiftRight(5, -1, false) }, fst.ErrInvalidShift},
		{"ShiftRight beyond max", func(tx *Txn[int, int]) error { return tx.ShiftRight(testMax+1, 1, false) }, fst.ErrOutOfSpan},
	}
	for _, tc := range intTests {
		t.Run(tc.name, func(t *testing.T) {
			checkInvalid(t, newTestStore(t), tc.op, tc.want)
		})
	}
}

// checkInvalid runs op, which must fail with want, between two valid writes
// in one transaction, and checks that it changed nothing and left the
// transaction usable.
func checkInvalid[K fst.Key](t *testing.T, s *Store[K, int], op func(tx *Txn[K, int]) error, want error) {
	t.Helper()
	head := s.Snapshot()
	tx := s.Begin()
	defer tx.Rollback()
	_, err := tx.Insert(10, 20, 1)
	require.NoError(t, err)
	before := slices.Collect(tx.tree.Segments())

	err = op(tx)
	require.ErrorIs(t, err, want)
	assert.Equal(t, before, slices.Collect(tx.tree.Segments()), "a failed write changed the transaction")

	_, err = tx.Insert(30, 40, 2)
	require.NoError(t, err, "the transaction is no longer usable")
	sn, err := tx.Commit()
	require.NoError(t, err)
	assert.Equal(t, head.Version()+1, sn.Version())
	got, _ := sn.Search(35)
	assert.Equal(t, 2, got.Value)

	// Failed writes alone publish nothing.
	head = s.Snapshot()
	tx = s.Begin()
	require.ErrorIs(t, op(tx), want)
	sn, err = tx.Commit()
	require.NoError(t, err)
	assert.Same(t, head, sn)
}

// TestTxn_CommitWithChange: a transaction whose writes leave a change
// publishes the next version, whichever of its writes reported a change.
func TestTxn_CommitWithChange(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		fn   func(tx *Txn[int, int]) error
		want []fst.Segment[int, int]
	}{
		{"one insert", func(tx *Txn[int, int]) error {
			_, err := tx.Insert(300, 400, 2)
			return err
		}, []fst.Segment[int, int]{seg(testMin, 100, 0), seg(100, 200, 1), seg(200, 300, 0), seg(300, 400, 2), seg(400, testMax, 0)}},
		{"a change then a write that changes nothing", func(tx *Txn[int, int]) error {
			if _, err := tx.Insert(300, 400, 2); err != nil {
				return err
			}
			_, err := tx.Insert(100, 200, 1)
			return err
		}, []fst.Segment[int, int]{seg(testMin, 100, 0), seg(100, 200, 1), seg(200, 300, 0), seg(300, 400, 2), seg(400, testMax, 0)}},
		{"a write that changes nothing then a change", func(tx *Txn[int, int]) error {
			if _, err := tx.Insert(100, 200, 1); err != nil {
				return err
			}
			_, err := tx.Insert(300, 400, 2)
			return err
		}, []fst.Segment[int, int]{seg(testMin, 100, 0), seg(100, 200, 1), seg(200, 300, 0), seg(300, 400, 2), seg(400, testMax, 0)}},
		{"two changes", func(tx *Txn[int, int]) error {
			if _, err := tx.Insert(300, 400, 2); err != nil {
				return err
			}
			_, err := tx.Insert(100, 200, 0)
			return err
		}, []fst.Segment[int, int]{seg(testMin, 300, 0), seg(300, 400, 2), seg(400, testMax, 0)}},
		{"one shift", func(tx *Txn[int, int]) error {
			return tx.ShiftLeft(50, 60)
		}, []fst.Segment[int, int]{seg(testMin, 90, 0), seg(90, 190, 1), seg(190, testMax, 0)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestStore(t)
			require.NoError(t, s.Update(func(tx *Txn[int, int]) error {
				_, err := tx.Insert(100, 200, 1)
				return err
			}))
			head := s.Snapshot()
			tx := s.Begin()
			defer tx.Rollback()
			require.NoError(t, tc.fn(tx))
			sn, err := tx.Commit()
			require.NoError(t, err)
			assert.Equal(t, uint64(2), sn.Version())
			assert.Same(t, sn, s.Snapshot())
			assert.Equal(t, tc.want, collect(sn.All()))
			select {
			case <-head.Stale():
			default:
				t.Error("a commit that changed something did not wake the watchers")
			}
		})
	}
}

func TestTxn_CommitWithoutChange(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		fn   func(tx *Txn[int, int]) error
	}{
		{"no write", func(tx *Txn[int, int]) error { return nil }},
		{"same value", func(tx *Txn[int, int]) error {
			_, err := tx.Insert(100, 200, 1) // already 1
			return err
		}},
		{"undone", func(tx *Txn[int, int]) error {
			if _, err := tx.Insert(300, 400, 2); err != nil {
				return err
			}
			_, err := tx.Insert(300, 400, 0)
			return err
		}},
		{"shift of a uniform tail", func(tx *Txn[int, int]) error {
			return tx.ShiftLeft(500, 600) // [200, max) is 0: shifting it changes nothing
		}},
		{"failed write", func(tx *Txn[int, int]) error {
			if _, err := tx.Insert(5, 1, 1); !errors.Is(err, fst.ErrInvalidRange) {
				return fmt.Errorf("got %v", err)
			}
			return nil
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestStore(t, WithRetain(4))
			require.NoError(t, s.Update(func(tx *Txn[int, int]) error {
				_, err := tx.Insert(100, 200, 1)
				return err
			}))
			head := s.Snapshot()
			tx := s.Begin()
			defer tx.Rollback()
			require.NoError(t, tc.fn(tx))
			sn, err := tx.Commit()
			require.NoError(t, err)
			assert.Same(t, head, sn)
			assert.Same(t, head, s.Snapshot())
			assert.Equal(t, uint64(1), sn.Version())
			_, ok := s.At(2)
			assert.False(t, ok)
			select {
			case <-head.Stale():
				t.Error("a commit that changed nothing woke the watchers")
			default:
			}
		})
	}
}

func TestStore_Update(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	require.NoError(t, s.Update(func(tx *Txn[int, int]) error {
		if _, err := tx.Insert(0, 10, 1); err != nil {
			return err
		}
		_, err := tx.Insert(20, 30, 2)
		return err
	}))
	assert.Equal(t, uint64(1), s.Snapshot().Version())
	assert.Equal(t, []fst.Segment[int, int]{seg(0, 10, 1), seg(10, 20, 0), seg(20, 30, 2), seg(30, testMax, 0)},
		collect(s.Snapshot().Segments()))
}

func TestStore_Update_Error(t *testing.T) {
	s := newTestStore(t)
	head := s.Snapshot()
	errStop := errors.New("stop")
	err := s.Update(func(tx *Txn[int, int]) error {
		if _, err := tx.Insert(0, 10, 1); err != nil {
			return err
		}
		return fmt.Errorf("wrapped: %w", errStop)
	})
	assert.ErrorIs(t, err, errStop)
	assert.Same(t, head, s.Snapshot(), "a failed Update committed")

	// An fst error returned by fn rolls back too, and stays testable.
	err = s.Update(func(tx *Txn[int, int]) error {
		if _, err := tx.Insert(0, 10, 1); err != nil {
			return err
		}
		_, err := tx.Insert(10, 5, 1)
		return err
	})
	assert.ErrorIs(t, err, fst.ErrInvalidRange)
	assert.Same(t, head, s.Snapshot(), "a failed Update committed")
	within(t, time.Second, "Begin", func() { s.Begin().Rollback() })
}

func TestStore_Update_Panic(t *testing.T) {
	s := newTestStore(t)
	head := s.Snapshot()
	assert.PanicsWithValue(t, "boom", func() {
		_ = s.Update(func(tx *Txn[int, int]) error {
			if _, err := tx.Insert(0, 10, 1); err != nil {
				return err
			}
			panic("boom")
		})
	})
	assert.Same(t, head, s.Snapshot(), "a panicking Update committed")
	within(t, time.Second, "Update", func() {
		assert.NoError(t, s.Update(func(tx *Txn[int, int]) error {
			_, err := tx.Insert(0, 10, 1)
			return err
		}))
	})
	assert.Equal(t, uint64(1), s.Snapshot().Version())
}

func TestStore_Update_FinishedByFn(t *testing.T) {
	s := newTestStore(t)
	err := s.Update(func(tx *Txn[int, int]) error {
		tx.Rollback()
		return nil
	})
	assert.ErrorIs(t, err, ErrTxDone)
	assert.Equal(t, uint64(0), s.Snapshot().Version())
	within(t, time.Second, "Begin", func() { s.Begin().Rollback() })
}

func TestStore_At(t *testing.T) {
	t.Parallel()
	const retain = 3
	s := newTestStore(t, WithRetain(retain))
	snaps := []*Snapshot[int, int]{s.Snapshot()}
	for i := 1; i <= 6; i++ {
		require.NoError(t, s.Update(func(tx *Txn[int, int]) error {
			_, err := tx.Insert(i, i+1, i)
			return err
		}))
		snaps = append(snaps, s.Snapshot())
		for v, want := range snaps {
			got, ok := s.At(uint64(v))
			if v > i-retain {
				assert.True(t, ok, "At(%d) after v%d", v, i)
				assert.Same(t, want, got, "At(%d) after v%d", v, i)
			} else {
				assert.False(t, ok, "At(%d) after v%d", v, i)
				assert.Nil(t, got)
			}
		}
		_, ok := s.At(uint64(i + 1))
		assert.False(t, ok, "At of a future version")
	}
	// Versions dropped from the history are still valid snapshots.
	for v, sn := range snaps {
		got, _ := sn.Search(v)
		assert.Equal(t, v, got.Value, "v%d", v)
	}
}

func TestSnapshot_Tree(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	require.NoError(t, s.Update(func(tx *Txn[int, int]) error {
		_, err := tx.Insert(10, 20, 1)
		return err
	}))
	sn := s.Snapshot()
	want := collect(sn.Segments())
	fork := sn.Tree()
	fork2 := sn.Tree()
	_, err := fork.Insert(0, 15, 2)
	require.NoError(t, err)
	require.NoError(t, fork.ShiftRight(0, 5, false))
	assert.Equal(t, want, collect(sn.Segments()), "writing a fork changed its snapshot")
	assert.Equal(t, want, collect(fork2.Segments()), "writing a fork changed another fork")
	assert.Same(t, sn, s.Snapshot())
	got, _ := fork.Search(7)
	assert.Equal(t, 2, got.Value)
}

func TestSnapshot_IteratorOutlivesCommits(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	require.NoError(t, s.Update(func(tx *Txn[int, int]) error {
		for i := range 50 {
			if _, err := tx.Insert(i*20, i*20+10, i%2+1); err != nil {
				return err
			}
		}
		return nil
	}))
	sn := s.Snapshot()
	want := collect(sn.Segments())
	var got []fst.Segment[int, int]
	for sg := range sn.Segments() {
		got = append(got, sg)
		if len(got)%10 == 0 { // commit in the middle of the iteration
			require.NoError(t, s.Update(func(tx *Txn[int, int]) error {
				if err := tx.ShiftRight(0, 3, false); err != nil {
					return err
				}
				_, err := tx.Insert(sg.Start, sg.End+30, 7)
				return err
			}))
		}
	}
	assert.Equal(t, want, got)
	assert.Greater(t, s.Snapshot().Version(), sn.Version()+5)
}

func TestDiff(t *testing.T) {
	t.Parallel()
	s := newTestStore(t, WithRetain(10))
	v0 := s.Snapshot()
	assert.Empty(t, slices.Collect(Diff(v0, v0)))
	require.NoError(t, s.Update(func(tx *Txn[int, int]) error {
		if _, err := tx.Insert(10, 20, 1); err != nil {
			return err
		}
		_, err := tx.Insert(20, 30, 2)
		return err
	}))
	v1 := s.Snapshot()
	want := []fst.Change[int, int]{{Start: 10, End: 20, Old: 0, New: 1}, {Start: 20, End: 30, Old: 0, New: 2}}
	assert.Equal(t, want, slices.Collect(Diff(v0, v1)))
	assert.Equal(t, []fst.Change[int, int]{{Start: 10, End: 20, Old: 1, New: 0}, {Start: 20, End: 30, Old: 2, New: 0}},
		slices.Collect(Diff(v1, v0)))
}

// TestStore_Model applies random transactions both to a store and to a
// plain fst.Tree, one seeded subtest per seed, and after each commit checks
// the head against the model, Diff against a dense reference, and every
// snapshot taken so far against its contents when it was taken.
func TestStore_Model(t *testing.T) {
	t.Parallel()
	seed := baseSeed(t)
	for i := range uint64(8) {
		seed := seed + i
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, 0))
			s := newTestStore(t, WithRetain(5))
			model, err := fst.New(testMin, testMax, 0)
			require.NoError(t, err)
			type taken struct {
				sn   *Snapshot[int, int]
				segs []fst.Segment[int, int]
			}
			history := []taken{{s.Snapshot(), collect(s.Snapshot().Segments())}}
			for range 60 {
				prev := s.Snapshot()
				ops := make([]op, 1+r.IntN(5))
				for i := range ops {
					ops[i] = randomOp(r)
				}
				rollback := r.IntN(4) == 0
				tx := s.Begin()
				fork := prev.Tree()
				for _, o := range ops {
					errTx, errModel := o.apply(tx), o.apply(fork)
					require.Equal(t, sentinel(errModel), sentinel(errTx), "%v", o)
					if errTx != nil {
						require.NotNil(t, sentinel(errTx), "%v: unexpected error %v", o, errTx)
					}
					require.Equal(t, collect(fork.Segments()), collect(tx.tree.Segments()), "after %v", o)
				}
				if rollback {
					tx.Rollback()
					require.Same(t, prev, s.Snapshot())
					continue
				}
				sn, err := tx.Commit()
				require.NoError(t, err)
				replay(t, model, ops)
				require.Equal(t, collect(model.Segments()), collect(sn.Segments()), "ops %v", ops)
				require.NoError(t, checkSnapshot(sn, r))
				if model.Equal(prev.Tree()) {
					require.Same(t, prev, sn, "a commit that changed nothing published v%d", sn.Version())
				} else {
					require.Equal(t, prev.Version()+1, sn.Version())
					history = append(history, taken{sn, collect(sn.Segments())})
				}
				require.Equal(t, denseDiff(dense(prev.Segments()), dense(sn.Segments())), slices.Collect(Diff(prev, sn)))
				old := history[r.IntN(len(history))]
				require.Equal(t, denseDiff(dense(old.sn.Segments()), dense(sn.Segments())), slices.Collect(Diff(old.sn, sn)),
					"Diff(v%d, v%d)", old.sn.Version(), sn.Version())
				for _, h := range history {
					require.Equal(t, h.segs, collect(h.sn.Segments()), "v%d changed", h.sn.Version())
				}
			}
		})
	}
}

// TestTxn_CopiesOnce checks that a transaction copies a node at most once:
// fifty writes to one segment allocate no more than the first one does.
func TestTxn_CopiesOnce(t *testing.T) {
	segs := make([]fst.Segment[int, int], 10_000)
	for i := range segs {
		segs[i] = seg(i*10, i*10+10, 1+i%2)
	}
	tree, err := fst.Build(0, len(segs)*10, 0, segs)
	require.NoError(t, err)
	s, err := NewFrom(tree)
	require.NoError(t, err)
	writes := func(n int) func() {
		return func() {
			tx := s.Begin()
			defer tx.Rollback()
			for i := range n {
				if _, err := tx.Insert(5000, 5010, 3+i%2); err != nil {
					panic(err)
				}
			}
		}
	}
	one := testing.AllocsPerRun(20, writes(1))
	fifty := testing.AllocsPerRun(20, writes(50))
	t.Logf("allocations per transaction: %v for 1 write, %v for 50", one, fifty)
	assert.Equal(t, one, fifty, "allocations for 1 and 50 writes to one segment")
	assert.LessOrEqual(t, one, 12.0, "allocations for 1 write (Txn, fork, one path)")
}

// TestStore_Update_CommittedByFn pins what Update returns when fn commits
// the transaction itself: nil, because the commit stands, so a caller that
// retries on error does not apply the change twice (issue 8).
func TestStore_Update_CommittedByFn(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	calls := 0
	update := func() error {
		return s.Update(func(tx *Txn[int, int]) error {
			calls++
			if _, err := tx.Insert(0, 10, calls); err != nil {
				return err
			}
			_, err := tx.Commit()
			return err
		})
	}
	for attempt := 0; attempt < 3; attempt++ { // retry on error, as callers do
		if err := update(); err == nil {
			break
		}
	}
	assert.Equal(t, 1, calls, "a commit made inside fn was reported as a failure")
	assert.Equal(t, uint64(1), s.Snapshot().Version())
	seg, _ := s.Snapshot().Search(5)
	assert.Equal(t, 1, seg.Value)
	within(t, time.Second, "Begin", func() { s.Begin().Rollback() })
}

// TestStore_WaitRange_ForeignSnapshot: a snapshot of another store, or nil,
// is an error at once instead of a wait that never ends.
func TestStore_WaitRange_ForeignSnapshot(t *testing.T) {
	t.Parallel()
	a, b := newTestStore(t), newTestStore(t)
	within(t, time.Second, "WaitRange", func() {
		_, err := a.WaitRange(context.Background(), b.Snapshot(), 0, 10)
		assert.ErrorIs(t, err, ErrForeignSnapshot)
		_, err = a.WaitRange(context.Background(), nil, 0, 10)
		assert.ErrorIs(t, err, ErrForeignSnapshot)
	})
}

// TestNew_NilOption: a nil Option is an error, not a panic.
func TestNew_NilOption(t *testing.T) {
	t.Parallel()
	_, err := New(0, 10, 0, nil)
	assert.ErrorIs(t, err, ErrInvalidOption)
	tr, err := fst.New(0, 10, 0)
	require.NoError(t, err)
	_, err = NewFrom(tr, WithRetain(2), nil)
	assert.ErrorIs(t, err, ErrInvalidOption)
}

// TestTxn_Reads: a transaction reads its own writes through the read
// methods a snapshot has; readers of the store see none of them until
// Commit, and a finished transaction reads as the empty span.
func TestTxn_Reads(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	tx := s.Begin()
	defer tx.Rollback()
	_, err := tx.Insert(10, 20, 1)
	require.NoError(t, err)
	_, err = tx.Insert(30, 40, 2)
	require.NoError(t, err)

	want := []fst.Segment[int, int]{{Start: 0, End: 10}, {Start: 10, End: 20, Value: 1}, {Start: 20, End: 30}, {Start: 30, End: 40, Value: 2}, {Start: 40, End: testMax}}
	assert.Equal(t, want, slices.Collect(tx.Segments()))
	assert.Equal(t, want, slices.Collect(tx.All()))
	back := slices.Collect(tx.Backward())
	slices.Reverse(back)
	assert.Equal(t, want, back)
	assert.Equal(t, want[1:4], slices.Collect(tx.Overlapping(15, 35)))
	assert.Equal(t, 5, tx.Len())
	assert.Equal(t, 6, tx.LeafSize())
	assert.Equal(t, testMin, tx.MinKey())
	assert.Equal(t, testMax, tx.MaxKey())
	assert.Equal(t, 0, tx.DefaultValue())
	seg, ok := tx.Search(35)
	assert.True(t, ok)
	assert.Equal(t, fst.Segment[int, int]{Start: 30, End: 40, Value: 2}, seg)
	assert.Equal(t, 1, s.Snapshot().Len(), "readers see nothing before Commit")

	sn, err := tx.Commit()
	require.NoError(t, err)
	assert.Equal(t, want, slices.Collect(sn.Segments()))
	_, ok = tx.Search(35)
	assert.False(t, ok, "a finished transaction maps no key")
	assert.Empty(t, slices.Collect(tx.Segments()))
	assert.Zero(t, tx.Len())
}

// TestNewFunc_SliceValues: a store of values that are not comparable.
// Equality by content decides merging and whether a commit changed
// anything.
func TestNewFunc_SliceValues(t *testing.T) {
	t.Parallel()
	s, err := NewFunc(0, 100, []string(nil), slices.Equal[[]string])
	require.NoError(t, err)
	insert := func(start, end int, v ...string) *Snapshot[int, []string] {
		var sn *Snapshot[int, []string]
		require.NoError(t, s.Update(func(tx *Txn[int, []string]) error {
			_, err := tx.Insert(start, end, v)
			return err
		}))
		sn = s.Snapshot()
		return sn
	}
	v1 := insert(10, 20, "alice", "bob")
	assert.Equal(t, uint64(1), v1.Version())
	v2 := insert(20, 30, "alice", "bob") // merges with [10, 20)
	assert.Equal(t, uint64(2), v2.Version())
	assert.Equal(t, 3, v2.Len())
	v3 := insert(12, 28, "alice", "bob") // equal content: no new version
	assert.Same(t, v2, v3)
	seg, _ := v3.Search(25)
	assert.Equal(t, fst.Segment[int, []string]{Start: 10, End: 30, Value: []string{"alice", "bob"}}, seg)
	changes := slices.Collect(Diff(v1, v2))
	assert.Equal(t, []fst.Change[int, []string]{{Start: 20, End: 30, Old: nil, New: []string{"alice", "bob"}}}, changes)
	_, err = NewFunc[int, []string](0, 1, nil, nil)
	assert.ErrorIs(t, err, fst.ErrNilEqual)
}

// TestStore_UpdateAt: versions that follow an outside sequence stay
// increasing, retention counts versions (not version numbers), a version
// given is published even when nothing changed, and versions never wrap.
func TestStore_UpdateAt(t *testing.T) {
	t.Parallel()
	s := newTestStore(t, WithRetain(3))
	updateAt := func(v uint64, start int) (*Snapshot[int, int], error) {
		return s.UpdateAt(v, func(tx *Txn[int, int]) error {
			_, err := tx.Insert(start, start+1, 7)
			return err
		})
	}
	sn, err := updateAt(10, 1)
	require.NoError(t, err)
	assert.Equal(t, uint64(10), sn.Version())
	ran := false
	_, err = s.UpdateAt(10, func(*Txn[int, int]) error { ran = true; return nil })
	require.ErrorIs(t, err, ErrVersion)
	assert.False(t, ran, "fn does not run for a version not above the head's")
	_, err = updateAt(5, 2)
	require.ErrorIs(t, err, ErrVersion)
	for i, v := range []uint64{25, 26, 40} {
		sn, err = updateAt(v, 3+i)
		require.NoError(t, err)
		assert.Equal(t, v, sn.Version())
	}
	for v, want := range map[uint64]bool{0: false, 10: false, 25: true, 26: true, 40: true} {
		_, ok := s.At(v)
		assert.Equal(t, want, ok, "At(%d)", v)
	}
	held := s.Snapshot()
	woke := make(chan *Snapshot[int, int], 1)
	go func() {
		sn, err := s.Wait(context.Background(), held.Version())
		assert.NoError(t, err)
		woke <- sn
	}()
	sn, err = updateAt(50, 3) // [3, 4) already holds 7
	require.NoError(t, err)
	assert.Equal(t, uint64(50), sn.Version(), "the version given, though nothing changed")
	assert.Same(t, sn, s.Snapshot(), "published as the head")
	assert.Empty(t, slices.Collect(Diff(held, sn)), "with the head's contents")
	assert.Equal(t, uint64(50), (<-woke).Version(), "Wait wakes on it")
	at, ok := s.At(40)
	assert.True(t, ok && at == held, "the version before it is retained as any other")
	_, err = s.UpdateAt(51, func(*Txn[int, int]) error { return errors.New("no") })
	require.Error(t, err)
	assert.Same(t, sn, s.Snapshot(), "an fn that fails publishes nothing")
	require.NoError(t, s.Update(func(tx *Txn[int, int]) error {
		_, err := tx.Insert(900, 901, 1)
		return err
	}))
	assert.Equal(t, uint64(51), s.Snapshot().Version(), "Commit continues from the head")

	// fn must not end UpdateAt's transaction.
	_, err = s.UpdateAt(60, func(tx *Txn[int, int]) error {
		_, _ = tx.Insert(700, 701, 2)
		_, err := tx.Commit()
		return err
	})
	require.ErrorIs(t, err, ErrTxDone)
	assert.Equal(t, uint64(52), s.Snapshot().Version(), "fn's own commit stands, at the next version")

	// The last version there is: a further commit fails and changes nothing.
	sn, err = updateAt(math.MaxUint64, 8)
	require.NoError(t, err)
	assert.Equal(t, uint64(math.MaxUint64), sn.Version())
	err = s.Update(func(tx *Txn[int, int]) error {
		_, err := tx.Insert(9, 10, 7)
		return err
	})
	require.ErrorIs(t, err, ErrVersion)
	assert.Same(t, sn, s.Snapshot(), "nothing published")
	head, ok := s.At(0)
	assert.False(t, ok, "At(0) is not the head: versions did not wrap (got %v)", head)
	require.NoError(t, s.Update(func(tx *Txn[int, int]) error {
		_, err := tx.Insert(8, 9, 7) // no change: no version needed
		return err
	}))
	_, err = s.Apply(new(fst.Batch[int, int]))
	require.NoError(t, err, "an empty batch changes nothing")
}

// TestStore_Record: the writes of a committed transaction are appended to
// the batch, in order; replayed on the version the transaction started
// from they give the version it committed. A transaction that fails or
// panics leaves the batch as it was.
func TestStore_Record(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	var b fst.Batch[int, int]
	b.Insert(990, 991, 5) // recorded earlier: kept
	start := s.Snapshot()
	built, err := fst.Build(testMin, testMax, 0, []fst.Segment[int, int]{{Start: 100, End: 200, Value: 42}, {Start: 300, End: 310, Value: 1}})
	require.NoError(t, err)
	require.NoError(t, s.Record(&b, func(tx *Txn[int, int]) error {
		if _, err := tx.Insert(10, 20, 3); err != nil {
			return err
		}
		if _, err := tx.Insert(5, 4, 1); err == nil { // fails: not recorded
			return errors.New("an invalid range was accepted")
		}
		if err := tx.Load(built); err != nil { // recorded as the inserts that make the difference
			return err
		}
		return tx.ShiftRight(0, 5, false)
	}))
	committed := s.Snapshot()
	require.Equal(t, uint64(1), committed.Version())
	ops := slices.Collect(func(yield func(fst.Op[int, int]) bool) {
		for _, op := range b.All() {
			if !yield(op) {
				return
			}
		}
	})
	require.NotEmpty(t, ops)
	assert.Equal(t, fst.Op[int, int]{Kind: fst.OpInsert, Start: 990, End: 991, Value: 5}, ops[0], "earlier writes kept")
	assert.Equal(t, fst.Op[int, int]{Kind: fst.OpInsert, Start: 10, End: 20, Value: 3}, ops[1])
	assert.Equal(t, fst.OpShiftRight, ops[len(ops)-1].Kind)
	var replay fst.Batch[int, int]
	for _, op := range ops[1:] {
		appendOp(&replay, op)
	}
	got := start.Tree()
	require.NoError(t, replay.Apply(got))
	assert.True(t, got.Equal(committed.tree), "the record replays to the committed version")

	before := b.Len()
	boom := errors.New("boom")
	require.ErrorIs(t, s.Record(&b, func(tx *Txn[int, int]) error {
		_, _ = tx.Insert(1, 2, 3)
		return boom
	}), boom)
	assert.Panics(t, func() {
		_ = s.Record(&b, func(tx *Txn[int, int]) error {
			_, _ = tx.Insert(1, 2, 3)
			panic("in fn")
		})
	})
	assert.Equal(t, before, b.Len(), "a failed transaction records nothing")
	require.ErrorIs(t, s.Record(nil, func(*Txn[int, int]) error { return nil }), ErrInvalidOption)
}

// TestTxn_LoadKeepsEquality: a tree built apart, with another equality,
// is loaded under the store's: neighbours the store's equality finds
// equal merge, and the store keeps comparing with its own function.
func TestTxn_LoadKeepsEquality(t *testing.T) {
	t.Parallel()
	sameParity := func(a, b int) bool { return a%2 == b%2 }
	s, err := NewFunc(testMin, testMax, 0, sameParity)
	require.NoError(t, err)
	built, err := fst.Build(testMin, testMax, 0, []fst.Segment[int, int]{{Start: 10, End: 20, Value: 1}, {Start: 20, End: 30, Value: 3}, {Start: 30, End: 40, Value: 2}})
	require.NoError(t, err)
	require.Equal(t, 5, built.Len())
	require.NoError(t, s.Update(func(tx *Txn[int, int]) error { return tx.Load(built) }))
	sn := s.Snapshot()
	require.NoError(t, sn.tree.Verify())
	assert.Equal(t, 3, sn.Len(), "under the store's equality 1 and 3 merge, and so do 2 and the 0 after it")
	require.NoError(t, s.Update(func(tx *Txn[int, int]) error {
		changed, err := tx.Insert(10, 30, 5) // odd over odd: no change under the store's equality
		assert.False(t, changed)
		return err
	}))
	assert.Equal(t, sn.Version(), s.Snapshot().Version())
	// A fork of the store's own version loads in O(1): it shares the nodes.
	fork := sn.Tree()
	_, err = fork.Insert(500, 510, 1)
	require.NoError(t, err)
	require.NoError(t, s.Update(func(tx *Txn[int, int]) error { return tx.Load(fork) }))
	assert.True(t, fork.SameOrigin(s.Snapshot().tree))
}

// TestTxn_Load publishes the contents of a separately built tree and wakes
// the watchers of the range it changes.
func TestTxn_Load(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	held := s.Snapshot()
	woke := make(chan *Snapshot[int, int], 1)
	go func() {
		sn, err := s.WaitRange(context.Background(), held, 100, 200)
		assert.NoError(t, err)
		woke <- sn
	}()
	built, err := fst.Build(testMin, testMax, 0, []fst.Segment[int, int]{{Start: 150, End: 160, Value: 3}})
	require.NoError(t, err)
	tx := s.Begin()
	require.NoError(t, tx.Load(built))
	seg, _ := tx.Search(155)
	assert.Equal(t, 3, seg.Value)
	sn, err := tx.Commit()
	require.NoError(t, err)
	assert.Equal(t, uint64(1), sn.Version())
	select {
	case got := <-woke:
		assert.Same(t, sn, got)
	case <-time.After(10 * time.Second):
		t.Fatal("WaitRange did not wake")
	}
	// The loaded tree stays usable and never changes the store.
	_, err = built.Insert(150, 160, 9)
	require.NoError(t, err)
	seg, _ = s.Snapshot().Search(155)
	assert.Equal(t, 3, seg.Value)

	other, err := fst.New(0, 10, 0)
	require.NoError(t, err)
	tx = s.Begin()
	defer tx.Rollback()
	require.ErrorIs(t, tx.Load(other), ErrIncompatible)
	require.ErrorIs(t, tx.Load(nil), ErrIncompatible)
}

// appendOp records op in b.
func appendOp[K fst.Key, V any](b *fst.Batch[K, V], op fst.Op[K, V]) {
	switch op.Kind {
	case fst.OpInsert:
		b.Insert(op.Start, op.End, op.Value)
	case fst.OpShiftLeft:
		b.ShiftLeft(op.Start, op.End)
	case fst.OpShiftRight:
		b.ShiftRight(op.Start, op.Size, op.SkipStartNode)
	}
}
