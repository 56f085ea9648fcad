// Package replica is a replicated, durable flatseg store on
// github.com/hashicorp/raft: the pattern Consul uses with go-memdb, with a
// [flatseg.Store] as the state machine.
//
// # How it works
//
// Each [Node] holds a local Store. On the leader, [Node.Update] runs the
// caller's transaction, records its writes as an fst.Batch and proposes
// them as one raft log entry (transactions that arrive while an entry is
// being replicated go out together in the next, each still atomic). Every
// node applies committed entries to its local Store and publishes the
// result as the version equal to the entry's log index, so the same
// version means the same contents everywhere. raft's snapshots are the
// Store's head, captured in O(1) and streamed in package fst's encoding; a
// node restores one on restart or when it fell too far behind, publishing
// it as a new version and waking its Wait and WaitRange callers.
//
// # Reads and writes
//
// Reads go to [Node.Store] on any node: local, lock-free, and possibly
// stale. [Node.Barrier] on the leader gives a linearizable read point, and
// n.Store().Wait(ctx, v-1) gives read-your-writes for a version v that
// Update returned. Writes go to the leader; elsewhere Update returns
// [ErrNotLeader].
//
// # Durability
//
// With [Config.Dir] set, the log and its stable state live in a bbolt file
// (github.com/hashicorp/raft-boltdb/v2), fsynced before a write is
// acknowledged, and snapshots in raft's file snapshot store: a node closed
// or killed comes back with every write it acknowledged, at the same
// version.
package replica
