package fst_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flatseg/flatseg/fst"
	"github.com/flatseg/flatseg/internal/testenv"
)

// bomb is a sum measure that panics at its k-th call of Of or Combine once
// armed: a user's Measure with a bug (an overflow check, a nil map).
type bomb struct{ b *bombState }

type bombState struct {
	calls, at int // panic when calls reaches at; 0 is disarmed
}

type bombed struct{ at int }

func (m bomb) tick() {
	if m.b.at == 0 {
		return
	}
	if m.b.calls++; m.b.calls == m.b.at {
		panic(bombed{m.b.at})
	}
}

func (m bomb) Of(v int, n int64) int64  { m.tick(); return int64(v) * n }
func (m bomb) Combine(a, b int64) int64 { m.tick(); return a + b }

// arm makes the k-th call from now panic; disarm stops it.
func (m bomb) arm(k int) { m.b.calls, m.b.at = 0, k }
func (m bomb) disarm()   { m.b.at = 0 }

// tryPanics runs op and reports whether it panicked with the bomb; any
// other panic fails the test.
func tryPanics(t *testing.T, op func()) (hit bool) {
	t.Helper()
	defer func() {
		if v := recover(); v != nil {
			if _, ok := v.(bombed); !ok {
				panic(v)
			}
			hit = true
		}
	}()
	op()
	return false
}

// TestMeasured_PanickingMeasure: a Measure that panics at its k-th call,
// for every k until the write completes, leaves the tree as it was before
// the write (Equal, the same segments, every summary verified) and fully
// usable, whatever the write: small and wide Inserts, ShiftLeft, ShiftRight
// in both modes, Apply, Clear and a Batch. The writes run on a tree that
// already owns the nodes on their paths (written just before), so they
// change nodes in place and only the undo log can put them back.
func TestMeasured_PanickingMeasure(t *testing.T) {
	t.Parallel()
	ops := []struct {
		name string
		op   func(tr *fst.Measured[int64, int, int64]) error
	}{
		{"Insert", func(tr *fst.Measured[int64, int, int64]) error { _, err := tr.Insert(1000, 1300, 7); return err }},
		{"Insert wide", func(tr *fst.Measured[int64, int, int64]) error { _, err := tr.Insert(100, 9000, 3); return err }},
		{"ShiftLeft", func(tr *fst.Measured[int64, int, int64]) error { return tr.ShiftLeft(500, 2500) }},
		{"ShiftLeft to max", func(tr *fst.Measured[int64, int, int64]) error { return tr.ShiftLeft(7000, 10_000) }},
		{"ShiftRight", func(tr *fst.Measured[int64, int, int64]) error { return tr.ShiftRight(1005, 40, false) }},
		{"ShiftRight skip", func(tr *fst.Measured[int64, int, int64]) error { return tr.ShiftRight(1000, 2500, true) }},
		{"ShiftRight at min", func(tr *fst.Measured[int64, int, int64]) error { return tr.ShiftRight(0, 3, false) }},
		{"Apply", func(tr *fst.Measured[int64, int, int64]) error {
			_, err := tr.Apply(2000, 6000, func(v int) int { return v + 1 })
			return err
		}},
		{"Batch", func(tr *fst.Measured[int64, int, int64]) error {
			var b fst.Batch[int64, int]
			b.Insert(50, 60, 9)
			b.ShiftLeft(3000, 3100)
			b.ShiftRight(20, 5, false)
			return b.Apply(tr)
		}},
	}
	for _, at := range []int64{1, 1001, 2001, 5001, 7001, 9991} { // into leaves the warm-up owns, which may be full
		ops = append(ops, struct {
			name string
			op   func(tr *fst.Measured[int64, int, int64]) error
		}{fmt.Sprintf("Insert point %d", at), func(tr *fst.Measured[int64, int, int64]) error {
			_, err := tr.Insert(at, at+1, 8)
			return err
		}})
	}
	m := bomb{new(bombState)}
	base, err := fst.NewMeasuredFanout(0, 10_000, 0, m, 4)
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(1, 2))
	for range testenv.Pick(t, 120, 300) { // fewer segments, so fewer k per op; every k is still tried
		a := rng.Int64N(10_000)
		_, _ = base.Insert(a, a+1+rng.Int64N(40), rng.IntN(5))
	}
	base.Freeze()
	for _, tc := range ops {
		t.Run(tc.name, func(t *testing.T) {
			hits := 0
			for k := 1; ; k++ {
				tr := base.Clone()
				// Own the paths the op takes: write near them first.
				for _, at := range []int64{0, 1000, 2000, 5000, 7000, 9990} {
					_, err := tr.Insert(at, at+2, 4)
					require.NoError(t, err)
				}
				if !panicAt(t, tr, m, k, 10_000, func() error { return tc.op(tr) }) {
					break // the write completed: every earlier call was tried
				}
				hits++
				require.NoError(t, tc.op(tr), "k=%d: the tree takes the write once the Measure behaves", k)
				require.NoError(t, tr.Verify())
			}
			assert.Positive(t, hits, "the write called the Measure")
		})
	}
}

