package replica

import (
	"errors"
	"fmt"
	"go.uber.org/atomic"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/hashicorp/raft"

	"github.com/flatseg/flatseg/fst"
)

// This file holds the faults of the robustness test (robust_test.go): a
// network whose links drop, delay or cut raft's messages, a transport that
// routes every message through it, and a cluster of durable nodes that can
// be closed and reopened while clients use them.

// errInjected is what a faulty link returns for a message it drops.
var errInjected = errors.New("robust: message dropped by an injected fault")

// link is the fault on the messages one node sends to another.
type link struct {
	cut   bool          // every message fails
	drop  float64       // this fraction fails, half before delivery, half after (the reply is lost)
	delay time.Duration // each message waits up to this long before it is sent
}

// faultNet holds the faults of every directed link of a cluster. The zero
// link (no entry) delivers everything at once.
type faultNet struct {
	mu    sync.Mutex
	links map[[2]raft.ServerAddress]link
	down  map[raft.ServerAddress]bool // closed nodes: messages to them fail at once, as to a closed port
	rng   *rand.Rand
}

func newFaultNet(seed uint64) *faultNet {
	return &faultNet{
		links: map[[2]raft.ServerAddress]link{},
		down:  map[raft.ServerAddress]bool{},
		rng:   rand.New(rand.NewPCG(seed, 1)),
	}
}

// setDown marks a node closed or open again.
func (f *faultNet) setDown(addr raft.ServerAddress, down bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.down[addr] = down
}

func (f *faultNet) set(from, to raft.ServerAddress, l link) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.links[[2]raft.ServerAddress{from, to}] = l
}

// heal removes every fault but the closed nodes.
func (f *faultNet) heal() {
	f.mu.Lock()
	defer f.mu.Unlock()
	clear(f.links)
}

// decide draws the fate of one message from one node to another: fail it
// before delivery, deliver it and lose the reply, and how long to hold it.
func (f *faultNet) decide(from, to raft.ServerAddress) (before, after bool, delay time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	l := f.links[[2]raft.ServerAddress{from, to}]
	if l.cut || f.down[to] || f.down[from] {
		return true, false, 0
	}
	if l.drop > 0 && f.rng.Float64() < l.drop {
		if f.rng.IntN(2) == 0 {
			before = true
		} else {
			after = true
		}
	}
	if l.delay > 0 {
		delay = time.Duration(f.rng.Int64N(int64(l.delay)))
	}
	return before, after, delay
}

// faultyTransport is a raft.Transport that sends through an in-memory
// transport and applies the faults of its network to every outgoing
// message. It refuses pipelining, so that raft sends every AppendEntries
// through it.
type faultyTransport struct {
	inner *raft.InmemTransport
	net   *faultNet
}

var (
	_ raft.Transport   = (*faultyTransport)(nil)
	_ raft.WithClose   = (*faultyTransport)(nil)
	_ raft.WithPreVote = (*faultyTransport)(nil)
)

// send applies the faults of the link to target around the call that
// delivers the message.
func (t *faultyTransport) send(target raft.ServerAddress, deliver func() error) error {
	before, after, delay := t.net.decide(t.inner.LocalAddr(), target)
	if delay > 0 {
		time.Sleep(delay)
	}
	if before {
		return fmt.Errorf("%w: to %s", errInjected, target)
	}
	if err := deliver(); err != nil {
		return err
	}
	if after {
		return fmt.Errorf("%w: the reply from %s", errInjected, target)
	}
	return nil
}

func (t *faultyTransport) Consumer() <-chan raft.RPC          { return t.inner.Consumer() }
func (t *faultyTransport) LocalAddr() raft.ServerAddress      { return t.inner.LocalAddr() }
func (t *faultyTransport) SetHeartbeatHandler(func(raft.RPC)) {}
func (t *faultyTransport) EncodePeer(id raft.ServerID, addr raft.ServerAddress) []byte {
	return t.inner.EncodePeer(id, addr)
}
func (t *faultyTransport) DecodePeer(b []byte) raft.ServerAddress { return t.inner.DecodePeer(b) }

// Close is raft's on Shutdown: the in-memory transport forgets its peers.
func (t *faultyTransport) Close() error { return t.inner.Close() }

