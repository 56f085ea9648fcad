package replica

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hashicorp/raft"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flatseg/flatseg"
	"github.com/flatseg/flatseg/fst"
)

// sumCount sums values and counts keys: the test measure of measured nodes.
type sumCount struct{ Sum, Keys int64 }

type sumCountOf struct{}

func (sumCountOf) Of(v, n int64) sumCount         { return sumCount{v * n, n} }
func (sumCountOf) Combine(a, b sumCount) sumCount { return sumCount{a.Sum + b.Sum, a.Keys + b.Keys} }
func measureOf(segs []fst.Segment[int64, int64], a, b int64) sumCount {
	var s sumCount
	for _, g := range segs {
		if lo, hi := max(g.Start, a), min(g.End, b); lo < hi {
			s = sumCountOf{}.Combine(s, sumCountOf{}.Of(g.Value, hi-lo))
		}
	}
	return s
}

type measuredSnap = flatseg.MeasuredSnapshot[int64, int64, sumCount]

// checkMeasure compares Measure on sn with a fold of its segments over a
// few ranges.
func checkMeasure(t *testing.T, sn *measuredSnap, what string) {
	t.Helper()
	segs := collectSegs(sn)
	for _, r := range [][2]int64{{0, span}, {0, 1}, {10, 2000}, {777, 3001}, {span - 5, span}} {
		got := sn.Measure(r[0], r[1])
		assert.Equal(t, measureOf(segs, r[0], r[1]), got, "%s: Measure(%d, %d)", what, r[0], r[1])
	}
}

func collectSegs(sn *measuredSnap) []fst.Segment[int64, int64] {
	var out []fst.Segment[int64, int64]
	for s := range sn.All() {
		out = append(out, s)
	}
	return out
}

// TestMeasuredNode_FollowersAnswer: writes on the leader of a measured
// cluster reach every follower with their summaries, and each follower
// answers Measure and Seek locally the same as the leader.
func TestMeasuredNode_FollowersAnswer(t *testing.T) {
	t.Parallel()
	n := 3
	var nodes []*MeasuredNode[int64, int64, sumCount]
	var addrs []raft.ServerAddress
	var trans []*raft.InmemTransport
	for range n {
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
	var servers []raft.Server
	for i := range n {
		id := raft.ServerID(fmt.Sprint("m", i))
		node, err := OpenMeasured(Config[int64, int64]{ID: id, Transport: trans[i], Codec: fst.NumberCodec[int64](), Max: span, Raft: testRaftConfig()}, fst.Measure[int64, int64, sumCount](sumCountOf{}))
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
	var leader *MeasuredNode[int64, int64, sumCount]
	for deadline := time.Now().Add(waitFor); leader == nil && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		for _, node := range nodes {
			if node.Raft().State() == raft.Leader {
				leader = node
			}
		}
	}
	require.NotNil(t, leader, "no leader elected")
	ctx := ctxFor(t)
	rng := rand.New(rand.NewPCG(1, 15))
	var last *measuredSnap
	for range 20 {
		sn, err := leader.Update(ctx, func(tx *flatseg.MeasuredTxn[int64, int64, sumCount]) error {
			a := rng.Int64N(span - 100)
			switch rng.IntN(4) {
			case 0:
				return tx.ShiftRight(a, 1+rng.Int64N(50), false)
			case 1:
				return tx.ShiftLeft(a, a+1+rng.Int64N(50))
			case 2:
				_, err := tx.Apply(a, a+1+rng.Int64N(300), func(v int64) int64 { return v + 1 })
				return err
			}
			_, err := tx.Insert(a, a+1+rng.Int64N(300), rng.Int64N(5))
			return err
		})
		require.NoError(t, err)
		last = sn
	}
	checkMeasure(t, last, "leader")
	want := last.Measure(0, span)
	wantEnd, _, wantOK := last.Seek(0, func(s sumCount) bool { return s.Sum > want.Sum/2 })
	for i, node := range nodes {
		sn, err := node.Store().WaitFor(ctx, last.Version())
		require.NoError(t, err)
		checkMeasure(t, sn, fmt.Sprint("node ", i))
		end, _, ok := sn.Seek(0, func(s sumCount) bool { return s.Sum > want.Sum/2 })
		assert.Equal(t, wantEnd, end, "node %d: Seek", i)
		assert.Equal(t, wantOK, ok, "node %d: Seek", i)
		require.NoError(t, sn.Tree().Verify(), "node %d", i)
	}
}

// TestMeasuredNode_DirReopen: a measured node's Dir (log and snapshot, no
// summaries) reopens as a measured node, which rebuilds the summaries from
// the snapshot and the log, and as a plain Node with the same contents.
func TestMeasuredNode_DirReopen(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	m := fst.Measure[int64, int64, sumCount](sumCountOf{})
	lead := func(r *raft.Raft) {
		for deadline := time.Now().Add(waitFor); r.State() != raft.Leader; time.Sleep(10 * time.Millisecond) {
			require.True(t, time.Now().Before(deadline), "no leader elected")
		}
	}
	open := func(boot bool) *MeasuredNode[int64, int64, sumCount] {
		_, tr := raft.NewInmemTransport("node0")
		n, err := OpenMeasured(Config[int64, int64]{ID: "node0", Transport: tr, Dir: dir, Codec: fst.NumberCodec[int64](), Max: span, Raft: testRaftConfig()}, m)
		require.NoError(t, err)
		if boot {
			require.NoError(t, n.Bootstrap([]raft.Server{{ID: "node0", Address: "node0"}}))
		}
		lead(n.Raft())
		return n
	}
	n := open(true)
	ctx := ctxFor(t)
	write := func(n *MeasuredNode[int64, int64, sumCount], a, b, v int64) *measuredSnap {
		sn, err := n.Update(ctx, func(tx *flatseg.MeasuredTxn[int64, int64, sumCount]) error {
			_, err := tx.Insert(a, b, v)
			return err
		})
		require.NoError(t, err)
		return sn
	}
	write(n, 10, 100, 3)
	write(n, 50, 400, 7)
	require.NoError(t, n.Raft().Snapshot().Error(), "the snapshot holds the first writes")
	last := write(n, 1000, 3000, 2)
	want := collectSegs(last)
	require.NoError(t, n.Close())

	n = open(false)
	sn, err := n.Barrier(ctx)
	require.NoError(t, err)
	assert.Equal(t, want, collectSegs(sn))
	checkMeasure(t, sn, "reopened measured")
	require.NoError(t, n.Close())

	_, tr := raft.NewInmemTransport("node0")
	p, err := Open(Config[int64, int64]{ID: "node0", Transport: tr, Dir: dir, Codec: fst.NumberCodec[int64](), Max: span, Raft: testRaftConfig()})
	require.NoError(t, err)
	lead(p.Raft())
	psn, err := p.Barrier(ctx)
	require.NoError(t, err)
	assert.Equal(t, want, segments(psn), "the same Dir as a plain Node")
	require.NoError(t, p.Close())

	_, err = OpenMeasured[int64, int64, sumCount](Config[int64, int64]{ID: "x", Transport: tr, Codec: fst.NumberCodec[int64](), Max: span}, nil)
	assert.ErrorIs(t, err, ErrConfig, "no Measure")
}
