package replica

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flatseg/flatseg"
	"github.com/flatseg/flatseg/fst"
	"github.com/flatseg/flatseg/internal/testenv"
)

// The regression tests of the guarantees a new-user attack once broke
// (issue 14): each failed on the code before the fix.

func read(tx *flatseg.Txn[int64, int64], k int64) int64 {
	seg, _ := tx.Search(k)
	return seg.Value
}

// TestNode_UpdateRacingClose: Updates racing Close all return, promptly,
// with ErrClosed or their real outcome; none blocks.
func TestNode_UpdateRacingClose(t *testing.T) {
	t.Parallel()
	rounds := testenv.Pick(t, 8, 60) // the bug this guards against hung about one round in 15
	for round := range rounds {
		t.Run(fmt.Sprint("round=", round), func(t *testing.T) {
			c := newCluster(t, 1, nil)
			leader := c.leader()
			_, err := insert(ctxFor(t), leader, 0, 1, 1)
			require.NoError(t, err)
			const callers = 600
			returned := make(chan error, callers)
			for i := range callers {
				go func() {
					_, err := leader.Update(context.Background(), func(tx *flatseg.Txn[int64, int64]) error {
						_, err := tx.Insert(int64(i), int64(i)+1, int64(round+2))
						return err
					})
					returned <- err
				}()
			}
			time.Sleep(time.Duration(round%5) * time.Millisecond)
			require.NoError(t, leader.Close())
			deadline := time.After(waitFor)
			for i := range callers {
				select {
				case err := <-returned:
					if err != nil {
						assert.ErrorIs(t, err, ErrClosed)
					}
				case <-deadline:
					t.Fatalf("%d of %d Updates still blocked after Close", callers-i, callers)
				}
			}
		})
	}
}

// TestNode_NoDirtyReadInAGroup: a read-only transaction grouped after a
// write it read returns only if that write commits. B reads A's write in
// the same group, then the leader is cut off before the group's entry can
// commit: B must fail, or what it read must be the cluster's state.
func TestNode_NoDirtyReadInAGroup(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 3, nil)
	ctx := ctxFor(t)
	leader := c.leader()
	li := slices.Index(c.nodes, leader)
	_, err := insert(ctx, leader, 5, 6, 0+100) // the leader's first group is behind it
	require.NoError(t, err)

	// C holds the proposer while A and B queue, so that A and B form the
	// next group together.
	release, running := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		_, err := leader.Update(ctx, func(tx *flatseg.Txn[int64, int64]) error {
			close(running)
			<-release
			_, err := tx.Insert(900, 901, 1)
			return err
		})
		assert.NoError(t, err)
	})
	<-running
	var errA, errB error
	var seen int64
	wg.Go(func() { _, errA = insert(ctx, leader, 5, 6, 1) })
	require.Eventually(t, func() bool { return len(leader.proposals) == 1 }, waitFor, time.Millisecond)
	wg.Go(func() {
		_, errB = leader.Update(ctx, func(tx *flatseg.Txn[int64, int64]) error {
			seen = read(tx, 5)
			c.isolate(li) // the group's entry cannot commit now
			return nil
		})
	})
	require.Eventually(t, func() bool { return len(leader.proposals) == 2 }, waitFor, time.Millisecond)
	close(release)
	wg.Wait()
	require.Equal(t, int64(1), seen, "B ran after A in one group")
	other := c.leader(li)
	sn, err := other.Barrier(ctx)
	require.NoError(t, err)
	seg, _ := sn.Search(5)
	if errB == nil {
		assert.Equal(t, seen, seg.Value, "B returned nil having read a state the cluster does not hold (A: %v)", errA)
	} else {
		assert.ErrorIs(t, errB, ErrNotLeader)
	}
}

