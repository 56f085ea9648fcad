package fst_test

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/flatseg/flatseg/fst"
)

// Most examples below keep a spreadsheet's rows in a Measured tree: key r
// is row r, a segment is a run of rows with one format, and the summary of
// some rows is their height in pixels and how many of them are visible
// (hidden rows count for neither).

// row is the format of a row.
type row struct {
	H      uint16 // height in pixels
	Hidden bool
}

// rows is the summary of some rows.
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

// newSheet returns rows [0, 1000), 20 pixels high but for row 5 (40
// pixels), with rows 10 to 19 hidden.
func newSheet() *fst.Measured[int64, row, rows] {
	t, err := fst.NewMeasured(0, 1000, row{H: 20}, rowMeasure{})
	if err != nil {
		panic(err)
	}
	t.Insert(5, 6, row{H: 40})
	t.Insert(10, 20, row{H: 20, Hidden: true})
	return t
}

// minMax is the lowest and the highest value of some keys. Its zero value
// must be the identity of Combine, and no value is: OK says whether the
// summary holds any key.
type minMax struct {
	Min, Max int
	OK       bool
}

// minMaxMeasure is the Measure of minMax over int values, for keys of
// type K.
type minMaxMeasure[K fst.Key] struct{}

func (minMaxMeasure[K]) Of(v int, _ K) minMax { return minMax{v, v, true} }

func (minMaxMeasure[K]) Combine(a, b minMax) minMax {
	switch {
	case !a.OK:
		return b
	case !b.OK:
		return a
	}
	return minMax{min(a.Min, b.Min), max(a.Max, b.Max), true}
}

// A Measure need not add lengths: the lowest and the highest temperature
// of any stretch of minutes is one too.
func ExampleMeasure() {
	day, _ := fst.NewMeasured(0, 1440, 10, minMaxMeasure[int]{}) // 10 degrees all day
	day.Insert(600, 900, 18)                                     // 10:00 to 15:00
	day.Insert(700, 760, 21)
	fmt.Println(day.Measure(0, 1440))  // the day
	fmt.Println(day.Measure(0, 600))   // the morning
	fmt.Println(day.Measure(650, 720)) // 10:50 to 12:00
	// Output:
	// {10 21 true}
	// {10 10 true}
	// {18 21 true}
}

// A Measured tree is a Tree that also answers, in O(log n), how tall any
// rows are and which row is at a pixel, whatever the writes before.
func ExampleMeasured() {
	t := newSheet()
	fmt.Println(t.Measure(0, 30)) // 5×20 + 40 + 4×20 + 10×20; 10 rows hidden
	// The row at pixel 130: the first end whose rows [0, end) are taller
	// than 130 ends just after it.
	end, _, _ := t.Seek(0, func(s rows) bool { return s.H > 130 })
	fmt.Println("pixel 130 is in row", end-1)

	t.ShiftRight(2, 3, false) // insert 3 rows above row 2: the rest move down
	seg, _ := t.Search(15)
	fmt.Println("hidden now:", seg.Start, seg.End)
	end, _, _ = t.Seek(0, func(s rows) bool { return s.H > 130 })
	fmt.Println("pixel 130 is in row", end-1)
	// Output:
	// {420 20}
	// pixel 130 is in row 5
	// hidden now: 13 23
	// pixel 130 is in row 6
}

// NewMeasured refuses an integer span whose length its key type cannot
// hold: every summary is computed from lengths.
func ExampleNewMeasured() {
	t, err := fst.NewMeasured(0, 1_000_000, row{H: 20}, rowMeasure{})
	if err != nil {
		panic(err)
	}
	fmt.Println(t.Measure(0, 1_000_000))
	_, err = fst.NewMeasured[int8](-100, 100, 0, minMaxMeasure[int8]{}) // 200 > 127
	fmt.Println(errors.Is(err, fst.ErrInvalidRange))
	// Output:
	// {20000000 1000000}
	// true
}

// tagCount counts the keys that carry at least one tag.
type tagCount struct{}

