package fst_test

import (
	"fmt"

	"github.com/flatseg/flatseg/fst"
)

// printSegs prints a tree's segments on one line.
func printSegs[V any](name string, t *fst.Tree[int, V]) {
	fmt.Printf("%-8s", name)
	for s := range t.All() {
		fmt.Printf(" [%d,%d)=%v", s.Start, s.End, s.Value)
	}
	fmt.Println()
}

// The set operations on bool-valued trees (sets of keys): a merge with
// the boolean operator, coalesced as every tree is. The complement is an
// Apply over the span.
func ExampleMerge_setOperations() {
	a, _ := fst.New(0, 10, false)
	a.Insert(1, 5, true)
	b, _ := fst.New(0, 10, false)
	b.Insert(3, 8, true)

	union, _ := fst.Merge(a, b, func(x, y bool) bool { return x || y })
	inter, _ := fst.Merge(a, b, func(x, y bool) bool { return x && y })
	diff, _ := fst.Merge(a, b, func(x, y bool) bool { return x && !y })
	sym, _ := fst.Merge(a, b, func(x, y bool) bool { return x != y })
	comp := a.Clone()
	comp.Apply(comp.MinKey(), comp.MaxKey(), func(x bool) bool { return !x })

	printSegs("a|b", union)
	printSegs("a&b", inter)
	printSegs("a-b", diff)
	printSegs("a^b", sym)
	printSegs("not a", comp)
	// Output:
	// a|b      [0,1)=false [1,8)=true [8,10)=false
	// a&b      [0,3)=false [3,5)=true [5,10)=false
	// a-b      [0,1)=false [1,3)=true [3,10)=false
	// a^b      [0,1)=false [1,3)=true [3,5)=false [5,8)=true [8,10)=false
	// not a    [0,1)=true [1,5)=false [5,10)=true
}

// The spreadsheet case: row heights merged with the mask of hidden rows
// give the heights the screen shows, a hidden row taking none. The two
// trees hold different value types; the merged neighbours coalesce.
func ExampleMerge_visibleHeights() {
	heights, _ := fst.New(0, 100, 20) // rows 0..99, 20 px by default
	heights.Insert(10, 20, 35)
	heights.Insert(50, 60, 12)
	hidden, _ := fst.New(0, 100, false)
	hidden.Insert(15, 55, true)

	visible, _ := fst.Merge(heights, hidden, func(h int, hide bool) int {
		if hide {
			return 0
		}
		return h
	})
	printSegs("visible", visible)
	// Output:
	// visible  [0,10)=20 [10,15)=35 [15,55)=0 [55,60)=12 [60,100)=20
}

// Zip walks two trees at once, lazily, over the ranges where both are
// constant: here the rows whose height and visibility disagree with a
// plain layout.
func ExampleZip() {
	heights, _ := fst.New(0, 100, 20)
	heights.Insert(10, 20, 35)
	hidden, _ := fst.New(0, 100, false)
	hidden.Insert(15, 30, true)

	for p := range fst.Zip(heights, hidden) {
		fmt.Printf("[%d,%d) height %d hidden %v\n", p.Start, p.End, p.A, p.B)
	}
	for p := range fst.ZipRangeBackward(heights, hidden, 12, 18) {
		fmt.Printf("backward [%d,%d) height %d hidden %v\n", p.Start, p.End, p.A, p.B)
	}
	// Output:
	// [0,10) height 20 hidden false
	// [10,15) height 35 hidden false
	// [15,20) height 35 hidden true
	// [20,30) height 20 hidden true
	// [30,100) height 20 hidden false
	// backward [15,18) height 35 hidden true
	// backward [12,15) height 35 hidden false
}

// MergeSame merges two versions of one tree at the cost of what differs
// between them: here the union of two edits of an allocation map.
func ExampleMergeSame() {
	base, _ := fst.New(0, 1<<20, false)
	base.Insert(0, 4096, true)
	mine, theirs := base.Clone(), base.Clone()
	mine.Insert(8192, 9000, true)
	theirs.Insert(100000, 100500, true)

	both, _ := fst.MergeSame(mine, theirs, func(x, y bool) bool { return x || y })
	for s := range both.All() {
		if s.Value {
			fmt.Printf("[%d,%d) allocated\n", s.Start, s.End)
		}
	}
	fmt.Println("same origin as mine:", both.SameOrigin(mine))
	// Output:
	// [0,4096) allocated
	// [8192,9000) allocated
	// [100000,100500) allocated
	// same origin as mine: true
}
