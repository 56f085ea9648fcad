package replica

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/raft"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flatseg/flatseg"
	"github.com/flatseg/flatseg/fst"
	"github.com/flatseg/flatseg/internal/testenv"
)

// The tests run raft with the timeouts of raft's own tests (50 ms), on the
// in-memory transport, and bound every wait.

const (
	span    = 1 << 12 // keys [0, span)
	waitFor = 10 * time.Second
)

func testRaftConfig() *raft.Config {
	c := raft.DefaultConfig()
	c.HeartbeatTimeout = 50 * time.Millisecond
	c.ElectionTimeout = 50 * time.Millisecond
	c.LeaderLeaseTimeout = 50 * time.Millisecond
	c.CommitTimeout = 5 * time.Millisecond
	c.LogOutput = io.Discard
	return c
}

type cluster struct {
	t     testing.TB
	nodes []*Node[int64, int64]
	addrs []raft.ServerAddress
	trans []*raft.InmemTransport
}

// newCluster starts n connected nodes in memory and bootstraps them.
func newCluster(t testing.TB, n int, tune func(*raft.Config)) *cluster {
	t.Helper()
	c := &cluster{t: t}
	for range n {
		addr, tr := raft.NewInmemTransport("")
		c.addrs, c.trans = append(c.addrs, addr), append(c.trans, tr)
	}
	c.connectAll()
	var servers []raft.Server
	for i := range n {
		conf := testRaftConfig()
		if tune != nil {
			tune(conf)
		}
		node, err := Open(Config[int64, int64]{
			ID: raft.ServerID(fmt.Sprint("node", i)), Transport: c.trans[i],
			Codec: fst.NumberCodec[int64](), Min: 0, Max: span, Raft: conf,
		})
		require.NoError(t, err)
		c.nodes = append(c.nodes, node)
		servers = append(servers, raft.Server{ID: raft.ServerID(fmt.Sprint("node", i)), Address: c.addrs[i]})
	}
	require.NoError(t, c.nodes[0].Bootstrap(servers))
	t.Cleanup(func() {
		for _, node := range c.nodes {
			_ = node.Close()
		}
	})
	return c
}

func (c *cluster) connectAll() {
	for i := range c.trans {
		for j := range c.trans {
			if i != j {
				c.trans[i].Connect(c.addrs[j], c.trans[j])
			}
		}
	}
}

// isolate cuts node i off from the others, both ways.
func (c *cluster) isolate(i int) {
	c.trans[i].DisconnectAll()
	for j := range c.trans {
		if j != i {
			c.trans[j].Disconnect(c.addrs[i])
		}
	}
}

