package flatseg

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flatseg/flatseg/fst"
	"github.com/flatseg/flatseg/internal/testenv"
)

// fuse is a sum measure that panics at its k-th call once lit.
type fuse struct{ calls, at *int }

func (f fuse) tick() {
	if *f.at != 0 {
		if *f.calls++; *f.calls == *f.at {
			panic("fuse")
		}
	}
}
func (f fuse) Of(v, n int) int      { f.tick(); return v * n }
func (f fuse) Combine(a, b int) int { f.tick(); return a + b }

// TestMeasuredStore_PanickingMeasure: a transaction whose Measure panics
// mid-write, for every call the write makes, never publishes a corrupt
// version. When fn recovers the panic and returns nil, the commit
// publishes the transaction as it was before that write (its earlier
// writes included); when the panic leaves fn, Update re-panics and nothing
// is published. Every published version verifies.
func TestMeasuredStore_PanickingMeasure(t *testing.T) {
	t.Parallel()
	calls, at := new(int), new(int)
	m := fuse{calls, at}
	plain, err := fst.New(0, 10_000, 0)
	require.NoError(t, err)
	for i := range testenv.Pick(t, 700, 2000) { // up to key 3,500 or 10,000: the write at 3,000 meets some
		_, err := plain.Insert(5*i, 5*i+2, i%3+1)
		require.NoError(t, err)
	}
	tr, err := fst.WithMeasure(plain, m)
	require.NoError(t, err)
	s, err := NewFrom(tr)
	require.NoError(t, err)
	for k := 1; ; k++ {
		head := s.Snapshot()
		var before []fst.Segment[int, int]
		hit := false
		err := s.Update(func(tx *MeasuredTxn[int, int, int]) error {
			if _, err := tx.Insert(10, 20, 9); err != nil { // an earlier write of the transaction
				return err
			}
			before = slices.Collect(tx.All())
			func() {
				defer func() {
					if v := recover(); v != nil {
						hit = true
					}
				}()
				*calls, *at = 0, k
				_, _ = tx.Insert(3000, 7000, 5) // its Measure panics at call k
			}()
			*at = 0
			if hit {
				assert.True(t, slices.Equal(before, slices.Collect(tx.All())), "k=%d: the transaction as before the write", k)
			}
			return nil
		})
		require.NoError(t, err)
		sn := s.Snapshot()
		require.NoError(t, sn.Tree().Verify(), "k=%d: the published version verifies", k)
		if !hit {
			break
		}
		require.Greater(t, sn.Version(), head.Version())
		require.True(t, slices.Equal(before, slices.Collect(sn.All())), "k=%d: the commit holds the earlier write only", k)
		// The panic leaving fn: Update re-panics and publishes nothing.
		head = s.Snapshot()
		*calls, *at = 0, k
		require.Panics(t, func() {
			_ = s.Update(func(tx *MeasuredTxn[int, int, int]) error {
				_, _ = tx.Insert(3000, 7000, 6)
				return nil
			})
		})
		*at = 0
		require.Same(t, head, s.Snapshot(), "k=%d: nothing published", k)
		// Back to the state before this round, for the next k.
		require.NoError(t, s.Update(func(tx *MeasuredTxn[int, int, int]) error {
			_, err := tx.Insert(10, 20, 0)
			return err
		}))
	}
}
