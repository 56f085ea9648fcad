package replica

import (
	"context"
	"fmt"
	"time"

	"github.com/flatseg/flatseg"
	"github.com/flatseg/flatseg/fst"
)

// maxGroup is the most transactions one log entry carries.
const maxGroup = 256

// proposal is one Update (or Barrier, with no fn) waiting for the
// proposer. The caller runs fn itself, on its own goroutine, when the
// proposer hands it the group's stage: so a panic or runtime.Goexit in fn
// ends only the caller's goroutine.
type proposal[K fst.Key, V, M any] struct {
	fn    func(tx *flatseg.MeasuredTxn[K, V, M]) error // nil for a Barrier
	turn  chan *flatseg.MeasuredStore[K, V, M]         // unbuffered: the proposer hands the stage over
	gone  chan struct{}                                // closed by a caller that leaves before its turn
	ran   chan ran                                     // buffered: what fn did
	done  chan result[K, V, M]                         // buffered: the proposer never blocks on a caller that left
	batch fst.Batch[K, V]                              // fn's writes
}

// ran is what a caller reports once fn has run on the stage.
type ran uint8

const (
	ranFailed ran = iota // fn returned an error, panicked or exited: rolled back
	ranRead              // fn wrote nothing
	ranWrote             // fn's writes are in the proposal's batch
)

type result[K fst.Key, V, M any] struct {
	sn  *flatseg.MeasuredSnapshot[K, V, M]
	err error
}

// Update runs fn in a write transaction on the leader, with the contract of
// [flatseg.Store.Update], and replicates what it wrote: the writes of the
// transaction (recorded as an [fst.Batch]; [flatseg.Txn.Apply] and
// [flatseg.Txn.Load] included) go into a raft log entry and are applied,
// all or nothing, on every node.
//
// Every Update that returns nil is linearizable, those that write nothing
// included: it took effect exactly once, at a point between its call and
// its return; fn saw exactly the state made by every write ordered before
// it, including every Update acknowledged anywhere before the call; and
// nothing it saw can be rolled back. Update returns the snapshot of the
// state fn saw, or of a later one, with every write fn made: its version
// is the index of the log entry that holds the write (for a transaction
// that wrote nothing, the version of the state it read, 0 on a fresh
// store). Readers on any node see the write once their store reaches that
// version: n.Store().WaitFor(ctx, sn.Version()).
//
// Updates from many goroutines are committed in groups: the transactions
// that arrive while an entry is replicating run one after the other, each
// on the state the ones before it left, and go out together in the next
// entry. Every transaction of a group returns only once that entry is
// committed and applied locally, and fails with it. A group that writes
// nothing proposes nothing: it returns once the node has confirmed with a
// quorum, after its transactions ran, that it still leads (one
// confirmation per group).
//
// fn runs on the caller's goroutine, one transaction at a time; it must
// not call Update or Barrier on the same node, which would wait for fn. A
// transaction whose fn returns an error is rolled back and Update returns
// that error at once. A panic in fn rolls back and propagates in the
// caller; runtime.Goexit in fn rolls back and ends the caller's goroutine;
// the node serves on in both cases. On a follower Update returns an error
// wrapping [ErrNotLeader], and on a closed node (or one closed while the
// call waits) [ErrClosed]. When ctx ends first, Update returns ctx's
// error. After fn has run, an error other than fn's own (ctx's,
// ErrNotLeader for a leadership lost while committing, ErrClosed) leaves
// the outcome unknown, as with any raft proposal: the write may still
// commit. Check for it with a read before retrying writes that are not
// idempotent.
func (n *MeasuredNode[K, V, M]) Update(ctx context.Context, fn func(tx *flatseg.MeasuredTxn[K, V, M]) error) (*flatseg.MeasuredSnapshot[K, V, M], error) {
	if fn == nil {
		return nil, fmt.Errorf("%w: Update(ctx, nil)", ErrConfig)
	}
	return n.submit(ctx, fn)
}

