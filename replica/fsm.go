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

	"github.com/flatseg/flatseg"
	"github.com/flatseg/flatseg/fst"
)

// ErrCorrupt is wrapped by the errors about log entries and snapshots that
// do not decode or do not apply, and by [Open] for a Dir whose contents are
// damaged.
var ErrCorrupt = errors.New("replica: corrupt log entry or snapshot")

// applied is the outcome of one log entry on the local store.
type applied[K fst.Key, V, M any] struct {
	sn  *flatseg.MeasuredSnapshot[K, V, M]
	err error
}

// fsm applies the raft log to the local store, and tells the proposer
// waiting for an entry when it has been applied.
type fsm[K fst.Key, V, M any] struct {
	shape shape[K, V, M]
	store *flatseg.MeasuredStore[K, V, M]
	codec fst.Codec[V]

	mu      sync.Mutex
	waiters map[uint64]chan applied[K, V, M] // by entry nonce

	restores atomic.Int64 // Restore calls that published a state (tests read it)
}

func newFSM[K fst.Key, V, M any](sh shape[K, V, M], store *flatseg.MeasuredStore[K, V, M], codec fst.Codec[V]) *fsm[K, V, M] {
	return &fsm[K, V, M]{shape: sh, store: store, codec: codec, waiters: map[uint64]chan applied[K, V, M]{}}
}

// expect returns the channel on which Apply reports the entry with the
// given nonce. The caller must forget it.
func (f *fsm[K, V, M]) expect(nonce uint64) <-chan applied[K, V, M] {
	ch := make(chan applied[K, V, M], 1)
	f.mu.Lock()
	f.waiters[nonce] = ch
	f.mu.Unlock()
	return ch
}

func (f *fsm[K, V, M]) forget(nonce uint64) {
	f.mu.Lock()
	delete(f.waiters, nonce)
	f.mu.Unlock()
}

// Apply applies the transactions of one log entry to the local store, all
// or nothing, and publishes the result as the version l.Index (nothing
// when they change nothing). It returns the store's head, or the error of
// an entry that does not decode or apply, the same on every node; the
// proposer that waits for the entry gets the same.
func (f *fsm[K, V, M]) Apply(l *raft.Log) any {
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
			w <- applied[K, V, M]{sn: sn, err: err}
		}
	}
	if err != nil {
		return err
	}
	return sn
}

// apply is the one path by which an entry changes the store: live, and
// when Open checks a Dir's log.
func (f *fsm[K, V, M]) apply(index uint64, data []byte) (*flatseg.MeasuredSnapshot[K, V, M], error) {
	batches, err := decodeEntry[K, V](data, f.codec)
	if err != nil {
		return nil, fmt.Errorf("replica: entry %d: %w", index, err)
	}
	if len(batches) == 0 {
		return f.store.Snapshot(), nil // a leader's barrier
	}
	sn, err := f.store.UpdateAt(index, func(tx *flatseg.MeasuredTxn[K, V, M]) error {
		for i, b := range batches {
			if err := b.Apply(tx); err != nil {
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
func (f *fsm[K, V, M]) Snapshot() (raft.FSMSnapshot, error) {
	return &fsmSnapshot[K, V, M]{sn: f.store.Snapshot(), codec: f.codec}, nil
}

// A snapshot stream is the magic "FSR", the format version 1, the
// snapshot's version as a uvarint in its shortest form, then the tree as
// fst.Encode writes it.
var snapMagic = [4]byte{'F', 'S', 'R', 1}

// Restore replaces the store's state with a snapshot's and publishes it at
// the snapshot's version, waking Wait and WaitRange callers; readers that
// hold older snapshots keep them.
func (f *fsm[K, V, M]) Restore(rc io.ReadCloser) error {
	version, t, err := readSnapshot(f.shape, rc, f.codec)
	if cerr := rc.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("%w: snapshot: %w", ErrCorrupt, cerr) // a file snapshot checks its CRC here
	}
	if err != nil {
		return err
	}
	if version == f.store.Snapshot().Version() {
		return nil // the same version is the same contents
	}
	f.restores.Inc() // before publishing, which wakes the readers that may look
	_, err = f.store.UpdateAt(version, func(tx *flatseg.MeasuredTxn[K, V, M]) error { return tx.Load(t) })
	if err != nil {
		return fmt.Errorf("%w: snapshot at version %d: %w", ErrCorrupt, version, err)
	}
	return nil
}

// readSnapshot decodes a snapshot stream.
func readSnapshot[K fst.Key, V, M any](sh shape[K, V, M], r io.Reader, c fst.Codec[V]) (version uint64, t *fst.Measured[K, V, M], err error) {
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
	t, err = sh.decode(br, c)
	if err != nil {
		return 0, t, fmt.Errorf("%w: snapshot: %w", ErrCorrupt, err)
	}
	return version, t, nil
}

type fsmSnapshot[K fst.Key, V, M any] struct {
	sn    *flatseg.MeasuredSnapshot[K, V, M]
	codec fst.Codec[V]
}

// Persist streams the snapshot: the header, then the encoded tree.
func (s *fsmSnapshot[K, V, M]) Persist(sink raft.SnapshotSink) error {
	hdr := binary.AppendUvarint(append([]byte(nil), snapMagic[:]...), s.sn.Version())
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
func (s *fsmSnapshot[K, V, M]) Release() {}
