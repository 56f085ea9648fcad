package flatseg_test

import (
	"fmt"
	"strings"

	"github.com/flatseg/flatseg"
	"github.com/flatseg/flatseg/fst"
)

// A transaction maps a range through a function; recorded, it ships as the
// inserts it made, which a replica applies without the function.
func ExampleMeasuredTxn_Apply() {
	leader, _ := flatseg.New(0, 100, "free")
	replica, _ := flatseg.New(0, 100, "free")
	var start fst.Batch[int, string] // both stores start from the same version
	start.Insert(10, 20, "alice")
	start.Insert(40, 60, "bob")
	leader.Apply(&start)
	replica.Apply(&start)

	var b fst.Batch[int, string]
	err := leader.Record(&b, func(tx *flatseg.Txn[int, string]) error {
		_, err := tx.Apply(15, 50, func(v string) string {
			if v == "free" {
				return v
			}
			return strings.ToUpper(v)
		})
		return err
	})
	if err != nil {
		panic(err)
	}
	for _, op := range b.All() {
		fmt.Println("recorded", op)
	}
	sn, err := replica.Apply(&b)
	if err != nil {
		panic(err)
	}
	for seg := range sn.Segments() {
		fmt.Printf("[%d, %d) %s\n", seg.Start, seg.End, seg.Value)
	}
	fmt.Println("identical:", sn.Tree().Equal(leader.Snapshot().Tree()))
	// Output:
	// recorded Insert(15, 20, ALICE)
	// recorded Insert(40, 50, BOB)
	// [0, 10) free
	// [10, 15) alice
	// [15, 20) ALICE
	// [20, 40) free
	// [40, 50) BOB
	// [50, 60) bob
	// [60, 100) free
	// identical: true
}
