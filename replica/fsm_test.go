package replica

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/hashicorp/raft"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flatseg/flatseg"
	"github.com/flatseg/flatseg/fst"
)

type fstBatch = fst.Batch[int64, int64]

// newTestFSM returns the FSM of a plain node over a fresh store.
func newTestFSM(tb testing.TB) (*fsm[int64, int64, fst.None], *flatseg.Store[int64, int64]) {
	s, err := flatseg.New[int64, int64](0, span, 0)
	require.NoError(tb, err)
	eq := func(a, b int64) bool { return a == b }
	return newFSM(shape[int64, int64, fst.None]{equal: eq}, s, fst.NumberCodec[int64]()), s
}

func encodeTest(tb testing.TB, b *fstBatch) []byte {
	enc, err := fst.AppendBatch(nil, b, fst.NumberCodec[int64]())
	require.NoError(tb, err)
	return enc
}

// memSink is a raft.SnapshotSink in memory.
type memSink struct {
	bytes.Buffer
	closed, cancelled bool
}

func (s *memSink) ID() string    { return "mem" }
func (s *memSink) Cancel() error { s.cancelled = true; return nil }
func (s *memSink) Close() error  { s.closed = true; return nil }

// persist returns the snapshot stream of f's state.
func persist(tb testing.TB, f *fsm[int64, int64, fst.None]) []byte {
	snap, err := f.Snapshot()
	require.NoError(tb, err)
	var sink memSink
	require.NoError(tb, snap.Persist(&sink))
	require.True(tb, sink.closed)
	return sink.Bytes()
}

// TestFSM_RestoreEqualContents: a follower whose head equals a
// snapshot's contents at a lower version reaches the snapshot's version
// when it restores it, and WaitFor that version returns (issue 23, item
// E: it waited until some later change).
func TestFSM_RestoreEqualContents(t *testing.T) {
	leader, _ := newTestFSM(t)
	follower, fs := newTestFSM(t)
	var b fstBatch
	b.Insert(10, 20, 1)
	var w entryWriter
	w.add("", encodeTest(t, &b))
	for _, f := range []*fsm[int64, int64, fst.None]{leader, follower} {
		_, err := f.apply(3, w.bytes(0))
		require.NoError(t, err)
	}
	// The leader writes and takes the write back: the same contents, at
	// version 9.
	var there, back fstBatch
	there.Insert(10, 20, 2)
	back.Insert(10, 20, 1)
	for i, bb := range []*fstBatch{&there, &back} {
		var w entryWriter
		w.add("", encodeTest(t, bb))
		_, err := leader.apply(uint64(8+i), w.bytes(0))
		require.NoError(t, err)
	}
	stream := persist(t, leader)
	require.Equal(t, uint64(3), fs.Snapshot().Version())
	woke := make(chan *flatseg.Snapshot[int64, int64], 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitFor)
		defer cancel()
		sn, err := fs.WaitFor(ctx, 9)
		assert.NoError(t, err)
		woke <- sn
	}()
	require.NoError(t, follower.Restore(io.NopCloser(bytes.NewReader(stream))))
	assert.Equal(t, uint64(9), fs.Snapshot().Version(), "the follower's head reaches the snapshot's version")
	select {
	case sn := <-woke:
		assert.Equal(t, uint64(9), sn.Version())
	case <-time.After(waitFor):
		t.Fatal("WaitFor(9) did not return")
	}
}

// TestSnapshotStream: a stream carries the version, the id window and the
// tree; a format 1 stream (the previous release's) reads as an empty
// window.
func TestSnapshotStream(t *testing.T) {
	f, _ := newTestFSM(t)
	var b fstBatch
	b.Insert(1, 2, 3)
	var w entryWriter
	w.add("first", encodeTest(t, &b))
	w.add("second", encodeTest(t, &b))
	_, err := f.apply(4, w.bytes(0))
	require.NoError(t, err)
	stream := persist(t, f)

	g, gs := newTestFSM(t)
	require.NoError(t, g.Restore(io.NopCloser(bytes.NewReader(stream))))
	assert.Equal(t, uint64(4), gs.Snapshot().Version())
	assert.Equal(t, []string{"first", "second"}, g.ids.list())
	seg, _ := gs.Snapshot().Search(1)
	assert.Equal(t, int64(3), seg.Value)

	// The previous release's stream: "FSR", 1, the version, the tree.
	old := append([]byte("FSR\x01"), 7)
	var tree bytes.Buffer
	_, err = f.store.Snapshot().Encode(&tree, fst.NumberCodec[int64]())
	require.NoError(t, err)
	old = append(old, tree.Bytes()...)
	h, hs := newTestFSM(t)
	h.ids.add([]string{"stale"})
	require.NoError(t, h.Restore(io.NopCloser(bytes.NewReader(old))))
	assert.Equal(t, uint64(7), hs.Snapshot().Version())
	assert.Empty(t, h.ids.list(), "format 1 has no window")
}

