package replica

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flatseg/flatseg"
	"github.com/flatseg/flatseg/fst"
)

// TestNode_ApplyIsReplicated: Txn.Apply inside Update is replicated as the
// inserts it made; f runs once, on the leader only.
func TestNode_ApplyIsReplicated(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 3, nil)
	ctx := ctxFor(t)
	leader := c.leader()
	_, err := leader.Update(ctx, func(tx *flatseg.Txn[int64, int64]) error {
		if _, err := tx.Insert(100, 200, 1); err != nil {
			return err
		}
		_, err := tx.Insert(200, 300, 2)
		return err
	})
	require.NoError(t, err)
	calls := 0
	sn, err := leader.Update(ctx, func(tx *flatseg.Txn[int64, int64]) error {
		_, err := tx.Apply(150, 250, func(v int64) int64 { calls++; return v + 10 })
		return err
	})
	require.NoError(t, err)
	assert.Equal(t, 2, calls, "once for [100, 200) and once for [200, 300), on the leader only")
	want := []fst.Segment[int64, int64]{
		{Start: 0, End: 100, Value: 0}, {Start: 100, End: 150, Value: 1}, {Start: 150, End: 200, Value: 11},
		{Start: 200, End: 250, Value: 12}, {Start: 250, End: 300, Value: 2}, {Start: 300, End: span, Value: 0},
	}
	for i, n := range c.nodes {
		got, err := n.Store().WaitFor(ctx, sn.Version())
		require.NoError(t, err)
		assert.Equal(t, want, slices.Collect(got.Segments()), "node %d", i)
	}
}
