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
// is known) by [MeasuredNode.Update] and [MeasuredNode.Barrier] on a node that is not the
// leader, including one that lost its leadership while the call waited.
var ErrNotLeader = errors.New("replica: not the leader")

// ErrClosed is returned by the methods of a closed [Node], and wrapped,
// with the cause, by those of a node that stopped itself ([ErrPanic]).
var ErrClosed = errors.New("replica: node closed")

// ErrAmbiguous is wrapped, together with its cause ([ErrNotLeader],
// [ErrClosed], the context's error or [ErrPanic]; errors.Is holds for
// both), by every error of [MeasuredNode.Update] and
// [MeasuredNode.UpdateOnce] after which the call's write may have been
// applied, or may be applied later: its log entry was handed to raft and
// its outcome was not seen. An error that does not wrap it means that
// nothing of the call was applied or ever will be, so retrying is safe.
// After ErrAmbiguous, retry with UpdateOnce and the same id, or read
// before retrying. See Update for which error is which.
var ErrAmbiguous = errors.New("replica: outcome unknown: the write may have been applied")

// ErrConfig is returned (wrapped, with detail) by [Open] for an invalid
// [Config], or one that differs from the configuration recorded in its Dir
// (the error names the field), and by [MeasuredNode.Update] and
// [MeasuredNode.UpdateOnce] for invalid arguments.
var ErrConfig = errors.New("replica: invalid config")

// ErrLocked is returned (wrapped) by [Open] when another node, in this
// process or another, holds the Dir and does not release it within
// Config.LockTimeout.
var ErrLocked = errors.New("replica: Dir held by another node")

// Config configures a [Node].
type Config[K fst.Key, V any] struct {
	// ID names this node in the cluster: the ID its peers list in
	// [MeasuredNode.Bootstrap]'s servers.
	ID raft.ServerID
	// Transport carries raft's messages: raft.NewInmemTransport in tests,
	// [NewTLSTransport] in production (mutually authenticated TLS 1.3:
	// only nodes the cluster's CA certified are peers). Close closes it
	// when it is a raft.NetworkTransport (raft's Shutdown does), and not
	// otherwise.
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
	// With a Dir, TrailingLogs must not be 0: Open tells a log that was
	// lost from one that raft compacted by the entries raft leaves.
	Raft *raft.Config
	// Retain is the number of versions the local store keeps reachable
	// through At (see [flatseg.WithRetain]); 0 means the default.
	Retain int
	// SnapshotRetain is the number of snapshots kept in Dir; 0 means 2.
	SnapshotRetain int
}

// MeasuredNode is one member of a replicated flatseg store: a
// [flatseg.MeasuredStore] that holds the state of the cluster's raft log,
// and the raft instance that fills it. Reads go to [MeasuredNode.Store],
// locally and lock-free, on any node; writes and linearizable reads go
// through [MeasuredNode.Update] and [MeasuredNode.Barrier] on the leader.
// [Node] is the same type without summaries, which [Open] returns; a node
// opened with a [fst.Measure] ([OpenMeasured]) keeps the summaries of that
// Measure, so that a follower answers Measure, Seek and SeekBackward on its
// own store, locally and lock-free, as it answers Search. The log and
// snapshots hold no summaries (they are byte for byte a Node's): each node
// computes them as it applies entries, and a Dir written without a Measure
// opens with one and back.
//
// # Versions
//
// The version of every snapshot of the local store is the raft index of
// the log entry that produced it, so the same version means the same
// contents on every node. Every entry that carries transactions publishes
// its index as a version, even when its writes change nothing, and a
// restored raft snapshot publishes its version, even when its contents
// equal the head's: a node's head is at the last such entry it applied.
// (The leader's empty entries, and raft's own, publish nothing.) After
// [MeasuredNode.Update] returns a snapshot of version v, a reader on any
// node sees that write once its store reaches v: n.Store().WaitFor(ctx, v).
//
// # Lifetime and concurrency
//
// All methods are safe for concurrent use. The local store must be read,
// never written directly: its writes would not be replicated. Close the
// node when done: every call then returns, and no goroutine of the node
// survives. Snapshots taken from its store stay valid after Close. A node
// whose Measure, equality or Codec panics applying a committed entry
// stops itself ([ErrPanic], reported by [MeasuredNode.Err]); Close it all
// the same, to release its Dir.
type MeasuredNode[K fst.Key, V, M any] struct {
	cfg      Config[K, V]
	shape    shape[K, V, M]
	store    *flatseg.MeasuredStore[K, V, M]
	fsm      *fsm[K, V, M]
	raft     *raft.Raft
	log      io.Closer // the bbolt log store, when Dir is set
	observer *raft.Observer

	proposals chan *proposal[K, V, M]
	changed   chan raft.Observation // raft's state or leader changed; a signal, never blocks raft
	stop      chan struct{}         // closed when the node stops: Close, or the FSM failed
	stopping  sync.Once             // the stop: Close's, or the watcher's when the FSM fails
	stopErr   error                 // raft's Shutdown error, set by the stop
	closing   sync.Once
	done      chan struct{} // closed when the proposer has returned
	watched   chan struct{} // closed when the watcher has returned

	// The proposer's own state.
	nonce      uint64        // the last entry nonce used
	stallAfter time.Duration // how long a leader waits for its entry to apply before it gives up on it
	term       uint64        // the term the proposer works in
	isReady    bool          // the store holds every entry committed before term
}

