package flatseg

import (
	"context"
	"errors"
	"flag"
	"go.uber.org/atomic"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flatseg/flatseg/fst"
	"github.com/flatseg/flatseg/internal/testenv"
)

var stressFlag = flag.Duration("stress", 0, "how long TestStore_Stress runs (default $FLATSEG_STRESS, else 1s, 5s with FLATSEG_DEEP=1, 300ms with -short)")

func stressDuration(t *testing.T) time.Duration {
	if *stressFlag > 0 {
		return *stressFlag
	}
	def := testenv.Pick(t, time.Second, 5*time.Second)
	if testing.Short() {
		def = 300 * time.Millisecond
	}
	return testenv.Duration(t, "FLATSEG_STRESS", def)
}

// commitLog records, by version, the ops of each transaction that
// published a version, and by base version those of each transaction that
// committed but changed nothing.
type commitLog struct {
	mu        sync.Mutex
	committed map[uint64][]op
	noops     map[uint64][][]op
	rollbacks int

	pending     []op // the last transaction that tried to commit
	pendingBase uint64
}

// observation is what a reader saw: a version and the fingerprint of its
// segments, or for a sample the segments themselves.
type observation struct {
	version uint64
	fp      uint64
	segs    []fst.Segment[int, int] // nil unless sampled
}

// kept is a snapshot a reader holds until the end of the test, with a copy
// of its segments taken when it was first seen.
type kept struct {
	sn   *Snapshot[int, int]
	segs []fst.Segment[int, int]
}

// TestStore_Stress runs writers, readers and watchers against one store
// for a bounded time (-stress or $FLATSEG_STRESS), then replays every
// committed transaction on a plain fst.Tree and checks that each version a
// reader saw equals the replay up to that version.
func TestStore_Stress(t *testing.T) {
	const (
		writers = 3
		readers = 4
	)
	seed := baseSeed(t)
	dur := stressDuration(t)
	goroutines := runtime.NumGoroutine()

	s, err := New(testMin, testMax, 0, WithRetain(8))
	require.NoError(t, err)
	log := &commitLog{committed: map[uint64][]op{}, noops: map[uint64][][]op{}}

	ctx, cancel := context.WithTimeout(context.Background(), dur)
	defer cancel()
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() { stressWriter(ctx, t, s, log, rand.New(rand.NewPCG(seed, uint64(w)))) })
	}
	observed := make([][]observation, readers)
	keptByReader := make([][]kept, readers)
	for i := range readers {
		wg.Go(func() {
			observed[i], keptByReader[i] = stressReader(ctx, t, s, rand.New(rand.NewPCG(seed, uint64(100+i))))
		})
	}
	var wakeups, rangeWakeups int
	wg.Go(func() { wakeups = stressWaiter(ctx, t, s) })
	wg.Go(func() { rangeWakeups = stressRangeWaiter(ctx, t, s, 100, 200) })
	wg.Wait()
	log.resolve(t, s.Snapshot().Version())

	// No goroutine outlives the test: everything above has returned, and
	// the store starts none of its own.
	checkGoroutines(t, goroutines)

	head := s.Snapshot()
	var nobs, noops int
	for _, obs := range observed {
		nobs += len(obs)
	}
	for _, n := range log.noops {
		noops += len(n)
	}
	t.Logf("%v: %d versions, %d no-op commits, %d rollbacks; %d reads; %d waits, %d range waits",
		dur, head.Version(), noops, log.rollbacks, nobs, wakeups, rangeWakeups)
	require.Positive(t, head.Version(), "no commit in %v", dur)

	// Replay every committed transaction in version order on a plain tree.
	model, err := fst.New(testMin, testMax, 0)
	require.NoError(t, err)
	// The versions readers saw: true for those some reader sampled whole.
	seen := map[uint64]bool{}
	for _, obs := range observed {
		for _, o := range obs {
			seen[o.version] = seen[o.version] || o.segs != nil
		}
	}
	fps := map[uint64]uint64{}
	segs := map[uint64][]fst.Segment[int, int]{}
	for v := uint64(0); v <= head.Version(); v++ {
		if v > 0 {
			ops, ok := log.committed[v]
			require.True(t, ok, "version %d was published but no commit recorded it", v)
			replay(t, model, ops)
		}
		if sampled, ok := seen[v]; ok {
			fps[v] = fingerprint(model.Segments())
			if sampled {
				segs[v] = slices.Collect(model.Segments())
			}
		}
		// A transaction that published nothing must indeed change nothing.
		for _, ops := range log.noops[v] {
			model.Freeze()
			fork := model.Clone()
			replay(t, fork, ops)
			assert.True(t, fork.Equal(model), "ops %v committed on v%d changed the tree but published nothing", ops, v)
		}
	}
	assert.Equal(t, slices.Collect(model.Segments()), slices.Collect(head.Segments()), "head")

	// Every snapshot a reader saw equals the replay up to its version, so
	// no transaction was ever seen half-applied.
	for i, obs := range observed {
		for _, o := range obs {
			if o.fp != fps[o.version] {
				t.Errorf("reader %d saw v%d differ from the replay", i, o.version)
			}
			if o.segs != nil {
				assert.Equal(t, segs[o.version], o.segs, "reader %d, v%d", i, o.version)
			}
		}
	}
	// Snapshots kept until the end are unchanged.
	for i, ks := range keptByReader {
		for _, k := range ks {
			assert.Equal(t, k.segs, slices.Collect(k.sn.Segments()), "reader %d, kept v%d", i, k.sn.Version())
		}
	}
}

