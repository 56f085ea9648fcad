package replica

import (
	"archive/tar"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flatseg/flatseg"
	"github.com/flatseg/flatseg/fst"
)

// The tests of issue 23, item D: a Dir whose log was lost or replaced is
// ErrCorrupt at Open, never a silent rollback to its snapshot; and the
// Dirs of the previous release still open.

// withBolt opens the raft.db of dir (no node holds it) for fn.
func withBolt(t *testing.T, dir string, fn func(b *raftboltdb.BoltStore)) {
	t.Helper()
	b, err := raftboltdb.NewBoltStore(filepath.Join(dir, "raft.db"))
	require.NoError(t, err)
	defer func() { require.NoError(t, b.Close()) }()
	fn(b)
}

// latestSnapshot returns the meta of dir's latest snapshot.
func latestSnapshot(t *testing.T, dir string) *raft.SnapshotMeta {
	t.Helper()
	fss, err := raft.NewFileSnapshotStore(dir, 2, io.Discard)
	require.NoError(t, err)
	list, err := fss.List()
	require.NoError(t, err)
	require.NotEmpty(t, list)
	return list[0]
}

// TestOpen_LostLog: each way a Dir's log can be lost or replaced is
// ErrCorrupt. On the previous release each of these Dirs opened at its
// snapshot's version (or at a mix of two Dirs), losing acknowledged
// writes without a word.
func TestOpen_LostLog(t *testing.T) {
	for _, tc := range []struct {
		name  string
		spoil func(t *testing.T, dir string)
		says  string
	}{
		{"raft.db emptied", func(t *testing.T, dir string) {
			require.NoError(t, os.Remove(filepath.Join(dir, "raft.db")))
		}, "raft.db holds no Dir id"},
		{"raft.db of another Dir", func(t *testing.T, dir string) {
			other := t.TempDir()
			fillDir(t, other, false)
			data, err := os.ReadFile(filepath.Join(other, "raft.db"))
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(filepath.Join(dir, "raft.db"), data, 0o600))
		}, "raft.db belongs to Dir"},
		{"log truncated below the snapshot", func(t *testing.T, dir string) {
			snap := latestSnapshot(t, dir)
			withBolt(t, dir, func(b *raftboltdb.BoltStore) {
				last, err := b.LastIndex()
				require.NoError(t, err)
				require.Greater(t, last, snap.Index, "the Dir holds entries after its snapshot")
				require.NoError(t, b.DeleteRange(snap.Index, last))
			})
		}, "were lost"},
		{"the snapshot's entry of another term", func(t *testing.T, dir string) {
			snap := latestSnapshot(t, dir)
			withBolt(t, dir, func(b *raftboltdb.BoltStore) {
				var l raft.Log
				require.NoError(t, b.GetLog(snap.Index, &l))
				l.Term++
				require.NoError(t, b.StoreLog(&l))
			})
		}, "the log was replaced"},
		{"flatseg.json lost", func(t *testing.T, dir string) {
			require.NoError(t, os.Remove(filepath.Join(dir, dirConfigFile)))
		}, "flatseg.json is missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel() // Dirs fsync: the subtests wait on the disk together
			dir := t.TempDir()
			fillDir(t, dir, true)
			tc.spoil(t, dir)
			_, err := openDirNode(t, dir, span, 0)
			require.ErrorIs(t, err, ErrCorrupt)
			assert.ErrorContains(t, err, tc.says)
		})
	}
}

// TestOpen_DirID: a new Dir records its id in raft.db, then in
// flatseg.json; an Open that crashed between the two leaves a Dir that
// opens (and adopts the id), and TrailingLogs 0 is refused with a Dir.
func TestOpen_DirID(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(dir, 0o755))
	withBolt(t, dir, func(b *raftboltdb.BoltStore) {
		require.NoError(t, b.Set(keyDirID, []byte("0123")))
	})
	n, err := openDirNode(t, dir, span, 0)
	require.NoError(t, err, "a crash between recording the id and writing flatseg.json")
	require.NoError(t, n.Close())
	assert.Equal(t, "0123", readDirConfig(t, dir).ID)

	conf := testRaftConfig()
	conf.TrailingLogs = 0
	_, tr := raft.NewInmemTransport("node0")
	_, err = Open(Config[int64, int64]{ID: "node0", Transport: tr, Dir: t.TempDir(), Codec: fst.NumberCodec[int64](), Max: span, Raft: conf})
	assert.ErrorIs(t, err, ErrConfig)
	n, err = Open(Config[int64, int64]{ID: "node0", Transport: tr, Codec: fst.NumberCodec[int64](), Max: span, Raft: conf})
	require.NoError(t, err, "without a Dir, TrailingLogs 0 is raft's business")
	require.NoError(t, n.Close())
}

