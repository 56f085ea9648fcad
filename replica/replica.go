package replica

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/hashicorp/raft"

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
// [Config], or one that differs from the configuration recorded in its Dir
// (the error names the field).
var ErrConfig = errors.New("replica: invalid config")

// ErrLocked is returned (wrapped) by [Open] when another node, in this
// process or another, holds the Dir and does not release it within
// Config.LockTimeout.
var ErrLocked = errors.New("replica: Dir held by another node")

// Config configures a [Node].
type Config[K fst.Key, V any] struct {
	// ID names this node in the cluster: the ID its peers list in
	// [Node.Bootstrap]'s servers.
	ID raft.ServerID
	// Transport carries raft's messages: raft.NewInmemTransport in tests,
	// raft.NewTCPTransport in production. Close does not close it.
	Transport raft.Transport
	// Dir holds the raft log (a bbolt file, raft.db), the snapshots and the
	// configuration that decides their bytes (flatseg.json) when set, so
	// that a node reopened with the same Dir comes back with every write it
	// acknowledged; "" keeps everything in memory. One node at a time opens
	// a Dir.
	Dir string
	// LockTimeout bounds how long Open waits for a Dir that another node
	// holds before it fails with [ErrLocked]; 0 means one second.
	LockTimeout time.Duration
	// Codec encodes the values of V in log entries and snapshots.
	Codec fst.Codec[V]
	// Min and Max are the span of the tree, Init its default value: the
	// arguments of [flatseg.New]. Every node of a cluster needs the same,
	// and a Dir keeps the ones it was first opened with.
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
// writes and linearizable reads go through [Node.Update] and
// [Node.Barrier] on the leader.
//
// # Versions
//
// The version of every snapshot of the local store is the raft index of
// the log entry that produced it, so the same version means the same
// contents on every node. An entry that changes nothing publishes no
// version. After [Node.Update] returns a snapshot of version v, a reader
// on any node sees that write once its store reaches v:
// n.Store().WaitFor(ctx, v).
//
// # Lifetime and concurrency
//
// All methods are safe for concurrent use. The local store must be read,
// never written directly: its writes would not be replicated. Close the
// node when done: every call then returns, and no goroutine of the node
// survives. Snapshots taken from its store stay valid after Close.
type Node[K fst.Key, V any] struct {
	node[K, V, *fst.Tree[K, V], flatseg.Store[K, V], flatseg.Snapshot[K, V], flatseg.Txn[K, V]]
}

// node is the one implementation of Node and MeasuredNode, generic in the
// store it replicates. Its type parameters are named after the flatseg
// types they stand for in a Node (Tree is *fst.Tree), so that the methods
// both promote from it read as they should; in a MeasuredNode they are the
// measured types.
type node[K fst.Key, V any, Tree, Store, Snapshot, Txn any] struct {
	kit      *kit[K, V, Tree, Store, Snapshot, Txn]
	cfg      Config[K, V]
	store    *Store
	fsm      *fsm[K, V, Tree, Store, Snapshot, Txn]
	raft     *raft.Raft
	log      io.Closer // the bbolt log store, when Dir is set
	observer *raft.Observer

	proposals chan *proposal[K, V, Tree, Store, Snapshot, Txn]
	changed   chan raft.Observation // raft's state or leader changed; a signal, never blocks raft
	stop      chan struct{}
	closing   sync.Once
	done      chan struct{}

	// The proposer's own state.
	nonce      uint64        // the last entry nonce used
	stallAfter time.Duration // how long a leader waits for its entry to apply before it gives up on it
	term       uint64        // the term the proposer works in
	isReady    bool          // the store holds every entry committed before term
}

// Open starts a node with values compared by ==. Before the cluster can
// elect a leader, one node (and only one, once) calls [Node.Bootstrap]
// with the initial membership. A node reopened with the Dir of an earlier
// run restores its latest snapshot and replays its log; [Node.Barrier] on
// the leader returns once everything acknowledged is applied again.
//
// Open checks what it can before it starts raft: the Config ([ErrConfig]),
// the Dir's lock ([ErrLocked] after LockTimeout), the configuration
// recorded in the Dir (key and value types, the codec, Min, Max and Init;
// a difference is an [ErrConfig] naming the field), and every snapshot
// and log entry in it, which must decode and apply in order ([ErrCorrupt]
// otherwise, never a panic and never an entry skipped).
func Open[K fst.Key, V comparable](cfg Config[K, V]) (*Node[K, V], error) {
	return OpenFunc(cfg, func(a, b V) bool { return a == b })
}

// OpenFunc is Open for values compared by equal (see [flatseg.NewFunc]).
func OpenFunc[K fst.Key, V any](cfg Config[K, V], equal func(a, b V) bool) (*Node[K, V], error) {
	n := new(Node[K, V])
	if err := n.open(cfg, equal, plainKit(cfg, equal)); err != nil {
		return nil, err
	}
	return n, nil
}

// open starts the zero n with the store k makes: Open's work for Node
// and MeasuredNode.
func (n *node[K, V, Tree, Store, Snapshot, Txn]) open(cfg Config[K, V], equal func(a, b V) bool, k *kit[K, V, Tree, Store, Snapshot, Txn]) error {
	switch {
	case cfg.ID == "":
		return fmt.Errorf("%w: no ID", ErrConfig)
	case cfg.Transport == nil:
		return fmt.Errorf("%w: no Transport", ErrConfig)
	case cfg.Codec == nil:
		return fmt.Errorf("%w: no Codec", ErrConfig)
	case equal == nil:
		return fmt.Errorf("%w: no equality function", ErrConfig)
	case cfg.Retain < 0:
		return fmt.Errorf("%w: Retain %d is negative", ErrConfig, cfg.Retain)
	case cfg.SnapshotRetain < 0:
		return fmt.Errorf("%w: SnapshotRetain %d is negative", ErrConfig, cfg.SnapshotRetain)
	case cfg.LockTimeout < 0:
		return fmt.Errorf("%w: LockTimeout %v is negative", ErrConfig, cfg.LockTimeout)
	}
	newStore := func() (*Store, error) {
		var opts []flatseg.Option
		if cfg.Retain > 0 {
			opts = append(opts, flatseg.WithRetain(cfg.Retain))
		}
		s, err := k.newStore(opts...)
		if err != nil {
			return nil, fmt.Errorf("%w: Min %v, Max %v: %w", ErrConfig, cfg.Min, cfg.Max, err)
		}
		return s, nil
	}
	store, err := newStore()
	if err != nil {
		return err
	}
	rc := raft.DefaultConfig()
	if cfg.Raft != nil {
		c := *cfg.Raft
		rc = &c
	} else {
		rc.LogLevel = "WARN"
	}
	rc.LocalID = cfg.ID
	if err := raft.ValidateConfig(rc); err != nil {
		return fmt.Errorf("%w: Raft: %w", ErrConfig, err)
	}

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
		bolt, fss, err := openDir(k, cfg, newStore)
		if err != nil {
			return err
		}
		logs, stable, snaps, closer = bolt, bolt, fss, bolt
	}
	f := newFSM(k, store, cfg.Codec)
	r, err := newRaft(rc, f, logs, stable, snaps, cfg.Transport)
	if err != nil {
		if closer != nil {
			closer.Close()
		}
		return err
	}
	*n = node[K, V, Tree, Store, Snapshot, Txn]{
		kit: k, cfg: cfg, store: store, fsm: f, raft: r, log: closer,
		proposals: make(chan *proposal[K, V, Tree, Store, Snapshot, Txn], maxGroup),
		changed:   make(chan raft.Observation, 1),
		stop:      make(chan struct{}),
		done:      make(chan struct{}),
		nonce:     rand.Uint64(),
		// An entry is applied within a few round trips, or the leader
		// steps down within LeaderLeaseTimeout; a transfer lasts at most
		// ElectionTimeout.
		stallAfter: max(4*max(rc.ElectionTimeout, rc.LeaderLeaseTimeout, rc.HeartbeatTimeout), 500*time.Millisecond),
	}
	n.observer = raft.NewObserver(n.changed, false, func(o *raft.Observation) bool {
		switch o.Data.(type) {
		case raft.RaftState, raft.LeaderObservation:
			return true
		}
		return false
	})
	r.RegisterObserver(n.observer)
	go n.propose()
	return nil
}

