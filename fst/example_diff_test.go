package fst_test

import (
	"fmt"

	"github.com/flatseg/flatseg/fst"
)

// DiffRange reports only what changed in one key range: here [60, 80),
// after a shift before it moved everything.
func ExampleDiffRange() {
	v1, _ := fst.New(0, 100, 0)
	v1.Insert(10, 20, 1)
	v1.Insert(70, 75, 2)
	v2 := v1.Clone()
	v2.ShiftRight(5, 3, false) // [13, 23) holds 1, [73, 78) holds 2
	for c := range fst.DiffRange(v1, v2, 60, 80) {
		fmt.Printf("[%d, %d): %d -> %d\n", c.Start, c.End, c.Old, c.New)
	}
	// Output:
	// [70, 73): 2 -> 0
	// [75, 78): 0 -> 2
}