// Node is one member of a replicated [flatseg.Store]: a [MeasuredNode]
// without summaries. Every method of MeasuredNode applies; see there.
type Node[K fst.Key, V any] = MeasuredNode[K, V, fst.None]

// shape is what decides the trees of a node beyond its Config: the
// equality of values and the Measure (nil for a Node).
type shape[K fst.Key, V, M any] struct {
	equal func(a, b V) bool
	m     fst.Measure[K, V, M]
}

// measured gives t the node's Measure. A Node has none, and its M is
// fst.None: t is already of its type.
func (s shape[K, V, M]) measured(t *fst.Tree[K, V]) (*fst.Measured[K, V, M], error) {
	if s.m == nil {
		return any(t).(*fst.Measured[K, V, M]), nil // Open makes nodes without a Measure only with M = fst.None
	}
	return fst.WithMeasure(t, s.m)
}

// storeOf returns a store at version 0 over the Config's span, retaining
// the versions it asks for. A panic of the Measure (on Init) is an error
// wrapping ErrPanic.
func (s shape[K, V, M]) storeOf(cfg Config[K, V]) (st *flatseg.MeasuredStore[K, V, M], err error) {
	defer func() {
		if v := recover(); v != nil {
			st, err = nil, fmt.Errorf("%w: on Init: %v", ErrPanic, v)
		}
	}()
	var opts []flatseg.Option
	if cfg.Retain > 0 {
		opts = append(opts, flatseg.WithRetain(cfg.Retain))
	}
	var t *fst.Tree[K, V]
	t, err = fst.NewFunc(cfg.Min, cfg.Max, cfg.Init, s.equal)
	if err == nil {
		var mt *fst.Measured[K, V, M]
		if mt, err = s.measured(t); err == nil {
			return flatseg.NewFrom(mt, opts...)
		}
	}
	return nil, fmt.Errorf("%w: Min %v, Max %v: %w", ErrConfig, cfg.Min, cfg.Max, err)
}

// decode reads a tree as fst.Encode wrote it, with the node's equality and
// Measure.
func (s shape[K, V, M]) decode(r io.Reader, c fst.Codec[V]) (*fst.Measured[K, V, M], error) {
	t, err := fst.DecodeFunc[K](r, c, s.equal)
	if err != nil {
		return nil, err
	}
	return s.measured(t)
}

// Open starts a node with values compared by ==. Before the cluster can
// elect a leader, one node (and only one, once) calls [MeasuredNode.Bootstrap]
// with the initial membership. A node reopened with the Dir of an earlier
// run restores its latest snapshot and replays its log; [MeasuredNode.Barrier] on
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
	return open(cfg, shape[K, V, fst.None]{equal: equal})
}

// OpenMeasured is Open for a node whose store keeps the summaries of m,
// with values compared by ==. Every node of a cluster must use the same
// Measure. A nil m is an error wrapping [ErrConfig].
func OpenMeasured[K fst.Key, V comparable, M any](cfg Config[K, V], m fst.Measure[K, V, M]) (*MeasuredNode[K, V, M], error) {
	return OpenMeasuredFunc(cfg, func(a, b V) bool { return a == b }, m)
}

// OpenMeasuredFunc is OpenMeasured for values compared by equal.
func OpenMeasuredFunc[K fst.Key, V, M any](cfg Config[K, V], equal func(a, b V) bool, m fst.Measure[K, V, M]) (*MeasuredNode[K, V, M], error) {
	if m == nil {
		return nil, fmt.Errorf("%w: no Measure", ErrConfig)
	}
	return open(cfg, shape[K, V, M]{equal: equal, m: m})
}

