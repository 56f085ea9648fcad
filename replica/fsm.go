package replica

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/hashicorp/raft"
	"go.uber.org/atomic"

	"github.com/flatseg/flatseg"
	"github.com/flatseg/flatseg/fst"
)

// ErrCorrupt is wrapped by the errors about log entries and snapshots that
// do not decode.
var ErrCorrupt = errors.New("replica: corrupt log entry or snapshot")

// A log entry is a group of transactions: the magic byte 'F', the format
// version 1, a uvarint count, then for each transaction a uvarint length
// and the batch as fst.AppendBatch writes it (with its own checksum).
const (
	entryMagic   = 'F'
	entryVersion = 1
)

func appendEntryBatch[K fst.Key, V any](dst []byte, b *fst.Batch[K, V], c fst.Codec[V]) ([]byte, error) {
	enc, err := fst.AppendBatch(nil, b, c)
	if err != nil {
		return dst, err
	}
	dst = binary.AppendUvarint(dst, uint64(len(enc)))
	return append(dst, enc...), nil
}

func entry(count int, body []byte) []byte {
	out := make([]byte, 0, 2+binary.MaxVarintLen64+len(body))
	out = append(out, entryMagic, entryVersion)
	out = binary.AppendUvarint(out, uint64(count))
	return append(out, body...)
}

// decodeEntry returns the batches of a log entry. It trusts nothing: every
// length is checked against what is left.
func decodeEntry[K fst.Key, V any](data []byte, c fst.Codec[V]) ([]*fst.Batch[K, V], error) {
	if len(data) < 2 || data[0] != entryMagic || data[1] != entryVersion {
		return nil, fmt.Errorf("%w: bad entry header", ErrCorrupt)
	}
	data = data[2:]
	count, k := binary.Uvarint(data)
	if k <= 0 || count > uint64(len(data)) {
		return nil, fmt.Errorf("%w: bad transaction count", ErrCorrupt)
	}
	data = data[k:]
	batches := make([]*fst.Batch[K, V], 0, count)
	for range count {
		size, k := binary.Uvarint(data)
		if k <= 0 || size > uint64(len(data)-k) {
			return nil, fmt.Errorf("%w: bad batch length", ErrCorrupt)
		}
		b, err := fst.DecodeBatch[K, V](data[k:k+int(size)], c)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
		}
		batches = append(batches, b)
		data = data[k+int(size):]
	}
	if len(data) != 0 {
		return nil, fmt.Errorf("%w: %d bytes after the last batch", ErrCorrupt, len(data))
	}
	return batches, nil
}

// fsm applies the raft log to the local store.
type fsm[K fst.Key, V any] struct {
	store *flatseg.Store[K, V]
	codec fst.Codec[V]
	eq    func(a, b V) bool

	restores atomic.Int64 // Restore calls that published a state (tests read it)
}

// Apply applies the transactions of one log entry to the local store and
// publishes the result as the version l.Index (nothing when they change
// nothing). It returns the store's head, or an error for an entry that
// does not decode, the same on every node.
func (f *fsm[K, V]) Apply(l *raft.Log) any {
	if l.Type != raft.LogCommand {
		return nil
	}
	batches, err := decodeEntry[K, V](l.Data, f.codec)
	if err != nil {
		return err
	}
	t := f.store.Snapshot().Tree()
	var applyErr error
	for i, b := range batches {
		// A batch replays writes that succeeded on the leader's state, so
		// it succeeds here too; if it did not, it changes nothing (Apply is
		// all or nothing) on every node alike.
		if err := b.Apply(t); err != nil && applyErr == nil {
			applyErr = fmt.Errorf("replica: entry %d, transaction %d: %w", l.Index, i, err)
		}
	}
	sn, err := f.publish(t, l.Index)
	if err != nil {
		return err
	}
	if applyErr != nil {
		return applyErr
	}
	return sn
}

// publish makes t the store's state at the given version, or at the next
// one when the store is already there.
func (f *fsm[K, V]) publish(t *fst.Tree[K, V], version uint64) (*flatseg.Snapshot[K, V], error) {
	tx := f.store.Begin()
	defer tx.Rollback()
	if err := tx.Load(t); err != nil {
		return nil, err
	}
	if head := f.store.Snapshot().Version(); version <= head {
		version = head + 1
	}
	return tx.CommitAt(version)
}

// Snapshot captures the head in O(1): a snapshot of the store never changes.
func (f *fsm[K, V]) Snapshot() (raft.FSMSnapshot, error) {
	return &fsmSnapshot[K, V]{sn: f.store.Snapshot(), codec: f.codec}, nil
}

// A snapshot stream is the magic "FSR", the format version 1, the
// snapshot's version as a uvarint, then the tree as fst.Encode writes it.
var snapMagic = [4]byte{'F', 'S', 'R', 1}

// Restore replaces the store's state with a snapshot's and publishes it at
// the snapshot's version, waking Wait and WaitRange callers; readers that
// hold older snapshots keep them.
func (f *fsm[K, V]) Restore(rc io.ReadCloser) error {
	defer rc.Close()
	br := bufio.NewReader(rc)
	var magic [4]byte
	if _, err := io.ReadFull(br, magic[:]); err != nil || magic != snapMagic {
		return fmt.Errorf("%w: bad snapshot header", ErrCorrupt)
	}
	version, err := binary.ReadUvarint(br)
	if err != nil {
		return fmt.Errorf("%w: snapshot version: %w", ErrCorrupt, err)
	}
	t, err := fst.DecodeFunc[K, V](br, f.codec, f.eq)
	if err != nil {
		return err
	}
	if version == f.store.Snapshot().Version() {
		return nil // the same version is the same contents
	}
	f.restores.Inc() // before publishing, which wakes the readers that may look
	_, err = f.publish(t, version)
	return err
}

type fsmSnapshot[K fst.Key, V any] struct {
	sn    *flatseg.Snapshot[K, V]
	codec fst.Codec[V]
}

// Persist streams the snapshot: the header, then the encoded tree.
func (s *fsmSnapshot[K, V]) Persist(sink raft.SnapshotSink) error {
	hdr := binary.AppendUvarint(snapMagic[:], s.sn.Version())
	_, err := sink.Write(hdr)
	if err == nil {
		_, err = s.sn.Encode(sink, s.codec)
	}
	if err != nil {
		sink.Cancel()
		return err
	}
	return sink.Close()
}

// Release does nothing: the snapshot holds no resource but memory.
func (s *fsmSnapshot[K, V]) Release() {}
