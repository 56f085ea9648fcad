package replica

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"

	"github.com/hashicorp/raft"
	"go.uber.org/atomic"

	"github.com/flatseg/flatseg"
	"github.com/flatseg/flatseg/fst"
)

// ErrCorrupt is wrapped by the errors about log entries and snapshots that
// do not decode or do not apply, and by [Open] for a Dir whose contents are
// damaged, or whose log was lost or replaced.
var ErrCorrupt = errors.New("replica: corrupt log entry or snapshot")

// ErrPanic is wrapped, with the log entry's index (or the snapshot's
// version) and the panic's value, by the error of a node whose Measure,
// equality function or Codec panicked while it applied a committed entry
// or restored a snapshot. The Dir is not damaged: [Open] reports such a
// panic in its replay with ErrPanic, not [ErrCorrupt], and the Dir opens
// again once the function is fixed. A running node that meets one stops
// applying entries (skipping one would make its state differ from the
// others'), stops itself, and reports the error from then on through
// [MeasuredNode.Err], [MeasuredNode.Update] and [MeasuredNode.Barrier];
// the process goes on, as do the other nodes. It also wraps the error of
// the Updates of a group whose writes the Codec panicked encoding on the
// leader: nothing of the group is proposed, and the node serves on.
var ErrPanic = errors.New("replica: a Measure, equality function or Codec panicked")

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
	ids   *idTable // the ids applied most recently (UpdateOnce)

	mu      sync.Mutex
	waiters map[uint64]chan applied[K, V, M] // by entry nonce

	failure  atomic.Error  // the ErrPanic that stopped the FSM; nil while it applies
	failed   chan struct{} // closed once failure is set
	failOnce sync.Once

	restores atomic.Int64  // Restore calls that published a state (tests read it)
	last     atomic.Uint64 // the index of the last command entry Apply was given: the proposer's sign of progress
}

