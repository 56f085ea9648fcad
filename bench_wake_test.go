package flatseg

import (
	"fmt"
	"sync"
	"testing"

	"github.com/flatseg/flatseg/fst"
)

// The wake benchmark's store holds wakeN segments of width benchWidth,
// alternately valued 1 and 2, over [0, wakeN*benchWidth), and its watcher
// watches ten segments high in the span.
const (
	wakeN     = 100_000
	wakeStart = wakeN * benchWidth * 99 / 100 // 990,000
	wakeEnd   = wakeStart + 10*benchWidth
)

var wakeTree = sync.OnceValue(func() *fst.Tree[int, int] {
	segs := make([]fst.Segment[int, int], wakeN)
	for i := range segs {
		segs[i] = fst.Segment[int, int]{Start: i * benchWidth, End: (i + 1) * benchWidth, Value: 1 + i%2}
	}
	t, err := fst.Build(0, wakeN*benchWidth, 0, segs)
	if err != nil {
		panic(err)
	}
	t.Freeze()
	return t
})

// BenchmarkWaitRangeWake measures the check WaitRange makes on each
// wake-up (changedWithin: did [wakeStart, wakeEnd) change between the
// version it last checked and the new head?) after one commit of
// write=shift (ShiftRight by one key at 10: every segment of the range
// moves, so it changed), write=insert (an Insert at 10, outside the range:
// the watcher sleeps on) or write=insert-within (an Insert into the
// range). The check is the whole cost of a wake-up but the channel
// receive.
func BenchmarkWaitRangeWake(b *testing.B) {
	writes := []struct {
		name    string
		write   func(tx *Txn[int, int]) error
		changed bool
	}{
		{"shift", func(tx *Txn[int, int]) error { return tx.ShiftRight(10, 1, false) }, true},
		{"insert", func(tx *Txn[int, int]) error { _, err := tx.Insert(10, 15, 7); return err }, false},
		{"insert-within", func(tx *Txn[int, int]) error { _, err := tx.Insert(wakeStart+53, wakeStart+58, 7); return err }, true},
	}
	for _, w := range writes {
		b.Run(fmt.Sprintf("write=%s/n=%d", w.name, wakeN), func(b *testing.B) {
			s, err := NewFrom(wakeTree())
			if err != nil {
				b.Fatal(err)
			}
			before := s.Snapshot()
			if err := s.Update(w.write); err != nil {
				b.Fatal(err)
			}
			after := s.Snapshot()
			b.ReportAllocs()
			for b.Loop() {
				if changedWithin(before, after, wakeStart, wakeEnd) != w.changed {
					b.Fatalf("changedWithin = %t", !w.changed)
				}
			}
		})
	}
}
