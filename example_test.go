package flatseg_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/flatseg/flatseg"
	"github.com/flatseg/flatseg/fst"
)

// A store maps every key of [0, 100) to a value; readers take snapshots
// while writers commit transactions.
func ExampleStore() {
	s, err := flatseg.New(0, 100, "free")
	if err != nil {
		panic(err)
	}
	err = s.Update(func(tx *flatseg.Txn[int, string]) error {
		if _, err := tx.Insert(10, 20, "alice"); err != nil {
			return err
		}
		_, err := tx.Insert(40, 60, "bob")
		return err
	})
	if err != nil {
		panic(err)
	}

	sn := s.Snapshot()
	fmt.Println("version", sn.Version())
	if seg, ok := sn.Search(45); ok {
		fmt.Printf("45 is in [%d, %d): %s\n", seg.Start, seg.End, seg.Value)
	}
	for seg := range sn.Segments() {
		fmt.Printf("[%d, %d) %s\n", seg.Start, seg.End, seg.Value)
	}
	// Output:
	// version 1
	// 45 is in [40, 60): bob
	// [0, 10) free
	// [10, 20) alice
	// [20, 40) free
	// [40, 60) bob
	// [60, 100) free
}

// Update commits when its function returns nil, and rolls back when it
// returns an error: readers never see half a transaction.
func ExampleMeasuredStore_Update() {
	s, _ := flatseg.New(0, 100, "free")
	errTaken := errors.New("taken")
	book := func(start, end int, who string) error {
		return s.Update(func(tx *flatseg.Txn[int, string]) error {
			// The head cannot change while a transaction is open.
			for seg := range s.Snapshot().Overlapping(start, end) {
				if seg.Value != "free" {
					return fmt.Errorf("[%d, %d): %w by %s", start, end, errTaken, seg.Value)
				}
			}
			_, err := tx.Insert(start, end, who)
			return err
		})
	}
	fmt.Println(book(10, 20, "alice"))
	err := book(15, 30, "bob")
	fmt.Println(err, errors.Is(err, errTaken))
	err = book(150, 200, "carol")
	fmt.Println(errors.Is(err, fst.ErrOutOfSpan))
	fmt.Println("version", s.Snapshot().Version())
	// Output:
	// <nil>
	// [15, 30): taken by alice true
	// true
	// version 1
}

// Begin and Commit give the caller control of the transaction; the
// deferred Rollback makes every early return safe.
func ExampleMeasuredStore_Begin() {
	s, _ := flatseg.New(0, 100, 0)
	tx := s.Begin()
	defer tx.Rollback()
	if _, err := tx.Insert(10, 20, 1); err != nil {
		panic(err)
	}
	if err := tx.ShiftRight(0, 5, false); err != nil {
		panic(err)
	}
	seg, _ := tx.Search(15) // the transaction sees its own writes
	fmt.Println("in tx:", seg)
	seg, _ = s.Snapshot().Search(15) // readers do not, until it commits
	fmt.Println("reader:", seg)
	sn, err := tx.Commit()
	if err != nil {
		panic(err)
	}
	seg, _ = sn.Search(15)
	fmt.Println("committed:", sn.Version(), seg)
	_, err = tx.Insert(0, 1, 1)
	fmt.Println(err)
	// Output:
	// in tx: {15 25 1}
	// reader: {0 100 0}
	// committed: 1 {15 25 1}
	// flatseg: transaction has already been committed or rolled back
}

// A snapshot never changes: later commits publish new versions beside it.
func ExampleMeasuredStore_Snapshot() {
	s, _ := flatseg.New(0, 100, 0)
	before := s.Snapshot()
	_ = s.Update(func(tx *flatseg.Txn[int, int]) error {
		_, err := tx.Insert(0, 50, 1)
		return err
	})
	after := s.Snapshot()
	for _, sn := range []*flatseg.Snapshot[int, int]{before, after} {
		fmt.Print("v", sn.Version(), ":")
		for seg := range sn.All() {
			fmt.Printf(" [%d,%d)=%d", seg.Start, seg.End, seg.Value)
		}
		fmt.Println()
	}
	// Output:
	// v0: [0,100)=0
	// v1: [0,50)=1 [50,100)=0
}

// At returns one of the versions the store retains.
func ExampleMeasuredStore_At() {
	s, _ := flatseg.New(0, 100, 0, flatseg.WithRetain(2))
	for i := 1; i <= 3; i++ {
		_ = s.Update(func(tx *flatseg.Txn[int, int]) error {
			_, err := tx.Insert(0, 10, i)
			return err
		})
	}
	for v := range uint64(4) {
		if sn, ok := s.At(v); ok {
			seg, _ := sn.Search(0)
			fmt.Printf("v%d: %d\n", v, seg.Value)
		} else {
			fmt.Printf("v%d: not retained\n", v)
		}
	}
	// Output:
	// v0: not retained
	// v1: not retained
	// v2: 2
	// v3: 3
}

