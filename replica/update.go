package replica

import (
	"context"
	"errors"
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
	id    string                                       // UpdateOnce's id, "" for none
	turn  chan *flatseg.MeasuredStore[K, V, M]         // unbuffered: the proposer hands the stage over
	gone  chan struct{}                                // closed by a caller that leaves before its turn
	ran   chan ran                                     // buffered: what fn did
	done  chan result[K, V, M]                         // buffered: the proposer never blocks on a caller that left
	batch fst.Batch[K, V]                              // fn's writes

	// The proposer's own, for the group being run.
	found bool // id was applied already: fn does not run
	wrote bool // fn's writes are in the group's entry
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
// the node serves on in both cases. So does a panic of the node's Measure
// or equality function while fn's writes run on the leader's stage (as
// in [flatseg.MeasuredStore.Update]): nothing of the call is proposed, and
// the stage is as it was. Only a panic while a node applies a committed
// entry stops the node ([ErrPanic]).
//
// # Errors: was the write applied?
//
// An error that wraps [ErrAmbiguous] means that the write may have been
// applied, or may be applied later: fn wrote, its group's entry was
// handed to raft, and the outcome was not seen. It wraps the cause too:
// [ErrNotLeader] (leadership lost, or a new term begun, while committing;
// or the entry not applied within a few election timeouts, which a
// leadership transfer causes), [ErrClosed] (the node closed while
// committing), ctx's error (ctx ended after fn wrote), or [ErrPanic] (the
// entry is committed, but this node's Measure panicked applying it).
// Check for the write with a read before retrying a write that is not
// idempotent, or retry it with the same id through
// [MeasuredNode.UpdateOnce], which applies it at most once. This is
// CockroachDB's AmbiguousResultError and FoundationDB's
// commit_unknown_result.
//
// Every other error means that nothing of this call was applied, or ever
// will be, so retrying is safe: fn's own error; [ErrNotLeader] on a
// follower; [ErrClosed] on a closed node; ctx's error, or [ErrClosed],
// when the call ended before fn ran; an error of the leader's catching up
// at the start of its term (before fn ran); the group's writes that do
// not encode (nothing of the group is proposed); and an entry that does
// not apply ([ErrCorrupt]: deterministic, it applies nowhere). A
// transaction that wrote nothing, and [MeasuredNode.Barrier], have no
// write and never return ErrAmbiguous.
func (n *MeasuredNode[K, V, M]) Update(ctx context.Context, fn func(tx *flatseg.MeasuredTxn[K, V, M]) error) (*flatseg.MeasuredSnapshot[K, V, M], error) {
	if fn == nil {
		return nil, fmt.Errorf("%w: Update(ctx, nil)", ErrConfig)
	}
	return n.submit(ctx, "", fn)
}

// UpdateOnce is Update for a write that must be applied at most once
// however often it is retried: the transaction carries id, a string of 1
// to 256 bytes the caller chooses (a UUID, or a client name and a
// sequence number), and the cluster applies at most one transaction per
// id. After an error wrapping [ErrAmbiguous], call UpdateOnce again with
// the same id, on whichever node leads, until it returns nil: the write
// is then applied exactly once. This is FoundationDB's automatic
// idempotency.
//
// The leader, once its store holds every entry committed before its term,
// looks id up in the window of the ids applied most recently: when it is
// there, UpdateOnce does not run fn; it waits, like a transaction that
// wrote nothing, for its group's confirmation that the node leads, and
// returns a snapshot that holds the earlier write and every write
// acknowledged before the call. Of two calls with one id that meet in one
// group, only the first runs fn; the second waits for the group's outcome
// and returns the same snapshot when it commits. The state machine also
// skips, on every node alike, a transaction whose id it has applied
// already. A transaction that wrote nothing records no id.
//
// The window holds the ids of the last 65,536 transactions applied with
// an id, in the order the log applied them, on every node alike: it is
// part of the replicated state and of raft's snapshots, so a node
// restarted, or restored from a snapshot, knows it. A retry that comes
// after 65,536 other writes with ids may apply its write again. Ids cost
// their length plus about 50 bytes each in memory, and their length in
// the log and in snapshots.
//
// Errors are Update's, and say the same about this call: an error that
// wraps ErrAmbiguous means this call's write may have been applied. An
// error without it means this call applied nothing; an earlier call with
// the same id that failed with ErrAmbiguous may still have, which the
// next retry tells. An id that is empty or longer than 256 bytes is an
// error wrapping [ErrConfig].
func (n *MeasuredNode[K, V, M]) UpdateOnce(ctx context.Context, id string, fn func(tx *flatseg.MeasuredTxn[K, V, M]) error) (*flatseg.MeasuredSnapshot[K, V, M], error) {
	switch {
	case fn == nil:
		return nil, fmt.Errorf("%w: UpdateOnce(ctx, %q, nil)", ErrConfig, id)
	case id == "" || len(id) > maxIDLen:
		return nil, fmt.Errorf("%w: UpdateOnce: an id of %d bytes (1 to %d)", ErrConfig, len(id), maxIDLen)
	}
	return n.submit(ctx, id, fn)
}

// ambiguous wraps err, which ended a call whose write may have been
// applied, in ErrAmbiguous.
func ambiguous(err error) error { return fmt.Errorf("%w: %w", ErrAmbiguous, err) }

// submit queues a proposal, runs its fn when its turn comes and waits for
// the outcome of its group. Its errors before fn ran are never
// ambiguous; after fn wrote, a wait that ctx or Close ends is.
func (n *MeasuredNode[K, V, M]) submit(ctx context.Context, id string, fn func(tx *flatseg.MeasuredTxn[K, V, M]) error) (*flatseg.MeasuredSnapshot[K, V, M], error) {
	if err := n.leader(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p := &proposal[K, V, M]{
		fn:   fn,
		id:   id,
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
		return nil, n.closedErr()
	}
	wrote := false
	if fn != nil {
		var stage *flatseg.MeasuredStore[K, V, M]
		select {
		case stage = <-p.turn:
		case r := <-p.done: // answered without running fn
			return r.sn, r.err
		case <-ctx.Done():
			close(p.gone) // the proposer never hands p its turn now
			return nil, ctx.Err()
		case <-n.stop:
			close(p.gone)
			return nil, n.closedErr()
		}
		r, err := p.run(stage)
		if err != nil {
			return nil, err
		}
		wrote = r == ranWrote
	}
	select {
	case r := <-p.done:
		return r.sn, r.err
	case <-ctx.Done():
		if wrote {
			return nil, ambiguous(ctx.Err()) // the group may be committing
		}
		return nil, ctx.Err()
	case <-n.stop:
		// The proposer answers every proposal whose writes it handed to
		// raft before it ends: an unanswered one was never proposed.
		<-n.done
		select {
		case r := <-p.done:
			return r.sn, r.err
		default:
			return nil, n.closedErr()
		}
	}
}

// run runs fn on the stage, recording its writes, and reports to the
// proposer what it did, also when fn panics or calls runtime.Goexit (the
// stage's transaction is rolled back by then). It returns what it
// reported and fn's error.
func (p *proposal[K, V, M]) run(stage *flatseg.MeasuredStore[K, V, M]) (report ran, err error) {
	report = ranFailed
	defer func() { p.ran <- report }()
	before := stage.Snapshot().Version()
	if err := stage.Record(&p.batch, p.fn); err != nil {
		return report, err
	}
	if stage.Snapshot().Version() == before {
		report = ranRead
	} else {
		report = ranWrote
	}
	return report, nil
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
// wrote nothing confirms the leadership instead. A proposal whose id was
// applied already, or written earlier in the group, does not run: it
// waits for the group's outcome as one that wrote nothing.
func (n *MeasuredNode[K, V, M]) runGroup(group []*proposal[K, V, M]) {
	if err := n.ready(); err != nil {
		answer(group, result[K, V, M]{err: err})
		return
	}
	// The ids first, then the head: the FSM publishes an entry before it
	// adds its ids, so the head holds the write of every id found.
	for _, p := range group {
		p.found = p.id != "" && n.fsm.ids.has(p.id)
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
		written map[string]bool // the ids of the group's writes
	)
	for i, p := range group {
		if p.fn == nil || p.found || written[p.id] { // a Barrier, or an id's write made already
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
			enc, err := encode(&p.batch, n.cfg.Codec)
			if err != nil {
				// The stage holds writes that cannot be encoded, and the
				// transactions after this one may have read them: fail
				// the whole group, nothing of which was proposed.
				err = fmt.Errorf("replica: encoding the writes of an Update: %w", err)
				answer(append(members, p), result[K, V, M]{err: err})
				answer(group[i+1:], result[K, V, M]{err: err})
				return
			}
			entry.add(p.id, enc)
			p.wrote = true
			if p.id != "" {
				if written == nil {
					written = map[string]bool{}
				}
				written[p.id] = true
			}
			members = append(members, p)
		}
	}
	if len(members) == 0 {
		return
	}
	if entry.count() == 0 {
		var r result[K, V, M]
		if err := n.raft.VerifyLeader().Error(); err != nil {
			r.err = n.raftError(err)
		} else {
			r.sn = base
		}
		answer(members, r)
		return
	}
	r, seen := n.commit(&entry)
	// The entry's outcome is unknown unless the FSM reported it; and an
	// entry this node's Measure could not apply is committed all the same.
	unknown := r.err != nil && (!seen || errors.Is(r.err, ErrPanic))
	for _, p := range members {
		if unknown && p.wrote {
			p.done <- result[K, V, M]{err: ambiguous(r.err)}
		} else {
			p.done <- r
		}
	}
}

// encode is fst.AppendBatch, with a panic of the Codec turned into an
// error: it runs on the proposer, which must survive it.
func encode[K fst.Key, V any](b *fst.Batch[K, V], c fst.Codec[V]) (enc []byte, err error) {
	defer func() {
		if v := recover(); v != nil {
			enc, err = nil, fmt.Errorf("%w: encoding: %v", ErrPanic, v)
		}
	}()
	return fst.AppendBatch(nil, b, c)
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
	if r, _ := n.commit(new(entryWriter)); r.err != nil {
		return r.err // not ambiguous for the group: none of its writes is in this entry
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
// it too, unless the FSM applied other entries meanwhile: a node reopened
// on a long log replays it before it reaches the entry. seen reports whether the FSM reported the entry's outcome:
// when it did not, the entry may still commit later (the error is the
// cause; the caller makes it ambiguous). Whenever commit fails, the
// proposer resynchronises (ready) before its next group, so that no group
// runs on a head that misses the entry.
func (n *MeasuredNode[K, V, M]) commit(e *entryWriter) (r result[K, V, M], seen bool) {
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
	progress := n.fsm.last.Load()
	for {
		select {
		case a := <-applied:
			return result[K, V, M](a), true
		case <-n.stop:
			return result[K, V, M]{err: n.closedErr()}, false
		case <-n.changed:
			if err := n.leader(); err != nil {
				return result[K, V, M]{err: fmt.Errorf("%w (leadership lost while committing)", err)}, false
			}
			if n.raft.CurrentTerm() != n.term {
				return result[K, V, M]{err: fmt.Errorf("%w (a new term began while committing)", n.notLeader())}, false
			}
		case <-stall.C:
			if last := n.fsm.last.Load(); last != progress {
				progress = last // entries before this one are being applied
				stall.Reset(n.stallAfter)
				continue
			}
			return result[K, V, M]{err: fmt.Errorf("%w: the entry was not applied, nor any other, within %v (a leadership transfer in progress refuses entries)", ErrNotLeader, n.stallAfter)}, false
		}
	}
}
