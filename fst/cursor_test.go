package fst_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flatseg/flatseg/fst"
)

// TestCursor_WritesAfter: a cursor reads the version it was made from,
// even when the tree goes on writing the very nodes the cursor reads in
// place (the tree owns them: no Clone came between its writes). Every
// segment and the prefix summaries are checked after each write.
func TestCursor_WritesAfter(t *testing.T) {
	t.Parallel()
	for seed := range uint64(8) {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 3))
			tr, err := fst.NewMeasuredFanout(0, 2000, 0, sumOf[int64]{}, 4)
			require.NoError(t, err)
			write := func() {
				a := rng.Int64N(2000)
				switch rng.IntN(3) {
				case 0:
					_, err = tr.Insert(a, a+1+rng.Int64N(30), rng.IntN(4))
				case 1:
					err = tr.ShiftLeft(a, min(a+1+rng.Int64N(5), 2000))
				default:
					err = tr.ShiftRight(a, 1+rng.Int64N(5), rng.IntN(2) == 0)
				}
				require.NoError(t, err)
			}
			for range 300 {
				write()
			}
			want := slices.Collect(tr.All())
			c := tr.Cursor()
			for range 50 {
				write() // in place: the tree owns its nodes
				var got []fst.Segment[int64, int]
				for s, ok := c.Seek(0); ok; s, ok = c.Next() {
					require.Equal(t, sumOfSegments(want, s.Start), c.Prefix(), "Prefix at %v", s.Start)
					got = append(got, s)
					if s.End == 2000 {
						break
					}
				}
				require.Equal(t, want, got)
			}
		})
	}
}

// sumOfSegments is the sum of v·length over segs below end.
func sumOfSegments(segs []fst.Segment[int64, int], end int64) int64 {
	var s int64
	for _, g := range segs {
		if g.Start < end {
			s += int64(g.Value) * (min(g.End, end) - g.Start)
		}
	}
	return s
}
