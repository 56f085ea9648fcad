// Package replica is a replicated, durable flatseg store on
// github.com/hashicorp/raft: the pattern Consul uses with go-memdb, with a
// [flatseg.Store] as the state machine.
//
// # How it works
//
// Each node holds a local store. On the leader, [MeasuredNode.Update] hands
// the caller's transaction a stage (an O(1) fork of the head), records its
// writes as an fst.Batch and proposes them as one raft log entry:
// transactions that arrive while an entry is being replicated run one
// after the other on the next stage and go out together in the next
// entry, each still atomic. Every node applies committed entries to its
// local Store, all or nothing, and publishes the result as the version
// equal to the entry's log index, so the same version means the same
// contents everywhere. raft's snapshots are the Store's head, captured in
// O(1) and streamed in package fst's encoding; a node restores one on
// restart or when it fell too far behind, publishing it at its version
// and waking its Wait and WaitRange callers.
//
// # One node type, with or without summaries
//
// [MeasuredNode] is the node and [Node] the same type without summaries
// ([Open], [OpenFunc]). A node opened with a Measure ([OpenMeasured],
// [OpenMeasuredFunc]) keeps that Measure's summaries in its local
// [flatseg.MeasuredStore], so every follower answers Measure, Seek and
// SeekBackward locally and lock-free. The log and the snapshots hold no
// summaries: each node computes them as it applies entries, and a Dir
// opens with or without a Measure alike. Every node of a cluster must use
// the same Measure.
//
// # The contract
//
//   - Every [MeasuredNode.Update] that returns nil is linearizable, read-only ones
//     included: it took effect exactly once, at a point between its call
//     and its return; fn saw exactly the state made by every write ordered
//     before it, every Update acknowledged anywhere before the call
//     included; nothing it saw can later be rolled back. In a group, every
//     transaction returns only after the group's entry is committed and
//     applied, and fails with it; a group that writes nothing returns
//     after the node confirmed with a quorum, after the group ran, that it
//     still leads.
//   - [MeasuredNode.Barrier] returns a snapshot that includes every Update
//     acknowledged anywhere before it was called.
//   - Everything fn can do to its [flatseg.Txn] is replicated: Insert,
//     ShiftLeft, ShiftRight, Apply and Load (these two as the inserts
//     that make the difference). A panic in fn is re-raised in the
//     caller, runtime.Goexit ends only the caller's goroutine, and the
//     node serves on; so does a panic of the Measure while fn's writes
//     run on the leader, before anything is proposed.
//   - Every error says whether the write may have been applied. One that
//     wraps [ErrAmbiguous] (with its cause: [ErrNotLeader] for a
//     leadership lost or a term changed while committing, [ErrClosed],
//     ctx's error, [ErrPanic]) comes after the write was handed to raft
//     and its outcome was not seen: it may have been applied, or may be
//     later. Any other error means that nothing of the call was applied
//     or ever will be, so retrying is safe: fn's own error, and every
//     error before fn ran or before its group was proposed. A transaction
//     that wrote nothing, and Barrier, never return ErrAmbiguous.
//   - [MeasuredNode.UpdateOnce] carries an id the caller chooses, and the
//     cluster applies at most one transaction per id (within a window of
//     the last 65,536 ids, replicated and in raft's snapshots): after
//     ErrAmbiguous, retrying with the same id until it returns nil
//     applies the write exactly once.
//   - A node whose Measure, equality function or Codec panics applying a
//     committed entry stops itself, reports [ErrPanic] through
//     [MeasuredNode.Err], Update and Barrier, and the process and the
//     other nodes go on; [Open] reports such a panic in a Dir's replay as
//     ErrPanic, never as [ErrCorrupt].
//   - [MeasuredNode.Close] makes every waiting call return and leaves no goroutine
//     of the node behind.
//   - Reads on [MeasuredNode.Store], on any node, are local, lock-free and may be
//     stale. For read-your-writes, n.Store().WaitFor(ctx, v) with the
//     version v of the snapshot Update returned (a transaction that wrote
//     nothing returns the version of the state it read, 0 on a fresh
//     store, for which WaitFor returns at once).
//
// These are checked under injected faults (partitions, an isolated leader
// that still believes it leads, dropped and delayed messages, leadership
// transfers, nodes closed and reopened on their Dir) by a linearizability
// checker over the recorded client histories (porcupine), in the package's
// tests.
//
// # Transport
//
// Nodes talk raft over [Config.Transport]. In production that is
// [NewTLSTransport]: raft's NetworkTransport over TLS 1.3 with mutual
// authentication, in which a node holding no certificate that the
// cluster's CA signed can neither send a raft RPC nor receive one, and
// plain TCP, TLS 1.2 and certificate-less clients are refused before raft
// reads a byte. raft.NewTCPTransport authenticates no one: whoever reaches
// its port can send AppendEntries or InstallSnapshot and overwrite the
// state, so use it only where nothing else can reach the nodes.
// raft.NewInmemTransport connects nodes within one process, for tests.
//
// # Durability
//
// With [Config.Dir] set, the log and its stable state live in a bbolt file
// (github.com/hashicorp/raft-boltdb/v2), fsynced before a write is
// acknowledged, and snapshots in raft's file snapshot store: a node closed
// or killed comes back with every write it acknowledged, at the same
// version. The Dir also records the configuration that decides what its
// bytes mean, and an identity, in flatseg.json and in raft.db; [Open]
// refuses a Dir opened with another configuration ([ErrConfig], naming
// the field), one that another node holds ([ErrLocked]), one whose log was
// lost or replaced (raft.db emptied, another Dir's, or ending before a
// snapshot this node took: [ErrCorrupt], never a silent rollback to the
// snapshot), and one whose snapshots or entries do not decode and apply
// in order ([ErrCorrupt]), before it starts raft.
package replica
