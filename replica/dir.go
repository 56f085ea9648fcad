package replica

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"time"

	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"
	"go.etcd.io/bbolt"

	"github.com/flatseg/flatseg"
	"github.com/flatseg/flatseg/fst"
)

// A Dir holds raft.db (the log and raft's stable state, in bbolt), raft's
// snapshots (snapshots/), and flatseg.json: the configuration that decides
// what the bytes of the other two mean, written on first Open and checked
// by every later one, and the Dir's identity.
const dirConfigFile = "flatseg.json"

// The Dir's own keys in raft.db's stable store, beside raft's
// (CurrentTerm, LastVoteTerm, LastVoteCand).
var (
	// keyDirID holds the Dir's identity, as flatseg.json does: a raft.db
	// without it, or with another, is not this Dir's log.
	keyDirID = []byte("flatseg/dir-id")
	// keyInstalled holds the index of the last snapshot a leader sent
	// (InstallSnapshot), recorded before the snapshot becomes visible:
	// the one case in which a sound log may end before the latest
	// snapshot's index.
	keyInstalled = []byte("flatseg/installed-snapshot")
	// keyCurrentTerm is raft's, set before any entry is written.
	keyCurrentTerm = []byte("CurrentTerm")
)

// dirFormat is the format of flatseg.json this release writes. Format 1
// (the previous release) has no id: Open migrates it to format 2.
const dirFormat = 2

// dirConfig is flatseg.json. Keys and Init are written as text that reads
// back exactly: Go's %v of a number, the codec's bytes of Init in hex.
type dirConfig struct {
	Format int    `json:"format"`       // 2 (1 before Dirs had an id)
	ID     string `json:"id,omitempty"` // the Dir's identity, also in raft.db (format 2)
	Key    string `json:"key"`          // the key type, as Go names it
	Value  string `json:"value"`        // the value type
	Codec  string `json:"codec"`        // the codec's type
	Min    string `json:"min"`
	Max    string `json:"max"`
	Init   string `json:"init"` // Codec.AppendValue(nil, Init), in hex
}

func dirConfigOf[K fst.Key, V any](cfg Config[K, V]) (dirConfig, error) {
	init, err := cfg.Codec.AppendValue(nil, cfg.Init)
	if err != nil {
		return dirConfig{}, fmt.Errorf("%w: Init does not encode: %w", ErrConfig, err)
	}
	return dirConfig{
		Format: dirFormat,
		Key:    reflect.TypeFor[K]().String(),
		Value:  reflect.TypeFor[V]().String(),
		Codec:  reflect.TypeOf(cfg.Codec).String(),
		Min:    fmt.Sprint(cfg.Min),
		Max:    fmt.Sprint(cfg.Max),
		Init:   hex.EncodeToString(init),
	}, nil
}

// differs returns the first field in which the recorded configuration c
// differs from the one given, d, as an error wrapping ErrConfig. The
// format and the id are not configuration.
func (c dirConfig) differs(d dirConfig) error {
	for _, f := range []struct{ name, had, got string }{
		{"key type", c.Key, d.Key},
		{"value type", c.Value, d.Value},
		{"Codec", c.Codec, d.Codec},
		{"Min", c.Min, d.Min},
		{"Max", c.Max, d.Max},
		{"Init", c.Init, d.Init},
	} {
		if f.had != f.got {
			return fmt.Errorf("%w: %s is %s, but the Dir holds data written with %s", ErrConfig, f.name, f.got, f.had)
		}
	}
	return nil
}

