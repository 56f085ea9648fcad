package replica

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/raft"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flatseg/flatseg"
	"github.com/flatseg/flatseg/fst"
)

// The tests of issue 23, item C: a Measure that panics is an error naming
// it (ErrPanic), at Open and on a running node, never ErrCorrupt and
// never a crash of the process.

type sumNode = MeasuredNode[int64, int64, int64]

// fill writes fillSegments' 200 segments, so that the tree has inner
// nodes whose summaries later writes recompute.
func fill(tx *flatseg.MeasuredTxn[int64, int64, int64]) error {
	var b fstBatch
	fillSegments(&b)
	return b.Apply(tx)
}

func write(k, v int64) func(tx *flatseg.MeasuredTxn[int64, int64, int64]) error {
	return func(tx *flatseg.MeasuredTxn[int64, int64, int64]) error {
		_, err := tx.Insert(k, k+1, v)
		return err
	}
}

// fillPanicDir writes, with a plain Node, the 200 segments and then the
// value 5 at key 1100 to a one-node cluster in dir (taking a snapshot
// after the 5 when snapshot is set), and closes it.
func fillPanicDir(t *testing.T, dir string, snapshot bool) {
	n, err := openDirNode(t, dir, span, 0)
	require.NoError(t, err)
	require.NoError(t, n.Bootstrap([]raft.Server{{ID: "node0", Address: "node0"}}))
	require.Eventually(t, func() bool { return n.Raft().State() == raft.Leader }, waitFor, time.Millisecond)
	ctx := ctxFor(t)
	_, err = n.Update(ctx, func(tx *flatseg.Txn[int64, int64]) error {
		var b fstBatch
		fillSegments(&b)
		return b.Apply(tx)
	})
	require.NoError(t, err)
	_, err = insert(ctx, n, 1100, 1101, 5)
	require.NoError(t, err)
	if snapshot {
		require.NoError(t, n.Raft().Snapshot().Error())
	}
	require.NoError(t, n.Close())
}

func openPanicDir(dir string, m fst.Measure[int64, int64, int64]) (*sumNode, error) {
	_, tr := raft.NewInmemTransport("node0")
	return OpenMeasured(Config[int64, int64]{ID: "node0", Transport: tr, Dir: dir, Codec: fst.NumberCodec[int64](), Max: span, Raft: testRaftConfig(), LockTimeout: 100 * time.Millisecond}, m)
}

// TestOpen_MeasurePanics: a Dir whose log or snapshot holds a value the
// Measure panics on fails to open with ErrPanic, not ErrCorrupt (the Dir
// is sound), and opens with a Measure that does not panic. Before, Open
// said "ErrCorrupt: reading the Dir: measure bug on value 5".
func TestOpen_MeasurePanics(t *testing.T) {
	for _, snapshot := range []bool{false, true} {
		t.Run(fmt.Sprint("snapshot=", snapshot), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			fillPanicDir(t, dir, snapshot)
			_, err := openPanicDir(dir, panicOn{bad: 5})
			require.ErrorIs(t, err, ErrPanic)
			assert.NotErrorIs(t, err, ErrCorrupt, "the Dir is sound")
			assert.ErrorContains(t, err, "measure bug on value 5")
			if snapshot {
				assert.ErrorContains(t, err, "snapshot")
			} else {
				assert.ErrorContains(t, err, "entry")
			}
			n, err := openPanicDir(dir, panicOn{bad: -1})
			require.NoError(t, err, "the same Dir with a Measure that does not panic")
			require.NoError(t, n.Close())
		})
	}
}