// checkGoroutines fails the test unless the number of goroutines drops back
// to want within a few seconds (a goroutine may take a moment to exit after
// signalling its end).
func checkGoroutines(t *testing.T, want int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); runtime.NumGoroutine() > want; {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Errorf("%d goroutines before the test, %d after:\n%s", want, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func replay(t *testing.T, w writer, ops []op) {
	t.Helper()
	for _, o := range ops {
		_ = o.apply(w) // a failed op changes nothing, in the store as in the replay
	}
}

// stressWriter runs transactions of one to six random ops until ctx is
// done, through Update or Begin, committing most and rolling back one in
// five, and records them in log.
func stressWriter(ctx context.Context, t *testing.T, s *Store[int, int], log *commitLog, r *rand.Rand) {
	errRollback := errors.New("roll back")
	for ctx.Err() == nil {
		ops := make([]op, 1+r.IntN(6))
		for i := range ops {
			ops[i] = randomOp(r)
		}
		rollback := r.IntN(5) == 0
		var base *Snapshot[int, int]
		run := func(tx *Txn[int, int]) error {
			base = s.Snapshot() // stable while this transaction is open
			log.resolve(t, base.Version())
			for _, o := range ops {
				if err := o.apply(tx); err != nil && sentinel(err) == nil {
					t.Errorf("%v: unexpected error %v", o, err)
				}
				if r.IntN(4) == 0 {
					key := testMin + r.IntN(testMax-testMin)
					if _, ok := tx.Search(key); !ok {
						t.Errorf("tx.Search(%d) found nothing", key)
					}
				}
			}
			log.record(base.Version(), ops, rollback)
			if rollback {
				return errRollback
			}
			return nil
		}
		if r.IntN(2) == 0 {
			if err := s.Update(run); (rollback && err != errRollback) || (!rollback && err != nil) {
				t.Errorf("Update: %v", err)
				return
			}
		} else {
			tx := s.Begin()
			if run(tx) != nil {
				tx.Rollback()
			} else if sn, err := tx.Commit(); err != nil {
				t.Errorf("Commit: %v", err)
				return
			} else if sn != base && sn.Version() != base.Version()+1 {
				t.Errorf("Commit on v%d returned v%d", base.Version(), sn.Version())
			}
			tx.Rollback() // a no-op, after Commit or Rollback
		}
		runtime.Gosched() // give the readers a turn
	}
}

// record notes the ops of a transaction about to commit or roll back. The
// writer lock is held: the transaction is resolved by the next one, or at
// the end of the test, from the version it finds.
func (l *commitLog) record(base uint64, ops []op, rollback bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if rollback {
		l.rollbacks++
		return
	}
	l.pending, l.pendingBase = ops, base
}

// resolve files the pending transaction, if any, as published if head is
// one more than its base, or as a no-op if head is its base.
func (l *commitLog) resolve(t *testing.T, head uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.pending == nil {
		return
	}
	switch head {
	case l.pendingBase:
		l.noops[head] = append(l.noops[head], l.pending)
	case l.pendingBase + 1:
		l.committed[head] = l.pending
	default:
		t.Errorf("a commit on v%d was followed by v%d", l.pendingBase, head)
	}
	l.pending = nil
}

// stressReader reads snapshots until ctx is done, checking each one on its
// own, and returns what it saw: the fingerprint of every snapshot, the
// segments of one in sixteen, and up to 32 snapshots it kept.
func stressReader(ctx context.Context, t *testing.T, s *Store[int, int], r *rand.Rand) ([]observation, []kept) {
	var (
		obs  []observation
		keep []kept
		last *Snapshot[int, int]
	)
	for ctx.Err() == nil {
		sn := s.Snapshot()
		if last != nil && sn.Version() < last.Version() {
			t.Errorf("version went back from %d to %d", last.Version(), sn.Version())
			return obs, keep
		}
		if sn == last {
			runtime.Gosched()
			continue
		}
		last = sn
		if r.IntN(4) == 0 {
			if err := checkSnapshot(sn, r); err != nil {
				t.Error(err)
				return obs, keep
			}
		}
		if at, ok := s.At(sn.Version()); ok && at != sn {
			t.Errorf("At(%d) is not the snapshot of that version", sn.Version())
		}
		o := observation{version: sn.Version(), fp: fingerprint(sn.Segments())}
		if r.IntN(16) == 0 {
			o.segs = slices.Collect(sn.Segments())
		}
		if len(keep) < 32 && r.IntN(8) == 0 {
			keep = append(keep, kept{sn: sn, segs: slices.Collect(sn.Segments())})
		}
		obs = append(obs, o)
		// Now and then, walk a snapshot slowly while writers commit: the
		// iterator must still yield the segments of its version.
		if r.IntN(32) == 0 {
			want := slices.Collect(sn.Segments())
			var got []fst.Segment[int, int]
			for seg := range sn.Segments() {
				got = append(got, seg)
				runtime.Gosched() // let the writers commit
			}
			if !slices.Equal(got, want) {
				t.Errorf("v%d: iterator changed while commits went on", sn.Version())
			}
		}
	}
	return obs, keep
}

// stressWaiter waits for each new version until ctx is done and returns
// how many times it woke up.
func stressWaiter(ctx context.Context, t *testing.T, s *Store[int, int]) int {
	var after uint64
	n := 0
	for {
		sn, err := s.Wait(ctx, after)
		if err != nil {
			if err != ctx.Err() {
				t.Errorf("Wait: %v", err)
			}
			return n
		}
		if sn.Version() <= after {
			t.Errorf("Wait(%d) returned v%d", after, sn.Version())
			return n
		}
		after = sn.Version()
		n++
	}
}

// stressRangeWaiter waits for each change of [start, end) until ctx is
// done and returns how many times it woke up.
func stressRangeWaiter(ctx context.Context, t *testing.T, s *Store[int, int], start, end int) int {
	held := s.Snapshot()
	n := 0
	for {
		sn, err := s.WaitRange(ctx, held, start, end)
		if err != nil {
			if err != ctx.Err() {
				t.Errorf("WaitRange: %v", err)
			}
			return n
		}
		if sn.Version() <= held.Version() {
			t.Errorf("WaitRange after v%d returned v%d", held.Version(), sn.Version())
			return n
		}
		if before, after := dense(held.Segments())[start:end], dense(sn.Segments())[start:end]; slices.Equal(before, after) {
			t.Errorf("WaitRange returned v%d although [%d, %d) is as in v%d", sn.Version(), start, end, held.Version())
		}
		held = sn
		n++
	}
}

// TestStore_TxnAtomic has writers give two distant ranges the same new
// value in each transaction, with a shift in between, and readers check
// that they always see both ranges equal: never half a transaction.
func TestStore_TxnAtomic(t *testing.T) {
	goroutines := runtime.NumGoroutine()
	s := newTestStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	var (
		wg  sync.WaitGroup
		ids atomic.Int64
	)
	for range 2 {
		wg.Go(func() {
			for ctx.Err() == nil {
				id := int(ids.Add(1))
				err := s.Update(func(tx *Txn[int, int]) error {
					if _, err := tx.Insert(0, 10, id); err != nil {
						return err
					}
					if err := tx.ShiftRight(500, 7, false); err != nil {
						return err
					}
					if err := tx.ShiftLeft(600, 607); err != nil {
						return err
					}
					_, err := tx.Insert(testMax-10, testMax, id)
					return err
				})
				if err != nil {
					t.Errorf("Update: %v", err)
					return
				}
			}
		})
	}
	var reads atomic.Int64
	for range 2 {
		wg.Go(func() {
			for ctx.Err() == nil {
				sn := s.Snapshot()
				first, _ := sn.Search(0)
				last, _ := sn.Search(testMax - 1)
				if first.Value != last.Value {
					t.Errorf("v%d: [0, 10) is %d but [%d, %d) is %d", sn.Version(), first.Value, testMax-10, testMax, last.Value)
					return
				}
				reads.Add(1)
			}
		})
	}
	wg.Wait()
	checkGoroutines(t, goroutines)
	t.Logf("%d versions, %d reads", s.Snapshot().Version(), reads.Load())
	assert.Positive(t, s.Snapshot().Version())
}
