// Command cluster runs a replicated flatseg store: three nodes in one
// process, talking raft over TCP on the loopback interface. A writer
// updates the leader, readers read their local replica on the followers,
// then the leader is stopped and another takes over. It prints what
// happens, with timings, and finishes in a few seconds.
package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"sync"
	"time"

	"github.com/hashicorp/raft"

	"github.com/flatseg/flatseg"
	"github.com/flatseg/flatseg/fst"
	"github.com/flatseg/flatseg/replica"
)

type node struct {
	n  *replica.Node[int64, string]
	tr *raft.NetworkTransport
}

func main() {
	log.SetFlags(0)
	start := time.Now()
	at := func() string { return fmt.Sprintf("%6.0fms", float64(time.Since(start).Microseconds())/1000) }

	// Three nodes, each with a TCP transport on 127.0.0.1 and a port the
	// system picks.
	var nodes []node
	var servers []raft.Server
	for i := range 3 {
		tr, err := raft.NewTCPTransport("127.0.0.1:0", nil, 3, 2*time.Second, io.Discard)
		if err != nil {
			log.Fatal(err)
		}
		conf := raft.DefaultConfig()
		conf.HeartbeatTimeout = 200 * time.Millisecond
		conf.ElectionTimeout = 200 * time.Millisecond
		conf.LeaderLeaseTimeout = 100 * time.Millisecond
		conf.CommitTimeout = 5 * time.Millisecond
		conf.LogOutput = io.Discard
		id := raft.ServerID(fmt.Sprint("node", i))
		n, err := replica.Open(replica.Config[int64, string]{
			ID: id, Transport: tr, Codec: fst.StringCodec[string](),
			Min: 0, Max: 1000, Init: "free", Raft: conf,
		})
		if err != nil {
			log.Fatal(err)
		}
		nodes = append(nodes, node{n, tr})
		servers = append(servers, raft.Server{ID: id, Address: tr.LocalAddr()})
		fmt.Printf("%s  %s listening on %s\n", at(), id, tr.LocalAddr())
	}
	if err := nodes[0].n.Bootstrap(servers); err != nil {
		log.Fatal(err)
	}
	leader := waitLeader(nodes, -1)
	fmt.Printf("%s  %s is the leader\n", at(), servers[leader].ID)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	// Readers on the followers: each waits for new versions of its local
	// replica and reads the segment at key 500.
	stopReaders := make(chan struct{})
	var readers sync.WaitGroup
	for i, nd := range nodes {
		if i == leader {
			continue
		}
		readers.Go(func() { reader(ctx, at, servers[i].ID, nd.n.Store(), stopReaders) })
	}

	// The writer books ranges on the leader; each Update returns once its
	// write is committed by a quorum and applied on the leader.
	write := func(n *replica.Node[int64, string], i int) (*flatseg.Snapshot[int64, string], error) {
		return n.Update(ctx, func(tx *flatseg.Txn[int64, string]) error {
			_, err := tx.Insert(int64(i*10), int64(i*10+10), fmt.Sprint("booking-", i))
			return err
		})
	}
	var last *flatseg.Snapshot[int64, string]
	for i := range 50 {
		t0 := time.Now()
		sn, err := write(nodes[leader].n, i)
		if err != nil {
			log.Fatal(err)
		}
		last = sn
		if i%10 == 0 {
			fmt.Printf("%s  write %d committed at version %d in %v\n", at(), i, sn.Version(), time.Since(t0).Round(time.Microsecond))
		}
	}

	// Stop the leader: the followers elect a new one.
	old := leader
	fmt.Printf("%s  stopping the leader %s\n", at(), servers[old].ID)
	t0 := time.Now()
	nodes[old].n.Close()
	nodes[old].tr.Close()
	leader = waitLeader(nodes, old)
	fmt.Printf("%s  %s took over after %v\n", at(), servers[leader].ID, time.Since(t0).Round(time.Millisecond))

	// Every acknowledged write survived; the writer carries on.
	sn, err := nodes[leader].n.Barrier(ctx)
	if err != nil {
		log.Fatal(err)
	}
	seg, _ := sn.Search(495)
	fmt.Printf("%s  new leader at version %d (last acknowledged write: %d): [%d, %d) is %q\n",
		at(), sn.Version(), last.Version(), seg.Start, seg.End, seg.Value)
	if sn.Version() < last.Version() {
		log.Fatal("an acknowledged write was lost")
	}
	for i := 50; i < 60; i++ {
		if last, err = write(nodes[leader].n, i); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Printf("%s  10 more writes on the new leader, up to version %d\n", at(), last.Version())

	// Read-your-writes on the remaining follower.
	for i, nd := range nodes {
		if i == old || i == leader {
			continue
		}
		sn, err := nd.n.Store().WaitFor(ctx, last.Version())
		if err != nil {
			log.Fatal(err)
		}
		seg, _ := sn.Search(595)
		fmt.Printf("%s  %s reads version %d locally: [%d, %d) is %q\n", at(), servers[i].ID, sn.Version(), seg.Start, seg.End, seg.Value)
	}
	close(stopReaders)
	readers.Wait()
	for i, nd := range nodes {
		if i != old {
			nd.n.Close()
			nd.tr.Close()
		}
	}
	fmt.Printf("%s  done\n", at())
}

// waitLeader returns the index of the leader among nodes, skipping skip.
func waitLeader(nodes []node, skip int) int {
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		for i, nd := range nodes {
			if i != skip && nd.n.Raft().State() == raft.Leader {
				return i
			}
		}
	}
	log.Fatal("no leader elected")
	return -1
}

// reader follows the versions of a follower's store until stop.
func reader(ctx context.Context, at func() string, id raft.ServerID, s *flatseg.Store[int64, string], stop <-chan struct{}) {
	seen := 0
	sn := s.Snapshot()
	for {
		select {
		case <-stop:
			fmt.Printf("%s  reader on %s saw %d versions, the last %d\n", at(), id, seen, sn.Version())
			return
		case <-sn.Stale():
			sn = s.Snapshot()
			seen++
		case <-ctx.Done():
			return
		}
	}
}