// panicAt runs op, a write to tr, with m set to panic at its k-th call,
// and reports whether it panicked. Either way every summary of tr must
// verify; when it panicked, tr must hold what it held before: the same
// segments, Equal to a tree of them built apart (a Clone would share tr's
// nodes and make op copy them instead of writing them), and the same
// summary of [0, hi). When it did not, op must have succeeded.
func panicAt(t *testing.T, tr *fst.Measured[int64, int, int64], m bomb, k int, hi int64, op func() error) bool {
	t.Helper()
	want := slices.Collect(tr.All())
	plainBefore, err := fst.Build(tr.MinKey(), tr.MaxKey(), tr.DefaultValue(), want)
	require.NoError(t, err)
	before, err := fst.WithMeasure(plainBefore, m)
	require.NoError(t, err)
	m.arm(k)
	var opErr error
	hit := tryPanics(t, func() { opErr = op() })
	m.disarm()
	require.NoError(t, tr.Verify(), "k=%d: every summary as the segments give it", k)
	if !hit {
		require.NoError(t, opErr)
		return false
	}
	require.Equal(t, want, slices.Collect(tr.All()), "k=%d: the segments as they were", k)
	require.True(t, tr.Equal(before), "k=%d", k)
	require.Equal(t, before.Measure(0, hi), tr.Measure(0, hi), "k=%d", k)
	return true
}

// TestMeasured_PanickingMeasureRebuilds: WithMeasure, and Assign of a tree
// of another origin, compute every summary anew; a Measure that panics
// leaves the source and the receiver as they were and returns no tree.
func TestMeasured_PanickingMeasureRebuilds(t *testing.T) {
	t.Parallel()
	m := bomb{new(bombState)}
	segs := make([]fst.Segment[int64, int], 0, 200)
	for i := range int64(200) {
		segs = append(segs, fst.Segment[int64, int]{Start: 10 * i, End: 10*i + 5, Value: int(i%3) + 1})
	}
	plain, err := fst.Build(0, 2000, 0, segs)
	require.NoError(t, err)
	var enc bytes.Buffer
	_, err = fst.Encode(&enc, plain, fst.NumberCodec[int]())
	require.NoError(t, err)
	want := slices.Collect(plain.All())
	dst, err := fst.NewMeasured(0, 2000, 0, m)
	require.NoError(t, err)
	_, err = dst.Insert(5, 15, 9)
	require.NoError(t, err)
	dstWant := slices.Collect(dst.All())
	for k := 1; ; k++ {
		var got *fst.Measured[int64, int, int64]
		m.arm(k)
		hit := tryPanics(t, func() { got, err = fst.WithMeasure(plain, m) })
		m.disarm()
		require.NoError(t, plain.Verify())
		require.Equal(t, want, slices.Collect(plain.All()), "k=%d: the source is only read", k)
		if !hit {
			require.NoError(t, err)
			require.NoError(t, got.Verify())
			break
		}
		require.Nil(t, got, "k=%d: nothing half-built is returned", k)
	}
	plainDecoded, err := fst.Decode[int64](bytes.NewReader(enc.Bytes()), fst.NumberCodec[int]())
	require.NoError(t, err)
	decoded, err := fst.WithMeasure(plainDecoded, m) // of another origin than dst: Assign rebuilds
	require.NoError(t, err)
	for k := 1; ; k++ {
		m.arm(k)
		hit := tryPanics(t, func() { err = dst.Assign(decoded) })
		m.disarm()
		require.NoError(t, dst.Verify())
		if !hit {
			require.NoError(t, err)
			require.Equal(t, want, slices.Collect(dst.All()))
			break
		}
		require.Equal(t, dstWant, slices.Collect(dst.All()), "k=%d: the receiver as it was", k)
	}
}

// sliceSum is a Measure whose summary is a slice: allowed, if nothing
// modifies a summary. The zero summary, nil, is what keys holding 0 sum
// to, and Combine returns its other argument when one is nil: a stored
// summary, then.
type sliceSum struct{}

func (sliceSum) Of(v int, n int64) []int64 {
	if v == 0 {
		return nil
	}
	return []int64{int64(v) * n}
}

func (sliceSum) Combine(a, b []int64) []int64 {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	return []int64{a[0] + b[0]}
}

// TestMeasured_SummariesAreShared: Measure may return a summary the tree
// stores, shared with every version of its node. A caller that modifies
// it corrupts those versions, and Verify says so (ErrCorrupt), as the
// documentation of Measured warns.
func TestMeasured_SummariesAreShared(t *testing.T) {
	t.Parallel()
	tr, err := fst.NewMeasuredFanout(0, 1000, 0, sliceSum{}, 4)
	require.NoError(t, err)
	// In decreasing order: appends in increasing order leave every leaf
	// ending with a non-zero segment, so that no range could take a
	// stored summary alone (the walk from a range's start reads the rest
	// of its leaf first).
	for i := int64(99); i >= 0; i-- {
		_, err := tr.Insert(10*i+5, 10*i+8, int(i%4)+2)
		require.NoError(t, err)
	}
	require.NoError(t, tr.Verify())
	v2 := tr.Clone()
	var starts []int64
	for s := range tr.All() {
		starts = append(starts, s.Start)
	}
	aliased := 0
	window := testenv.Pick(t, 6, 30) // ranges of up to window segments
	for i, a := range starts {
		for _, b := range starts[i+1 : min(i+window, len(starts))] {
			got := tr.Measure(a, b)
			if len(got) != 1 {
				continue
			}
			got[0] += 1_000_000 // what the documentation forbids
			err := tr.Verify()
			if err != nil {
				aliased++
				assert.ErrorIs(t, err, fst.ErrCorrupt, "Measure(%d, %d)", a, b)
				assert.ErrorIs(t, v2.Verify(), fst.ErrCorrupt, "a version sharing the node sees it too")
			}
			got[0] -= 1_000_000
			require.NoError(t, tr.Verify())
		}
	}
	assert.Positive(t, aliased, "some answers are stored summaries")
}
