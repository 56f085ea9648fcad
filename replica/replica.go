package replica

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"

	"github.com/flatseg/flatseg"
	"github.com/flatseg/flatseg/fst"
)

// ErrNotLeader is returned (wrapped; the message names the leader when one
// is known) by [Node.Update] and [Node.Barrier] on a node that is not the
// leader, including one that lost its leadership while the call waited.
var ErrNotLeader = errors.New("replica: not the leader")

// ErrClosed is returned by the methods of a closed [Node].
var ErrClosed = errors.New("replica: node closed")

// ErrConfig is returned (wrapped, with detail) by [Open] for an invalid
// [Config].
var ErrConfig = errors.New("replica: invalid config")

// Config configures a [Node].
type Config[K fst.Key, V any] struct {
	// ID names this node in the cluster: the ID its peers list in
	// [Node.Bootstrap]'s servers.
	ID raft.ServerID
	// Transport carries raft's messages: raft.NewInmemTransport in tests,
	// raft.NewTCPTransport in production. Close does not close it.
	Transport raft.Transport
	// Dir holds the raft log (a bbolt file, raft.db) and the snapshots when
	// set, so that a node reopened with the same Dir comes back with every
	// write it acknowledged; "" keeps both in memory.
	Dir string
	// Codec encodes the values of V in log entries and snapshots.
	Codec fst.Codec[V]
	// Min and Max are the span of the tree, Init its default value: the
	// arguments of [flatseg.New]. Every node of a cluster needs the same.
	Min, Max K
	Init     V
	// Raft is raft's configuration; nil means raft.DefaultConfig() with
	// warnings and errors logged to standard error. LocalID is set from ID.
	Raft *raft.Config
	// Retain is the number of versions the local store keeps reachable
	// through At (see [flatseg.WithRetain]); 0 means the default.
	Retain int
	// SnapshotRetain is the number of snapshots kept in Dir; 0 means 2.
	SnapshotRetain int
}

// Node is one member of a replicated flatseg store: a [flatseg.Store] that
// holds the state of the cluster's raft log, and the raft instance that
// fills it. Reads go to [Node.Store], locally and lock-free, on any node;
// writes go through [Node.Update] on the leader.
//
// # Versions
//
// The version of every snapshot of the local store is the raft index of
// the log entry that produced it, so the same version means the same
// contents on every node. An entry that changes nothing publishes no
// version. After [Node.Update] returns a snapshot of version v, a reader
// on any node sees that write once its store reaches v:
// n.Store().Wait(ctx, v-1).
//
// # Lifetime and concurrency
//
// All methods are safe for concurrent use. The local store must be read,
// never written directly: its writes would not be replicated. Close the
// node when done; snapshots taken from its store stay valid after Close.
type Node[K fst.Key, V any] struct {
	cfg   Config[K, V]
	store *flatseg.Store[K, V]
	fsm   *fsm[K, V]
	raft  *raft.Raft
	log   io.Closer // the bbolt log store, when Dir is set

	proposals chan *proposal[K, V]
	stop      chan struct{}
	done      chan struct{}
	readyTerm uint64 // the term in which the proposer's barrier has applied every earlier entry; proposer only
}

// Open starts a node with values compared by ==. Before the cluster can
// elect a leader, one node (and only one, once) calls [Node.Bootstrap]
// with the initial membership. A node reopened with the Dir of an earlier
// run restores its latest snapshot and replays its log; [Node.Barrier] on
// the leader returns once everything acknowledged is applied again.
func Open[K fst.Key, V comparable](cfg Config[K, V]) (*Node[K, V], error) {
	return OpenFunc(cfg, func(a, b V) bool { return a == b })
}

