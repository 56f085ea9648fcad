package flatseg

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flatseg/flatseg/internal/testenv"
)

// randomRange returns a key range of the test span to watch: mostly short,
// sometimes one key, sometimes the whole span.
func randomRange(r *rand.Rand) (start, end int) {
	switch r.IntN(8) {
	case 0:
		return testMin, testMax
	case 1:
		k := testMin + r.IntN(testMax-testMin)
		return k, k + 1
	}
	start = testMin + r.IntN(testMax-testMin)
	return start, min(start+1+r.IntN(60), testMax)
}

// rangeDiffers reports whether a and b map some key of [start, end) to
// different values, by their dense contents.
func rangeDiffers(a, b *Snapshot[int, int], start, end int) bool {
	return !slices.Equal(dense(a.Segments())[start-testMin:end-testMin], dense(b.Segments())[start-testMin:end-testMin])
}

// commitRandom commits one transaction of one to three random writes
// (inserts, applies, shifts; the ones that fail are left out).
func commitRandom(t *testing.T, s *Store[int, int], r *rand.Rand) {
	t.Helper()
	tx := s.Begin()
	for range 1 + r.IntN(3) {
		_ = randomOp(r).apply(tx)
	}
	_, err := tx.Commit()
	require.NoError(t, err)
}

// TestStore_WaitRange_Model checks WaitRange against the dense contents of
// the versions, after every few commits of random writes (shifts among
// them), for watchers of random ranges. It calls WaitRange with a context
// that is already done, so that each call answers at once: it must return
// the head exactly when the head's range differs from the version the
// watcher last got (and then the watcher holds the head), and otherwise
// ctx's error. So every wake reports a change of the range, and every
// change that stands when the watcher looks is reported; changes undone
// before it looks (several commits run between looks) are not.
func TestStore_WaitRange_Model(t *testing.T) {
	t.Parallel()
	seed := baseSeed(t)
	for i := range uint64(testenv.Pick(t, 6, 60)) {
		seed := seed + i
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			t.Parallel()
			r := rand.New(rand.NewPCG(seed, 9))
			s := newTestStore(t)
			for range 100 { // a few hundred segments to start with
				commitRandom(t, s, r)
			}
			done, cancel := context.WithCancel(context.Background())
			cancel()
			type watcher struct {
				start, end int
				held       *Snapshot[int, int]
			}
			ws := make([]watcher, 8)
			for i := range ws {
				ws[i].start, ws[i].end = randomRange(r)
				ws[i].held = s.Snapshot()
			}
			wakes := 0
			for step := range 150 {
				for range 1 + r.IntN(3) {
					commitRandom(t, s, r)
				}
				head := s.Snapshot()
				for i := range ws {
					w := &ws[i]
					changed := rangeDiffers(w.held, head, w.start, w.end)
					sn, err := s.WaitRange(done, w.held, w.start, w.end)
					if changed {
						require.NoError(t, err, "step %d: [%d, %d) changed from v%d to v%d", step, w.start, w.end, w.held.Version(), head.Version())
						require.Same(t, head, sn, "step %d: [%d, %d)", step, w.start, w.end)
						w.held = sn
						wakes++
						continue
					}
					if sn != nil {
						t.Fatalf("step %d: [%d, %d) is as in v%d, but WaitRange returned v%d", step, w.start, w.end, w.held.Version(), sn.Version())
					}
					require.ErrorIs(t, err, context.Canceled)
				}
			}
			t.Logf("%d wakes for %d watchers over %d versions", wakes, len(ws), s.Snapshot().Version())
		})
	}
}

// TestStore_WaitRange_Wakes runs watchers of random ranges, each in its own
// goroutine calling WaitRange in a loop, while the test commits random
// writes. Every wake must report a version whose range differs from the
// one the watcher held; once the writes stop, every watcher must come to
// hold the final contents of its range (it woke for the last change),
// within a few seconds.
func TestStore_WaitRange_Wakes(t *testing.T) {
	t.Parallel()
	seed := baseSeed(t)
	r := rand.New(rand.NewPCG(seed, 10))
	s := newTestStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type watcher struct {
		start, end int
		held       atomic.Pointer[Snapshot[int, int]]
	}
	ws := make([]*watcher, 6)
	var wg sync.WaitGroup
	for i := range ws {
		w := &watcher{}
		w.start, w.end = randomRange(r)
		held := s.Snapshot()
		w.held.Store(held)
		ws[i] = w
		wg.Go(func() {
			for {
				sn, err := s.WaitRange(ctx, held, w.start, w.end)
				if err != nil {
					if err != ctx.Err() {
						t.Errorf("WaitRange: %v", err)
					}
					return
				}
				if sn.Version() <= held.Version() || !rangeDiffers(held, sn, w.start, w.end) {
					t.Errorf("WaitRange(v%d, %d, %d) returned v%d, whose range is the same", held.Version(), w.start, w.end, sn.Version())
				}
				held = sn
				w.held.Store(sn)
			}
		})
	}
	for range testenv.Pick(t, 300, 3000) {
		commitRandom(t, s, r)
		if r.IntN(8) == 0 {
			time.Sleep(time.Millisecond) // let the watchers catch up now and then
		}
	}
	head := s.Snapshot()
	deadline := time.Now().Add(5 * time.Second)
	for _, w := range ws {
		for rangeDiffers(w.held.Load(), head, w.start, w.end) {
			if time.Now().After(deadline) {
				t.Fatalf("the watcher of [%d, %d) still holds v%d, whose range differs from the head v%d", w.start, w.end, w.held.Load().Version(), head.Version())
			}
			time.Sleep(time.Millisecond)
		}
	}
	cancel()
	wg.Wait()
}
