package replica

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/hashicorp/raft"
	"go.uber.org/atomic"

	"github.com/flatseg/flatseg/fst"
)

// ErrCorrupt is wrapped by the errors about log entries and snapshots that
// do not decode or do not apply, and by [Open] for a Dir whose contents are
// damaged.
var ErrCorrupt = errors.New("replica: corrupt log entry or snapshot")

// applied is the outcome of one log entry on the local store.
type applied[K fst.Key, V any, Tree, Store, Snapshot, Txn any] struct {
	sn  *Snapshot
	err error
}

// fsm applies the raft log to the local store, and tells the proposer
// waiting for an entry when it has been applied.
type fsm[K fst.Key, V any, Tree, Store, Snapshot, Txn any] struct {
	kit   *kit[K, V, Tree, Store, Snapshot, Txn]
	store *Store
	codec fst.Codec[V]

	mu      sync.Mutex
	waiters map[uint64]chan applied[K, V, Tree, Store, Snapshot, Txn] // by entry nonce

	restores atomic.Int64 // Restore calls that published a state (tests read it)
}

func newFSM[K fst.Key, V any, Tree, Store, Snapshot, Txn any](k *kit[K, V, Tree, Store, Snapshot, Txn], store *Store, codec fst.Codec[V]) *fsm[K, V, Tree, Store, Snapshot, Txn] {
	return &fsm[K, V, Tree, Store, Snapshot, Txn]{kit: k, store: store, codec: codec, waiters: map[uint64]chan applied[K, V, Tree, Store, Snapshot, Txn]{}}
}

// expect returns the channel on which Apply reports the entry with the
// given nonce. The caller must forget it.
func (f *fsm[K, V, Tree, Store, Snapshot, Txn]) expect(nonce uint64) <-chan applied[K, V, Tree, Store, Snapshot, Txn] {
	ch := make(chan applied[K, V, Tree, Store, Snapshot, Txn], 1)
	f.mu.Lock()
	f.waiters[nonce] = ch
	f.mu.Unlock()
	return ch
}

func (f *fsm[K, V, Tree, Store, Snapshot, Txn]) forget(nonce uint64) {
	f.mu.Lock()
	delete(f.waiters, nonce)
	f.mu.Unlock()
}

// Apply applies the transactions of one log entry to the local store, all
// or nothing, and publishes the result as the version l.Index (nothing
// when they change nothing). It returns the store's head, or the error of
// an entry that does not decode or apply, the same on every node; the
// proposer that waits for the entry gets the same.
func (f *fsm[K, V, Tree, Store, Snapshot, Txn]) Apply(l *raft.Log) any {
	if l.Type != raft.LogCommand {
		return nil
	}
	sn, err := f.apply(l.Index, l.Data)
	if nonce, ok := entryNonce(l.Data); ok {
		f.mu.Lock()
		w := f.waiters[nonce]
		delete(f.waiters, nonce)
		f.mu.Unlock()
		if w != nil {
			w <- applied[K, V, Tree, Store, Snapshot, Txn]{sn: sn, err: err}
		}
	}
	if err != nil {
		return err
	}
	return sn
}