// OpenFunc is Open for values compared by equal (see [flatseg.NewFunc]).
func OpenFunc[K fst.Key, V any](cfg Config[K, V], equal func(a, b V) bool) (*Node[K, V], error) {
	switch {
	case cfg.ID == "":
		return nil, fmt.Errorf("%w: no ID", ErrConfig)
	case cfg.Transport == nil:
		return nil, fmt.Errorf("%w: no Transport", ErrConfig)
	case cfg.Codec == nil:
		return nil, fmt.Errorf("%w: no Codec", ErrConfig)
	case equal == nil:
		return nil, fmt.Errorf("%w: no equality function", ErrConfig)
	}
	var opts []flatseg.Option
	if cfg.Retain > 0 {
		opts = append(opts, flatseg.WithRetain(cfg.Retain))
	}
	store, err := flatseg.NewFunc(cfg.Min, cfg.Max, cfg.Init, equal, opts...)
	if err != nil {
		return nil, err
	}
	rc := raft.DefaultConfig()
	if cfg.Raft != nil {
		c := *cfg.Raft
		rc = &c
	} else {
		rc.LogLevel = "WARN"
	}
	rc.LocalID = cfg.ID

	var (
		logs   raft.LogStore
		stable raft.StableStore
		snaps  raft.SnapshotStore
		closer io.Closer
	)
	if cfg.Dir == "" {
		mem := raft.NewInmemStore()
		logs, stable, snaps = mem, mem, raft.NewInmemSnapshotStore()
	} else {
		if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
			return nil, err
		}
		bolt, err := raftboltdb.NewBoltStore(filepath.Join(cfg.Dir, "raft.db"))
		if err != nil {
			return nil, err
		}
		retain := cfg.SnapshotRetain
		if retain <= 0 {
			retain = 2
		}
		fss, err := raft.NewFileSnapshotStore(cfg.Dir, retain, os.Stderr)
		if err != nil {
			bolt.Close()
			return nil, err
		}
		logs, stable, snaps, closer = bolt, bolt, fss, bolt
	}
	f := &fsm[K, V]{store: store, codec: cfg.Codec, eq: equal}
	r, err := raft.NewRaft(rc, f, logs, stable, snaps, cfg.Transport)
	if err != nil {
		if closer != nil {
			closer.Close()
		}
		return nil, err
	}
	n := &Node[K, V]{
		cfg: cfg, store: store, fsm: f, raft: r, log: closer,
		proposals: make(chan *proposal[K, V], maxGroup),
		stop:      make(chan struct{}),
		done:      make(chan struct{}),
	}
	go n.propose()
	return n, nil
}

// Bootstrap makes the cluster's first configuration: servers lists every
// voter, this node included. Call it on one node of a new cluster; on a
// node that already has state (a reopened Dir, or a cluster already
// bootstrapped) it does nothing and returns nil.
func (n *Node[K, V]) Bootstrap(servers []raft.Server) error {
	err := n.raft.BootstrapCluster(raft.Configuration{Servers: servers}).Error()
	if errors.Is(err, raft.ErrCantBootstrap) {
		return nil
	}
	return err
}

// Store returns the local replica: Snapshot, At, Wait and WaitRange as on
// any [flatseg.Store], lock-free, on every node. Do not write to it.
func (n *Node[K, V]) Store() *flatseg.Store[K, V] { return n.store }

// Raft returns the raft instance, for membership changes (AddVoter,
// RemoveServer), leadership transfer and Stats.
func (n *Node[K, V]) Raft() *raft.Raft { return n.raft }

// Barrier returns, on the leader, a snapshot that includes every write
// acknowledged before the call: a linearizable read point. It commits a
// barrier entry through raft, so it costs one round trip to a quorum. On
// a follower it returns an error wrapping ErrNotLeader; when ctx ends
// first, ctx's error.
func (n *Node[K, V]) Barrier(ctx context.Context) (*flatseg.Snapshot[K, V], error) {
	if err := n.leader(); err != nil {
		return nil, err
	}
	f := n.raft.Barrier(timeoutOf(ctx))
	errc := make(chan error, 1)
	go func() { errc <- f.Error() }()
	select {
	case err := <-errc:
		if err != nil {
			return nil, n.raftError(err)
		}
		return n.store.Snapshot(), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-n.stop:
		return nil, ErrClosed
	}
}

// Close stops the node: it ends raft (which hands leadership over only by
// timing out: call Raft().LeadershipTransfer first for a quick handover),
// fails the Updates still waiting, and closes the log store. It does not
// close the Transport. Calling it twice returns ErrClosed.
func (n *Node[K, V]) Close() error {
	select {
	case <-n.stop:
		return ErrClosed
	default:
	}
	close(n.stop)
	<-n.done
	err := n.raft.Shutdown().Error()
	if n.log != nil {
		if cerr := n.log.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

// leader returns nil on the leader and ErrNotLeader, naming the leader when
// known, elsewhere.
func (n *Node[K, V]) leader() error {
	select {
	case <-n.stop:
		return ErrClosed
	default:
	}
	if n.raft.State() == raft.Leader {
		return nil
	}
	return n.notLeader()
}

func (n *Node[K, V]) notLeader() error {
	if addr, id := n.raft.LeaderWithID(); id != "" {
		return fmt.Errorf("%w: the leader is %s at %s", ErrNotLeader, id, addr)
	}
	return fmt.Errorf("%w: no leader known", ErrNotLeader)
}

// raftError maps raft's errors about leadership to ErrNotLeader.
func (n *Node[K, V]) raftError(err error) error {
	switch {
	case errors.Is(err, raft.ErrNotLeader), errors.Is(err, raft.ErrLeadershipLost),
		errors.Is(err, raft.ErrLeadershipTransferInProgress):
		return fmt.Errorf("%w (%v)", n.notLeader(), err)
	case errors.Is(err, raft.ErrRaftShutdown):
		return fmt.Errorf("%w: %v", ErrClosed, err)
	}
	return err
}

// timeoutOf turns ctx's deadline into raft's enqueue timeout (0: none).
func timeoutOf(ctx context.Context) time.Duration {
	if d, ok := ctx.Deadline(); ok {
		return max(time.Until(d), time.Millisecond)
	}
	return 0
}