// newMeasuredCluster starts 3 measured nodes in memory whose Measure
// panics on the value 5 on node *bad (none while it is -1, its start),
// and returns them with the index of the leader and a function that cuts
// a node off (the in-memory transport makes the others wait 500 ms for
// every message to a node that stopped, unless it is cut off).
func newMeasuredCluster(t *testing.T, bad *atomic.Int32) ([]*sumNode, int, func(i int)) {
	t.Helper()
	bad.Store(-1)
	var (
		nodes   []*sumNode
		addrs   []raft.ServerAddress
		trans   []*raft.InmemTransport
		servers []raft.Server
	)
	for range 3 {
		a, tr := raft.NewInmemTransport("")
		addrs, trans = append(addrs, a), append(trans, tr)
	}
	for i := range trans {
		for j := range trans {
			if i != j {
				trans[i].Connect(addrs[j], trans[j])
			}
		}
	}
	for i := range 3 {
		id := raft.ServerID(fmt.Sprint("m", i))
		m := panicOn{bad: 5, armed: func() bool { return bad.Load() == int32(i) }}
		node, err := OpenMeasured(Config[int64, int64]{ID: id, Transport: trans[i], Codec: fst.NumberCodec[int64](), Max: span, Raft: testRaftConfig()}, fst.Measure[int64, int64, int64](m))
		require.NoError(t, err)
		nodes = append(nodes, node)
		servers = append(servers, raft.Server{ID: id, Address: addrs[i]})
	}
	t.Cleanup(func() {
		for _, node := range nodes {
			_ = node.Close()
		}
	})
	require.NoError(t, nodes[0].Bootstrap(servers))
	cut := func(i int) {
		trans[i].DisconnectAll()
		for j := range trans {
			if j != i {
				trans[j].Disconnect(addrs[i])
			}
		}
	}
	return nodes, measuredLeader(t, nodes, -1), cut
}

// measuredLeader waits for a leader among nodes but skip.
func measuredLeader(t *testing.T, nodes []*sumNode, skip int) int {
	t.Helper()
	for deadline := time.Now().Add(waitFor); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		for i, n := range nodes {
			if i != skip && n.Raft().State() == raft.Leader {
				return i
			}
		}
	}
	t.Fatal("no leader elected")
	return -1
}

// TestMeasuredNode_FollowerPanics: a follower whose Measure panics on a
// value the leader writes stops itself, reports ErrPanic (Err, Update,
// Barrier), and the process and the other nodes go on.
func TestMeasuredNode_FollowerPanics(t *testing.T) {
	t.Parallel()
	var bad atomic.Int32
	nodes, l, cut := newMeasuredCluster(t, &bad)
	leader := nodes[l]
	ctx := ctxFor(t)
	before, err := leader.Update(ctx, fill)
	require.NoError(t, err)
	f := (l + 1) % 3
	other := nodes[(l+2)%3]
	_, err = nodes[f].Store().WaitFor(ctx, before.Version())
	require.NoError(t, err)
	require.NoError(t, nodes[f].Err(), "healthy")
	bad.Store(int32(f))

	_, err = leader.Update(ctx, write(1100, 5))
	require.NoError(t, err, "the leader and the other follower commit it")
	require.Eventually(t, func() bool { return nodes[f].Err() != nil }, waitFor, time.Millisecond)
	cut(f)
	err = nodes[f].Err()
	require.ErrorIs(t, err, ErrPanic)
	assert.ErrorIs(t, err, ErrClosed, "the node stopped itself")
	assert.ErrorContains(t, err, "measure bug on value 5")
	assert.Equal(t, before.Version(), nodes[f].Store().Snapshot().Version(), "it applied nothing of the entry, nor after it")
	_, err = nodes[f].Update(ctx, write(1, 1))
	assert.ErrorIs(t, err, ErrPanic)
	_, err = nodes[f].Barrier(ctx)
	assert.ErrorIs(t, err, ErrPanic)

	last, err := leader.Update(ctx, write(1101, 6))
	require.NoError(t, err, "the cluster goes on with two nodes")
	sn, err := other.Store().WaitFor(ctx, last.Version())
	require.NoError(t, err)
	seg, _ := sn.Search(1100)
	assert.Equal(t, int64(5), seg.Value)
	assert.NoError(t, leader.Err())
	assert.NoError(t, other.Err())
	require.NoError(t, nodes[f].Close(), "a stopped node closes")
}