// leader waits for a leader among the open nodes (skip excluded).
func (c *cluster) leader(skip ...int) *Node[int64, int64] {
	c.t.Helper()
	deadline := time.Now().Add(waitFor)
	for time.Now().Before(deadline) {
		for i, n := range c.nodes {
			if !slices.Contains(skip, i) && n.Raft().State() == raft.Leader {
				return n
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	c.t.Fatal("no leader elected")
	return nil
}

func ctxFor(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	t.Cleanup(cancel)
	return ctx
}

func insert(ctx context.Context, n *Node[int64, int64], start, end, v int64) (*flatseg.Snapshot[int64, int64], error) {
	return n.Update(ctx, func(tx *flatseg.Txn[int64, int64]) error {
		_, err := tx.Insert(start, end, v)
		return err
	})
}

func segments(sn *flatseg.Snapshot[int64, int64]) []fst.Segment[int64, int64] {
	return slices.Collect(sn.All())
}

// denseModel is the obviously correct model: one value per key.
type denseModel []int64

func (m denseModel) segments() []fst.Segment[int64, int64] {
	var out []fst.Segment[int64, int64]
	for k, v := range m {
		if k == 0 || v != m[k-1] {
			out = append(out, fst.Segment[int64, int64]{Start: int64(k), End: int64(len(m)), Value: v})
			if len(out) > 1 {
				out[len(out)-2].End = int64(k)
			}
		}
	}
	return out
}

// TestReplica_SeededUpdates: seeded random updates through the leader;
// every replica ends equal to a model that applied exactly the
// acknowledged updates, at the same version.
func TestReplica_SeededUpdates(t *testing.T) {
	t.Parallel()
	for _, seed := range []uint64{1, 2} {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			c := newCluster(t, 3, nil)
			ctx := ctxFor(t)
			leader := c.leader()
			r := rand.New(rand.NewPCG(seed, 0))
			model := make(denseModel, span)
			var last *flatseg.Snapshot[int64, int64]
			for range 150 {
				a, b := r.Int64N(span), r.Int64N(span)
				if a > b {
					a, b = b, a
				}
				v := r.Int64N(4)
				sn, err := insert(ctx, leader, a, b+1, v)
				require.NoError(t, err)
				for k := a; k <= b; k++ {
					model[k] = v
				}
				if last != nil {
					require.GreaterOrEqual(t, sn.Version(), last.Version())
				}
				last = sn
				assert.Equal(t, model.segments(), segments(sn), "the snapshot Update returns holds the write")
			}
			for i, n := range c.nodes {
				sn, err := n.Store().Wait(ctx, last.Version()-1)
				require.NoError(t, err, "node %d", i)
				assert.Equal(t, last.Version(), sn.Version(), "node %d: same version", i)
				assert.Equal(t, model.segments(), segments(sn), "node %d", i)
				require.NoError(t, sn.Tree().Verify())
			}
		})
	}
}

// TestReplica_GroupCommitIsSerializable: 16 goroutines increment counters
// with read-modify-write transactions; group commit runs them on a stage
// that holds the earlier ones, so no increment is lost.
func TestReplica_GroupCommitIsSerializable(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 3, nil)
	ctx := ctxFor(t)
	leader := c.leader()
	const writers, each = 16, 25
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for range each {
				_, err := leader.Update(ctx, func(tx *flatseg.Txn[int64, int64]) error {
					seg, _ := tx.Search(int64(w % 4))
					_, err := tx.Insert(int64(w%4), int64(w%4)+1, seg.Value+1)
					return err
				})
				assert.NoError(t, err)
			}
		})
	}
	wg.Wait()
	sn, err := leader.Barrier(ctx)
	require.NoError(t, err)
	var total int64
	for k := range int64(4) {
		seg, _ := sn.Search(k)
		total += seg.Value
	}
	assert.Equal(t, int64(writers*each), total)
	entries, _ := strconv.Atoi(leader.Raft().Stats()["last_log_index"])
	t.Logf("%d updates in %d log entries", writers*each, entries)
}

// TestReplica_UpdateContract: errors roll back and propose nothing, a
// transaction that writes nothing proposes nothing, panics reach the
// caller, followers refuse writes.
func TestReplica_UpdateContract(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 3, nil)
	ctx := ctxFor(t)
	leader := c.leader()
	// A first write: the leader's first transaction of its term waits for
	// a barrier entry, which is raft's, not the transaction's.
	first, err := insert(ctx, leader, 900, 901, 1)
	require.NoError(t, err)
	before := leader.Raft().LastIndex()
	boom := errors.New("boom")
	_, err = leader.Update(ctx, func(tx *flatseg.Txn[int64, int64]) error {
		_, _ = tx.Insert(1, 2, 3)
		return boom
	})
	require.ErrorIs(t, err, boom)
	sn, err := leader.Update(ctx, func(tx *flatseg.Txn[int64, int64]) error {
		_, err := tx.Insert(900, 901, 1) // already so: no change
		return err
	})
	require.NoError(t, err)
	assert.Equal(t, first.Version(), sn.Version())
	assert.Equal(t, before, leader.Raft().LastIndex(), "nothing was proposed")
	assert.PanicsWithValue(t, "in fn", func() {
		_, _ = leader.Update(ctx, func(tx *flatseg.Txn[int64, int64]) error { panic("in fn") })
	})
	_, err = insert(ctx, leader, 5, 6, 1) // the proposer survived the panic
	require.NoError(t, err)
	for _, n := range c.nodes {
		if n != leader {
			_, err := insert(ctx, n, 1, 2, 3)
			require.ErrorIs(t, err, ErrNotLeader)
			_, err = n.Barrier(ctx)
			require.ErrorIs(t, err, ErrNotLeader)
		}
	}
}