// newRaft is raft.NewRaft, with a panic (raft reading a damaged store)
// turned into an error wrapping ErrCorrupt.
func newRaft(rc *raft.Config, f raft.FSM, logs raft.LogStore, stable raft.StableStore, snaps raft.SnapshotStore, tr raft.Transport) (r *raft.Raft, err error) {
	defer func() {
		if v := recover(); v != nil {
			r, err = nil, fmt.Errorf("%w: starting raft: %v", ErrCorrupt, v)
		}
	}()
	return raft.NewRaft(rc, f, logs, stable, snaps, tr) // openDir has checked the snapshots and the log
}

// Bootstrap makes the cluster's first configuration: servers lists every
// voter, this node included. Call it on one node of a new cluster; on a
// node that already has state (a reopened Dir, or a cluster already
// bootstrapped) it does nothing and returns nil.
func (n *node[K, V, Tree, Store, Snapshot, Txn]) Bootstrap(servers []raft.Server) error {
	if n.closed() {
		return ErrClosed
	}
	err := n.raft.BootstrapCluster(raft.Configuration{Servers: servers}).Error()
	if errors.Is(err, raft.ErrCantBootstrap) {
		return nil
	}
	return err
}

// Store returns the local replica: Snapshot, At, Wait, WaitFor and
// WaitRange as on any [flatseg.Store], lock-free, on every node. Do not
// write to it.
func (n *node[K, V, Tree, Store, Snapshot, Txn]) Store() *Store { return n.store }

// Raft returns the raft instance, for membership changes (AddVoter,
// RemoveServer), leadership transfer and Stats.
func (n *node[K, V, Tree, Store, Snapshot, Txn]) Raft() *raft.Raft { return n.raft }