// openDir opens the log store and the snapshot store of cfg.Dir, and
// checks them: the lock, the recorded configuration, the Dir's identity,
// that the log is the one the snapshots were taken from, and a replay of
// every snapshot and entry on a scratch store made by newStore. Only then
// does it record the identity of a new (or format 1) Dir: it records
// nothing in a Dir that fails a check.
func openDir[K fst.Key, V, M any](sh shape[K, V, M], cfg Config[K, V], newStore func() (*flatseg.MeasuredStore[K, V, M], error)) (*raftboltdb.BoltStore, raft.SnapshotStore, error) {
	want, err := dirConfigOf(cfg)
	if err != nil {
		return nil, nil, err
	}
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return nil, nil, err
	}
	timeout := cfg.LockTimeout
	if timeout == 0 {
		timeout = time.Second
	}
	path := filepath.Join(cfg.Dir, "raft.db")
	bolt, err := openBolt(path, timeout)
	if err != nil {
		return nil, nil, err
	}
	fail := func(err error) (*raftboltdb.BoltStore, raft.SnapshotStore, error) {
		bolt.Close()
		return nil, nil, err
	}
	retain := cfg.SnapshotRetain
	if retain == 0 {
		retain = 2
	}
	fss, err := raft.NewFileSnapshotStore(cfg.Dir, retain, io.Discard)
	if err != nil {
		return fail(err)
	}
	// Nothing is recorded in a Dir that fails a check.
	configPath := filepath.Join(cfg.Dir, dirConfigFile)
	record, err := checkDirConfig(configPath, want, bolt, fss)
	if err != nil {
		return fail(err)
	}
	if err := checkLog(bolt, fss); err != nil {
		return fail(err)
	}
	scratch, err := newStore()
	if err != nil {
		return fail(err)
	}
	if err := replay(newFSM(sh, scratch, cfg.Codec), bolt, fss); err != nil {
		return fail(err)
	}
	if record {
		if err := recordDirID(configPath, want, bolt); err != nil {
			return fail(err)
		}
	}
	return bolt, &markingStore{SnapshotStore: fss, stable: bolt}, nil
}

// openBolt opens the bbolt log store, waiting at most timeout for its
// lock, and turns a damaged file into ErrCorrupt.
func openBolt(path string, timeout time.Duration) (s *raftboltdb.BoltStore, err error) {
	defer func() {
		if v := recover(); v != nil {
			s, err = nil, fmt.Errorf("%w: %s: %v", ErrCorrupt, path, v)
		}
	}()
	s, err = raftboltdb.New(raftboltdb.Options{Path: path, BoltOptions: &bbolt.Options{Timeout: timeout}})
	switch {
	case errors.Is(err, bbolt.ErrTimeout):
		return nil, fmt.Errorf("%w: %s, after waiting %v for its lock", ErrLocked, path, timeout)
	case errors.Is(err, bbolt.ErrInvalid), errors.Is(err, bbolt.ErrChecksum), errors.Is(err, bbolt.ErrVersionMismatch):
		return nil, fmt.Errorf("%w: %s: %w", ErrCorrupt, path, err)
	}
	return s, err
}

// checkDirConfig compares the configuration recorded in dir with want
// and checks the Dir's identity: flatseg.json and raft.db's stable store
// must hold the same id, or raft.db is not this Dir's log (emptied,
// replaced, or another Dir's), which is ErrCorrupt. It writes nothing: it
// reports record for a Dir that needs its id recorded (recordDirID), one
// without flatseg.json (new) or with a format 1 flatseg.json (no id).
func checkDirConfig(path string, want dirConfig, stable raft.StableStore, snaps raft.SnapshotStore) (record bool, err error) {
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if holds, what := holdsState(stable, snaps); holds {
			return false, fmt.Errorf("%w: %s is missing, but the Dir holds %s", ErrCorrupt, path, what)
		}
		return true, nil
	case err != nil:
		return false, err
	}
	var had dirConfig
	if err := json.Unmarshal(data, &had); err != nil {
		return false, fmt.Errorf("%w: %s: %w", ErrCorrupt, path, err)
	}
	if had.Format != 1 && had.Format != dirFormat {
		return false, fmt.Errorf("%w: %s is of format %d (this release reads 1 and %d)", ErrConfig, path, had.Format, dirFormat)
	}
	if err := had.differs(want); err != nil {
		return false, err
	}
	if had.Format == 1 {
		return true, nil
	}
	id, err := stable.Get(keyDirID)
	switch {
	case errors.Is(err, raftboltdb.ErrKeyNotFound):
		return false, fmt.Errorf("%w: raft.db holds no Dir id, but %s says %s: the log was emptied or replaced", ErrCorrupt, path, had.ID)
	case err != nil:
		return false, fmt.Errorf("%w: reading the Dir id: %w", ErrCorrupt, err)
	case string(id) != had.ID:
		return false, fmt.Errorf("%w: raft.db belongs to Dir %s, but %s says %s: the log was replaced", ErrCorrupt, id, path, had.ID)
	}
	return false, nil
}