// TestNode_NoStaleReadOnADeposedLeader: a leader cut off from the others
// still believes it leads for a while; a read-only Update on it must not
// return a state older than a write the new leader acknowledged.
func TestNode_NoStaleReadOnADeposedLeader(t *testing.T) {
	t.Parallel()
	c := newSlowCluster(t)
	ctx := ctxFor(t)
	old := c.nodes[2]
	_, err := insert(ctx, old, 5, 6, 1)
	require.NoError(t, err)
	c.isolate(2)
	fresh := c.leader(2)
	_, err = insert(ctx, fresh, 5, 6, 2)
	require.NoError(t, err, "the new leader acknowledges 5 = 2")
	var seen int64
	_, err = old.Update(ctx, func(tx *flatseg.Txn[int64, int64]) error {
		seen = read(tx, 5)
		return nil
	})
	if err == nil {
		assert.Equal(t, int64(2), seen, "a read-only Update returned a state older than an acknowledged write")
	} else {
		assert.ErrorIs(t, err, ErrNotLeader)
		assert.NotErrorIs(t, err, ErrAmbiguous, "a read-only Update has no write")
	}
	_, err = old.Barrier(ctx)
	assert.ErrorIs(t, err, ErrNotLeader, "Barrier on the deposed leader")
	assert.NotErrorIs(t, err, ErrAmbiguous)
}

// TestNode_LoadIsReplicated: Txn.Load inside Update is replicated like
// any write.
func TestNode_LoadIsReplicated(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 3, nil)
	ctx := ctxFor(t)
	leader := c.leader()
	built, err := fst.Build[int64, int64](0, span, 0, []fst.Segment[int64, int64]{{Start: 100, End: 200, Value: 42}})
	require.NoError(t, err)
	sn, err := leader.Update(ctx, func(tx *flatseg.Txn[int64, int64]) error { return tx.Load(built) })
	require.NoError(t, err)
	require.Positive(t, sn.Version())
	for i, n := range c.nodes {
		got, err := n.Store().WaitFor(ctx, sn.Version())
		require.NoError(t, err)
		seg, _ := got.Search(150)
		assert.Equal(t, fst.Segment[int64, int64]{Start: 100, End: 200, Value: 42}, seg, "node %d", i)
	}
}

// TestNode_ReadYourWritesAfterANoOp: an Update that changes nothing
// returns the version of the state it read (0 on a fresh store), and the
// read-your-writes wait returns at once for it.
func TestNode_ReadYourWritesAfterANoOp(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 1, nil)
	ctx := ctxFor(t)
	leader := c.leader()
	sn, err := leader.Update(ctx, func(tx *flatseg.Txn[int64, int64]) error { return nil })
	require.NoError(t, err)
	assert.Equal(t, uint64(0), sn.Version())
	got, err := leader.Store().WaitFor(ctx, sn.Version())
	require.NoError(t, err)
	assert.Equal(t, uint64(0), got.Version())
	w, err := insert(ctx, leader, 1, 2, 3)
	require.NoError(t, err)
	sn, err = leader.Update(ctx, func(tx *flatseg.Txn[int64, int64]) error {
		_, err := tx.Insert(1, 2, 3) // already so
		return err
	})
	require.NoError(t, err)
	assert.Equal(t, w.Version(), sn.Version(), "a no-op returns the version it read")
}

// TestNode_FnExits: runtime.Goexit in fn ends the caller's goroutine
// only; a panic reaches the caller; the node serves on.
func TestNode_FnExits(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 1, nil)
	ctx := ctxFor(t)
	leader := c.leader()
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		_, _ = leader.Update(ctx, func(tx *flatseg.Txn[int64, int64]) error {
			_, _ = tx.Insert(7, 8, 9)
			runtime.Goexit()
			return nil
		})
		t.Error("Update returned after runtime.Goexit in fn")
	}()
	<-exited
	assert.PanicsWithValue(t, "boom", func() {
		_, _ = leader.Update(ctx, func(tx *flatseg.Txn[int64, int64]) error { panic("boom") })
	})
	sn, err := insert(ctx, leader, 1, 2, 3)
	require.NoError(t, err, "the node serves on")
	seg, _ := sn.Search(7)
	assert.Equal(t, int64(0), seg.Value, "the exited transaction was rolled back")
}