func (tagCount) Of(tags []string, n int) int {
	if len(tags) == 0 {
		return 0
	}
	return n
}

func (tagCount) Combine(a, b int) int { return a + b }

// WithMeasure gives a Measure to a tree made without one: here of values
// that == cannot compare, slices of tags, with their equality.
func ExampleWithMeasure() {
	plain, err := fst.NewFunc(0, 100, []string(nil), slices.Equal[[]string])
	if err != nil {
		panic(err)
	}
	t, err := fst.WithMeasure(plain, tagCount{})
	if err != nil {
		panic(err)
	}
	t.Insert(10, 30, []string{"draft"})
	t.Insert(20, 40, []string{"draft"}) // equal: merged with [10, 30)
	t.Insert(60, 70, []string{"final"})
	fmt.Println(t.Len(), "segments;", t.Measure(0, 100), "tagged keys")
	// Output: 5 segments; 40 tagged keys
}

// A measured tree is built from sorted segments by Build, then given its
// Measure: O(n) in all, the summaries computed once.
func ExampleWithMeasure_build() {
	plain, err := fst.Build(0, 1000, row{H: 20}, []fst.Segment[int64, row]{
		{Start: 5, End: 6, Value: row{H: 40}},
		{Start: 10, End: 20, Value: row{H: 20, Hidden: true}},
	})
	if err != nil {
		panic(err)
	}
	t, err := fst.WithMeasure(plain, rowMeasure{})
	if err != nil {
		panic(err)
	}
	fmt.Println(t.Equal(newSheet()), t.Measure(0, 30))
	// Output: true {420 20}
}

// BuildFunc, then WithMeasure: a measured tree of values compared by a
// function, built from segments.
func ExampleWithMeasure_buildFunc() {
	plain, err := fst.BuildFunc(0, 100, []string(nil), slices.Equal[[]string], []fst.Segment[int, []string]{
		{Start: 10, End: 20, Value: []string{"a"}},
		{Start: 20, End: 25, Value: []string{"a"}}, // equal neighbours merge
		{Start: 50, End: 60, Value: []string{"b"}},
	})
	if err != nil {
		panic(err)
	}
	t, err := fst.WithMeasure(plain, tagCount{})
	if err != nil {
		panic(err)
	}
	fmt.Println(t.Len(), t.Measure(0, 100))
	// Output: 5 25
}

// heights sums int values over their lengths: the total height of rows
// whose heights are the values.
type heights struct{}

func (heights) Of(h int, n int64) int64  { return int64(h) * n }
func (heights) Combine(a, b int64) int64 { return a + b }

// encodedRows returns the encoding of a plain tree of row heights, rows
// [0, 1000) 20 pixels high but for row 5, h pixels high.
func encodedRows(h int) *bytes.Buffer {
	plain, err := fst.New[int64](0, 1000, 20)
	if err != nil {
		panic(err)
	}
	plain.Insert(5, 6, h)
	var buf bytes.Buffer
	if _, err := fst.Encode(&buf, plain, fst.NumberCodec[int]()); err != nil {
		panic(err)
	}
	return &buf
}

// Encode writes a measured tree as it writes any tree: the stream holds
// the segments, not the summaries.
func ExampleEncode_measured() {
	t, err := fst.NewMeasured(0, 1000, 20, heights{})
	if err != nil {
		panic(err)
	}
	t.Insert(5, 6, 40)
	var buf bytes.Buffer
	if _, err := fst.Encode(&buf, t, fst.NumberCodec[int]()); err != nil {
		panic(err)
	}
	plain, err := fst.Decode[int64](&buf, fst.NumberCodec[int]()) // the same stream as a Tree's
	if err != nil {
		panic(err)
	}
	for seg := range plain.All() {
		fmt.Println(seg)
	}
	// Output:
	// {0 5 20}
	// {5 6 40}
	// {6 1000 20}
}

