package replica

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/raft"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flatseg/flatseg"
)

// The tests of issue 23, items A and B: every error says whether the
// write may have been applied (ErrAmbiguous), and UpdateOnce makes the
// ambiguous case retryable.

// holdProposer runs an Update on leader whose fn blocks until release is
// called, so that the calls made meanwhile queue and form the next group
// together; queued waits until n proposals wait behind it.
func holdProposer(t *testing.T, leader *Node[int64, int64]) (release func(), queued func(n int)) {
	t.Helper()
	running, released := make(chan struct{}), make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, err := leader.Update(context.Background(), func(tx *flatseg.Txn[int64, int64]) error {
			close(running)
			<-released
			_, err := tx.Insert(span-2, span-1, 1)
			return err
		})
		if err != nil && !errors.Is(err, ErrClosed) {
			t.Errorf("the holding Update: %v", err)
		}
	}()
	<-running
	var once sync.Once
	release = func() {
		once.Do(func() { close(released) })
		<-done
	}
	t.Cleanup(func() { once.Do(func() { close(released) }) })
	queued = func(n int) {
		require.Eventually(t, func() bool { return len(leader.proposals) == n }, waitFor, time.Millisecond)
	}
	return release, queued
}

// newSlowCluster is newCluster(t, 3, nil) whose node 2 has a long lease
// and election timeout (1 s), and leads: cut off from the others, it goes
// on believing it leads for that long. (Node 0 bootstraps the cluster and
// leads first: slow, it would take seconds to.)
func newSlowCluster(t *testing.T) *cluster {
	t.Helper()
	opened := 0
	c := newCluster(t, 3, func(conf *raft.Config) {
		defer func() { opened++ }()
		if opened == 2 {
			conf.HeartbeatTimeout = time.Second
			conf.ElectionTimeout = time.Second
			conf.LeaderLeaseTimeout = time.Second
		}
	})
	if l := c.leader(); l != c.nodes[2] {
		require.NoError(t, l.Raft().LeadershipTransferToServer("node2", c.addrs[2]).Error())
		require.Eventually(t, func() bool { return c.nodes[2].Raft().State() == raft.Leader }, waitFor, time.Millisecond)
	}
	return c
}

// counter increments key k.
func counter(k int64) func(tx *flatseg.Txn[int64, int64]) error {
	return func(tx *flatseg.Txn[int64, int64]) error {
		seg, _ := tx.Search(k)
		_, err := tx.Insert(k, k+1, seg.Value+1)
		return err
	}
}

