package cow_test

import (
	"errors"
	"fmt"
	"slices"

	"github.com/flatseg/flatseg/cow"
)

// The examples below keep a spreadsheet's rows: the entry r -> row stands
// for rows r, r+1, ... up to the next entry (the last entry, up to the end
// a query is given). Each run of rows is summarised by its height in pixels
// and the number of its visible rows; hidden rows count for neither.

// row is the format of a run of rows.
type row struct {
	H      uint16 // height in pixels
	Hidden bool
}

// rows is the summary of some rows: their height and how many are visible.
type rows struct{ H, Visible int64 }

// rowMeasure is the Measure of rows.
type rowMeasure struct{}

func (rowMeasure) Of(r row, n int64) rows {
	if r.Hidden {
		return rows{}
	}
	return rows{int64(r.H) * n, n}
}

func (rowMeasure) Combine(a, b rows) rows { return rows{a.H + b.H, a.Visible + b.Visible} }

// sheet returns rows 0 to 999 20 pixels high, but for row 5 (40 pixels)
// and rows 10 to 19 (hidden).
func sheet() *cow.Measured[int64, row, rows] {
	t, err := cow.BuildMeasured[int64, row, rows](rowMeasure{},
		[]int64{0, 5, 6, 10, 20},
		[]row{{H: 20}, {H: 40}, {H: 20}, {H: 20, Hidden: true}, {H: 20}})
	if err != nil {
		panic(err)
	}
	return t
}

const sheetEnd = 1000 // the rows are [0, 1000)

// minMax is the lowest and the highest value of some keys. Its zero value
// must be the identity of Combine, and no temperature is: OK says whether
// the summary holds any key.
type minMax struct {
	Min, Max int
	OK       bool
}

// minMaxMeasure is the Measure of minMax over int values.
type minMaxMeasure struct{}

func (minMaxMeasure) Of(v, _ int) minMax { return minMax{v, v, true} }

func (minMaxMeasure) Combine(a, b minMax) minMax {
	switch {
	case !a.OK:
		return b
	case !b.OK:
		return a
	}
	return minMax{min(a.Min, b.Min), max(a.Max, b.Max), true}
}

// A Measure need not add: a minimum and a maximum are one.
func ExampleMeasure() {
	var m cow.Measure[int, int, minMax] = minMaxMeasure{}
	// Temperatures by minute: 12 from minute 0, 15 from 60, 9 from 90.
	t, _ := cow.BuildMeasured(m, []int{0, 60, 90}, []int{12, 15, 9})
	fmt.Println(t.Measure(m, 0, 60, 120))   // the first hour
	fmt.Println(t.Measure(m, 30, 100, 120)) // minutes 30 to 99
	fmt.Println(t.Measure(m, 50, 50, 120))  // no minute: the zero summary
	// Output:
	// {12 12 true}
	// {9 15 true}
	// {0 0 false}
}

// A Measured tree answers the height of any rows, and which row is at a
// pixel, in O(log n): each inner node keeps the summary of every child.
func ExampleMeasured() {
	m := rowMeasure{}
	t := sheet()
	// Rows 0-29: 5×20 + 40 + 4×20 + 10 hidden + 10×20 pixels, 20 visible.
	fmt.Println(t.Measure(m, 0, 30, sheetEnd))
	// The row at pixel 130 (from the top): the first x whose rows [0, x)
	// are taller than 130 is the row after it.
	x, _ := t.Seek(m, 0, sheetEnd, func(s rows) bool { return s.H > 130 })
	fmt.Println("pixel 130 is in row", x-1)
	// Output:
	// {420 20}
	// pixel 130 is in row 5
}

func ExampleNewMeasured() {
	m := rowMeasure{}
	t := cow.NewMeasured[int64, row, rows]()
	t.Set(m, 0, row{H: 20}) // every row 20 pixels
	t.Set(m, 3, row{H: 50}) // from row 3 on, 50 pixels
	fmt.Println(t.Len(), t.Measure(m, 0, 10, 10))
	// Output: 2 {410 10}
}

func ExampleBuildMeasured() {
	m := rowMeasure{}
	t, err := cow.BuildMeasured[int64, row, rows](m, []int64{0, 100}, []row{{H: 20}, {H: 30}})
	if err != nil {
		panic(err)
	}
	fmt.Println(t.Measure(m, 90, 110, sheetEnd))
	_, err = cow.BuildMeasured[int64, row, rows](m, []int64{100, 0}, []row{{}, {}})
	fmt.Println(errors.Is(err, cow.ErrUnsorted))
	// Output:
	// {500 20}
	// true
}

// A MeasuredBuilder takes the entries one at a time, in key order, and
// computes every summary when the tree is made.
func ExampleMeasuredBuilder() {
	m := rowMeasure{}
	var b cow.MeasuredBuilder[int64, row, rows]
	for r := int64(0); r < 100; r += 10 { // every tenth row hidden
		_ = b.Add(r, row{H: 20, Hidden: true})
		_ = b.Add(r+1, row{H: 20})
	}
	t := b.Tree(m)
	fmt.Println(t.Len(), t.Measure(m, 0, 100, 100))
	// Output: 20 {1800 90}
}

func ExampleMeasuredBuilder_Tree() {
	m := rowMeasure{}
	var b cow.MeasuredBuilder[int64, row, rows]
	_ = b.Add(0, row{H: 20})
	t := b.Tree(m)
	fmt.Println(b.Tree(m) == t, b.Add(1, row{})) // spent: the same tree, and no more entries
	// Output: true cow: Builder.Add after Tree
}

