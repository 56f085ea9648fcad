package replica_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/hashicorp/raft"

	"github.com/flatseg/flatseg"
	"github.com/flatseg/flatseg/fst"
	"github.com/flatseg/flatseg/replica"
)

// A one-node cluster with a Dir is a durable embedded store; more nodes
// list each other in Bootstrap's servers and share the Transport's network.
func ExampleNode() {
	dir, _ := os.MkdirTemp("", "flatseg-replica")
	defer os.RemoveAll(dir)
	addr, transport := raft.NewInmemTransport("node0") // replica.NewTLSTransport in production
	conf := raft.DefaultConfig()
	conf.LogOutput = io.Discard
	n, err := replica.Open(replica.Config[int64, string]{
		ID: "node0", Transport: transport, Dir: dir, Raft: conf,
		Codec: fst.StringCodec[string](), Min: 0, Max: 1000, Init: "free",
	})
	if err != nil {
		panic(err)
	}
	defer n.Close()
	if err := n.Bootstrap([]raft.Server{{ID: "node0", Address: addr}}); err != nil {
		panic(err) // once, on one node of a new cluster
	}
	for n.Raft().State() != raft.Leader {
		time.Sleep(10 * time.Millisecond)
	}

	ctx := context.Background()
	sn, err := n.Update(ctx, func(tx *flatseg.Txn[int64, string]) error {
		_, err := tx.Insert(10, 20, "alice")
		return err
	})
	if err != nil {
		panic(err)
	}
	// On any node, the write is visible once the local store reaches its
	// version.
	local, _ := n.Store().WaitFor(ctx, sn.Version())
	seg, _ := local.Search(15)
	fmt.Printf("[%d, %d) %s, at the version of the write: %v\n", seg.Start, seg.End, seg.Value, local.Version() == sn.Version())
	// Output:
	// [10, 20) alice, at the version of the write: true
}

// visible counts the keys not marked hidden (1): the Measure of a
// measured node.
type visible struct{}

func (visible) Of(hidden uint8, n int64) int64 {
	if hidden == 1 {
		return 0
	}
	return n
}

func (visible) Combine(a, b int64) int64 { return a + b }

// A MeasuredNode replicates a MeasuredStore: every node keeps the
// summaries, so any of them answers Measure and Seek locally. OpenMeasured
// takes the Measure; OpenMeasuredFunc also takes an equality.
func ExampleOpenMeasured() {
	addr, transport := raft.NewInmemTransport("node0")
	conf := raft.DefaultConfig()
	conf.LogOutput = io.Discard
	conf.HeartbeatTimeout, conf.ElectionTimeout, conf.LeaderLeaseTimeout = 50*time.Millisecond, 50*time.Millisecond, 50*time.Millisecond
	n, err := replica.OpenMeasured(replica.Config[int64, uint8]{
		ID: "node0", Transport: transport, Raft: conf,
		Codec: fst.NumberCodec[uint8](), Min: 0, Max: 1000,
	}, visible{})
	if err != nil {
		panic(err)
	}
	defer n.Close()
	if err := n.Bootstrap([]raft.Server{{ID: "node0", Address: addr}}); err != nil {
		panic(err)
	}
	for n.Raft().State() != raft.Leader {
		time.Sleep(10 * time.Millisecond)
	}
	ctx := context.Background()
	sn, err := n.Update(ctx, func(tx *flatseg.MeasuredTxn[int64, uint8, int64]) error {
		_, err := tx.Insert(100, 300, 1) // hide [100, 300)
		return err
	})
	if err != nil {
		panic(err)
	}
	local, _ := n.Store().WaitFor(ctx, sn.Version())
	shown := local.Measure(0, 1000)
	row, _, _ := local.Seek(0, func(v int64) bool { return v > 150 }) // the 151st visible key
	fmt.Println(shown, row-1)
	// Output: 800 350
}

// A write whose outcome the caller did not see (ErrAmbiguous: leadership
// lost, Close or ctx while its entry committed) is retried with the same
// id, on whichever node leads, until a call returns nil: it is applied
// exactly once. A call whose id was applied already does not run fn.
func ExampleMeasuredNode_UpdateOnce() {
	addr, transport := raft.NewInmemTransport("node0")
	conf := raft.DefaultConfig()
	conf.LogOutput = io.Discard
	conf.HeartbeatTimeout, conf.ElectionTimeout, conf.LeaderLeaseTimeout = 50*time.Millisecond, 50*time.Millisecond, 50*time.Millisecond
	n, err := replica.Open(replica.Config[int64, int64]{
		ID: "node0", Transport: transport, Raft: conf,
		Codec: fst.NumberCodec[int64](), Min: 0, Max: 1000,
	})
	if err != nil {
		panic(err)
	}
	defer n.Close()
	if err := n.Bootstrap([]raft.Server{{ID: "node0", Address: addr}}); err != nil {
		panic(err)
	}
	for n.Raft().State() != raft.Leader {
		time.Sleep(10 * time.Millisecond)
	}

	ctx := context.Background()
	deposit := func(tx *flatseg.Txn[int64, int64]) error { // not idempotent
		seg, _ := tx.Search(7)
		_, err := tx.Insert(7, 8, seg.Value+100)
		return err
	}
	const id = "deposit 2026-0001" // chosen once, kept across retries
	for attempt := 1; ; attempt++ {
		_, err := n.UpdateOnce(ctx, id, deposit)
		if err == nil {
			break
		}
		if attempt == 10 {
			panic(err) // applied once or not at all; the next retry would tell
		}
		// ErrAmbiguous: it may have been applied; any other error: it was
		// not. Either way the retry carries the id.
		time.Sleep(100 * time.Millisecond)
	}
	sn, err := n.UpdateOnce(ctx, id, deposit) // a retry that comes late
	if err != nil {
		panic(err)
	}
	seg, _ := sn.Search(7)
	fmt.Println("balance", seg.Value)
	// Output: balance 100
}