// TestMeasuredNode_LeaderPanics: the leader's own Measure panics applying
// its entry (not while fn ran on its stage): Update returns an error
// wrapping ErrPanic and ErrAmbiguous, because the entry is committed and
// the other nodes apply it, as the next leader shows.
func TestMeasuredNode_LeaderPanics(t *testing.T) {
	t.Parallel()
	var bad atomic.Int32
	nodes, l, cut := newMeasuredCluster(t, &bad)
	leader := nodes[l]
	ctx := ctxFor(t)
	_, err := leader.Update(ctx, fill)
	require.NoError(t, err)
	_, err = leader.Update(ctx, func(tx *flatseg.MeasuredTxn[int64, int64, int64]) error {
		if err := write(1100, 5)(tx); err != nil {
			return err
		}
		bad.Store(int32(l)) // armed once the stage has computed its summaries
		return nil
	})
	require.ErrorIs(t, err, ErrPanic)
	require.ErrorIs(t, err, ErrAmbiguous, "the entry is committed: the others apply it")
	require.Eventually(t, func() bool { return leader.Err() != nil }, waitFor, time.Millisecond)
	require.ErrorIs(t, leader.Err(), ErrPanic)
	cut(l)

	next := nodes[measuredLeader(t, nodes, l)]
	var sn *flatseg.MeasuredSnapshot[int64, int64, int64]
	require.Eventually(t, func() bool {
		sn, err = next.Barrier(context.Background())
		return err == nil
	}, waitFor, 10*time.Millisecond)
	seg, _ := sn.Search(1100)
	assert.Equal(t, int64(5), seg.Value, "the write was applied")
	assert.Equal(t, sn.Measure(1000, 1200), measureSum(sn, 1000, 1200))
}

// measureSum folds the segments of sn over [a, b) by value times length.
func measureSum(sn *flatseg.MeasuredSnapshot[int64, int64, int64], a, b int64) int64 {
	var s int64
	for g := range sn.All() {
		if lo, hi := max(g.Start, a), min(g.End, b); lo < hi {
			s += g.Value * (hi - lo)
		}
	}
	return s
}

// TestMeasuredNode_StagePanics: the leader's Measure panics while fn
// writes on the group's stage, before anything is proposed. The panic
// reaches the caller of Update as a panic of fn does (the stage is
// rolled back, the write is in no entry), and the node serves on: its
// state, and every other node's, never held the write.
func TestMeasuredNode_StagePanics(t *testing.T) {
	t.Parallel()
	var bad atomic.Int32
	nodes, l, _ := newMeasuredCluster(t, &bad)
	leader := nodes[l]
	ctx := ctxFor(t)
	before, err := leader.Update(ctx, fill)
	require.NoError(t, err)
	bad.Store(int32(l))
	var recovered any
	func() {
		defer func() { recovered = recover() }()
		_, _ = leader.Update(ctx, write(1100, 5))
	}()
	require.NotNil(t, recovered, "the Measure's panic reaches the caller")
	assert.Contains(t, fmt.Sprint(recovered), "measure bug on value 5")
	assert.NoError(t, leader.Err(), "the node serves on")
	assert.Equal(t, before.Version(), leader.Store().Snapshot().Version(), "nothing was applied")

	bad.Store(-1)
	last, err := leader.Update(ctx, write(1101, 6))
	require.NoError(t, err)
	for i, n := range nodes {
		sn, err := n.Store().WaitFor(ctx, last.Version())
		require.NoError(t, err, "node %d", i)
		seg, _ := sn.Search(1100)
		was, _ := before.Search(1100)
		assert.Equal(t, was.Value, seg.Value, "node %d: the write that panicked is nowhere", i)
		assert.Equal(t, measureSum(sn, 0, span), sn.Measure(0, span), "node %d", i)
		require.NoError(t, sn.Tree().Verify(), "node %d", i)
	}
}