// recordDirID gives the Dir an id, recorded in raft.db first, then in
// flatseg.json with want's configuration (format 2). It adopts an id
// raft.db holds already, which an Open that crashed between the two
// writes left there.
func recordDirID(path string, want dirConfig, stable raft.StableStore) error {
	id, err := stable.Get(keyDirID)
	switch {
	case errors.Is(err, raftboltdb.ErrKeyNotFound):
		var b [16]byte
		if _, err := rand.Read(b[:]); err != nil {
			return err
		}
		id = []byte(hex.EncodeToString(b[:]))
		if err := stable.Set(keyDirID, id); err != nil {
			return err
		}
	case err != nil:
		return fmt.Errorf("%w: reading the Dir id: %w", ErrCorrupt, err)
	}
	want.ID = string(id)
	return writeFileSync(path, want)
}

// holdsState reports whether the stores hold anything raft wrote, and
// what.
func holdsState(stable raft.StableStore, snaps raft.SnapshotStore) (bool, string) {
	if list, err := snaps.List(); err != nil || len(list) > 0 {
		return true, "snapshots"
	}
	if _, err := stable.GetUint64(keyCurrentTerm); err == nil {
		return true, "raft's term"
	}
	if logs, ok := stable.(raft.LogStore); ok {
		if last, err := logs.LastIndex(); err != nil || last > 0 {
			return true, "log entries"
		}
	}
	return false, ""
}

// checkLog checks that the log is the one the latest snapshot was taken
// from, or one raft left so after installing the snapshot from a leader.
// raft writes its term before any entry, so snapshots without a term mean
// an emptied or replaced raft.db. A snapshot this node took covers
// entries its log held, and raft compacts the log only up to the
// snapshot while keeping TrailingLogs (at least 1) entries: the log ends
// at the snapshot's index or later, and its entry there, if not compacted,
// has the snapshot's term. A log that ends before a snapshot it did not
// install has lost entries, acknowledged ones among them: ErrCorrupt,
// never a silent rollback to the snapshot.
func checkLog(logs *raftboltdb.BoltStore, snaps raft.SnapshotStore) error {
	list, err := snaps.List()
	if err != nil {
		return fmt.Errorf("%w: listing snapshots: %w", ErrCorrupt, err)
	}
	if len(list) == 0 {
		return nil
	}
	snap := list[0]
	if _, err := logs.GetUint64(keyCurrentTerm); err != nil {
		return fmt.Errorf("%w: the Dir holds snapshot %s, but raft.db holds no raft term: the log was emptied or replaced (%v)", ErrCorrupt, snap.ID, err)
	}
	if installed, err := logs.GetUint64(keyInstalled); err == nil && installed == snap.Index {
		return nil // sent by the leader: the log may be shorter, and older
	}
	last, err := logs.LastIndex()
	if err != nil {
		return fmt.Errorf("%w: log: %w", ErrCorrupt, err)
	}
	if last < snap.Index {
		return fmt.Errorf("%w: the log ends at entry %d, but snapshot %s, taken here, covers entries up to %d: the entries after %d were lost", ErrCorrupt, last, snap.ID, snap.Index, last)
	}
	var l raft.Log
	switch err := logs.GetLog(snap.Index, &l); {
	case errors.Is(err, raft.ErrLogNotFound): // compacted
	case err != nil:
		return fmt.Errorf("%w: log entry %d: %w", ErrCorrupt, snap.Index, err)
	case l.Term != snap.Term:
		return fmt.Errorf("%w: log entry %d is of term %d, but snapshot %s, taken from it, says %d: the log was replaced", ErrCorrupt, snap.Index, l.Term, snap.ID, snap.Term)
	}
	return nil
}

