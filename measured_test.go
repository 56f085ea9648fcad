package flatseg

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flatseg/flatseg/fst"
)

// rowStats sums values and counts the keys holding 0: a test measure.
type rowStats struct{ Sum, Zeros int64 }

type rowMeasure struct{}

func (rowMeasure) Of(v, n int) rowStats {
	s := rowStats{Sum: int64(v) * int64(n)}
	if v == 0 {
		s.Zeros = int64(n)
	}
	return s
}

func (rowMeasure) Combine(a, b rowStats) rowStats { return rowStats{a.Sum + b.Sum, a.Zeros + b.Zeros} }

// denseMeasure is the summary of [a, b) from one value per key.
func denseMeasure(d []int, a, b int) rowStats {
	var s rowStats
	for k := max(a, testMin); k < min(b, testMax); k++ {
		s = rowMeasure{}.Combine(s, rowMeasure{}.Of(d[k-testMin], 1))
	}
	return s
}

// measuredReader is what a MeasuredSnapshot and a MeasuredTxn answer.
type measuredReader interface {
	Measure(start, end int) rowStats
	Seek(from int, pred func(rowStats) bool) (int, rowStats, bool)
	SeekBackward(to int, pred func(rowStats) bool) (int, rowStats, bool)
}

// checkMeasured compares Measure, Seek and SeekBackward of r with the dense
// model d on random ranges.
func checkMeasured(r measuredReader, d []int, rng *rand.Rand) error {
	for range 8 {
		a, b := rng.IntN(testMax), rng.IntN(testMax+1)
		got := r.Measure(a, b)
		if a >= b {
			if got != (rowStats{}) {
				return fmt.Errorf("Measure(%d, %d) of an empty range = %+v, want the zero summary", a, b, got)
			}
			continue
		}
		if want := denseMeasure(d, a, b); got != want {
			return fmt.Errorf("Measure(%d, %d) = %+v; want %+v", a, b, got, want)
		}
		thr := int64(rng.IntN(200))
		pred := func(s rowStats) bool { return s.Sum > thr }
		end, _, ok := r.Seek(a, pred)
		wend, wok := 0, false
		for e := a + 1; e <= testMax; e++ {
			if pred(denseMeasure(d, a, e)) {
				wend, wok = e, true
				break
			}
		}
		if end != wend && (ok || wok) || ok != wok {
			return fmt.Errorf("Seek(%d, Sum > %d) = %d, %v; want %d, %v", a, thr, end, ok, wend, wok)
		}
		zeros := func(s rowStats) bool { return s.Zeros >= thr%8+1 }
		start, _, ok := r.SeekBackward(b, zeros)
		wstart, wok := 0, false
		for s := b - 1; s >= testMin; s-- {
			if zeros(denseMeasure(d, s, b)) {
				wstart, wok = s, true
				break
			}
		}
		if start != wstart && (ok || wok) || ok != wok {
			return fmt.Errorf("SeekBackward(%d, Zeros >= %d) = %d, %v; want %d, %v", b, thr%8+1, start, ok, wstart, wok)
		}
	}
	return nil
}

// TestMeasuredStore_Model runs random transactions on a MeasuredStore and
// on a plain Store side by side: every committed version holds the same
// segments, its summaries verify, and its Measure and Seeks match the dense
// model; so do the transaction's own reads before it commits, and the
// versions kept from earlier.
func TestMeasuredStore_Model(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(baseSeed(t), 15))
	ms, err := NewMeasured(testMin, testMax, 0, fst.Measure[int, int, rowStats](rowMeasure{}), WithRetain(4))
	require.NoError(t, err)
	ps, err := New(testMin, testMax, 0)
	require.NoError(t, err)
	var old []*MeasuredSnapshot[int, int, rowStats]
	var oldD [][]int
	for round := range 60 {
		ops := make([]op, 1+rng.IntN(5))
		for i := range ops {
			ops[i] = randomOp(rng)
		}
		err := ms.Update(func(tx *MeasuredTxn[int, int, rowStats]) error {
			for _, o := range ops {
				_ = o.apply(tx)
			}
			return checkMeasured(tx, dense(tx.All()), rng)
		})
		require.NoError(t, err, "round %d: %v", round, ops)
		require.NoError(t, ps.Update(func(tx *Txn[int, int]) error {
			for _, o := range ops {
				_ = o.apply(tx)
			}
			return nil
		}))
		sn := ms.Snapshot()
		d := dense(sn.All())
		require.Equal(t, dense(ps.Snapshot().All()), d, "round %d", round)
		require.NoError(t, sn.Tree().Verify())
		require.NoError(t, checkMeasured(sn, d, rng), "round %d", round)
		old, oldD = append(old, sn), append(oldD, d)
		for i, o := range old {
			require.NoError(t, checkMeasured(o, oldD[i], rng), "version kept at round %d", i)
		}
		if len(old) > 3 {
			old, oldD = old[1:], oldD[1:]
		}
	}
}

// TestMeasuredStore_Concurrent: readers query snapshots while a writer
// commits, under the race detector; each answer matches the version it was
// asked of.
func TestMeasuredStore_Concurrent(t *testing.T) {
	t.Parallel()
	ms, err := NewMeasured(testMin, testMax, 0, fst.Measure[int, int, rowStats](rowMeasure{}))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for i := range 3 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(i), 16))
			for ctx.Err() == nil {
				sn := ms.Snapshot()
				if err := checkMeasured(sn, dense(sn.All()), rng); err != nil {
					errs <- fmt.Errorf("version %d: %w", sn.Version(), err)
					return
				}
			}
		})
	}
	rng := rand.New(rand.NewPCG(7, 16))
	for ctx.Err() == nil {
		require.NoError(t, ms.Update(func(tx *MeasuredTxn[int, int, rowStats]) error {
			_ = randomOp(rng).apply(tx)
			return nil
		}))
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	assert.Positive(t, ms.Snapshot().Version())
}

// TestMeasuredStore_EncodeLoad: a version encoded without summaries
// decodes into a measured tree with them, and loads into another store.
func TestMeasuredStore_EncodeLoad(t *testing.T) {
	t.Parallel()
	m := fst.Measure[int, int, rowStats](rowMeasure{})
	a, err := NewMeasured(testMin, testMax, 0, m)
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(3, 17))
	require.NoError(t, a.Update(func(tx *MeasuredTxn[int, int, rowStats]) error {
		for range 50 {
			_ = randomOp(rng).apply(tx)
		}
		return nil
	}))
	var buf bytes.Buffer
	_, err = a.Snapshot().Encode(&buf, fst.NumberCodec[int]())
	require.NoError(t, err)
	plain, err := fst.Decode[int](&buf, fst.NumberCodec[int]())
	require.NoError(t, err)
	tr, err := fst.WithMeasure(plain, m)
	require.NoError(t, err)
	require.NoError(t, tr.Verify())
	b, err := NewMeasured(testMin, testMax, 0, m)
	require.NoError(t, err)
	require.NoError(t, b.Update(func(tx *MeasuredTxn[int, int, rowStats]) error { return tx.Load(tr) }))
	assert.Equal(t, dense(a.Snapshot().All()), dense(b.Snapshot().All()))
	assert.Empty(t, slices.Collect(Diff(a.Snapshot(), b.Snapshot())), "equal contents: no change")
	require.NoError(t, checkMeasured(b.Snapshot(), dense(a.Snapshot().All()), rng))
	c, err := NewFrom(tr)
	require.NoError(t, err)
	require.NoError(t, checkMeasured(c.Snapshot(), dense(a.Snapshot().All()), rng))
}
