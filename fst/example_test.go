package fst_test

import (
	"errors"
	"fmt"
	"slices"

	"github.com/flatseg/flatseg/fst"
)

// This is the quick start of the mdds flat_segment_tree documentation, line
// for line; it prints exactly what the C++ program prints.
func Example_quickStart() {
	// Define the begin and end points of the whole segment, and the
	// default value.
	db, err := fst.New[int64, int](0, 500, 0)
	if err != nil {
		panic(err)
	}

	db.Insert(10, 20, 10) // insert_front
	db.Insert(50, 70, 15) // insert_back
	db.Insert(60, 65, 5)  // cuts into the middle of [50, 70)

	// mdds's search() walks the leaves; this is O(log n) and needs no
	// build_tree() first.
	if seg, ok := db.Search(15); ok {
		fmt.Printf("The value at 15 is %d, and this segment spans from %d to %d\n", seg.Value, seg.Start, seg.End)
	}
	// search_tree(): the same call, every version carries its search tree.
	if seg, ok := db.Search(62); ok {
		fmt.Printf("The value at 62 is %d, and this segment spans from %d to %d\n", seg.Value, seg.Start, seg.End)
	}

	// Leaf nodes, as begin()..end().
	for key, value := range db.LeafNodes() {
		fmt.Printf("key: %d; value: %d\n", key, value)
	}
	// Segments, as begin_segment()..end_segment().
	for seg := range db.Segments() {
		fmt.Printf("start: %d; end: %d; value: %d\n", seg.Start, seg.End, seg.Value)
	}
	// Output:
	// The value at 15 is 10, and this segment spans from 10 to 20
	// The value at 62 is 5, and this segment spans from 60 to 65
	// key: 0; value: 0
	// key: 10; value: 10
	// key: 20; value: 0
	// key: 50; value: 15
	// key: 60; value: 5
	// key: 65; value: 15
	// key: 70; value: 0
	// key: 500; value: 0
	// start: 0; end: 10; value: 0
	// start: 10; end: 20; value: 10
	// start: 20; end: 50; value: 0
	// start: 50; end: 60; value: 15
	// start: 60; end: 65; value: 5
	// start: 65; end: 70; value: 15
	// start: 70; end: 500; value: 0
}

func ExampleMeasured_Insert() {
	t, _ := fst.New(0, 100, "")
	changed, _ := t.Insert(-20, 30, "a") // clipped to [0, 30)
	fmt.Println(changed, t.LeafSize())
	changed, _ = t.Insert(10, 20, "a") // already "a": nothing changes
	fmt.Println(changed)
	_, err := t.Insert(200, 300, "b")
	fmt.Println(errors.Is(err, fst.ErrOutOfSpan), err)
	// Output:
	// true 3
	// false
	// true fst: outside the tree's span: range [200, 300) shares no key with [0, 100)
}

func ExampleMeasured_ShiftLeft() {
	t, _ := fst.New(0, 100, 0)
	t.Insert(40, 60, 7)
	t.ShiftLeft(10, 30) // delete [10, 30): [40, 60) moves to [20, 40)
	for seg := range t.Segments() {
		fmt.Println(seg)
	}
	// Output:
	// {0 20 0}
	// {20 40 7}
	// {40 100 0}
}

func ExampleMeasured_ShiftRight() {
	t, _ := fst.New(0, 100, 0)
	t.Insert(40, 60, 7)
	t.ShiftRight(40, 10, false) // the segment at 40 moves; the gap continues [0, 40)
	fmt.Println(t.Search(45))
	t.ShiftRight(50, 10, true) // skip: the segment starting at 50 stays and grows
	fmt.Println(t.Search(50))
	t.ShiftRight(60, 50, false) // everything from 60 on is pushed past max
	for seg := range t.Segments() {
		fmt.Println(seg)
	}
	// Output:
	// {0 50 0} true
	// {50 80 7} true
	// {0 50 0}
	// {50 100 7}
}

func ExampleMeasured_Clone() {
	v1, _ := fst.New(0, 10, 0)
	v1.Insert(2, 4, 1)
	v2 := v1.Clone() // O(1): the two share every node until one writes
	v2.Insert(3, 8, 2)
	fmt.Println(v1.Search(5))
	fmt.Println(v2.Search(5))
	for c := range fst.Diff(v1, v2) {
		fmt.Printf("[%d, %d): %d -> %d\n", c.Start, c.End, c.Old, c.New)
	}
	// Output:
	// {4 10 0} true
	// {3 8 2} true
	// [3, 4): 1 -> 2
	// [4, 8): 0 -> 2
}