func openDirNode(t *testing.T, dir string, max, init int64) (*Node[int64, int64], error) {
	_, tr := raft.NewInmemTransport("node0")
	return Open(Config[int64, int64]{ID: "node0", Transport: tr, Dir: dir, Codec: fst.NumberCodec[int64](), Max: max, Init: init, Raft: testRaftConfig(), LockTimeout: 100 * time.Millisecond})
}

// fillDir writes 20 updates to a one-node cluster in dir, and closes it.
func fillDir(t *testing.T, dir string, snapshot bool) {
	n, err := openDirNode(t, dir, span, 0)
	require.NoError(t, err)
	require.NoError(t, n.Bootstrap([]raft.Server{{ID: "node0", Address: "node0"}}))
	require.Eventually(t, func() bool { return n.Raft().State() == raft.Leader }, waitFor, time.Millisecond)
	for i := range int64(20) {
		_, err := insert(ctxFor(t), n, i*10, i*10+5, i+1)
		require.NoError(t, err)
		if snapshot && i == 10 {
			require.NoError(t, n.Raft().Snapshot().Error())
		}
	}
	require.NoError(t, n.Close())
}

// TestOpen_DirKeepsItsConfig: a Dir reopened with anything that decides
// its bytes changed fails with ErrConfig naming the field.
func TestOpen_DirKeepsItsConfig(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fillDir(t, dir, false)
	_, err := openDirNode(t, dir, 100, 0)
	require.ErrorIs(t, err, ErrConfig)
	assert.Contains(t, err.Error(), "Max")
	_, err = openDirNode(t, dir, span, 7)
	require.ErrorIs(t, err, ErrConfig)
	assert.Contains(t, err.Error(), "Init")
	_, tr := raft.NewInmemTransport("node0")
	_, err = Open(Config[int64, string]{ID: "node0", Transport: tr, Dir: dir, Codec: fst.StringCodec[string](), Max: span, Raft: testRaftConfig()})
	require.ErrorIs(t, err, ErrConfig)
	assert.Contains(t, err.Error(), "value type")
	_, err = Open(Config[int64, int32]{ID: "node0", Transport: tr, Dir: dir, Codec: fst.NumberCodec[int32](), Max: span, Raft: testRaftConfig()})
	require.ErrorIs(t, err, ErrConfig)
	_, err = Open(Config[int32, int64]{ID: "node0", Transport: tr, Dir: dir, Codec: fst.NumberCodec[int64](), Max: span, Raft: testRaftConfig()})
	require.ErrorIs(t, err, ErrConfig)
	assert.Contains(t, err.Error(), "key type")
	n, err := openDirNode(t, dir, span, 0) // the same config still opens
	require.NoError(t, err)
	require.NoError(t, n.Close())
}

// TestOpen_Locked: a second Open of a Dir that a node holds fails with
// ErrLocked within LockTimeout.
func TestOpen_Locked(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	n, err := openDirNode(t, dir, span, 0)
	require.NoError(t, err)
	defer n.Close()
	start := time.Now()
	_, err = openDirNode(t, dir, span, 0)
	require.ErrorIs(t, err, ErrLocked)
	assert.Less(t, time.Since(start), waitFor)
}