// apply is the one path by which an entry changes the store: live, and
// when Open checks a Dir's log.
func (f *fsm[K, V, Tree, Store, Snapshot, Txn]) apply(index uint64, data []byte) (*Snapshot, error) {
	batches, err := decodeEntry[K, V](data, f.codec)
	if err != nil {
		return nil, fmt.Errorf("replica: entry %d: %w", index, err)
	}
	if len(batches) == 0 {
		return f.kit.snapshot(f.store), nil // a leader's barrier
	}
	sn, err := f.kit.updateAt(f.store, index, func(tx *Txn) error {
		for i, b := range batches {
			if err := b.ApplyTo(f.kit.writer(tx)); err != nil {
				// The leader ran these writes on the same state: they fail
				// here only if the log or the code is broken.
				return fmt.Errorf("%w: entry %d, transaction %d: %w", ErrCorrupt, index, i, err)
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, ErrCorrupt) {
		err = fmt.Errorf("%w: entry %d: %w", ErrCorrupt, index, err) // flatseg.ErrVersion: the log goes backwards
	}
	return sn, err
}

// Snapshot captures the head in O(1): a snapshot of the store never changes.
func (f *fsm[K, V, Tree, Store, Snapshot, Txn]) Snapshot() (raft.FSMSnapshot, error) {
	return &fsmSnapshot[K, V, Tree, Store, Snapshot, Txn]{kit: f.kit, sn: f.kit.snapshot(f.store), codec: f.codec}, nil
}

// A snapshot stream is the magic "FSR", the format version 1, the
// snapshot's version as a uvarint in its shortest form, then the tree as
// fst.Encode writes it.
var snapMagic = [4]byte{'F', 'S', 'R', 1}

// Restore replaces the store's state with a snapshot's and publishes it at
// the snapshot's version, waking Wait and WaitRange callers; readers that
// hold older snapshots keep them.
func (f *fsm[K, V, Tree, Store, Snapshot, Txn]) Restore(rc io.ReadCloser) error {
	version, t, err := readSnapshot(f.kit, rc, f.codec)
	if cerr := rc.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("%w: snapshot: %w", ErrCorrupt, cerr) // a file snapshot checks its CRC here
	}
	if err != nil {
		return err
	}
	if version == f.kit.version(f.kit.snapshot(f.store)) {
		return nil // the same version is the same contents
	}
	f.restores.Inc() // before publishing, which wakes the readers that may look
	_, err = f.kit.updateAt(f.store, version, func(tx *Txn) error { return f.kit.load(tx, t) })
	if err != nil {
		return fmt.Errorf("%w: snapshot at version %d: %w", ErrCorrupt, version, err)
	}
	return nil
}

// readSnapshot decodes a snapshot stream.
func readSnapshot[K fst.Key, V any, Tree, Store, Snapshot, Txn any](k *kit[K, V, Tree, Store, Snapshot, Txn], r io.Reader, c fst.Codec[V]) (version uint64, t Tree, err error) {
	br := bufio.NewReader(r)
	var magic [4]byte
	if _, err := io.ReadFull(br, magic[:]); err != nil || magic != snapMagic {
		return 0, t, fmt.Errorf("%w: bad snapshot header", ErrCorrupt)
	}
	var buf []byte
	for len(buf) < 10 {
		b, err := br.ReadByte()
		if err != nil {
			return 0, t, fmt.Errorf("%w: snapshot version: %w", ErrCorrupt, err)
		}
		buf = append(buf, b)
		if b < 0x80 {
			break
		}
	}
	version, _, err = uvarint(buf)
	if err != nil {
		return 0, t, fmt.Errorf("snapshot version: %w", err)
	}
	t, err = k.decode(br, c)
	if err != nil {
		return 0, t, fmt.Errorf("%w: snapshot: %w", ErrCorrupt, err)
	}
	return version, t, nil
}

type fsmSnapshot[K fst.Key, V any, Tree, Store, Snapshot, Txn any] struct {
	kit   *kit[K, V, Tree, Store, Snapshot, Txn]
	sn    *Snapshot
	codec fst.Codec[V]
}

// Persist streams the snapshot: the header, then the encoded tree.
func (s *fsmSnapshot[K, V, Tree, Store, Snapshot, Txn]) Persist(sink raft.SnapshotSink) error {
	hdr := binary.AppendUvarint(append([]byte(nil), snapMagic[:]...), s.kit.version(s.sn))
	_, err := sink.Write(hdr)
	if err == nil {
		_, err = s.kit.encode(s.sn, sink, s.codec)
	}
	if err != nil {
		sink.Cancel()
		return err
	}
	return sink.Close()
}

// Release does nothing: the snapshot holds no resource but memory.
func (s *fsmSnapshot[K, V, Tree, Store, Snapshot, Txn]) Release() {}
