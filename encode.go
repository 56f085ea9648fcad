package flatseg

import (
	"io"

	"github.com/flatseg/flatseg/fst"
)

// Encode writes the version sn to w in the format of [fst.Encode], with
// values encoded by c, and returns the number of bytes written. It streams
// in frames of at most 64 KiB and holds one frame in memory, never the whole
// tree, and it costs O(n). A snapshot never changes, so Encode may run in
// any goroutine, for as long as it takes, while writers commit newer
// versions; any number of goroutines may encode snapshots at once.
//
// Load the result into a new Store with [fst.Decode] and [NewFrom], which
// makes the decoded tree version 0 of the store in O(1):
//
//	t, err := fst.Decode[int64](r, fst.NumberCodec[string]())
//	if err != nil {
//		return err // wraps fst.ErrCorrupt for malformed input
//	}
//	s, err := flatseg.NewFrom(t)
//
// The version number is not part of the encoding: a loaded store starts at
// version 0. To ship writes rather than whole versions, see [MeasuredStore.Apply].
func (sn *MeasuredSnapshot[K, V, M]) Encode(w io.Writer, c fst.Codec[V]) (int64, error) {
	return fst.Encode(w, sn.tree, c)
}

// Apply commits the writes of b, in order, as one transaction, and returns
// the version it published (or the head, unchanged, when the writes change
// nothing; see [MeasuredTxn.Commit]). It is all or nothing: when a write fails,
// Apply rolls the transaction back and returns that write's error, which
// names its index and wraps the [fst.Tree] method's sentinel. Like
// [MeasuredStore.Begin], it waits for the previous writer.
//
// Applying the same batch to two stores at equal versions gives equal
// versions, bit for bit, and the same version numbers when the two stores
// have had the same history: a replica that applies a leader's batches in
// the leader's order stays identical to it. The leader records its writes in
// an [fst.Batch], commits them with Apply and ships [fst.AppendBatch]'s
// bytes; the replica decodes them with [fst.DecodeBatch] and applies them.
// The cost is that of the writes, plus, when more than one write may have
// changed something, the commit's check against the head, which skips the
// subtrees the writes did not copy.
func (s *MeasuredStore[K, V, M]) Apply(b *fst.Batch[K, V]) (*MeasuredSnapshot[K, V, M], error) {
	return s.update(0, false, nil, func(tx *MeasuredTxn[K, V, M]) error { return b.Apply(tx) })
}