func newFSM[K fst.Key, V, M any](sh shape[K, V, M], store *flatseg.MeasuredStore[K, V, M], codec fst.Codec[V]) *fsm[K, V, M] {
	return &fsm[K, V, M]{
		shape: sh, store: store, codec: codec, ids: newIDTable(idWindow),
		waiters: map[uint64]chan applied[K, V, M]{},
		failed:  make(chan struct{}),
	}
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

// fail stops the FSM with err (an ErrPanic): it applies nothing more.
func (f *fsm[K, V, M]) fail(err error) {
	f.failOnce.Do(func() {
		f.failure.Store(err)
		close(f.failed)
	})
}

// err returns the error that stopped the FSM, nil while it applies.
func (f *fsm[K, V, M]) err() error { return f.failure.Load() }

// Apply applies the transactions of one log entry to the local store, all
// or nothing, and publishes the result as the version l.Index (nothing
// for an entry without transactions). It returns the store's head, or the
// error of an entry that does not decode or apply, the same on every
// node; the proposer that waits for the entry gets the same. A panic of
// the node's Measure, equality or Codec stops the FSM: this entry and
// every later one are refused with the ErrPanic, and the node stops
// itself (from another goroutine: raft must not be shut down from within
// Apply).
func (f *fsm[K, V, M]) Apply(l *raft.Log) any {
	if l.Type != raft.LogCommand {
		return nil
	}
	f.last.Store(l.Index)
	var sn *flatseg.MeasuredSnapshot[K, V, M]
	err := f.err()
	if err == nil {
		sn, err = f.apply(l.Index, l.Data)
		if errors.Is(err, ErrPanic) {
			f.fail(err)
		}
	}
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
// when Open checks a Dir's log. A transaction whose id the window holds
// (or an earlier transaction of the entry carried) is skipped: an id is
// applied at most once. The entry's ids enter the window after the store
// publishes it, so that a proposer that finds an id there finds its write
// in the head. A panic of the user's functions (the Codec decoding, the
// equality and the Measure applying) is an error wrapping ErrPanic; the
// store is then as it was.
func (f *fsm[K, V, M]) apply(index uint64, data []byte) (sn *flatseg.MeasuredSnapshot[K, V, M], err error) {
	defer func() {
		if v := recover(); v != nil {
			sn, err = nil, fmt.Errorf("%w: entry %d: %v", ErrPanic, index, v)
		}
	}()
	txns, err := decodeEntry[K, V](data, f.codec)
	if err != nil {
		return nil, fmt.Errorf("replica: entry %d: %w", index, err)
	}
	if len(txns) == 0 {
		return f.store.Snapshot(), nil // a leader's barrier
	}
	var ids []string // the ids this entry applies
	sn, err = f.store.UpdateAt(index, func(tx *flatseg.MeasuredTxn[K, V, M]) error {
		for i, t := range txns {
			if t.id != "" {
				if f.ids.has(t.id) || slices.Contains(ids, t.id) {
					continue // applied already
				}
				ids = append(ids, t.id)
			}
			if err := t.batch.Apply(tx); err != nil {
				// The leader ran these writes on the same state: they fail
				// here only if the log or the code is broken.
				return fmt.Errorf("%w: entry %d, transaction %d: %w", ErrCorrupt, index, i, err)
			}
		}
		return nil
	})
	if err != nil {
		if !errors.Is(err, ErrCorrupt) {
			err = fmt.Errorf("%w: entry %d: %w", ErrCorrupt, index, err) // flatseg.ErrVersion: the log goes backwards
		}
		return sn, err
	}
	f.ids.add(ids)
	return sn, nil
}

// Snapshot captures the head and the id window in O(1): neither a
// snapshot of the store nor a list of the window ever changes. A stopped
// FSM refuses: raft counts the entry that stopped it as applied, and a
// snapshot of its state would lack it.
func (f *fsm[K, V, M]) Snapshot() (raft.FSMSnapshot, error) {
	if err := f.err(); err != nil {
		return nil, err
	}
	return &fsmSnapshot[K, V, M]{sn: f.store.Snapshot(), ids: f.ids.list(), codec: f.codec}, nil
}

// The snapshot stream. Version 2:
//
//	magic    3 bytes, "FSR"
//	format   1 byte, 2
//	version  uvarint, shortest form: the snapshot's version
//	ids      uvarint, shortest form, at most idWindow: the ids of the
//	         window, then each, oldest first:
//	  idLen  uvarint, shortest form, 1 to maxIDLen
//	  id     idLen bytes; no id twice
//	tree     as fst.Encode writes it
//
// Format 1, written by the previous release, has no ids: it reads as an
// empty window.
const (
	snapFormat1 = 1
	snapFormat2 = 2
)

var snapMagic = [3]byte{'F', 'S', 'R'}

// Restore replaces the store's state with a snapshot's and publishes it at
// the snapshot's version, waking Wait and WaitRange callers; readers that
// hold older snapshots keep them. It replaces the id window with the
// snapshot's. It publishes the snapshot's version even when the contents
// equal the head's, so that the head's version reaches it. A panic of
// the user's functions stops the FSM, as in Apply.
func (f *fsm[K, V, M]) Restore(rc io.ReadCloser) error {
	if err := f.err(); err != nil {
		rc.Close()
		return err
	}
	err := f.restore(rc)
	if errors.Is(err, ErrPanic) {
		f.fail(err)
	}
	return err
}

func (f *fsm[K, V, M]) restore(rc io.ReadCloser) (err error) {
	var version uint64
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("%w: snapshot at version %d: %v", ErrPanic, version, v)
		}
	}()
	version, ids, t, err := readSnapshot(f.shape, rc, f.codec)
	if cerr := rc.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("%w: snapshot: %w", ErrCorrupt, cerr) // a file snapshot checks its CRC here
	}
	if err != nil {
		return err
	}
	if version != f.store.Snapshot().Version() { // the same version is the same contents
		f.restores.Inc() // before publishing, which wakes the readers that may look
		_, err = f.store.UpdateAt(version, func(tx *flatseg.MeasuredTxn[K, V, M]) error { return tx.Load(t) })
		if err != nil {
			return fmt.Errorf("%w: snapshot at version %d: %w", ErrCorrupt, version, err)
		}
	}
	f.ids.reset(ids)
	return nil
}