func (t *faultyTransport) AppendEntriesPipeline(raft.ServerID, raft.ServerAddress) (raft.AppendPipeline, error) {
	return nil, raft.ErrPipelineReplicationNotSupported
}

func (t *faultyTransport) AppendEntries(id raft.ServerID, target raft.ServerAddress, args *raft.AppendEntriesRequest, resp *raft.AppendEntriesResponse) error {
	return t.send(target, func() error { return t.inner.AppendEntries(id, target, args, resp) })
}

func (t *faultyTransport) RequestVote(id raft.ServerID, target raft.ServerAddress, args *raft.RequestVoteRequest, resp *raft.RequestVoteResponse) error {
	return t.send(target, func() error { return t.inner.RequestVote(id, target, args, resp) })
}

func (t *faultyTransport) RequestPreVote(id raft.ServerID, target raft.ServerAddress, args *raft.RequestPreVoteRequest, resp *raft.RequestPreVoteResponse) error {
	return t.send(target, func() error { return t.inner.RequestPreVote(id, target, args, resp) })
}

func (t *faultyTransport) InstallSnapshot(id raft.ServerID, target raft.ServerAddress, args *raft.InstallSnapshotRequest, resp *raft.InstallSnapshotResponse, data io.Reader) error {
	return t.send(target, func() error { return t.inner.InstallSnapshot(id, target, args, resp, data) })
}

func (t *faultyTransport) TimeoutNow(id raft.ServerID, target raft.ServerAddress, args *raft.TimeoutNowRequest, resp *raft.TimeoutNowResponse) error {
	return t.send(target, func() error { return t.inner.TimeoutNow(id, target, args, resp) })
}

// faultCluster is a cluster of durable nodes (each with a Dir) on faulty
// transports. One node, the slow one, has a long leader lease: deposed by
// a partition, it goes on believing it leads for that long while the
// others, with raft's test timeouts, elect a new leader.
type faultCluster struct {
	net   *faultNet
	slow  int
	ids   []raft.ServerID
	addrs []raft.ServerAddress
	dirs  []string

	readsOnly atomic.Int32 // 1 + the node whose clients only run read-only Updates for now; 0: none

	mu    sync.Mutex
	nodes []*Node[int64, int64] // nil while a node is down
	inner []*raft.InmemTransport
}

// slowLease is the slow node's heartbeat timeout and leader lease.
const slowLease = 300 * time.Millisecond

func robustRaftConfig(slow bool) *raft.Config {
	c := testRaftConfig()
	if slow {
		c.HeartbeatTimeout = slowLease
		c.ElectionTimeout = slowLease
		c.LeaderLeaseTimeout = slowLease
	}
	// Snapshot often, so that restarts restore snapshots, but keep the whole
	// log: the checker reads it to learn which writes of unknown outcome
	// committed (catching up by InstallSnapshot is
	// TestReplica_CatchUpBySnapshot's).
	c.SnapshotThreshold = 64
	c.SnapshotInterval = 50 * time.Millisecond
	c.TrailingLogs = 1 << 30
	return c
}

// newFaultCluster opens n nodes with Dirs under dir and bootstraps them.
func newFaultCluster(dir string, n int, seed uint64) (*faultCluster, error) {
	c := &faultCluster{net: newFaultNet(seed), slow: int(seed % uint64(n))}
	for i := range n {
		c.ids = append(c.ids, raft.ServerID(fmt.Sprint("node", i)))
		c.addrs = append(c.addrs, raft.ServerAddress(fmt.Sprint("addr", i)))
		c.dirs = append(c.dirs, filepath.Join(dir, fmt.Sprint("node", i)))
		_, tr := raft.NewInmemTransport(c.addrs[i])
		c.inner = append(c.inner, tr)
	}
	c.nodes = make([]*Node[int64, int64], n)
	for i := range n {
		for j := range n {
			if i != j {
				c.inner[i].Connect(c.addrs[j], c.inner[j])
			}
		}
	}
	for i := range n {
		node, err := c.open(i, c.inner[i])
		if err != nil {
			c.close()
			return nil, err
		}
		c.nodes[i] = node
	}
	var servers []raft.Server
	for i := range n {
		servers = append(servers, raft.Server{ID: c.ids[i], Address: c.addrs[i]})
	}
	if err := c.nodes[0].Bootstrap(servers); err != nil {
		c.close()
		return nil, err
	}
	return c, nil
}

