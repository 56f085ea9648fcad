package fst_test

import (
	"fmt"

	"github.com/flatseg/flatseg/fst"
)

func ExampleMeasured_Apply() {
	t, _ := fst.New(0, 100, 0)
	t.Insert(10, 20, 1)
	t.Insert(20, 30, 2)
	t.Insert(50, 60, 1)
	// Double every value in [15, 55): f sees each segment's old value once,
	// and only the keys inside the range change.
	changed, _ := t.Apply(15, 55, func(v int) int {
		fmt.Println("f sees", v)
		return v * 2
	})
	fmt.Println(changed)
	for seg := range t.All() {
		fmt.Printf("[%d, %d) %d\n", seg.Start, seg.End, seg.Value)
	}
	// Equal neighbours merge: [10, 15) takes 2, as [15, 20) holds.
	t.Apply(10, 15, func(v int) int { return v + 1 })
	seg, _ := t.Search(12)
	fmt.Printf("12 is in [%d, %d) %d\n", seg.Start, seg.End, seg.Value)
	changed, _ = t.Apply(0, 100, func(v int) int { return v }) // changes nothing
	fmt.Println(changed)
	// Output:
	// f sees 1
	// f sees 2
	// f sees 0
	// f sees 1
	// true
	// [0, 10) 0
	// [10, 15) 1
	// [15, 20) 2
	// [20, 30) 4
	// [30, 50) 0
	// [50, 55) 2
	// [55, 60) 1
	// [60, 100) 0
	// 12 is in [10, 20) 2
	// false
}