// readSnapshot decodes a snapshot stream.
func readSnapshot[K fst.Key, V, M any](sh shape[K, V, M], r io.Reader, c fst.Codec[V]) (version uint64, ids []string, t *fst.Measured[K, V, M], err error) {
	br := bufio.NewReader(r)
	version, ids, err = readSnapshotHeader(br)
	if err != nil {
		return 0, nil, nil, err
	}
	t, err = sh.decode(br, c)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("%w: snapshot: %w", ErrCorrupt, err)
	}
	return version, ids, t, nil
}

// readSnapshotHeader reads a snapshot stream's header: its version and
// its id window (none in format 1). It trusts nothing: varints must be in
// their shortest form, counts and lengths within their bounds, ids
// distinct, and it allocates no more than it has read, plus a bounded
// slice header array.
func readSnapshotHeader(br *bufio.Reader) (version uint64, ids []string, err error) {
	var magic [4]byte
	if _, err := io.ReadFull(br, magic[:]); err != nil || [3]byte(magic[:3]) != snapMagic || (magic[3] != snapFormat1 && magic[3] != snapFormat2) {
		return 0, nil, fmt.Errorf("%w: bad snapshot header", ErrCorrupt)
	}
	version, err = readUvarint(br)
	if err != nil {
		return 0, nil, fmt.Errorf("%w: snapshot version: %w", ErrCorrupt, err)
	}
	if magic[3] == snapFormat1 {
		return version, nil, nil
	}
	count, err := readUvarint(br)
	switch {
	case err != nil:
		return 0, nil, fmt.Errorf("%w: snapshot id count: %w", ErrCorrupt, err)
	case count > idWindow:
		return 0, nil, fmt.Errorf("%w: snapshot of %d ids (the most is %d)", ErrCorrupt, count, idWindow)
	}
	ids = make([]string, 0, min(count, 1024))
	seen := make(map[string]struct{}, min(count, 1024))
	for i := range count {
		n, err := readUvarint(br)
		switch {
		case err != nil:
			return 0, nil, fmt.Errorf("%w: snapshot id %d: %w", ErrCorrupt, i, err)
		case n == 0 || n > maxIDLen:
			return 0, nil, fmt.Errorf("%w: snapshot id %d of %d bytes (1 to %d)", ErrCorrupt, i, n, maxIDLen)
		}
		b := make([]byte, n)
		if _, err := io.ReadFull(br, b); err != nil {
			return 0, nil, fmt.Errorf("%w: snapshot id %d: %w", ErrCorrupt, i, err)
		}
		id := string(b)
		if _, dup := seen[id]; dup {
			return 0, nil, fmt.Errorf("%w: snapshot id %d repeats an earlier one", ErrCorrupt, i)
		}
		seen[id] = struct{}{}
		ids = append(ids, id)
	}
	return version, ids, nil
}

// readUvarint reads one uvarint in its shortest form from br.
func readUvarint(br *bufio.Reader) (uint64, error) {
	var buf [binary.MaxVarintLen64]byte
	n := 0
	for n < len(buf) {
		b, err := br.ReadByte()
		if err != nil {
			return 0, err
		}
		buf[n] = b
		n++
		if b < 0x80 {
			break
		}
	}
	v, _, err := uvarint(buf[:n])
	return v, err
}

// appendSnapshotHeader appends the header of a snapshot stream of the
// given version and id window.
func appendSnapshotHeader(dst []byte, version uint64, ids []string) []byte {
	dst = append(dst, snapMagic[:]...)
	dst = append(dst, snapFormat2)
	dst = binary.AppendUvarint(dst, version)
	dst = binary.AppendUvarint(dst, uint64(len(ids)))
	for _, id := range ids {
		dst = binary.AppendUvarint(dst, uint64(len(id)))
		dst = append(dst, id...)
	}
	return dst
}

type fsmSnapshot[K fst.Key, V, M any] struct {
	sn    *flatseg.MeasuredSnapshot[K, V, M]
	ids   []string
	codec fst.Codec[V]
}

// Persist streams the snapshot: the header, then the encoded tree. It
// marks the sink as a snapshot taken here (see markingSink).
func (s *fsmSnapshot[K, V, M]) Persist(sink raft.SnapshotSink) error {
	if m, ok := sink.(*markingSink); ok {
		m.local = true
	}
	_, err := sink.Write(appendSnapshotHeader(nil, s.sn.Version(), s.ids)) // at most idWindow * (maxIDLen+2) bytes
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