// Decode, then WithMeasure: the summaries are computed from the decoded
// segments, as encodings hold none.
func ExampleWithMeasure_decode() {
	plain, err := fst.Decode[int64](encodedRows(40), fst.NumberCodec[int]())
	if err != nil {
		panic(err)
	}
	t, err := fst.WithMeasure(plain, heights{})
	if err != nil {
		panic(err)
	}
	fmt.Println(t.Measure(0, 10), t.Verify())
	// Output: 220 <nil>
}

// sameReading is == but for NaN, "no reading", which it finds equal to
// NaN: runs of no reading merge, as == would never let them.
func sameReading(a, b float64) bool { return a == b || a != a && b != b }

// readingSum sums readings over their lengths, NaN counting for nothing.
type readingSum struct{}

func (readingSum) Of(v float64, n int) float64 {
	if v != v {
		return 0
	}
	return v * float64(n)
}

func (readingSum) Combine(a, b float64) float64 { return a + b }

// DecodeFunc, then WithMeasure: decode with the equality the tree was
// written with, then measure.
func ExampleWithMeasure_decodeFunc() {
	plain, err := fst.NewFunc(0, 100, math.NaN(), sameReading)
	if err != nil {
		panic(err)
	}
	plain.Insert(10, 20, 1.5)
	var buf bytes.Buffer
	if _, err := fst.Encode(&buf, plain, fst.NumberCodec[float64]()); err != nil {
		panic(err)
	}
	decoded, err := fst.DecodeFunc[int](&buf, fst.NumberCodec[float64](), sameReading)
	if err != nil {
		panic(err)
	}
	t, err := fst.WithMeasure(decoded, readingSum{})
	if err != nil {
		panic(err)
	}
	t.Insert(30, 40, math.NaN()) // no change: NaN is NaN here
	fmt.Println(t.Len(), t.Measure(0, 100))
	// Output: 3 15
}

// Diff lists what changed between two versions of a measured tree, as of
// any tree, skipping the nodes they share.
func ExampleDiff_measured() {
	v1 := newSheet()
	v2 := v1.Clone()
	v2.Insert(10, 20, row{H: 20}) // unhide
	for c := range fst.Diff(v1, v2) {
		fmt.Printf("[%d, %d): %v -> %v\n", c.Start, c.End, c.Old, c.New)
	}
	fmt.Println(v1.Measure(0, 30), v2.Measure(0, 30))
	// Output:
	// [10, 20): {20 true} -> {20 false}
	// {420 20} {620 30}
}

// Measure clips a range to the span, as Insert does, and an empty range
// has the zero summary: Measure(0, r) is the top of row r for every r,
// with no special case for r = 0.
func ExampleMeasured_Measure() {
	t := newSheet()
	fmt.Println(t.Measure(5, 6))      // row 5
	fmt.Println(t.Measure(12, 18))    // hidden rows
	fmt.Println(t.Measure(990, 2000)) // clipped to [990, 1000)
	fmt.Println(t.Measure(7, 7))      // no row
	for _, r := range []int64{0, 1, 6} {
		fmt.Print(t.Measure(0, r).H, " ") // the top of row r
	}
	fmt.Println()
	// Output:
	// {40 1}
	// {0 0}
	// {200 10}
	// {0 0}
	// 0 20 140
}

// A Tree has no Measure: its summary is None, and Measure, Seek and
// SeekBackward read every range's summary as None{}.
func ExampleNone() {
	t, _ := fst.New(0, 100, "free")
	fmt.Println(t.Measure(0, 100))
	end, _, ok := t.Seek(10, func(fst.None) bool { return true })
	fmt.Println(end, ok)
	// Output:
	// {}
	// 11 true
}

// Seek finds the first end after from at which a monotone test of the
// summary of [from, end) turns true. Scrolling down a page of 10 visible
// rows from row 5 skips the hidden rows.
func ExampleMeasured_Seek() {
	t := newSheet()
	end, _, ok := t.Seek(5, func(s rows) bool { return s.Visible >= 10 })
	fmt.Println(end, ok) // rows 5-9 and 20-24
	_, _, ok = t.Seek(0, func(s rows) bool { return s.H > 1e6 })
	fmt.Println(ok) // the sheet is not that tall
	// Output:
	// 25 true
	// false
}

