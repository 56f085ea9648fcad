// Command quickstart is the quick start of the mdds flat_segment_tree
// documentation written with flatseg: it prints what the C++ program prints,
// then shows what mdds has no counterpart for: O(1) versions and their diff.
//
//	go run ./examples/quickstart
package main

import (
	"fmt"
	"log"

	"github.com/flatseg/flatseg/fst"
)

func main() {
	// The span [0, 500) with every key mapped to 0.
	db, err := fst.New[int64, int](0, 500, 0)
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range []fst.Segment[int64, int]{
		{Start: 10, End: 20, Value: 10}, // insert_front
		{Start: 50, End: 70, Value: 15}, // insert_back
		{Start: 60, End: 65, Value: 5},  // cuts into [50, 70)
	} {
		if _, err := db.Insert(s.Start, s.End, s.Value); err != nil {
			log.Fatal(err)
		}
	}

	for _, key := range []int64{15, 62} {
		if seg, ok := db.Search(key); ok {
			fmt.Printf("The value at %d is %d, and this segment spans from %d to %d\n", key, seg.Value, seg.Start, seg.End)
		}
	}
	for key, value := range db.LeafNodes() {
		fmt.Printf("key: %d; value: %d\n", key, value)
	}
	for seg := range db.Segments() {
		fmt.Printf("start: %d; end: %d; value: %d\n", seg.Start, seg.End, seg.Value)
	}

	// Versions: a clone is O(1) and the two never see each other's writes.
	before := db.Clone()
	if err := db.ShiftLeft(20, 50); err != nil { // delete [20, 50), pull the rest left
		log.Fatal(err)
	}
	fmt.Println("after ShiftLeft(20, 50), what changed:")
	for c := range fst.Diff(before, db) {
		fmt.Printf("  [%d, %d): %d -> %d\n", c.Start, c.End, c.Old, c.New)
	}
}
