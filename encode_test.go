package flatseg_test

import (
	"bytes"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flatseg/flatseg"
	"github.com/flatseg/flatseg/fst"
)

// TestSnapshot_Encode encodes snapshots while a writer keeps committing (run
// with -race): each encoding decodes to the version it was taken from.
func TestSnapshot_Encode(t *testing.T) {
	s, err := flatseg.New(int64(0), 100_000, int64(0))
	require.NoError(t, err)
	r := rand.New(rand.NewPCG(1, 2))
	c := fst.NumberCodec[int64]()
	var wg sync.WaitGroup
	type saved struct {
		want []fst.Segment[int64, int64]
		enc  []byte
		err  error
	}
	out := make([]saved, 20)
	for i := range out {
		sn := s.Snapshot()
		wg.Go(func() {
			var buf bytes.Buffer
			_, err := sn.Encode(&buf, c)
			out[i] = saved{want: slices.Collect(sn.Segments()), enc: buf.Bytes(), err: err}
		})
		for range 50 {
			a := r.Int64N(100_000)
			err := s.Update(func(tx *flatseg.Txn[int64, int64]) error {
				_, err := tx.Insert(a, a+r.Int64N(500)+1, r.Int64N(4))
				return err
			})
			require.NoError(t, err)
		}
	}
	wg.Wait()
	for i, o := range out {
		require.NoError(t, o.err, "snapshot %d", i)
		tr, err := fst.Decode[int64](bytes.NewReader(o.enc), c)
		require.NoError(t, err, "snapshot %d", i)
		require.NoError(t, tr.Verify())
		assert.Equal(t, o.want, slices.Collect(tr.Segments()), "snapshot %d", i)
	}
	// Loading: NewFrom makes the decoded tree version 0 of a new store.
	tr, err := fst.Decode[int64](bytes.NewReader(out[len(out)-1].enc), c)
	require.NoError(t, err)
	loaded, err := flatseg.NewFrom(tr)
	require.NoError(t, err)
	assert.Equal(t, uint64(0), loaded.Snapshot().Version())
	assert.Equal(t, out[len(out)-1].want, slices.Collect(loaded.Snapshot().Segments()))
}

// TestStore_Apply: a batch commits as one version, or not at all.
func TestStore_Apply(t *testing.T) {
	s, err := flatseg.New(0.0, 10.0, "")
	require.NoError(t, err)
	var ok fst.Batch[float64, string]
	ok.Insert(1, 2, "a")
	ok.ShiftRight(0.5, 0.25, false)
	ok.ShiftLeft(5, 6)
	sn, err := s.Apply(&ok)
	require.NoError(t, err)
	assert.Equal(t, uint64(1), sn.Version())
	assert.Same(t, sn, s.Snapshot())
	want, err := fst.New(0.0, 10.0, "")
	require.NoError(t, err)
	require.NoError(t, ok.Apply(want))
	assert.True(t, want.Equal(sn.Tree()), "the store applies as Batch.Apply does")

	var bad fst.Batch[float64, string]
	bad.Insert(3, 4, "b")
	bad.ShiftRight(1, -1, false)
	_, err = s.Apply(&bad)
	require.ErrorIs(t, err, fst.ErrInvalidShift)
	assert.Contains(t, err.Error(), "batch write 1")
	assert.Same(t, sn, s.Snapshot(), "a failed batch publishes nothing")
	seg, found := s.Snapshot().Search(3.5)
	require.True(t, found)
	assert.Equal(t, "", seg.Value, "nothing of the failed batch")

	same, err := s.Apply(new(fst.Batch[float64, string]))
	require.NoError(t, err)
	assert.Same(t, sn, same, "an empty batch changes nothing")
}

// TestStore_Apply_Replica: a replica that applies the leader's encoded
// batches in order holds the leader's versions, bit for bit (float keys,
// whose shifts round, and float values with NaN and -0).
func TestStore_Apply_Replica(t *testing.T) {
	leader, err := flatseg.New(-1.0, 1.0, 0.0)
	require.NoError(t, err)
	replica, err := flatseg.New(-1.0, 1.0, 0.0)
	require.NoError(t, err)
	c := fst.NumberCodec[float64]()
	r := rand.New(rand.NewPCG(5, 6))
	vals := []float64{math.NaN(), math.Copysign(0, -1), 1, 2}
	for range 100 {
		var b fst.Batch[float64, float64]
		for range 1 + r.IntN(5) {
			x := r.Float64()*2 - 1
			switch r.IntN(4) {
			case 0:
				b.ShiftRight(x, r.Float64()/10, r.IntN(2) == 0)
			case 1:
				b.ShiftLeft(x, min(1, x+r.Float64()/10))
			default:
				b.Insert(x, x+r.Float64()/5, vals[r.IntN(len(vals))])
			}
		}
		lsn, lerr := leader.Apply(&b)
		entry, err := fst.AppendBatch(nil, &b, c)
		require.NoError(t, err)
		got, err := fst.DecodeBatch[float64](entry, c)
		require.NoError(t, err)
		rsn, rerr := replica.Apply(got)
		require.Equal(t, lerr == nil, rerr == nil, "both fail or neither: %v, %v", lerr, rerr)
		if lerr != nil {
			continue
		}
		require.Equal(t, lsn.Version(), rsn.Version())
		var lb, rb bytes.Buffer
		_, err = lsn.Encode(&lb, c)
		require.NoError(t, err)
		_, err = rsn.Encode(&rb, c)
		require.NoError(t, err)
		require.Equal(t, lb.Bytes(), rb.Bytes(), "identical versions encode identically, bit for bit")
	}
	assert.Greater(t, leader.Snapshot().Len(), 5)
}