// TestReadSnapshotHeader_Rejects: the header reader refuses what an
// encoder never writes.
func TestReadSnapshotHeader_Rejects(t *testing.T) {
	hdr := func(b ...byte) []byte { return append([]byte("FSR\x02\x05"), b...) }
	for name, data := range map[string][]byte{
		"bad magic":                     []byte("FSX\x02\x05\x00"),
		"format 3":                      []byte("FSR\x03\x05\x00"),
		"version not shortest":          []byte("FSR\x02\x85\x00\x00"),
		"too many ids":                  hdr(binary.AppendUvarint(nil, idWindow+1)...),
		"an empty id":                   hdr(1, 0),
		"an id too long":                hdr(append([]byte{1}, binary.AppendUvarint(nil, maxIDLen+1)...)...),
		"an id cut short":               hdr(1, 3, 'a', 'b'),
		"an id twice":                   hdr(2, 1, 'a', 1, 'a'),
		"an id length not shortest":     hdr(1, 0x81, 0, 'a'),
		"a count cut short":             hdr(0x80),
		"nothing after the version":     hdr(),
		"nothing after the magic":       []byte("FSR\x02"),
		"a version that overflows":      []byte("FSR\x02\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f"),
		"an id count that is not ended": hdr(0xff, 0xff),
	} {
		_, _, err := readSnapshotHeader(bufio.NewReader(bytes.NewReader(data)))
		assert.ErrorIs(t, err, ErrCorrupt, name)
	}
	version, ids, err := readSnapshotHeader(bufio.NewReader(bytes.NewReader(hdr(2, 1, 'a', 2, 'b', 'c'))))
	require.NoError(t, err)
	assert.Equal(t, uint64(5), version)
	assert.Equal(t, []string{"a", "bc"}, ids)
}

// FuzzReadSnapshotHeader: a snapshot stream comes from disk or from the
// leader, and is hostile. The header reader never panics, allocates by
// what it has read, and what it accepts encodes back to the bytes it read.
func FuzzReadSnapshotHeader(f *testing.F) {
	f.Add(appendSnapshotHeader(nil, 0, nil))
	f.Add(appendSnapshotHeader(nil, 300, []string{"a", "bc", "def"}))
	f.Add([]byte("FSR\x01\x07rest"))
	f.Add([]byte("FSR\x02\x07\x02\x01a\x01a"))
	f.Fuzz(func(t *testing.T, data []byte) {
		br := bufio.NewReader(bytes.NewReader(data))
		version, ids, err := readSnapshotHeader(br)
		if err != nil {
			require.ErrorIs(t, err, ErrCorrupt)
			return
		}
		read := len(data) - br.Buffered()
		if data[3] == snapFormat1 {
			require.Empty(t, ids)
			require.Equal(t, data[:read], binary.AppendUvarint([]byte("FSR\x01"), version))
			return
		}
		require.LessOrEqual(t, len(ids), idWindow)
		for i, id := range ids {
			require.NotEmpty(t, id)
			require.LessOrEqual(t, len(id), maxIDLen)
			require.NotContains(t, ids[:i], id)
		}
		require.Equal(t, data[:read], appendSnapshotHeader(nil, version, ids), "one encoding per header")
		tab := newIDTable(idWindow)
		tab.reset(ids)
		require.Equal(t, len(ids), len(slices.Collect(slices.Values(tab.list()))))
	})
}

// TestFSM_FailsOnPanic: a Measure that panics applying an entry stops the
// FSM with ErrPanic (not ErrCorrupt), naming the entry and the value; the
// store is as it was, and the FSM refuses every later entry, snapshot and
// restore.
func TestFSM_FailsOnPanic(t *testing.T) {
	s, err := flatseg.NewMeasured[int64, int64, int64](0, span, 0, panicOn{bad: 5})
	require.NoError(t, err)
	eq := func(a, b int64) bool { return a == b }
	f := newFSM(shape[int64, int64, int64]{equal: eq, m: panicOn{bad: 5}}, s, fst.NumberCodec[int64]())
	entry := func(v int64) []byte {
		var b fstBatch
		b.Insert(1, 2, v)
		var w entryWriter
		w.add("", encodeTest(t, &b))
		return w.bytes(0)
	}
	var many fstBatch
	fillSegments(&many)
	var w entryWriter
	w.add("", encodeTest(t, &many))
	_, ok := f.Apply(&raft.Log{Index: 3, Type: raft.LogCommand, Data: w.bytes(0)}).(*flatseg.MeasuredSnapshot[int64, int64, int64])
	require.True(t, ok, "a healthy entry applies")
	before := s.Snapshot()
	res := f.Apply(&raft.Log{Index: 4, Type: raft.LogCommand, Data: entry(5)})
	err, _ = res.(error)
	require.ErrorIs(t, err, ErrPanic)
	assert.NotErrorIs(t, err, ErrCorrupt)
	assert.ErrorContains(t, err, "entry 4")
	assert.ErrorContains(t, err, "measure bug on value 5")
	assert.Same(t, before, s.Snapshot(), "nothing of the entry was published")
	require.ErrorIs(t, f.err(), ErrPanic)
	select {
	case <-f.failed:
	default:
		t.Fatal("failed is not closed")
	}
	err, _ = f.Apply(&raft.Log{Index: 5, Type: raft.LogCommand, Data: entry(2)}).(error)
	assert.ErrorIs(t, err, ErrPanic, "a later entry is refused, not skipped")
	assert.Same(t, before, s.Snapshot())
	_, err = f.Snapshot()
	assert.ErrorIs(t, err, ErrPanic, "no snapshot of a state that lacks an applied entry")
	assert.ErrorIs(t, f.Restore(io.NopCloser(bytes.NewReader(nil))), ErrPanic)
}

// fillSegments makes 200 segments of values 1 and 2 over [1000, 1200): a
// tree with inner nodes, whose summaries a write recomputes (a tree of one
// leaf keeps none).
func fillSegments(b *fstBatch) {
	for k := int64(1000); k < 1200; k++ {
		b.Insert(k, k+1, 1+k%2)
	}
}

// panicOn sums values, and panics on the value bad (when armed is nil or
// true): a Measure with a bug.
type panicOn struct {
	bad   int64
	armed func() bool
}

func (p panicOn) Of(v, n int64) int64 {
	if v == p.bad && (p.armed == nil || p.armed()) {
		panic(fmt.Sprintf("measure bug on value %d", v))
	}
	return v * n
}

func (p panicOn) Combine(a, b int64) int64 { return a + b }