func readDirConfig(t *testing.T, dir string) dirConfig {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, dirConfigFile))
	require.NoError(t, err)
	var c dirConfig
	require.NoError(t, json.Unmarshal(data, &c))
	return c
}

// untar extracts testdata/name into a new directory.
func untar(t *testing.T, name string) string {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	require.NoError(t, err)
	defer f.Close()
	gz, err := gzip.NewReader(f)
	require.NoError(t, err)
	dir := t.TempDir()
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return dir
		}
		require.NoError(t, err)
		path := filepath.Join(dir, filepath.Clean(h.Name))
		if h.Typeflag == tar.TypeDir {
			require.NoError(t, os.MkdirAll(path, 0o755))
			continue
		}
		out, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
		require.NoError(t, err)
		_, err = io.Copy(out, tr)
		require.NoError(t, err)
		require.NoError(t, out.Close())
	}
}

// TestOpen_PreviousRelease: a Dir the previous release wrote (format 1
// flatseg.json, version 2 entries, format 1 snapshot stream; 25 writes,
// [10i, 10i+5) = i+1, a snapshot after the 11th) opens with its contents
// at its version, is migrated to format 2 (an id in both places), and
// takes UpdateOnce. Emptied, its raft.db is ErrCorrupt (snapshots but no
// raft term): the reproduction of issue 23.
func TestOpen_PreviousRelease(t *testing.T) {
	t.Parallel()
	check := func(n *Node[int64, int64]) {
		t.Helper()
		require.NoError(t, n.Bootstrap([]raft.Server{{ID: "node0", Address: "node0"}}))
		require.Eventually(t, func() bool { return n.Raft().State() == raft.Leader }, waitFor, time.Millisecond)
		sn, err := n.Barrier(ctxFor(t))
		require.NoError(t, err)
		assert.Equal(t, uint64(28), sn.Version())
		for i := range int64(25) {
			seg, _ := sn.Search(i * 10)
			assert.Equal(t, fst.Segment[int64, int64]{Start: i * 10, End: i*10 + 5, Value: i + 1}, seg)
		}
	}
	dir := untar(t, "dir-format1.tar.gz")
	require.Equal(t, 1, readDirConfig(t, dir).Format)
	n, err := openDirNode(t, dir, span, 0)
	require.NoError(t, err)
	check(n)
	_, err = n.UpdateOnce(ctxFor(t), "new", counter(3000))
	require.NoError(t, err)
	require.NoError(t, n.Raft().Snapshot().Error(), "a format 2 snapshot")
	require.NoError(t, n.Close())
	c := readDirConfig(t, dir)
	assert.Equal(t, dirFormat, c.Format)
	withBolt(t, dir, func(b *raftboltdb.BoltStore) {
		id, err := b.Get(keyDirID)
		require.NoError(t, err)
		assert.Equal(t, c.ID, string(id), "one id in both places")
	})
	n, err = openDirNode(t, dir, span, 0)
	require.NoError(t, err, "the migrated Dir reopens")
	require.Eventually(t, func() bool { return n.Raft().State() == raft.Leader }, waitFor, time.Millisecond)
	runs := 0
	_, err = n.UpdateOnce(ctxFor(t), "new", func(tx *flatseg.Txn[int64, int64]) error { runs++; return nil })
	require.NoError(t, err)
	assert.Zero(t, runs, "its snapshot carries the id")
	require.NoError(t, n.Close())

	dir = untar(t, "dir-format1.tar.gz")
	require.NoError(t, os.Remove(filepath.Join(dir, "raft.db")))
	_, err = openDirNode(t, dir, span, 0)
	require.ErrorIs(t, err, ErrCorrupt)
	assert.ErrorContains(t, err, "no raft term")
	assert.Equal(t, 1, readDirConfig(t, dir).Format, "a Dir that fails a check is not migrated")
}

// retryOnce calls UpdateOnce with id on leader() until a call returns
// nil, for at most waitFor: a leadership lost on a loaded machine makes a
// write fail, and its id makes the retry safe.
func retryOnce(t *testing.T, leader func() *Node[int64, int64], id string, fn func(tx *flatseg.Txn[int64, int64]) error) *flatseg.Snapshot[int64, int64] {
	t.Helper()
	for deadline := time.Now().Add(waitFor); ; time.Sleep(10 * time.Millisecond) {
		sn, err := leader().UpdateOnce(ctxFor(t), id, fn)
		if err == nil {
			return sn
		}
		require.True(t, time.Now().Before(deadline), "UpdateOnce(%q), retried by its id: %v", id, err)
	}
}