func ExampleMeasured_Overlapping() {
	t, _ := fst.New(0, 100, 0)
	t.Insert(10, 20, 1)
	t.Insert(30, 40, 2)
	for seg := range t.Overlapping(15, 35) {
		fmt.Println(seg)
	}
	// Output:
	// {10 20 1}
	// {20 30 0}
	// {30 40 2}
}

func ExampleBuild() {
	t, _ := fst.Build(0, 100, 0, []fst.Segment[int, int]{
		{Start: 10, End: 20, Value: 1},
		{Start: 20, End: 30, Value: 1},  // merges with the one before
		{Start: 50, End: 200, Value: 2}, // clipped to max
	})
	for seg := range t.Segments() {
		fmt.Println(seg)
	}
	// Output:
	// {0 10 0}
	// {10 30 1}
	// {30 50 0}
	// {50 100 2}
}

func ExampleNew() {
	t, _ := fst.New(0.0, 1.0, "empty")
	fmt.Println(t.MinKey(), t.MaxKey(), t.DefaultValue(), t.LeafSize())
	_, err := fst.New(5, 5, 0)
	fmt.Println(errors.Is(err, fst.ErrInvalidRange))
	// Output:
	// 0 1 empty 2
	// true
}

func ExampleMeasured_Search() {
	t, _ := fst.New[uint16, rune](0, 1000, '.')
	t.Insert(100, 200, 'x')
	fmt.Println(t.Search(150))
	fmt.Println(t.Search(1000)) // max is outside the span
	// Output:
	// {100 200 120} true
	// {0 0 0} false
}

func ExampleMeasured_Backward() {
	t, _ := fst.New(0, 10, 0)
	t.Insert(3, 6, 1)
	for seg := range t.Backward() {
		fmt.Print(seg, " ")
	}
	fmt.Println()
	// Output:
	// {6 10 0} {3 6 1} {0 3 0}
}

func ExampleMeasured_All() {
	t, _ := fst.New(0, 10, 0)
	t.Insert(3, 6, 1)
	for seg := range t.All() {
		fmt.Print(seg, " ")
	}
	fmt.Println()
	// Output:
	// {0 3 0} {3 6 1} {6 10 0}
}

// LeafNodes is mdds's node view: each segment's start, then the node at
// the span's end, which holds the default value and starts no segment.
func ExampleMeasured_LeafNodes() {
	t, _ := fst.New(0, 10, 0)
	t.Insert(3, 6, 1)
	var fwd, back []string
	for k, v := range t.LeafNodes() {
		fwd = append(fwd, fmt.Sprint(k, ":", v))
	}
	for k, v := range t.LeafNodesBackward() {
		back = append(back, fmt.Sprint(k, ":", v))
	}
	fmt.Println(fwd)
	fmt.Println(back)
	// Output:
	// [0:0 3:1 6:0 10:0]
	// [10:0 6:0 3:1 0:0]
}

// NewFunc takes the equality of values that == cannot compare.
func ExampleNewFunc() {
	t, err := fst.NewFunc(0, 100, []string(nil), slices.Equal[[]string])
	if err != nil {
		panic(err)
	}
	t.Insert(10, 20, []string{"alice", "bob"})
	t.Insert(20, 30, []string{"alice", "bob"}) // equal content: the segments merge
	for seg := range t.All() {
		fmt.Println(seg)
	}
	// Output:
	// {0 10 []}
	// {10 30 [alice bob]}
	// {30 100 []}
}

func ExampleMeasured_Equal() {
	a, _ := fst.New(0, 10, 0)
	b := a.Clone()
	a.Insert(2, 4, 1)
	b.Insert(2, 3, 1)
	b.Insert(3, 4, 1) // same content, built another way
	fmt.Println(a.Equal(b))
	b.Clear()
	fmt.Println(a.Equal(b), b.LeafSize())
	// Output:
	// true
	// false 2
}

func ExampleDiff() {
	v1, _ := fst.New(0, 100, 0)
	v1.Insert(10, 50, 1)
	v2 := v1.Clone()
	v2.ShiftRight(20, 5, false)
	for c := range fst.Diff(v1, v2) {
		fmt.Println(c)
	}
	// Output:
	// {50 55 0 1}
}