// TestReplica_CatchUpBySnapshot: a follower cut off while the leader
// commits past its snapshot threshold and trailing logs catches up by
// InstallSnapshot, and its watchers wake on the restored state.
func TestReplica_CatchUpBySnapshot(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 3, func(conf *raft.Config) {
		conf.SnapshotThreshold = 16
		conf.TrailingLogs = 4
		conf.SnapshotInterval = 20 * time.Millisecond
	})
	ctx := ctxFor(t)
	leader := c.leader()
	_, err := insert(ctx, leader, 0, 10, 1)
	require.NoError(t, err)
	f := slices.IndexFunc(c.nodes, func(n *Node[int64, int64]) bool { return n != leader })
	follower := c.nodes[f]
	held, err := follower.Store().Wait(ctx, 0)
	require.NoError(t, err)
	woke := make(chan *flatseg.Snapshot[int64, int64], 1)
	go func() {
		sn, err := follower.Store().WaitRange(ctx, held, 3000, 3100)
		assert.NoError(t, err)
		woke <- sn
	}()

	c.isolate(f)
	leader = c.leader(f)
	for i := range int64(60) {
		_, err = insert(ctx, leader, 1000+i, 1001+i, i%3+1)
		require.NoError(t, err)
	}
	last, err := insert(ctx, leader, 3050, 3051, 9)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		idx, _ := strconv.ParseUint(leader.Raft().Stats()["last_snapshot_index"], 10, 64)
		return idx > 0
	}, waitFor, 10*time.Millisecond, "the leader snapshots on its own (SnapshotThreshold)")
	// The automatic snapshot may lag the last write by up to the threshold:
	// one taken now covers every write, and compacts the log to the last
	// TrailingLogs entries, far past what the follower holds.
	if err := leader.Raft().Snapshot().Error(); err != nil {
		require.ErrorIs(t, err, raft.ErrNothingNewToSnapshot)
	}
	idx, _ := strconv.ParseUint(leader.Raft().Stats()["last_snapshot_index"], 10, 64)
	require.GreaterOrEqual(t, idx, last.Version(), "the snapshot covers every write")

	c.connectAll()
	sn, err := follower.Store().Wait(ctx, last.Version()-1)
	require.NoError(t, err)
	assert.Equal(t, segments(last), segments(sn))
	assert.Positive(t, follower.fsm.restores.Load(), "caught up by InstallSnapshot")
	assert.Eventually(t, func() bool {
		idx, _ := strconv.ParseUint(follower.Raft().Stats()["last_snapshot_index"], 10, 64)
		return idx > 0
	}, waitFor, time.Millisecond, "raft records the installed snapshot")
	select {
	case got := <-woke:
		seg, _ := got.Search(3050)
		assert.Equal(t, int64(9), seg.Value, "WaitRange woke on the restored state")
	case <-time.After(waitFor):
		t.Fatal("WaitRange on the follower did not wake")
	}
}

// TestReplica_FollowerWatchers: WaitRange on a follower wakes on applied
// entries that touch its range, not on others.
func TestReplica_FollowerWatchers(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 3, nil)
	ctx := ctxFor(t)
	leader := c.leader()
	follower := c.nodes[slices.IndexFunc(c.nodes, func(n *Node[int64, int64]) bool { return n != leader })]
	held := follower.Store().Snapshot()
	woke := make(chan *flatseg.Snapshot[int64, int64], 1)
	go func() {
		sn, err := follower.Store().WaitRange(ctx, held, 100, 200)
		assert.NoError(t, err)
		woke <- sn
	}()
	_, err := insert(ctx, leader, 10, 20, 1) // outside
	require.NoError(t, err)
	inside, err := insert(ctx, leader, 150, 160, 2)
	require.NoError(t, err)
	select {
	case got := <-woke:
		assert.Equal(t, inside.Version(), got.Version())
	case <-time.After(waitFor):
		t.Fatal("WaitRange on the follower did not wake")
	}
}