// Barrier returns, on the leader, a snapshot that includes every Update
// acknowledged anywhere before the call: a linearizable read point, like
// a read-only Update. It is batched with the Updates waiting at the time,
// and costs at most one round trip to a quorum (a leadership
// confirmation, or the commit of the group's entry). On a follower it
// returns an error wrapping ErrNotLeader; on a closed node ErrClosed; when
// ctx ends first, ctx's error.
func (n *node[K, V, Tree, Store, Snapshot, Txn]) Barrier(ctx context.Context) (*Snapshot, error) {
	return n.submit(ctx, nil)
}

// Close stops the node: it ends raft (which hands leadership over only by
// timing out: call Raft().LeadershipTransfer first for a quick handover),
// makes every waiting Update and Barrier return (ErrClosed, or their
// outcome if it was already known), and closes the log store. It returns
// within a leader lease (raft's LeaderLeaseTimeout) plus raft's own
// shutdown. It does not
// close the Transport. An Update whose fn is running when Close is called
// returns ErrClosed once fn returns. Calling Close again returns ErrClosed.
func (n *node[K, V, Tree, Store, Snapshot, Txn]) Close() error {
	err := ErrClosed
	n.closing.Do(func() {
		close(n.stop)
		// The proposer first: every wait of its selects on stop but raft's
		// VerifyLeader, which raft answers within a lease while it runs,
		// and may never answer once it is shut down (its queue of
		// leadership checks is buffered and not drained on shutdown).
		<-n.done
		err = n.raft.Shutdown().Error()
		n.raft.DeregisterObserver(n.observer)
		if n.log != nil {
			if cerr := n.log.Close(); err == nil {
				err = cerr
			}
		}
	})
	return err
}

func (n *node[K, V, Tree, Store, Snapshot, Txn]) closed() bool {
	select {
	case <-n.stop:
		return true
	default:
		return false
	}
}

// leader returns nil on the leader, ErrClosed once Close has begun, and
// ErrNotLeader, naming the leader when known, elsewhere. It reads raft's
// state before it checks for Close: Close marks the node closed before it
// shuts raft down, so a state that shutdown made non-leader is always
// seen with the node closed, and an Update racing Close gets ErrClosed,
// never a false "not the leader" (the deep run of
// TestNode_UpdateRacingClose caught that once in 60 rounds).
func (n *node[K, V, Tree, Store, Snapshot, Txn]) leader() error {
	leading := n.raft.State() == raft.Leader
	if n.closed() {
		return ErrClosed
	}
	if leading {
		return nil
	}
	return n.notLeader()
}

func (n *node[K, V, Tree, Store, Snapshot, Txn]) notLeader() error {
	if addr, id := n.raft.LeaderWithID(); id != "" {
		return fmt.Errorf("%w: the leader is %s at %s", ErrNotLeader, id, addr)
	}
	return fmt.Errorf("%w: no leader known", ErrNotLeader)
}

// raftError maps raft's errors about leadership to ErrNotLeader.
func (n *node[K, V, Tree, Store, Snapshot, Txn]) raftError(err error) error {
	switch {
	case errors.Is(err, raft.ErrNotLeader), errors.Is(err, raft.ErrLeadershipLost),
		errors.Is(err, raft.ErrLeadershipTransferInProgress):
		return fmt.Errorf("%w (%v)", n.notLeader(), err)
	case errors.Is(err, raft.ErrRaftShutdown):
		return fmt.Errorf("%w: %v", ErrClosed, err)
	}
	return err
}

// MeasuredNode is a [Node] replicating a [flatseg.MeasuredStore]: every
// node of the cluster keeps the summaries of the same [fst.Measure], so a
// follower answers Measure, Seek and SeekBackward on its own store,
// locally and lock-free, as it answers Search. The log and snapshots hold
// no summaries (they are those of a Node, byte for byte): each node
// computes them as it applies entries, and a Dir written by a Node opens
// as a MeasuredNode and back. Where the documentation of its methods names
// Store, Snapshot, Txn and Tree, read the measured types.
type MeasuredNode[K fst.Key, V, M any] struct {
	node[K, V, *fst.Measured[K, V, M], flatseg.MeasuredStore[K, V, M], flatseg.MeasuredSnapshot[K, V, M], flatseg.MeasuredTxn[K, V, M]]
}

// OpenMeasured is Open for a measured store summarised by m, with values
// compared by ==. Every node of a cluster must use the same Measure.
func OpenMeasured[K fst.Key, V comparable, M any](cfg Config[K, V], m fst.Measure[K, V, M]) (*MeasuredNode[K, V, M], error) {
	return OpenMeasuredFunc(cfg, func(a, b V) bool { return a == b }, m)
}

// OpenMeasuredFunc is OpenMeasured for values compared by equal.
func OpenMeasuredFunc[K fst.Key, V, M any](cfg Config[K, V], equal func(a, b V) bool, m fst.Measure[K, V, M]) (*MeasuredNode[K, V, M], error) {
	if m == nil {
		return nil, fmt.Errorf("%w: no Measure", ErrConfig)
	}
	n := new(MeasuredNode[K, V, M])
	if err := n.open(cfg, equal, measuredKit(cfg, equal, m)); err != nil {
		return nil, err
	}
	return n, nil
}
