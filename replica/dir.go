package replica

import (
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
// by every later one.
const dirConfigFile = "flatseg.json"

// dirConfig is flatseg.json. Keys and Init are written as text that reads
// back exactly: Go's %v of a number, the codec's bytes of Init in hex.
type dirConfig struct {
	Format int    `json:"format"` // 1
	Key    string `json:"key"`    // the key type, as Go names it
	Value  string `json:"value"`  // the value type
	Codec  string `json:"codec"`  // the codec's type
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
		Format: 1,
		Key:    reflect.TypeFor[K]().String(),
		Value:  reflect.TypeFor[V]().String(),
		Codec:  reflect.TypeOf(cfg.Codec).String(),
		Min:    fmt.Sprint(cfg.Min),
		Max:    fmt.Sprint(cfg.Max),
		Init:   hex.EncodeToString(init),
	}, nil
}

// differs returns the first field in which the recorded configuration c
// differs from the one given, d, as an error wrapping ErrConfig.
func (c dirConfig) differs(d dirConfig) error {
	for _, f := range []struct{ name, had, got string }{
		{"format", fmt.Sprint(c.Format), fmt.Sprint(d.Format)},
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
// checks them: the lock, the recorded configuration, and a replay of every
// snapshot and entry on a scratch store made by newStore.
func openDir[K fst.Key, V, M any](sh shape[K, V, M], cfg Config[K, V], newStore func() (*flatseg.MeasuredStore[K, V, M], error)) (*raftboltdb.BoltStore, *raft.FileSnapshotStore, error) {
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
	fail := func(err error) (*raftboltdb.BoltStore, *raft.FileSnapshotStore, error) {
		bolt.Close()
		return nil, nil, err
	}
	if err := checkDirConfig(cfg.Dir, want); err != nil {
		return fail(err)
	}
	retain := cfg.SnapshotRetain
	if retain == 0 {
		retain = 2
	}
	fss, err := raft.NewFileSnapshotStore(cfg.Dir, retain, io.Discard)
	if err != nil {
		return fail(err)
	}
	scratch, err := newStore()
	if err != nil {
		return fail(err)
	}
	if err := replay(newFSM(sh, scratch, cfg.Codec), bolt, fss); err != nil {
		return fail(err)
	}
	return bolt, fss, nil
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

// checkDirConfig compares the configuration recorded in dir with want,
// and records want if dir has none yet.
func checkDirConfig(dir string, want dirConfig) error {
	path := filepath.Join(dir, dirConfigFile)
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return writeFileSync(path, want)
	case err != nil:
		return err
	}
	var had dirConfig
	if err := json.Unmarshal(data, &had); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrCorrupt, path, err)
	}
	return had.differs(want)
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
// the stores that read them.
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