// TestOpen_CorruptDir: a damaged Dir gives ErrCorrupt, never a panic and
// never an entry skipped.
func TestOpen_CorruptDir(t *testing.T) {
	t.Parallel()
	t.Run("entry", func(t *testing.T) {
		dir := t.TempDir()
		fillDir(t, dir, false)
		bolt, err := raftboltdb.NewBoltStore(filepath.Join(dir, "raft.db"))
		require.NoError(t, err)
		last, err := bolt.LastIndex()
		require.NoError(t, err)
		require.NoError(t, bolt.StoreLog(&raft.Log{Index: last + 1, Term: 1, Type: raft.LogCommand, Data: []byte("not an entry")}))
		require.NoError(t, bolt.Close())
		_, err = openDirNode(t, dir, span, 0)
		require.ErrorIs(t, err, ErrCorrupt)
	})
	t.Run("entry that does not apply", func(t *testing.T) {
		dir := t.TempDir()
		fillDir(t, dir, false)
		var b fst.Batch[int64, int64]
		b.Insert(10, 5, 1) // an invalid range
		enc, err := fst.AppendBatch(nil, &b, fst.NumberCodec[int64]())
		require.NoError(t, err)
		var w entryWriter
		w.add("", enc)
		bolt, err := raftboltdb.NewBoltStore(filepath.Join(dir, "raft.db"))
		require.NoError(t, err)
		last, err := bolt.LastIndex()
		require.NoError(t, err)
		require.NoError(t, bolt.StoreLog(&raft.Log{Index: last + 1, Term: 1, Type: raft.LogCommand, Data: w.bytes(0)}))
		require.NoError(t, bolt.Close())
		_, err = openDirNode(t, dir, span, 0)
		require.ErrorIs(t, err, ErrCorrupt)
		assert.Contains(t, err.Error(), fmt.Sprint("entry ", last+1))
	})
	t.Run("truncated snapshot", func(t *testing.T) {
		dir := t.TempDir()
		fillDir(t, dir, true)
		states, err := filepath.Glob(filepath.Join(dir, "snapshots", "*", "state.bin"))
		require.NoError(t, err)
		require.NotEmpty(t, states)
		for _, s := range states {
			fi, err := os.Stat(s)
			require.NoError(t, err)
			require.NoError(t, os.Truncate(s, fi.Size()/2))
		}
		_, err = openDirNode(t, dir, span, 0)
		require.ErrorIs(t, err, ErrCorrupt)
	})
	t.Run("zeroed pages", func(t *testing.T) {
		dir := t.TempDir()
		fillDir(t, dir, false)
		path := filepath.Join(dir, "raft.db")
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		for i := 2 * 4096; i < len(data); i++ {
			data[i] = 0
		}
		require.NoError(t, os.WriteFile(path, data, 0o600))
		_, err = openDirNode(t, dir, span, 0)
		require.ErrorIs(t, err, ErrCorrupt)
	})
}

// TestOpen_InvalidConfig: a span that is empty, or negative counts, are
// ErrConfig.
func TestOpen_InvalidConfig(t *testing.T) {
	_, tr := raft.NewInmemTransport("node0")
	base := Config[int64, int64]{ID: "node0", Transport: tr, Codec: fst.NumberCodec[int64](), Max: span, Raft: testRaftConfig()}
	for name, mutate := range map[string]func(*Config[int64, int64]){
		"Min >= Max":          func(c *Config[int64, int64]) { c.Min = c.Max },
		"negative Retain":     func(c *Config[int64, int64]) { c.Retain = -1 },
		"negative snapshots":  func(c *Config[int64, int64]) { c.SnapshotRetain = -1 },
		"negative lock wait":  func(c *Config[int64, int64]) { c.LockTimeout = -time.Second },
		"no codec":            func(c *Config[int64, int64]) { c.Codec = nil },
		"invalid raft config": func(c *Config[int64, int64]) { c.Raft = &raft.Config{} },
	} {
		cfg := base
		mutate(&cfg)
		_, err := Open(cfg)
		assert.ErrorIs(t, err, ErrConfig, name)
	}
	var zero *Node[int64, int64]
	_ = zero
	require.True(t, errors.Is(fmt.Errorf("x: %w", ErrLocked), ErrLocked))
}