// TestUpdate_Ambiguous: each way an Update can fail, with ErrAmbiguous
// exactly when the write may have been applied.
func TestUpdate_Ambiguous(t *testing.T) {
	t.Parallel()
	t.Run("before fn runs: follower, fn's error, a cancelled wait for the turn", func(t *testing.T) {
		c := newCluster(t, 3, nil)
		ctx := ctxFor(t)
		leader := c.leader()
		_, err := insert(ctx, leader, 0, 1, 1) // the first group of the term is behind
		require.NoError(t, err)
		for _, n := range c.nodes {
			if n != leader {
				_, err := insert(ctx, n, 1, 2, 3)
				require.ErrorIs(t, err, ErrNotLeader)
				assert.NotErrorIs(t, err, ErrAmbiguous, "a follower proposes nothing")
			}
		}
		boom := errors.New("boom")
		_, err = leader.Update(ctx, func(tx *flatseg.Txn[int64, int64]) error {
			_, _ = tx.Insert(1, 2, 3)
			return boom
		})
		require.ErrorIs(t, err, boom)
		assert.NotErrorIs(t, err, ErrAmbiguous, "fn's own error")

		release, queued := holdProposer(t, leader)
		waiting, cancel := context.WithCancel(ctx)
		var ran atomic.Bool
		errc := make(chan error, 1)
		go func() {
			_, err := leader.Update(waiting, func(tx *flatseg.Txn[int64, int64]) error {
				ran.Store(true)
				_, err := tx.Insert(7, 8, 7)
				return err
			})
			errc <- err
		}()
		queued(1)
		cancel()
		err = <-errc
		require.ErrorIs(t, err, context.Canceled)
		assert.NotErrorIs(t, err, ErrAmbiguous, "ctx ended before fn ran")
		release()
		sn, err := leader.Barrier(ctx)
		require.NoError(t, err)
		seg, _ := sn.Search(7)
		assert.False(t, ran.Load(), "fn never runs after its call returned")
		assert.Equal(t, int64(0), seg.Value, "and nothing of it was applied")
	})

	t.Run("Close before the group is proposed", func(t *testing.T) {
		c := newCluster(t, 1, nil)
		ctx := ctxFor(t)
		leader := c.leader()
		_, err := insert(ctx, leader, 0, 1, 1)
		require.NoError(t, err)
		// A's fn runs and wrote when Close comes; B waits for its turn.
		inA, releaseA := make(chan struct{}), make(chan struct{})
		errA, errB := make(chan error, 1), make(chan error, 1)
		go func() {
			_, err := leader.Update(ctx, func(tx *flatseg.Txn[int64, int64]) error {
				_, err := tx.Insert(5, 6, 5)
				close(inA)
				<-releaseA
				return err
			})
			errA <- err
		}()
		<-inA
		go func() { _, err := insert(ctx, leader, 6, 7, 6); errB <- err }()
		require.Eventually(t, func() bool { return len(leader.proposals) == 1 }, waitFor, time.Millisecond)
		closed := make(chan error, 1)
		go func() { closed <- leader.Close() }()
		require.Eventually(t, leader.closed, waitFor, time.Millisecond)
		close(releaseA)
		for name, errc := range map[string]chan error{"A (fn ran)": errA, "B (waiting)": errB} {
			err := <-errc
			require.ErrorIs(t, err, ErrClosed, name)
			assert.NotErrorIs(t, err, ErrAmbiguous, "%s: the group was never proposed", name)
		}
		require.NoError(t, <-closed)
	})

	t.Run("leadership lost while committing", func(t *testing.T) {
		c := newCluster(t, 3, nil)
		ctx := ctxFor(t)
		leader := c.leader()
		li := slices.Index(c.nodes, leader)
		_, err := insert(ctx, leader, 0, 1, 1)
		require.NoError(t, err)
		release, queued := holdProposer(t, leader)
		var errW, errR, errB error
		var wg sync.WaitGroup
		wg.Go(func() {
			_, errW = leader.Update(ctx, func(tx *flatseg.Txn[int64, int64]) error {
				_, err := tx.Insert(5, 6, 5)
				return err
			})
		})
		queued(1)
		wg.Go(func() {
			_, errR = leader.Update(ctx, func(tx *flatseg.Txn[int64, int64]) error {
				c.isolate(li) // the group's entry cannot commit now
				return nil
			})
		})
		queued(2)
		wg.Go(func() { _, errB = leader.Barrier(ctx) })
		queued(3)
		release()
		wg.Wait()
		require.ErrorIs(t, errW, ErrAmbiguous, "the write was handed to raft")
		require.ErrorIs(t, errW, ErrNotLeader, "with its cause")
		require.ErrorIs(t, errR, ErrNotLeader)
		assert.NotErrorIs(t, errR, ErrAmbiguous, "a read-only Update of the group has no write")
		require.ErrorIs(t, errB, ErrNotLeader)
		assert.NotErrorIs(t, errB, ErrAmbiguous, "a Barrier has no write")
	})

	t.Run("ctx ends while committing", func(t *testing.T) {
		c := newSlowCluster(t)
		ctx := ctxFor(t)
		leader, li := c.nodes[2], 2
		_, err := insert(ctx, leader, 0, 1, 1)
		require.NoError(t, err)
		call, cancel := context.WithCancel(ctx)
		_, err = leader.Update(call, func(tx *flatseg.Txn[int64, int64]) error {
			c.isolate(li)  // the entry waits, within the leader's lease
			defer cancel() // ends the call's wait for its entry
			_, err := tx.Insert(9, 10, 9)
			return err
		})
		require.ErrorIs(t, err, ErrAmbiguous)
		require.ErrorIs(t, err, context.Canceled)
		c.connectAll()
		// Ambiguous indeed: the write commits all the same.
		require.Eventually(t, func() bool {
			seg, _ := leader.Store().Snapshot().Search(9)
			return seg.Value == 9
		}, waitFor, time.Millisecond)
		_, err = leader.Update(call, func(tx *flatseg.Txn[int64, int64]) error { return nil })
		require.ErrorIs(t, err, context.Canceled)
		assert.NotErrorIs(t, err, ErrAmbiguous, "ctx ended before the call")
	})

	t.Run("Close while committing", func(t *testing.T) {
		// The leader keeps believing it leads while cut off, so that
		// Close, not a lost leadership, ends the wait.
		c := newSlowCluster(t)
		ctx := ctxFor(t)
		leader, li := c.nodes[2], 2
		_, err := insert(ctx, leader, 0, 1, 1)
		require.NoError(t, err)
		errc := make(chan error, 1)
		go func() {
			_, err := leader.Update(ctx, func(tx *flatseg.Txn[int64, int64]) error {
				c.isolate(li)
				_, err := tx.Insert(5, 6, 5)
				return err
			})
			errc <- err
		}()
		time.Sleep(50 * time.Millisecond) // the entry is proposed, and cannot commit
		require.NoError(t, leader.Close())
		err = <-errc
		require.ErrorIs(t, err, ErrAmbiguous)
		require.ErrorIs(t, err, ErrClosed)
		_, err = leader.Barrier(ctx)
		require.ErrorIs(t, err, ErrClosed)
		assert.NotErrorIs(t, err, ErrAmbiguous)
	})
}