// TestReplica_LeaderFailover: writers keep writing while the leader shuts
// down; another is elected, no acknowledged update is lost, and every
// update is wholly present or wholly absent.
func TestReplica_LeaderFailover(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 3, nil)
	ctx := ctxFor(t)
	first := c.leader()
	firstIdx := slices.Index(c.nodes, first)
	// Update id writes id at key id and at key span/2+id: both or neither;
	// and it increments the counter at key span-1, a read-modify-write that
	// loses increments if a transaction ever reads a stale state.
	write := func(n *Node[int64, int64], id int64) error {
		_, err := n.Update(ctx, func(tx *flatseg.Txn[int64, int64]) error {
			if _, err := tx.Insert(id, id+1, id); err != nil {
				return err
			}
			if _, err := tx.Insert(span/2+id, span/2+id+1, id); err != nil {
				return err
			}
			counter, _ := tx.Search(span - 1)
			_, err := tx.Insert(span-1, span, counter.Value+1)
			return err
		})
		return err
	}
	var (
		mu    sync.Mutex
		acked []int64
		next  = int64(1)
	)
	stopped := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				mu.Lock()
				id := next
				next++
				mu.Unlock()
				if id >= span/2-1 {
					return
				}
				n := first
				select {
				case <-stopped:
					n = c.leader(firstIdx)
				default:
				}
				if err := write(n, id); err == nil {
					mu.Lock()
					acked = append(acked, id)
					done := len(acked) >= 300
					mu.Unlock()
					if done {
						return
					}
				}
			}
		})
	}
	require.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(acked) >= 60 }, waitFor, time.Millisecond)
	start := time.Now()
	require.NoError(t, first.Close())
	close(stopped)
	second := c.leader(firstIdx)
	t.Logf("new leader after %v", time.Since(start))
	wg.Wait()
	sn, err := second.Barrier(ctx)
	require.NoError(t, err)
	mu.Lock()
	defer mu.Unlock()
	for _, id := range acked {
		a, _ := sn.Search(id)
		require.Equal(t, id, a.Value, "acknowledged update %d lost", id)
	}
	present := int64(0)
	for id := int64(1); id < span/2-1; id++ {
		a, _ := sn.Search(id)
		b, _ := sn.Search(span/2 + id)
		require.Equal(t, a.Value, b.Value, "update %d half applied", id)
		if a.Value == id {
			present++
		}
	}
	counter, _ := sn.Search(span - 1)
	assert.Equal(t, present, counter.Value, "every applied update incremented the counter once")
	for i, n := range c.nodes {
		if i == firstIdx {
			continue
		}
		got, err := n.Store().Wait(ctx, sn.Version()-1)
		require.NoError(t, err)
		assert.Equal(t, segments(sn), segments(got), "node %d", i)
	}
}

// TestReplica_DurableReopen: a one-node cluster with a Dir is a durable
// embedded store: closed and reopened, it comes back with every write, at
// the same version.
func TestReplica_DurableReopen(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx := ctxFor(t)
	open := func() *Node[int64, int64] {
		_, tr := raft.NewInmemTransport("node0")
		n, err := Open(Config[int64, int64]{ID: "node0", Transport: tr, Dir: dir, Codec: fst.NumberCodec[int64](), Max: span, Raft: testRaftConfig()})
		require.NoError(t, err)
		require.NoError(t, n.Bootstrap([]raft.Server{{ID: "node0", Address: "node0"}}))
		require.Eventually(t, func() bool { return n.Raft().State() == raft.Leader }, waitFor, 5*time.Millisecond)
		return n
	}
	n := open()
	var last *flatseg.Snapshot[int64, int64]
	var err error
	for i := range int64(40) {
		last, err = insert(ctx, n, i*10, i*10+5, i+1)
		require.NoError(t, err)
	}
	require.NoError(t, n.Raft().Snapshot().Error()) // some state from a snapshot, the rest from the log
	for i := range int64(10) {
		last, err = insert(ctx, n, 2000+i, 2001+i, 7)
		require.NoError(t, err)
	}
	require.NoError(t, n.Close())

	n = open()
	defer n.Close()
	got, err := n.Barrier(ctx)
	require.NoError(t, err)
	assert.Equal(t, last.Version(), got.Version())
	assert.Equal(t, segments(last), segments(got))
}