func (c *faultCluster) open(i int, tr *raft.InmemTransport) (*Node[int64, int64], error) {
	return Open(Config[int64, int64]{
		ID: c.ids[i], Transport: &faultyTransport{inner: tr, net: c.net}, Dir: c.dirs[i],
		Codec: fst.NumberCodec[int64](), Min: 0, Max: span, Raft: robustRaftConfig(i == c.slow),
	})
}

// node returns node i, nil while it is down.
func (c *faultCluster) node(i int) *Node[int64, int64] {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nodes[i]
}

// leader returns the index of a node that believes it leads, -1 if none.
func (c *faultCluster) leader() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, n := range c.nodes {
		if n != nil && n.Raft().State() == raft.Leader {
			return i
		}
	}
	return -1
}

// newestLeader returns the index of the node that leads in the highest
// term, the one a follower would name: -1 if none.
func (c *faultCluster) newestLeader() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	best, term := -1, uint64(0)
	for i, n := range c.nodes {
		if n != nil && n.Raft().State() == raft.Leader {
			if t := n.Raft().CurrentTerm(); best < 0 || t > term {
				best, term = i, t
			}
		}
	}
	return best
}

// waitLeader waits up to d for a leader and returns its index, -1 if none.
func (c *faultCluster) waitLeader(d time.Duration) int {
	deadline := time.Now().Add(d)
	for {
		if i := c.leader(); i >= 0 || time.Now().After(deadline) {
			return i
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// isolate cuts node i off from every other node, both ways.
func (c *faultCluster) isolate(i int) {
	for j := range c.addrs {
		if j != i {
			c.net.set(c.addrs[i], c.addrs[j], link{cut: true})
			c.net.set(c.addrs[j], c.addrs[i], link{cut: true})
		}
	}
}

// lossy makes every link drop the fraction p of messages and delay each by
// up to delay.
func (c *faultCluster) lossy(p float64, delay time.Duration) {
	for i := range c.addrs {
		for j := range c.addrs {
			if i != j {
				c.net.set(c.addrs[i], c.addrs[j], link{drop: p, delay: delay})
			}
		}
	}
}

// stop closes node i while clients may be calling it; the node stays down
// until restart. Its links stay up while it closes, so that the entry it
// is committing can commit and Close races the calls still arriving; after
// Close, messages to it fail at once.
func (c *faultCluster) stop(i int) error {
	n := c.node(i)
	if n == nil {
		return nil
	}
	err := n.Close()
	c.net.setDown(c.addrs[i], true)
	c.mu.Lock()
	c.nodes[i] = nil
	c.mu.Unlock()
	return err
}

// restart reopens node i on its Dir with a fresh transport at the same
// address, connected to the others.
func (c *faultCluster) restart(i int) error {
	_, tr := raft.NewInmemTransport(c.addrs[i])
	c.mu.Lock()
	c.inner[i] = tr
	for j := range c.inner {
		if j != i {
			tr.Connect(c.addrs[j], c.inner[j])
			c.inner[j].Connect(c.addrs[i], tr)
		}
	}
	c.mu.Unlock()
	c.net.setDown(c.addrs[i], false)
	n, err := c.open(i, tr)
	if err != nil {
		return fmt.Errorf("reopening node %d on its Dir: %w", i, err)
	}
	c.mu.Lock()
	c.nodes[i] = n
	c.mu.Unlock()
	return nil
}

// close closes every node that is up, all at once, and returns the first
// error. The nodes are marked closed first, so that no node waits for a
// message to another that is closing.
func (c *faultCluster) close() error {
	for _, a := range c.addrs {
		c.net.setDown(a, true)
	}
	errs := make([]error, len(c.ids))
	var wg sync.WaitGroup
	for i := range c.ids {
		wg.Go(func() { errs[i] = c.stop(i) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// removeAll removes the cluster's Dirs; a failing test keeps them.
func (c *faultCluster) removeAll() {
	for _, d := range c.dirs {
		_ = os.RemoveAll(d)
	}
}
