package flatseg_test

import (
	"fmt"

	"github.com/flatseg/flatseg"
	"github.com/flatseg/flatseg/fst"
)

// A merge loaded into a transaction: a patch written on a snapshot of the
// store is merged back into the head (here with max, an f with
// f(x, x) = x, so MergeSame costs what the two differ in). Recorded, the
// transaction ships as the inserts that make the difference, which a
// replica applies as it applies any write.
func ExampleMeasuredTxn_Load_merge() {
	leader, _ := flatseg.New(0, 100, 0)
	leader.Update(func(tx *flatseg.Txn[int, int]) error {
		_, err := tx.Insert(10, 30, 5)
		return err
	})
	patch := leader.Snapshot().Tree() // a version of the head, written apart
	patch.Insert(0, 20, 3)
	patch.Insert(50, 60, 8)

	var b fst.Batch[int, int]
	err := leader.Record(&b, func(tx *flatseg.Txn[int, int]) error {
		head := leader.Snapshot().Tree() // the transaction's base: Record holds the writer lock
		merged, err := fst.MergeSame(head, patch, func(x, y int) int { return max(x, y) })
		if err != nil {
			return err
		}
		return tx.Load(merged)
	})
	if err != nil {
		panic(err)
	}
	for _, op := range b.All() {
		fmt.Println("recorded", op)
	}
	for s := range leader.Snapshot().All() {
		fmt.Print(s, " ")
	}
	fmt.Println()
	// Output:
	// recorded Insert(0, 10, 3)
	// recorded Insert(50, 60, 8)
	// {0 10 3} {10 30 5} {30 50 0} {50 60 8} {60 100 0}
}