// TestOpen_AfterInstallSnapshot: a follower that caught up by
// InstallSnapshot holds a log that ends before its latest snapshot, as
// raft leaves it; it knows the ids of the snapshot, and reopens on its
// Dir (checkLog must not mistake it for a lost log).
func TestOpen_AfterInstallSnapshot(t *testing.T) {
	t.Parallel()
	const nodes = 3
	root := t.TempDir()
	var (
		addrs []raft.ServerAddress
		trans []*raft.InmemTransport
		ns    = make([]*Node[int64, int64], nodes)
	)
	for range nodes {
		a, tr := raft.NewInmemTransport("")
		addrs, trans = append(addrs, a), append(trans, tr)
	}
	connect := func(i int, on bool) {
		for j := range nodes {
			if i != j {
				if on {
					trans[i].Connect(addrs[j], trans[j])
					trans[j].Connect(addrs[i], trans[i])
				} else {
					trans[i].Disconnect(addrs[j])
					trans[j].Disconnect(addrs[i])
				}
			}
		}
	}
	for i := range nodes {
		connect(i, true)
	}
	open := func(i int) *Node[int64, int64] {
		conf := testRaftConfig()
		conf.SnapshotThreshold, conf.TrailingLogs, conf.SnapshotInterval = 16, 4, 20*time.Millisecond
		n, err := Open(Config[int64, int64]{ID: raft.ServerID(fmt.Sprint("node", i)), Transport: trans[i], Dir: filepath.Join(root, strconv.Itoa(i)), Codec: fst.NumberCodec[int64](), Max: span, Raft: conf})
		require.NoError(t, err)
		return n
	}
	var servers []raft.Server
	for i := range nodes {
		ns[i] = open(i)
		servers = append(servers, raft.Server{ID: raft.ServerID(fmt.Sprint("node", i)), Address: addrs[i]})
	}
	t.Cleanup(func() {
		for _, n := range ns {
			_ = n.Close()
		}
	})
	require.NoError(t, ns[0].Bootstrap(servers))
	c := &cluster{t: t, nodes: ns, addrs: addrs, trans: trans}
	ctx := ctxFor(t)
	first := retryOnce(t, func() *Node[int64, int64] { return c.leader() }, "first", func(tx *flatseg.Txn[int64, int64]) error {
		_, err := tx.Insert(0, 10, 1)
		return err
	})
	leader := c.leader()
	f := slices.IndexFunc(ns, func(n *Node[int64, int64]) bool { return n != leader })
	_, err := ns[f].Store().WaitFor(ctx, first.Version())
	require.NoError(t, err)

	connect(f, false)
	var last *flatseg.Snapshot[int64, int64]
	for i := range int64(40) {
		last = retryOnce(t, func() *Node[int64, int64] { return c.leader(f) }, fmt.Sprint("id", i), func(tx *flatseg.Txn[int64, int64]) error {
			_, err := tx.Insert(1000+i, 1001+i, i+1)
			return err
		})
	}
	leader = c.leader(f)
	_, err = leader.Store().WaitFor(ctx, last.Version())
	require.NoError(t, err)
	require.NoError(t, leader.Raft().Snapshot().Error())
	connect(f, true)
	_, err = ns[f].Store().WaitFor(ctx, last.Version())
	require.NoError(t, err)
	require.Positive(t, ns[f].fsm.restores.Load(), "caught up by InstallSnapshot")
	assert.Eventually(t, func() bool { // the FSM publishes the state, then the ids
		return ns[f].fsm.ids.has("id0") && ns[f].fsm.ids.has("id39")
	}, waitFor, time.Millisecond, "the snapshot carried the ids")
	require.NoError(t, ns[f].Close())

	dir := filepath.Join(root, strconv.Itoa(f))
	snap := latestSnapshot(t, dir)
	withBolt(t, dir, func(b *raftboltdb.BoltStore) {
		lastIdx, err := b.LastIndex()
		require.NoError(t, err)
		installed, err := b.GetUint64(keyInstalled)
		require.NoError(t, err)
		assert.Equal(t, snap.Index, installed, "the install was recorded")
		require.Less(t, lastIdx, snap.Index, "the case checkLog must tell from a lost log")
	})
	ns[f] = open(f)
	sn, err := ns[f].Store().WaitFor(ctx, last.Version())
	require.NoError(t, err, "the follower reopens on its Dir")
	assert.Equal(t, segments(last), segments(sn))
}