// open starts a node of the given shape: the work of every Open.
func open[K fst.Key, V, M any](cfg Config[K, V], sh shape[K, V, M]) (*MeasuredNode[K, V, M], error) {
	if err := checkConfig(cfg, sh); err != nil {
		return nil, err
	}
	rc, err := raftConfig(cfg)
	if err != nil {
		return nil, err
	}
	newStore := func() (*flatseg.MeasuredStore[K, V, M], error) { return sh.storeOf(cfg) }
	store, err := newStore()
	if err != nil {
		return nil, err
	}
	st, err := openStores(sh, cfg, newStore)
	if err != nil {
		return nil, err
	}
	f := newFSM(sh, store, cfg.Codec)
	r, err := newRaft(rc, f, st.logs, st.stable, st.snaps, cfg.Transport)
	if ferr := f.err(); ferr != nil { // raft restored a snapshot this shape cannot load
		if err == nil {
			_ = r.Shutdown().Error()
		}
		err = ferr
	}
	if err != nil {
		if st.closer != nil {
			st.closer.Close()
		}
		return nil, err
	}
	n := &MeasuredNode[K, V, M]{
		cfg: cfg, shape: sh, store: store, fsm: f, raft: r, log: st.closer,
		proposals: make(chan *proposal[K, V, M], maxGroup),
		changed:   make(chan raft.Observation, 1),
		stop:      make(chan struct{}),
		done:      make(chan struct{}),
		watched:   make(chan struct{}),
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
	go n.watch()
	return n, nil
}

// watch stops the node when its FSM fails. It runs on a goroutine of its
// own: the FSM cannot shut raft down from within Apply, where raft would
// wait for Apply to return.
func (n *MeasuredNode[K, V, M]) watch() {
	defer close(n.watched)
	select {
	case <-n.fsm.failed:
		n.halt()
	case <-n.stop:
	}
}

// halt stops the node, once: the proposer first, then raft. It leaves the
// log store open, for Close.
func (n *MeasuredNode[K, V, M]) halt() {
	n.stopping.Do(func() {
		close(n.stop)
		// The proposer first: every wait of its selects on stop but raft's
		// VerifyLeader, which raft answers within a lease while it runs,
		// and may never answer once it is shut down (its queue of
		// leadership checks is buffered and not drained on shutdown).
		<-n.done
		n.stopErr = n.raft.Shutdown().Error()
		n.raft.DeregisterObserver(n.observer)
	})
}

// checkConfig refuses a Config Open cannot start from.
func checkConfig[K fst.Key, V, M any](cfg Config[K, V], sh shape[K, V, M]) error {
	switch {
	case cfg.ID == "":
		return fmt.Errorf("%w: no ID", ErrConfig)
	case cfg.Transport == nil:
		return fmt.Errorf("%w: no Transport", ErrConfig)
	case cfg.Codec == nil:
		return fmt.Errorf("%w: no Codec", ErrConfig)
	case sh.equal == nil:
		return fmt.Errorf("%w: no equality function", ErrConfig)
	case cfg.Retain < 0:
		return fmt.Errorf("%w: Retain %d is negative", ErrConfig, cfg.Retain)
	case cfg.SnapshotRetain < 0:
		return fmt.Errorf("%w: SnapshotRetain %d is negative", ErrConfig, cfg.SnapshotRetain)
	case cfg.LockTimeout < 0:
		return fmt.Errorf("%w: LockTimeout %v is negative", ErrConfig, cfg.LockTimeout)
	}
	return nil
}

// raftConfig returns a copy of cfg.Raft (raft's defaults, logging warnings
// and errors, when nil) with LocalID set, validated.
func raftConfig[K fst.Key, V any](cfg Config[K, V]) (*raft.Config, error) {
	rc := raft.DefaultConfig()
	if cfg.Raft != nil {
		c := *cfg.Raft
		rc = &c
	} else {
		rc.LogLevel = "WARN"
	}
	rc.LocalID = cfg.ID
	if err := raft.ValidateConfig(rc); err != nil {
		return nil, fmt.Errorf("%w: Raft: %w", ErrConfig, err)
	}
	if cfg.Dir != "" && rc.TrailingLogs == 0 {
		return nil, fmt.Errorf("%w: Raft.TrailingLogs is 0 with a Dir (Open could not tell a log raft compacted away from one that was lost)", ErrConfig)
	}
	return rc, nil
}

// stores are raft's log, stable and snapshot stores, and what closes them.
type stores struct {
	logs   raft.LogStore
	stable raft.StableStore
	snaps  raft.SnapshotStore
	closer io.Closer // nil in memory
}

// openStores opens the stores of cfg.Dir, checked (see openDir), or makes
// them in memory when Dir is "".
func openStores[K fst.Key, V, M any](sh shape[K, V, M], cfg Config[K, V], newStore func() (*flatseg.MeasuredStore[K, V, M], error)) (stores, error) {
	if cfg.Dir == "" {
		mem := raft.NewInmemStore()
		return stores{logs: mem, stable: mem, snaps: raft.NewInmemSnapshotStore()}, nil
	}
	bolt, fss, err := openDir(sh, cfg, newStore)
	if err != nil {
		return stores{}, err
	}
	return stores{logs: bolt, stable: bolt, snaps: fss, closer: bolt}, nil
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
func (n *MeasuredNode[K, V, M]) Bootstrap(servers []raft.Server) error {
	if n.closed() {
		return n.closedErr()
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
func (n *MeasuredNode[K, V, M]) Store() *flatseg.MeasuredStore[K, V, M] { return n.store }

// Raft returns the raft instance, for membership changes (AddVoter,
// RemoveServer), leadership transfer and Stats.
func (n *MeasuredNode[K, V, M]) Raft() *raft.Raft { return n.raft }

// Barrier returns, on the leader, a snapshot that includes every Update
// acknowledged anywhere before the call: a linearizable read point, like
// a read-only Update. It is batched with the Updates waiting at the time,
// and costs at most one round trip to a quorum (a leadership
// confirmation, or the commit of the group's entry). On a follower it
// returns an error wrapping ErrNotLeader; on a closed node ErrClosed (on
// one that stopped itself, wrapping the cause too); when ctx ends first,
// ctx's error. It writes nothing: its errors never wrap [ErrAmbiguous].
func (n *MeasuredNode[K, V, M]) Barrier(ctx context.Context) (*flatseg.MeasuredSnapshot[K, V, M], error) {
	return n.submit(ctx, "", nil)
}

// Close stops the node: it ends raft (which hands leadership over only by
// timing out: call Raft().LeadershipTransfer first for a quick handover),
// makes every waiting Update and Barrier return (ErrClosed, or their
// outcome if it was already known), and closes the log store. It returns
// within a leader lease (raft's LeaderLeaseTimeout) plus raft's own
// shutdown. It does not close the Transport. An Update whose fn is running
// when Close is called returns ErrClosed once fn returns. Calling Close
// again returns ErrClosed. A node that stopped itself ([ErrPanic]) still
// holds its Dir until Close.
func (n *MeasuredNode[K, V, M]) Close() error {
	err := ErrClosed
	n.closing.Do(func() {
		n.halt()
		<-n.watched
		err = n.stopErr
		if n.log != nil {
			if cerr := n.log.Close(); err == nil {
				err = cerr
			}
		}
	})
	return err
}

// Err returns nil while the node is healthy. Once it has stopped, it
// returns why: an error wrapping [ErrPanic] (with the index of the entry
// and the panic's value) and [ErrClosed] when the node stopped itself
// because its Measure, equality function or Codec panicked applying a
// committed entry or restoring a snapshot, and ErrClosed after Close.
// Operators poll it; Update and Barrier return the same error. O(1),
// safe for concurrent use.
func (n *MeasuredNode[K, V, M]) Err() error {
	if n.closed() || n.fsm.err() != nil {
		return n.closedErr()
	}
	return nil
}

// closedErr is the error of a call on a stopped node: ErrClosed, wrapping
// the FSM's failure when there is one.
func (n *MeasuredNode[K, V, M]) closedErr() error {
	if err := n.fsm.err(); err != nil {
		return fmt.Errorf("%w: %w", ErrClosed, err)
	}
	return ErrClosed
}

func (n *MeasuredNode[K, V, M]) closed() bool {
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
func (n *MeasuredNode[K, V, M]) leader() error {
	leading := n.raft.State() == raft.Leader
	if n.closed() || n.fsm.err() != nil {
		return n.closedErr()
	}
	if leading {
		return nil
	}
	return n.notLeader()
}

func (n *MeasuredNode[K, V, M]) notLeader() error {
	if addr, id := n.raft.LeaderWithID(); id != "" {
		return fmt.Errorf("%w: the leader is %s at %s", ErrNotLeader, id, addr)
	}
	return fmt.Errorf("%w: no leader known", ErrNotLeader)
}

// raftError maps raft's errors about leadership to ErrNotLeader.
func (n *MeasuredNode[K, V, M]) raftError(err error) error {
	switch {
	case errors.Is(err, raft.ErrNotLeader), errors.Is(err, raft.ErrLeadershipLost),
		errors.Is(err, raft.ErrLeadershipTransferInProgress):
		return fmt.Errorf("%w (%v)", n.notLeader(), err)
	case errors.Is(err, raft.ErrRaftShutdown):
		return fmt.Errorf("%w: %v", n.closedErr(), err)
	}
	return err
}