// TestNode_UpdateOnce: a second call with an applied id does not run fn
// and returns a snapshot that holds the first write; other ids run; bad
// arguments are ErrConfig.
func TestNode_UpdateOnce(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 1, nil)
	ctx := ctxFor(t)
	leader := c.leader()
	runs := 0
	inc := func(tx *flatseg.Txn[int64, int64]) error { runs++; return counter(3)(tx) }
	first, err := leader.UpdateOnce(ctx, "a", inc)
	require.NoError(t, err)
	_, err = insert(ctx, leader, 100, 101, 1) // a later write
	require.NoError(t, err)
	again, err := leader.UpdateOnce(ctx, "a", inc)
	require.NoError(t, err)
	assert.Equal(t, 1, runs, "the applied id's fn does not run again")
	assert.GreaterOrEqual(t, again.Version(), first.Version())
	seg, _ := again.Search(3)
	assert.Equal(t, int64(1), seg.Value, "the snapshot holds the write, applied once")
	seg, _ = again.Search(100)
	assert.Equal(t, int64(1), seg.Value, "and every write acknowledged before the call")
	_, err = leader.UpdateOnce(ctx, "b", inc)
	require.NoError(t, err)
	assert.Equal(t, 2, runs, "another id runs")
	readOnly := 0
	for range 2 {
		_, err = leader.UpdateOnce(ctx, "r", func(tx *flatseg.Txn[int64, int64]) error { readOnly++; return nil })
		require.NoError(t, err)
	}
	assert.Equal(t, 2, readOnly, "a transaction that wrote nothing records no id")

	for _, id := range []string{"", string(make([]byte, maxIDLen+1))} {
		_, err = leader.UpdateOnce(ctx, id, inc)
		assert.ErrorIs(t, err, ErrConfig, "an id of %d bytes", len(id))
	}
	_, err = leader.UpdateOnce(ctx, string(make([]byte, maxIDLen)), inc)
	assert.NoError(t, err, "the longest id")
	_, err = leader.UpdateOnce(ctx, "c", nil)
	assert.ErrorIs(t, err, ErrConfig)
}

// TestNode_UpdateOnceRetriesAnAmbiguousWrite: an increment whose call
// failed with ErrAmbiguous, and whose entry committed, is retried with its
// id on the next leader: fn does not run again and the counter holds one
// increment.
func TestNode_UpdateOnceRetriesAnAmbiguousWrite(t *testing.T) {
	t.Parallel()
	c := newSlowCluster(t)
	ctx := ctxFor(t)
	leader, li := c.nodes[2], 2
	_, err := insert(ctx, leader, 0, 1, 1)
	require.NoError(t, err)
	runs := 0
	call, cancel := context.WithCancel(ctx)
	_, err = leader.UpdateOnce(call, "inc-1", func(tx *flatseg.Txn[int64, int64]) error {
		c.isolate(li)
		defer cancel()
		runs++
		return counter(7)(tx)
	})
	require.ErrorIs(t, err, ErrAmbiguous)
	c.connectAll()
	// This time the write commits (it may not: a transfer begun before
	// the proposer handed the entry to raft would refuse it).
	require.Eventually(t, func() bool {
		seg, _ := leader.Store().Snapshot().Search(7)
		return seg.Value == 1
	}, waitFor, time.Millisecond)
	require.NoError(t, leader.Raft().LeadershipTransfer().Error())
	next := c.leader(li)
	var sn *flatseg.Snapshot[int64, int64]
	require.Eventually(t, func() bool {
		sn, err = next.UpdateOnce(ctx, "inc-1", func(tx *flatseg.Txn[int64, int64]) error {
			runs++
			return counter(7)(tx)
		})
		return err == nil
	}, waitFor, 10*time.Millisecond, "the retry: %v", err)
	assert.Equal(t, 1, runs, "the retry found the id applied")
	seg, _ := sn.Search(7)
	assert.Equal(t, int64(1), seg.Value, "one increment")
}

