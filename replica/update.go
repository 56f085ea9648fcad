package replica

import (
	"context"
	"fmt"

	"github.com/flatseg/flatseg"
	"github.com/flatseg/flatseg/fst"
)

// maxGroup is the most transactions one log entry carries.
const maxGroup = 256

// proposal is one Update waiting for the proposer.
type proposal[K fst.Key, V any] struct {
	ctx  context.Context
	fn   func(tx *flatseg.Txn[K, V]) error
	done chan result[K, V] // buffered: the proposer never blocks on a caller that left
}

type result[K fst.Key, V any] struct {
	sn       *flatseg.Snapshot[K, V]
	err      error
	panicked bool
	panicVal any
}

// Update runs fn in a write transaction on the leader, with the same
// contract as [flatseg.Store.Update], and replicates what it wrote: the
// writes of the transaction (its batch, see [fst.Batch]) go into one raft
// log entry and are applied, all or nothing, on every node. Update returns
// once the entry is committed and applied locally, with the snapshot that
// holds the write; its version is the entry's index.
//
// fn sees the latest state, including every earlier acknowledged write.
// Updates from many goroutines are committed in groups: while one entry is
// replicated, the transactions that arrive meanwhile run one after the
// other, each seeing the writes of those before it, and go out together in
// the next entry. Each transaction stays atomic and the order is
// serializable.
//
// A transaction whose fn returns an error is rolled back and Update
// returns that error; one that writes nothing proposes nothing and Update
// returns the local head. A panic in fn rolls back and is re-raised in the
// caller's goroutine. On a follower Update returns an error wrapping
// [ErrNotLeader]. When ctx ends first, Update returns ctx's error, but the
// write may still commit, as with any raft proposal: check for it with a
// read before retrying writes that are not idempotent.
func (n *Node[K, V]) Update(ctx context.Context, fn func(tx *flatseg.Txn[K, V]) error) (*flatseg.Snapshot[K, V], error) {
	if err := n.leader(); err != nil {
		return nil, err
	}
	p := &proposal[K, V]{ctx: ctx, fn: fn, done: make(chan result[K, V], 1)}
	select {
	case n.proposals <- p:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-n.stop:
		return nil, ErrClosed
	}
	select {
	case r := <-p.done:
		if r.panicked {
			panic(r.panicVal)
		}
		return r.sn, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// propose is the node's one proposer goroutine: it takes the Updates that
// are waiting, runs their functions one after the other and replicates
// their batches in one log entry, then starts over.
func (n *Node[K, V]) propose() {
	defer close(n.done)
	group := make([]*proposal[K, V], 0, maxGroup)
	for {
		select {
		case p := <-n.proposals:
			group = append(group[:0], p)
		case <-n.stop:
			n.failWaiting()
			return
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
		n.commitGroup(group)
		clear(group)
	}
}

// failWaiting answers the Updates still queued when the node closes.
func (n *Node[K, V]) failWaiting() {
	for {
		select {
		case p := <-n.proposals:
			p.done <- result[K, V]{err: ErrClosed}
		default:
			return
		}
	}
}

// commitGroup runs the functions of group on a stage, an O(1) fork of the
// local head in a private store, so that each sees the writes of those
// before it, and proposes the batches of those that wrote something as one
// log entry.
func (n *Node[K, V]) commitGroup(group []*proposal[K, V]) {
	if err := n.leader(); err != nil {
		for _, p := range group {
			p.done <- result[K, V]{err: err}
		}
		return
	}
	// A new leader may not have applied every entry its predecessors
	// committed: a barrier in its term waits until it has. After that the
	// proposer waits for each entry to be applied before it starts the next
	// group, so the head holds every acknowledged write.
	if term := n.raft.CurrentTerm(); term != n.readyTerm {
		if err := n.raft.Barrier(0).Error(); err != nil {
			err = n.raftError(err)
			for _, p := range group {
				p.done <- result[K, V]{err: err}
			}
			return
		}
		n.readyTerm = term
	}
	stage, err := flatseg.NewFrom(n.store.Snapshot().Tree())
	if err != nil {
		for _, p := range group {
			p.done <- result[K, V]{err: err}
		}
		return
	}
	var (
		body    []byte
		count   int
		writers []*proposal[K, V]
	)
	for i, p := range group {
		if err := p.ctx.Err(); err != nil {
			p.done <- result[K, V]{err: err} // the caller has gone: run nothing for it
			continue
		}
		var b fst.Batch[K, V]
		before := stage.Snapshot().Version()
		r := runTxn(stage, &b, p.fn)
		switch {
		case r.panicked || r.err != nil:
			p.done <- r
			continue
		case stage.Snapshot().Version() == before:
			p.done <- result[K, V]{sn: n.store.Snapshot()} // wrote nothing: proposes nothing
			continue
		}
		if body, err = appendEntryBatch(body, &b, n.cfg.Codec); err != nil {
			// The stage holds a write that cannot be encoded: fail the
			// whole group, nothing of which was proposed.
			err = fmt.Errorf("replica: encoding the batch of an Update: %w", err)
			for _, w := range append(writers, p) {
				w.done <- result[K, V]{err: err}
			}
			for _, q := range group[i+1:] {
				q.done <- result[K, V]{err: err}
			}
			return
		}
		count++
		writers = append(writers, p)
	}
	if count == 0 {
		return
	}
	f := n.raft.Apply(entry(count, body), 0)
	var r result[K, V]
	if err := f.Error(); err != nil {
		r.err = n.raftError(err)
	} else {
		switch v := f.Response().(type) {
		case *flatseg.Snapshot[K, V]:
			r.sn = v
		case error:
			r.err = v
		}
	}
	for _, w := range writers {
		w.done <- r
	}
}

// runTxn runs fn as stage.Update would, recording the transaction's writes
// in b, and turns a panic into a result to re-raise in the caller.
func runTxn[K fst.Key, V any](stage *flatseg.Store[K, V], b *fst.Batch[K, V], fn func(tx *flatseg.Txn[K, V]) error) (r result[K, V]) {
	defer func() {
		if v := recover(); v != nil {
			b.Reset()
			r = result[K, V]{panicked: true, panicVal: v}
		}
	}()
	r.err = stage.Update(func(tx *flatseg.Txn[K, V]) error {
		tx.Record(b)
		return fn(tx)
	})
	return r
}
