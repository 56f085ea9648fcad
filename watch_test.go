package flatseg

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flatseg/flatseg/fst"
)

func insert(t *testing.T, s *Store[int, int], start, end, v int) {
	t.Helper()
	require.NoError(t, s.Update(func(tx *Txn[int, int]) error {
		_, err := tx.Insert(start, end, v)
		return err
	}))
}

// waitResult is what a Wait or WaitRange running in a goroutine returned.
type waitResult struct {
	sn  *Snapshot[int, int]
	err error
}

func goWait(f func() (*Snapshot[int, int], error)) <-chan waitResult {
	ch := make(chan waitResult, 1)
	go func() {
		sn, err := f()
		ch <- waitResult{sn, err}
	}()
	return ch
}

// blocked checks that ch delivers nothing for a little while.
func blocked(t *testing.T, ch <-chan waitResult, why string) {
	t.Helper()
	select {
	case r := <-ch:
		t.Fatalf("%s: returned %v, %v", why, r.sn, r.err)
	case <-time.After(30 * time.Millisecond):
	}
}

func received(t *testing.T, ch <-chan waitResult) waitResult {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(5 * time.Second):
		t.Fatal("the waiter did not wake up")
		return waitResult{}
	}
}

func TestStore_Wait(t *testing.T) {
	s := newTestStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	woke := goWait(func() (*Snapshot[int, int], error) { return s.Wait(ctx, 0) })
	blocked(t, woke, "Wait with no new version")
	require.NoError(t, s.Update(func(tx *Txn[int, int]) error { return nil }))
	blocked(t, woke, "Wait after a commit that changed nothing")
	insert(t, s, 0, 10, 1)
	r := received(t, woke)
	require.NoError(t, r.err)
	assert.Equal(t, uint64(1), r.sn.Version())

	// A newer version is returned at once, even with a done context.
	done, cancelDone := context.WithCancel(context.Background())
	cancelDone()
	sn, err := s.Wait(done, 0)
	require.NoError(t, err)
	assert.Same(t, s.Snapshot(), sn)

	// Waiting for a version further ahead skips the ones in between.
	woke = goWait(func() (*Snapshot[int, int], error) { return s.Wait(ctx, 3) })
	insert(t, s, 0, 10, 2)
	insert(t, s, 0, 10, 3)
	blocked(t, woke, "Wait(3) at version 3")
	insert(t, s, 0, 10, 4)
	r = received(t, woke)
	require.NoError(t, r.err)
	assert.Equal(t, uint64(4), r.sn.Version())

	// Cancelling the context ends the wait.
	woke = goWait(func() (*Snapshot[int, int], error) { return s.Wait(ctx, 4) })
	blocked(t, woke, "Wait(4) at version 4")
	cancel()
	r = received(t, woke)
	assert.ErrorIs(t, r.err, context.Canceled)
	assert.Nil(t, r.sn)

	short, cancelShort := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancelShort()
	_, err = s.Wait(short, 4)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestStore_WaitRange(t *testing.T) {
	s := newTestStore(t, WithRetain(10))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	held := s.Snapshot()

	woke := goWait(func() (*Snapshot[int, int], error) { return s.WaitRange(ctx, held, 50, 60) })
	insert(t, s, 0, 10, 1)    // v1: before the range
	insert(t, s, 60, 70, 1)   // v2: touches its end
	insert(t, s, 40, 50, 1)   // v3: touches its start
	insert(t, s, 60, 70, 0)   // v4: undoes v2
	insert(t, s, 200, 300, 5) // v5: after the range
	blocked(t, woke, "WaitRange with changes outside the range only")
	insert(t, s, 59, 60, 2) // v6: the last key of the range
	r := received(t, woke)
	require.NoError(t, r.err)
	assert.Equal(t, uint64(6), r.sn.Version())

	// A change that is undone before the watcher looks is not reported.
	held = s.Snapshot()
	insert(t, s, 50, 55, 3) // v7
	insert(t, s, 50, 55, 0) // v8
	short, cancelShort := context.WithTimeout(ctx, 30*time.Millisecond)
	defer cancelShort()
	sn, err := s.WaitRange(short, held, 50, 60)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Nil(t, sn)

	// A change already made since held is reported at once.
	old, ok := s.At(2) // v3 changed [40, 50) since
	require.True(t, ok)
	sn, err = s.WaitRange(ctx, old, 0, 51)
	require.NoError(t, err)
	assert.Same(t, s.Snapshot(), sn)

	woke = goWait(func() (*Snapshot[int, int], error) { return s.WaitRange(ctx, s.Snapshot(), 90, 100) })
	blocked(t, woke, "WaitRange with no commit")
	cancel()
	r = received(t, woke)
	assert.ErrorIs(t, r.err, context.Canceled)
}

func TestStore_WaitRange_Errors(t *testing.T) {
	t.Parallel()
	ints := newTestStore(t)
	floats, err := New(0.0, 100.0, 0)
	require.NoError(t, err)
	ctx := context.Background()
	tests := []struct {
		name string
		call func() error
		want error
	}{
		{"empty", func() error { _, err := ints.WaitRange(ctx, ints.Snapshot(), 5, 5); return err }, fst.ErrInvalidRange},
		{"reversed", func() error { _, err := ints.WaitRange(ctx, ints.Snapshot(), 6, 5); return err }, fst.ErrInvalidRange},
		{"below min", func() error { _, err := ints.WaitRange(ctx, ints.Snapshot(), -10, 0); return err }, fst.ErrOutOfSpan},
		{"beyond max", func() error { _, err := ints.WaitRange(ctx, ints.Snapshot(), testMax, testMax+1); return err }, fst.ErrOutOfSpan},
		{"NaN start", func() error { _, err := floats.WaitRange(ctx, floats.Snapshot(), math.NaN(), 5); return err }, fst.ErrNaN},
		{"NaN end", func() error { _, err := floats.WaitRange(ctx, floats.Snapshot(), 1, math.NaN()); return err }, fst.ErrNaN},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.ErrorIs(t, tc.call(), tc.want)
		})
	}
}