// Diff lists the ranges over which two versions differ.
func ExampleDiff() {
	s, _ := flatseg.New(0, 100, "free")
	v0 := s.Snapshot()
	_ = s.Update(func(tx *flatseg.Txn[int, string]) error {
		if _, err := tx.Insert(10, 30, "alice"); err != nil {
			return err
		}
		_, err := tx.Insert(20, 40, "bob")
		return err
	})
	for c := range flatseg.Diff(v0, s.Snapshot()) {
		fmt.Printf("[%d, %d): %s -> %s\n", c.Start, c.End, c.Old, c.New)
	}
	// Output:
	// [10, 20): free -> alice
	// [20, 40): free -> bob
}

// Wait blocks until a version newer than the one the reader holds is
// published.
func ExampleMeasuredStore_Wait() {
	s, _ := flatseg.New(0, 100, 0)
	held := s.Snapshot()
	done := make(chan struct{})
	go func() {
		defer close(done)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		sn, err := s.Wait(ctx, held.Version())
		if err != nil {
			panic(err)
		}
		seg, _ := sn.Search(5)
		fmt.Println("woke at version", sn.Version(), "with", seg)
	}()
	_ = s.Update(func(tx *flatseg.Txn[int, int]) error {
		_, err := tx.Insert(0, 10, 7)
		return err
	})
	<-done
	// Output:
	// woke at version 1 with {0 10 7}
}

// WaitRange wakes only for commits that change the watched range.
func ExampleMeasuredStore_WaitRange() {
	s, _ := flatseg.New(0, 100, 0)
	held := s.Snapshot()
	woke := make(chan *flatseg.Snapshot[int, int])
	go func() {
		sn, err := s.WaitRange(context.Background(), held, 50, 60)
		if err != nil {
			panic(err)
		}
		woke <- sn
	}()
	insert := func(start, end, v int) {
		_ = s.Update(func(tx *flatseg.Txn[int, int]) error {
			_, err := tx.Insert(start, end, v)
			return err
		})
	}
	insert(0, 10, 1)  // v1: outside [50, 60)
	insert(70, 80, 2) // v2: outside
	insert(55, 56, 3) // v3: inside
	sn := <-woke
	fmt.Println("woke at version", sn.Version())
	for seg := range sn.Overlapping(50, 60) {
		fmt.Println(seg)
	}
	// Output:
	// woke at version 3
	// {10 55 0}
	// {55 56 3}
	// {56 70 0}
}

// Tree forks a snapshot into a private tree, in O(1), for what-if edits
// that the store never sees.
func ExampleMeasuredSnapshot_Tree() {
	s, _ := flatseg.New(0, 100, 0)
	fork := s.Snapshot().Tree()
	_, _ = fork.Insert(0, 50, 1)
	seg, _ := fork.Search(10)
	fmt.Println("fork:", seg)
	seg, _ = s.Snapshot().Search(10)
	fmt.Println("store:", seg)
	// Output:
	// fork: {0 50 1}
	// store: {0 100 0}
}

// NewFrom starts a store from a tree built in bulk.
func ExampleNewFrom() {
	t, err := fst.Build(0, 100, 0, []fst.Segment[int, int]{
		{Start: 10, End: 20, Value: 1},
		{Start: 20, End: 30, Value: 2},
	})
	if err != nil {
		panic(err)
	}
	s, _ := flatseg.NewFrom(t)
	fmt.Println(s.Snapshot().LeafSize())
	for seg := range s.Snapshot().Segments() {
		fmt.Println(seg)
	}
	// Output:
	// 5
	// {0 10 0}
	// {10 20 1}
	// {20 30 2}
	// {30 100 0}
}

// A cursor walks one version on from where it is: lookups in order (rows
// being drawn, say) cost next to nothing each, and Next and Prev step
// between segments.
func ExampleMeasuredSnapshot_Cursor() {
	s, _ := flatseg.New(0, 100, "free")
	_ = s.Update(func(tx *flatseg.Txn[int, string]) error {
		tx.Insert(10, 20, "alice")
		tx.Insert(40, 60, "bob")
		return nil
	})
	c := s.Snapshot().Cursor()
	for _, k := range []int{12, 15, 45, 70} {
		seg, _ := c.Seek(k)
		fmt.Println(k, seg)
	}
	seg, _ := c.Prev()
	fmt.Println("before it:", seg)
	// Output:
	// 12 {10 20 alice}
	// 15 {10 20 alice}
	// 45 {40 60 bob}
	// 70 {60 100 free}
	// before it: {40 60 bob}
}