// markingStore is raft's snapshot store, recording in the stable store
// the index of every snapshot a leader installs before it becomes
// visible (see keyInstalled and checkLog). A snapshot this node takes is
// written by fsmSnapshot.Persist, which marks its sink local; any other
// (InstallSnapshot, raft's Restore) is installed.
type markingStore struct {
	raft.SnapshotStore
	stable raft.StableStore
}

// Create is the store's Create, with the sink wrapped.
func (s *markingStore) Create(version raft.SnapshotVersion, index, term uint64, configuration raft.Configuration, configurationIndex uint64, trans raft.Transport) (raft.SnapshotSink, error) {
	sink, err := s.SnapshotStore.Create(version, index, term, configuration, configurationIndex, trans)
	if err != nil {
		return nil, err
	}
	return &markingSink{SnapshotSink: sink, stable: s.stable, index: index}, nil
}

// markingSink is a snapshot sink of a markingStore.
type markingSink struct {
	raft.SnapshotSink
	stable raft.StableStore
	index  uint64
	local  bool // written by Persist: taken here
}

// Close records an installed snapshot's index, then makes the snapshot
// visible.
func (s *markingSink) Close() error {
	if !s.local {
		if err := s.stable.SetUint64(keyInstalled, s.index); err != nil {
			_ = s.SnapshotSink.Cancel()
			return fmt.Errorf("replica: recording an installed snapshot: %w", err)
		}
	}
	return s.SnapshotSink.Close()
}

// writeFileSync writes v as JSON to path so that it is there, whole, after
// a crash: a temporary file, synced, renamed, and the directory synced.
func writeFileSync(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(data, '\n')); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	d, err := os.Open(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// replay applies the latest snapshot and every log entry after it to f's
// scratch store, as raft will once the node runs: any that does not
// decode or apply is an error wrapping ErrCorrupt, and so is a panic of
// the stores that read them. A panic of the node's Measure, equality or
// Codec is not the Dir's fault: the apply path reports it as ErrPanic.
func replay[K fst.Key, V, M any](f *fsm[K, V, M], logs raft.LogStore, snaps raft.SnapshotStore) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("%w: reading the Dir: %v", ErrCorrupt, v)
		}
	}()
	list, err := snaps.List()
	if err != nil {
		return fmt.Errorf("%w: listing snapshots: %w", ErrCorrupt, err)
	}
	var from uint64 // the index the snapshot covers
	if len(list) > 0 {
		meta, rc, err := snaps.Open(list[0].ID)
		if err != nil {
			return fmt.Errorf("%w: snapshot %s: %w", ErrCorrupt, list[0].ID, err)
		}
		if err := f.Restore(rc); err != nil {
			if errors.Is(err, ErrPanic) {
				return fmt.Errorf("replica: snapshot %s: %w", list[0].ID, err)
			}
			return fmt.Errorf("%w: snapshot %s: %w", ErrCorrupt, list[0].ID, err)
		}
		from = meta.Index
	}
	first, err := logs.FirstIndex()
	if err != nil {
		return fmt.Errorf("%w: log: %w", ErrCorrupt, err)
	}
	last, err := logs.LastIndex()
	if err != nil {
		return fmt.Errorf("%w: log: %w", ErrCorrupt, err)
	}
	if last == 0 {
		return nil
	}
	if first > from+1 {
		return fmt.Errorf("%w: the log starts at entry %d, but the latest snapshot covers entries up to %d", ErrCorrupt, first, from)
	}
	for i := max(first, from+1); i <= last; i++ {
		var l raft.Log
		if err := logs.GetLog(i, &l); err != nil {
			return fmt.Errorf("%w: log entry %d: %w", ErrCorrupt, i, err)
		}
		if l.Index != i {
			return fmt.Errorf("%w: log entry %d is stored as entry %d", ErrCorrupt, i, l.Index)
		}
		if l.Type != raft.LogCommand {
			continue
		}
		if _, err := f.apply(l.Index, l.Data); err != nil {
			return err
		}
	}
	return nil
}