// TestReplica_KillAndReopen: a process killed without Close loses no
// acknowledged write, at any point. The child (this test binary, re-run)
// opens the Dir, writes and prints each acknowledgement; the parent kills
// it with SIGKILL after a random number of them, reopens the Dir, checks
// every write acknowledged so far, and starts the next child on the same
// Dir. FLATSEG_KILL_POINTS sets the number of kill points (1 by default,
// 200 with FLATSEG_DEEP).
func TestReplica_KillAndReopen(t *testing.T) {
	if dir := os.Getenv("FLATSEG_REPLICA_CHILD"); dir != "" {
		from, _ := strconv.ParseInt(os.Getenv("FLATSEG_REPLICA_FROM"), 10, 64)
		killChild(dir, from)
		return
	}
	t.Parallel()
	points := testenv.Int(t, "FLATSEG_KILL_POINTS", testenv.Pick(t, 1, 200))
	dir := t.TempDir()
	r := rand.New(rand.NewPCG(uint64(points), 7))
	from := int64(1)
	lost, total := 0, 0
	for point := range points {
		want := 1 + r.IntN(60)
		cmd := exec.Command(os.Args[0], "-test.run=^TestReplica_KillAndReopen$")
		cmd.Env = append(os.Environ(), "FLATSEG_REPLICA_CHILD="+dir, fmt.Sprint("FLATSEG_REPLICA_FROM=", from))
		out, err := cmd.StdoutPipe()
		require.NoError(t, err)
		cmd.Stderr = os.Stderr
		require.NoError(t, cmd.Start())
		acked := map[int64]bool{}
		var lastVersion uint64
		lines := bufio.NewScanner(out)
		for lines.Scan() && len(acked) < want {
			var id int64
			var version uint64
			if _, err := fmt.Sscanf(lines.Text(), "ack %d %d", &id, &version); err == nil {
				acked[id] = true
				lastVersion = max(lastVersion, version)
			}
		}
		require.NoError(t, cmd.Process.Kill())
		_ = cmd.Wait()
		require.Len(t, acked, want, "kill point %d: the child acknowledged writes", point)

		_, tr := raft.NewInmemTransport("node0")
		n, err := Open(Config[int64, int64]{ID: "node0", Transport: tr, Dir: dir, Codec: fst.NumberCodec[int64](), Max: span, Raft: testRaftConfig()})
		require.NoError(t, err, "kill point %d", point)
		require.NoError(t, n.Bootstrap([]raft.Server{{ID: "node0", Address: "node0"}}))
		require.Eventually(t, func() bool { return n.Raft().State() == raft.Leader }, waitFor, time.Millisecond)
		sn, err := n.Barrier(ctxFor(t))
		require.NoError(t, err)
		assert.GreaterOrEqual(t, sn.Version(), lastVersion, "kill point %d", point)
		for id := range acked {
			seg, _ := sn.Search(id % span)
			if !assert.Equal(t, id, seg.Value, "kill point %d: acknowledged write %d lost", point, id) {
				lost++
			}
		}
		total += len(acked)
		require.NoError(t, n.Close())
		from += int64(want) + 200 // past anything the child may have written unacknowledged
	}
	t.Logf("%d kill points, %d acknowledged writes, %d lost", points, total, lost)
}

// killChild is the child of TestReplica_KillAndReopen: it writes id at key
// id mod span, for id = from, from+1, ..., until it is killed, printing
// "ack id version" once each write is acknowledged.
func killChild(dir string, from int64) {
	_, tr := raft.NewInmemTransport("node0")
	n, err := Open(Config[int64, int64]{ID: "node0", Transport: tr, Dir: dir, Codec: fst.NumberCodec[int64](), Max: span, Raft: testRaftConfig()})
	if err != nil {
		panic(err)
	}
	if err := n.Bootstrap([]raft.Server{{ID: "node0", Address: "node0"}}); err != nil {
		panic(err)
	}
	for n.Raft().State() != raft.Leader {
		time.Sleep(time.Millisecond)
	}
	w := bufio.NewWriter(os.Stdout)
	for id := from; ; id++ {
		sn, err := insert(context.Background(), n, id%span, id%span+1, id)
		if err != nil {
			panic(err)
		}
		fmt.Fprintf(w, "ack %d %d\n", id, sn.Version())
		w.Flush()
	}
}

// TestReplica_ReadPathAllocatesNothing: a replica's reads are a Store's:
// one atomic load for the snapshot, no allocation for a search.
func TestReplica_ReadPathAllocatesNothing(t *testing.T) {
	c := newCluster(t, 3, nil)
	ctx := ctxFor(t)
	leader := c.leader()
	sn, err := insert(ctx, leader, 10, 20, 3)
	require.NoError(t, err)
	for _, n := range c.nodes {
		_, err := n.Store().Wait(ctx, sn.Version()-1)
		require.NoError(t, err)
		var v int64
		allocs := testing.AllocsPerRun(1000, func() {
			seg, _ := n.Store().Snapshot().Search(15)
			v = seg.Value
		})
		assert.Zero(t, allocs)
		assert.Equal(t, int64(3), v)
	}
}
