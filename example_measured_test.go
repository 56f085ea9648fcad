package flatseg_test

import (
	"bytes"
	"fmt"

	"github.com/flatseg/flatseg"
	"github.com/flatseg/flatseg/fst"
)

// booked counts booked minutes: a Measure over the values of a calendar.
type booked struct{}

func (booked) Of(who string, n int) int {
	if who == "" {
		return 0
	}
	return n
}

func (booked) Combine(a, b int) int { return a + b }

// A MeasuredStore answers range questions on every snapshot in O(log n):
// here, how many minutes of a day are booked, and when the 60th booked
// minute ends.
func ExampleMeasuredStore() {
	day, err := flatseg.NewMeasured(0, 24*60, "", booked{})
	if err != nil {
		panic(err)
	}
	err = day.Update(func(tx *flatseg.MeasuredTxn[int, string, int]) error {
		tx.Insert(9*60, 10*60, "alice")
		tx.Insert(14*60, 15*60+30, "bob")
		return nil
	})
	if err != nil {
		panic(err)
	}
	sn := day.Snapshot()
	total := sn.Measure(0, 24*60)
	afternoon := sn.Measure(12*60, 24*60)
	fmt.Println("booked:", total, "minutes,", afternoon, "after noon")
	end, _, _ := sn.Seek(0, func(m int) bool { return m >= 60 })
	fmt.Printf("the first hour of bookings ends at %02d:%02d\n", end/60, end%60)
	// Output:
	// booked: 150 minutes, 90 after noon
	// the first hour of bookings ends at 10:00
}

// NewMeasured is New with a Measure.
func ExampleNewMeasured() {
	s, _ := flatseg.NewMeasured(0, 100, 0, sumOf{})
	_ = s.Update(func(tx *flatseg.MeasuredTxn[int, int, int]) error {
		_, err := tx.Insert(10, 20, 3)
		return err
	})
	fmt.Println(s.Snapshot().Measure(0, 100))
	// Output: 30
}

// sumOf sums values over keys.
type sumOf struct{}

func (sumOf) Of(v, n int) int      { return v * n }
func (sumOf) Combine(a, b int) int { return a + b }

// NewFrom serves a tree made with fst.NewFunc and given a Measure by
// fst.WithMeasure: a measured store of values that are not comparable.
func ExampleNewFrom_measuredFunc() {
	plain, _ := fst.NewFunc(0, 10, nil, func(a, b []string) bool { return fmt.Sprint(a) == fmt.Sprint(b) })
	t, _ := fst.WithMeasure(plain, tagged{})
	s, _ := flatseg.NewFrom(t)
	_ = s.Update(func(tx *flatseg.MeasuredTxn[int, []string, int]) error {
		_, err := tx.Insert(2, 5, []string{"a", "b"})
		return err
	})
	fmt.Println("tag-keys:", s.Snapshot().Measure(0, 10))
	// Output: tag-keys: 6
}

// tagged counts (key, tag) pairs.
type tagged struct{}

func (tagged) Of(v []string, n int) int { return len(v) * n }
func (tagged) Combine(a, b int) int     { return a + b }

// NewFrom serves a measured tree built or decoded elsewhere, in O(1).
func ExampleNewFrom_measured() {
	plain, _ := fst.Build(0, 100, 0, []fst.Segment[int, int]{{Start: 0, End: 50, Value: 1}})
	t, _ := fst.WithMeasure(plain, sumOf{})
	s, _ := flatseg.NewFrom(t)
	fmt.Println(s.Snapshot().Measure(25, 75))
	// Output: 25
}

// A transaction's Measure, Seek and SeekBackward see its own writes.
func ExampleMeasuredTxn() {
	s, _ := flatseg.NewMeasured(0, 100, 0, sumOf{})
	_ = s.Update(func(tx *flatseg.MeasuredTxn[int, int, int]) error {
		tx.Insert(40, 60, 1)
		before := tx.Measure(0, 100)
		tx.ShiftLeft(0, 30) // delete [0, 30): the segment moves to [10, 30)
		after := tx.Measure(0, 20)
		start, _, _ := tx.SeekBackward(100, func(m int) bool { return m > 0 })
		end, _, _ := tx.Seek(0, func(m int) bool { return m > 0 })
		fmt.Println(before, after, start, end)
		return nil
	})
	// Output: 20 10 29 11
}

// A snapshot's Seek and SeekBackward find where a running summary passes a
// threshold, from either side.
func ExampleMeasuredSnapshot() {
	s, _ := flatseg.NewMeasured(0, 100, 1, sumOf{})
	sn := s.Snapshot()
	end, before, _ := sn.Seek(10, func(m int) bool { return m >= 5 })          // [10, end) sums to 5
	start, after, _ := sn.SeekBackward(90, func(m int) bool { return m >= 5 }) // [start, 90) sums to 5
	fmt.Println(end, before, start, after)                                     // before and after leave the key where the sum passes out
	// Output: 15 4 85 4
}

// Encode writes no summaries; fst.Decode and fst.WithMeasure rebuild
// them, and Tree forks a version with them.
func ExampleMeasuredSnapshot_Encode_summaries() {
	s, _ := flatseg.NewMeasured(0, 100, 0, sumOf{})
	_ = s.Update(func(tx *flatseg.MeasuredTxn[int, int, int]) error {
		_, err := tx.Insert(0, 10, 2)
		return err
	})
	var buf bytes.Buffer
	_, _ = s.Snapshot().Encode(&buf, fst.NumberCodec[int]())
	plain, _ := fst.Decode[int](&buf, fst.NumberCodec[int]())
	t, _ := fst.WithMeasure(plain, sumOf{})
	fork := s.Snapshot().Tree()
	fork.Insert(10, 20, 1)
	fmt.Println(t.Measure(0, 100), fork.Measure(0, 100))
	// Output: 20 30
}

// Diff compares two versions of a MeasuredStore, as of any store.
func ExampleDiff_measured() {
	s, _ := flatseg.NewMeasured(0, 100, 0, sumOf{})
	v0 := s.Snapshot()
	_ = s.Update(func(tx *flatseg.MeasuredTxn[int, int, int]) error {
		_, err := tx.Insert(5, 8, 1)
		return err
	})
	for c := range flatseg.Diff(v0, s.Snapshot()) {
		fmt.Printf("[%d, %d): %d -> %d\n", c.Start, c.End, c.Old, c.New)
	}
	// Output: [5, 8): 0 -> 1
}