// TestNode_UpdateOnceInOneGroup: of two calls with one id in one group,
// only the first runs fn; both return the group's outcome.
func TestNode_UpdateOnceInOneGroup(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 1, nil)
	ctx := ctxFor(t)
	leader := c.leader()
	_, err := insert(ctx, leader, 0, 1, 1)
	require.NoError(t, err)
	release, queued := holdProposer(t, leader)
	var runs atomic.Int32
	var wg sync.WaitGroup
	sns := make([]*flatseg.Snapshot[int64, int64], 2)
	errs := make([]error, 2)
	for i := range 2 {
		wg.Go(func() {
			sns[i], errs[i] = leader.UpdateOnce(ctx, "same", func(tx *flatseg.Txn[int64, int64]) error {
				runs.Add(1)
				return counter(4)(tx)
			})
		})
		queued(i + 1)
	}
	release()
	wg.Wait()
	assert.Equal(t, int32(1), runs.Load(), "one fn ran")
	for i := range 2 {
		require.NoError(t, errs[i], "call %d", i)
		seg, _ := sns[i].Search(4)
		assert.Equal(t, int64(1), seg.Value, "call %d sees the one increment", i)
	}
	assert.Equal(t, sns[0].Version(), sns[1].Version(), "the group's entry")
}

// TestNode_UpdateOnceSurvivesRestart: a node reopened on its Dir knows the
// ids of its snapshot and of its log.
func TestNode_UpdateOnceSurvivesRestart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx := ctxFor(t)
	open := func() *Node[int64, int64] {
		n, err := openDirNode(t, dir, span, 0)
		require.NoError(t, err)
		require.NoError(t, n.Bootstrap([]raft.Server{{ID: "node0", Address: "node0"}}))
		require.Eventually(t, func() bool { return n.Raft().State() == raft.Leader }, waitFor, time.Millisecond)
		return n
	}
	n := open()
	runs := 0
	inc := func(tx *flatseg.Txn[int64, int64]) error { runs++; return counter(1)(tx) }
	_, err := n.UpdateOnce(ctx, "in the snapshot", inc)
	require.NoError(t, err)
	require.NoError(t, n.Raft().Snapshot().Error())
	_, err = n.UpdateOnce(ctx, "in the log", inc)
	require.NoError(t, err)
	require.NoError(t, n.Close())

	n = open()
	defer n.Close()
	for _, id := range []string{"in the snapshot", "in the log"} {
		sn, err := n.UpdateOnce(ctx, id, inc)
		require.NoError(t, err, id)
		seg, _ := sn.Search(1)
		assert.Equal(t, int64(2), seg.Value, id)
	}
	assert.Equal(t, 2, runs, "neither ran again after the restart")
}

// TestFSM_AppliesAnIDOnce: the FSM skips a transaction whose id it has
// applied, in a later entry or earlier in the same one, the same way on
// every node; the entry still publishes its index.
func TestFSM_AppliesAnIDOnce(t *testing.T) {
	f, s := newTestFSM(t)
	entry := func(txns ...[3]any) []byte { // id, start, value
		var w entryWriter
		for _, tx := range txns {
			var b fstBatch
			b.Insert(tx[1].(int64), tx[1].(int64)+1, tx[2].(int64))
			w.add(tx[0].(string), encodeTest(t, &b))
		}
		return w.bytes(0)
	}
	_, err := f.apply(5, entry([3]any{"x", int64(1), int64(1)}))
	require.NoError(t, err)
	sn, err := f.apply(6, entry([3]any{"x", int64(2), int64(2)}, [3]any{"", int64(3), int64(3)}, [3]any{"y", int64(4), int64(4)}, [3]any{"y", int64(5), int64(5)}))
	require.NoError(t, err)
	assert.Equal(t, uint64(6), sn.Version())
	for k, want := range map[int64]int64{1: 1, 2: 0, 3: 3, 4: 4, 5: 0} {
		seg, _ := s.Snapshot().Search(k)
		assert.Equal(t, want, seg.Value, "key %d", k)
	}
	assert.Equal(t, []string{"x", "y"}, f.ids.list())
	sn, err = f.apply(7, entry([3]any{"y", int64(6), int64(6)}))
	require.NoError(t, err)
	assert.Equal(t, uint64(7), sn.Version(), "an entry whose transactions were all skipped publishes its index all the same")
	seg, _ := sn.Search(6)
	assert.Equal(t, int64(0), seg.Value)
}

// TestIDTable: the window holds the last limit ids, evicted oldest first;
// a list taken earlier never changes.
func TestIDTable(t *testing.T) {
	tab := newIDTable(3)
	tab.add([]string{"a", "b"})
	held := tab.list()
	for i := range 20 {
		tab.add([]string{fmt.Sprint(i)})
	}
	assert.Equal(t, []string{"a", "b"}, held, "a list never changes")
	assert.Equal(t, []string{"17", "18", "19"}, tab.list())
	for id, want := range map[string]bool{"a": false, "16": false, "17": true, "19": true} {
		assert.Equal(t, want, tab.has(id), id)
	}
	tab.reset([]string{"p", "q"})
	tab.add([]string{"r", "s"})
	assert.Equal(t, []string{"q", "r", "s"}, tab.list())
	assert.False(t, tab.has("p"))
}