func ExampleMeasured_Set() {
	m := rowMeasure{}
	t := sheet()
	t.Set(m, 10, row{H: 20}) // unhide rows 10 to 19
	fmt.Println(t.Measure(m, 0, 30, sheetEnd))
	// Output: {620 30}
}

func ExampleMeasured_Delete() {
	m := rowMeasure{}
	t := sheet()
	t.Delete(m, 5) // row 5 takes the format of row 4: 20 pixels
	fmt.Println(t.Measure(m, 0, 10, sheetEnd))
	// Output: {200 10}
}

func ExampleMeasured_DeleteRange() {
	m := rowMeasure{}
	t := sheet()
	fmt.Println(t.DeleteRange(m, 1, 20)) // entries 5, 6 and 10: rows 0-19 are all as row 0
	fmt.Println(t.Measure(m, 0, 30, sheetEnd))
	// Output:
	// 3
	// {600 30}
}

// Shift moves every entry at or after p by d: inserting 5 rows above row
// 10 moves the hidden rows down. The summaries depend on lengths only, so a
// shift refreshes just the path to p.
func ExampleMeasured_Shift() {
	m := rowMeasure{}
	t := sheet()
	t.Shift(m, 10, 5)
	fmt.Println(slices.Collect(func(yield func(int64) bool) {
		for k := range t.All() {
			if !yield(k) {
				return
			}
		}
	}))
	fmt.Println(t.Measure(m, 0, 30, sheetEnd))
	// Output:
	// [0 5 6 15 25]
	// {420 20}
}

func ExampleMeasured_Measure() {
	m := rowMeasure{}
	t := sheet()
	fmt.Println(t.Measure(m, 5, 6, sheetEnd))         // row 5 alone
	fmt.Println(t.Measure(m, 12, 18, sheetEnd))       // hidden rows
	fmt.Println(t.Measure(m, 0, sheetEnd, sheetEnd))  // the whole sheet
	fmt.Println(t.Measure(m, 990, 2000, sheetEnd+10)) // the last entry runs to the end given
	// Output:
	// {40 1}
	// {0 0}
	// {19820 990}
	// {400 20}
}

// Seek finds the first x after from at which a monotone test of the
// summary of [from, x) turns true: the row a pixel falls in, or where the
// tenth visible row after row 5 ends.
func ExampleMeasured_Seek() {
	m := rowMeasure{}
	t := sheet()
	x, ok := t.Seek(m, 5, sheetEnd, func(s rows) bool { return s.Visible >= 10 })
	fmt.Println(x, ok) // rows 5-9 and 20-24 are visible
	_, ok = t.Seek(m, 0, sheetEnd, func(s rows) bool { return s.H > 1e6 })
	fmt.Println(ok) // the sheet is not that tall
	// Output:
	// 25 true
	// false
}

// SeekBackward is Seek upwards: scrolling up by 8 visible rows from row 24
// skips the hidden rows 10 to 19.
func ExampleMeasured_SeekBackward() {
	m := rowMeasure{}
	t := sheet()
	x, ok := t.SeekBackward(m, 24, sheetEnd, func(s rows) bool { return s.Visible >= 8 })
	fmt.Println(x, ok)
	// Output: 6 true
}

// Verify checks the tree's structure and every stored summary against the
// entries below it.
func ExampleMeasured_Verify() {
	m := rowMeasure{}
	t := sheet()
	fmt.Println(t.Verify(m))
	// Output: <nil>
}

// Several writes may leave the summaries stale and settle once: no query,
// Clone or Freeze may come between them.
func ExampleMeasured_Unsettled() {
	m := rowMeasure{}
	t := sheet()
	u := t.Unsettled()
	for r := int64(100); r < 200; r += 2 { // banded rows: 30 pixels, then 20
		u.Set(r, row{H: 30})
		u.Set(r+1, row{H: 20})
	}
	fmt.Println(errors.Is(t.Verify(m), cow.ErrCorrupt)) // stale
	t.Settle(m)
	fmt.Println(t.Verify(m), t.Measure(m, 100, 200, sheetEnd))
	// Output:
	// true
	// <nil> {2500 100}
}

func ExampleMeasured_Settle() {
	m := rowMeasure{}
	t := sheet()
	t.Unsettled().Shift(0, 100) // 100 new rows at the top, in no entry
	t.Settle(m)
	fmt.Println(t.Measure(m, 0, 130, sheetEnd+100)) // rows 0-99 count for nothing
	// Output: {420 20}
}

// DiffMeasured compares the entries of two versions, skipping the
// subtrees they share.
func ExampleDiffMeasured() {
	m := rowMeasure{}
	v1 := sheet()
	v2 := v1.Clone()
	v2.Set(m, 10, row{H: 20}) // unhide
	v2.Set(m, 50, row{H: 35})
	for c := range cow.DiffMeasured(v1, v2, func(a, b row) bool { return a == b }) {
		fmt.Printf("%d: %v (%v) -> %v (%v)\n", c.Key, c.Old, c.InOld, c.New, c.InNew)
	}
	fmt.Println(v1.Measure(m, 0, 30, sheetEnd), v2.Measure(m, 0, 30, sheetEnd))
	// Output:
	// 10: {20 true} (true) -> {20 false} (true)
	// 50: {0 false} (false) -> {35 false} (true)
	// {420 20} {620 30}
}