// submit queues a proposal, runs its fn when its turn comes and waits for
// the outcome of its group.
func (n *MeasuredNode[K, V, M]) submit(ctx context.Context, fn func(tx *flatseg.MeasuredTxn[K, V, M]) error) (*flatseg.MeasuredSnapshot[K, V, M], error) {
	if err := n.leader(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p := &proposal[K, V, M]{
		fn:   fn,
		turn: make(chan *flatseg.MeasuredStore[K, V, M]),
		gone: make(chan struct{}),
		ran:  make(chan ran, 1),
		done: make(chan result[K, V, M], 1),
	}
	select {
	case n.proposals <- p:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-n.stop:
		return nil, ErrClosed
	}
	if fn != nil {
		var stage *flatseg.MeasuredStore[K, V, M]
		select {
		case stage = <-p.turn:
		case r := <-p.done: // refused before its turn
			return r.sn, r.err
		case <-ctx.Done():
			close(p.gone)
			return nil, ctx.Err()
		case <-n.stop:
			close(p.gone)
			return nil, ErrClosed
		}
		if err := p.run(stage); err != nil {
			return nil, err
		}
	}
	select {
	case r := <-p.done:
		return r.sn, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-n.stop:
		return nil, ErrClosed
	}
}

// run runs fn on the stage, recording its writes, and reports to the
// proposer what it did, also when fn panics or calls runtime.Goexit (the
// stage's transaction is rolled back by then). It returns fn's error.
func (p *proposal[K, V, M]) run(stage *flatseg.MeasuredStore[K, V, M]) error {
	report := ranFailed
	defer func() { p.ran <- report }()
	before := stage.Snapshot().Version()
	if err := stage.Record(&p.batch, p.fn); err != nil {
		return err
	}
	if stage.Snapshot().Version() == before {
		report = ranRead
	} else {
		report = ranWrote
	}
	return nil
}

// propose is the node's one proposer goroutine: it takes the proposals
// that are waiting, hands each its turn on a stage and replicates their
// writes in one log entry, then starts over.
func (n *MeasuredNode[K, V, M]) propose() {
	defer close(n.done)
	group := make([]*proposal[K, V, M], 0, maxGroup)
	for {
		select {
		case p := <-n.proposals:
			group = append(group[:0], p)
		case <-n.stop:
			return // every caller also waits on stop
		}
	drain:
		for len(group) < maxGroup {
			select {
			case p := <-n.proposals:
				group = append(group, p)
			default:
				break drain
			}
		}
		n.runGroup(group)
		clear(group)
	}
}

// runGroup runs the transactions of group on a stage, an O(1) fork of the
// local head in a private store, so that each sees the writes of those
// before it, and commits what they wrote as one log entry; a group that
// wrote nothing confirms the leadership instead.
func (n *MeasuredNode[K, V, M]) runGroup(group []*proposal[K, V, M]) {
	if err := n.ready(); err != nil {
		answer(group, result[K, V, M]{err: err})
		return
	}
	base := n.store.Snapshot()
	stage, err := flatseg.NewFrom(base.Tree())
	if err != nil {
		answer(group, result[K, V, M]{err: err}) // unreachable: no option is given
		return
	}
	var (
		members []*proposal[K, V, M] // those that wait for the group's outcome
		entry   entryWriter
	)
	for i, p := range group {
		if p.fn == nil { // a Barrier
			members = append(members, p)
			continue
		}
		r, ok := n.handOver(p, stage)
		if !ok {
			return // closed: every caller waits on stop too
		}
		switch r {
		case ranRead:
			members = append(members, p)
		case ranWrote:
			enc, err := fst.AppendBatch(nil, &p.batch, n.cfg.Codec)
			if err != nil {
				// The stage holds writes that cannot be encoded, and the
				// transactions after this one may have read them: fail
				// the whole group, nothing of which was proposed.
				err = fmt.Errorf("replica: encoding the writes of an Update: %w", err)
				answer(append(members, p), result[K, V, M]{err: err})
				answer(group[i+1:], result[K, V, M]{err: err})
				return
			}
			entry.add(enc)
			members = append(members, p)
		}
	}
	if len(members) == 0 {
		return
	}
	var r result[K, V, M]
	if entry.count == 0 {
		if err := n.raft.VerifyLeader().Error(); err != nil {
			r.err = n.raftError(err)
		} else {
			r.sn = base
		}
	} else {
		r = n.commit(&entry)
	}
	answer(members, r)
}

// handOver gives p the stage and waits until its fn has run. It reports
// false when the node closes first.
func (n *MeasuredNode[K, V, M]) handOver(p *proposal[K, V, M], stage *flatseg.MeasuredStore[K, V, M]) (ran, bool) {
	select {
	case p.turn <- stage:
	case <-p.gone:
		return ranFailed, true
	case <-n.stop:
		return ranFailed, false
	}
	select {
	case r := <-p.ran:
		return r, true
	case <-n.stop:
		return ranFailed, false
	}
}

// answer tells every proposal of ps the outcome r.
func answer[K fst.Key, V, M any](ps []*proposal[K, V, M], r result[K, V, M]) {
	for _, p := range ps {
		p.done <- r
	}
}

// ready returns nil once the node leads and its store holds every entry
// committed before its term: a new leader may not have applied every entry
// its predecessors committed, so its first group commits an empty entry
// of its own and waits until the store has applied it. After that the
// proposer waits for each entry to be applied before it starts the next
// group, so the head holds every acknowledged write.
func (n *MeasuredNode[K, V, M]) ready() error {
	if err := n.leader(); err != nil {
		return err
	}
	term := n.raft.CurrentTerm()
	if term == n.term && n.isReady {
		return nil
	}
	n.term, n.isReady = term, false
	if r := n.commit(new(entryWriter)); r.err != nil {
		return r.err
	}
	n.isReady = true
	return nil
}

// commit proposes the entry and waits until the local store has applied
// it. It does not wait on raft's future, which raft may drop when it shuts
// down: the FSM reports the entry by its nonce, and a change of leadership
// or term, or Close, ends the wait. raft also refuses some proposals
// through their future alone (while a leadership transfer is in progress),
// so a leader that has not applied the entry after stallAfter gives up on
// it too. Whenever commit fails, the entry may still commit later: the
// proposer then resynchronises (ready) before its next group, so that no
// group runs on a head that misses it.
func (n *MeasuredNode[K, V, M]) commit(e *entryWriter) (r result[K, V, M]) {
	defer func() {
		if r.err != nil {
			n.isReady = false
		}
	}()
	n.nonce++
	nonce := n.nonce
	applied := n.fsm.expect(nonce)
	defer n.fsm.forget(nonce)
	n.raft.Apply(e.bytes(nonce), 0)
	stall := time.NewTimer(n.stallAfter)
	defer stall.Stop()
	for {
		select {
		case a := <-applied:
			return result[K, V, M](a)
		case <-n.stop:
			return result[K, V, M]{err: ErrClosed}
		case <-n.changed:
			if err := n.leader(); err != nil {
				return result[K, V, M]{err: fmt.Errorf("%w (leadership lost while committing)", err)}
			}
			if n.raft.CurrentTerm() != n.term {
				return result[K, V, M]{err: fmt.Errorf("%w (a new term began while committing)", n.notLeader())}
			}
		case <-stall.C:
			return result[K, V, M]{err: fmt.Errorf("%w: the entry was not applied within %v (a leadership transfer in progress refuses entries)", ErrNotLeader, n.stallAfter)}
		}
	}
}