// SeekBackward is Seek upwards: the 8 visible rows above row 24 start at
// row 6.
func ExampleMeasured_SeekBackward() {
	t := newSheet()
	start, _, ok := t.SeekBackward(24, func(s rows) bool { return s.Visible >= 8 })
	fmt.Println(start, ok)
	// Output: 6 true
}

// A clone keeps every summary and shares every node until one of the two
// writes; each then answers for its own version.
func ExampleMeasured_Clone_sheet() {
	v1 := newSheet()
	v2 := v1.Clone() // O(1)
	v2.Insert(0, 1000, row{H: 30})
	fmt.Println(v1.Measure(0, 1000), v2.Measure(0, 1000))
	// Output: {19820 990} {30000 1000}
}

func ExampleMeasured_Equal_sheet() {
	a, b := newSheet(), newSheet()
	fmt.Println(a.Equal(b), a.SameOrigin(b)) // equal, of separate origins
	b.Insert(10, 20, row{H: 20})
	fmt.Println(a.Equal(b))
	// Output:
	// true false
	// false
}

func ExampleMeasured_SameOrigin() {
	a := newSheet()
	b := a.Clone()
	b.Insert(0, 1, row{H: 99})
	fmt.Println(a.SameOrigin(b), a.SameOrigin(newSheet()))
	// Output: true false
}

// Assign makes a tree hold another's segments: an O(1) fork for a tree of
// the same origin, a rebuild with its own Measure otherwise.
func ExampleMeasured_Assign() {
	a := newSheet()
	b, _ := fst.NewMeasured(0, 1000, row{H: 20}, rowMeasure{})
	if err := b.Assign(a); err != nil {
		panic(err)
	}
	fmt.Println(b.Equal(a), b.Measure(0, 30))
	c, _ := fst.NewMeasured(0, 500, row{H: 20}, rowMeasure{})
	fmt.Println(errors.Is(c.Assign(a), fst.ErrIncompatible)) // another span
	// Output:
	// true {420 20}
	// true
}

// A cursor walks one version: Seek to a key, then Next and Prev to the
// neighbouring segments. Seeks in order walk on from where the cursor is,
// as mdds's search with a hint does.
func ExampleCursor() {
	t := newSheet()
	c := t.Cursor()
	for _, row := range []int64{3, 7, 12, 25} {
		seg, _ := c.Seek(row)
		fmt.Printf("row %d: rows [%d, %d) %+v\n", row, seg.Start, seg.End, seg.Value)
	}
	seg, _ := c.Prev()
	fmt.Printf("the run before: [%d, %d)\n", seg.Start, seg.End)
	t.Insert(0, 1000, row{H: 99}) // writes after Cursor() never show in it
	seg, _ = c.Next()
	fmt.Printf("and after: [%d, %d) %+v\n", seg.Start, seg.End, seg.Value)
	// Output:
	// row 3: rows [0, 5) {H:20 Hidden:false}
	// row 7: rows [6, 10) {H:20 Hidden:false}
	// row 12: rows [10, 20) {H:20 Hidden:true}
	// row 25: rows [20, 1000) {H:20 Hidden:false}
	// the run before: [10, 20)
	// and after: [20, 1000) {H:20 Hidden:false}
}

// Prefix is the summary of everything before the cursor's segment: the top
// of a run of rows, with the run, in one walk.
func ExampleCursor_Prefix() {
	t := newSheet()
	c := t.Cursor()
	for seg, ok := c.Seek(0); ok && seg.Start < 30; seg, ok = c.Next() {
		fmt.Printf("rows [%d, %d) start at pixel %d\n", seg.Start, seg.End, c.Prefix().H)
	}
	// Output:
	// rows [0, 5) start at pixel 0
	// rows [5, 6) start at pixel 100
	// rows [6, 10) start at pixel 140
	// rows [10, 20) start at pixel 220
	// rows [20, 1000) start at pixel 220
}
