// Command sheet keeps the rows of a spreadsheet as LibreOffice Calc asks
// about them, in one fst.Measured tree: each row's height and whether it is
// hidden, summarised by the height of the visible rows and their count. A
// sheet of a million rows gets a few resized rows and an autofilter that
// hides runs of them; then the viewport scrolls, rows are inserted and
// deleted, and after each step the program prints what a UI would ask: the
// row at the top of the viewport, the pixel offset of a row, the visible
// rows, the next and previous visible row, the total height. Each answer is
// one O(log n) call (Calc answers them by hopping over the segments of two
// trees, one search per segment).
//
// The time after each answer is time.Since around that one call: this is a
// demo, not a benchmark, and single calls on a busy machine vary. The
// measurements are bench/cmd/sheet's (bench/results/sheet.md).
//
//	go run ./examples/sheet
package main

import (
	"fmt"
	"log"
	"time"

	"github.com/flatseg/flatseg/fst"
)

// Row is a row number, as Calc's SCROW.
type Row = int32

// Format is what the tree holds for each row.
type Format struct {
	H      uint16 // height in pixels
	Hidden bool
}

// Sum summarises a run of rows.
type Sum struct {
	H       int64 // height of the visible rows, in pixels
	Visible int64 // visible rows
}

// Rows is the fst.Measure of a sheet's rows: a hidden row counts for
// nothing.
type Rows struct{}

// Of returns the summary of n rows of format f.
func (Rows) Of(f Format, n Row) Sum {
	if f.Hidden {
		return Sum{}
	}
	return Sum{H: int64(f.H) * int64(n), Visible: int64(n)}
}

// Combine returns the summary of a run of rows followed by another.
func (Rows) Combine(a, b Sum) Sum { return Sum{H: a.H + b.H, Visible: a.Visible + b.Visible} }

// DefaultHeight is the height of a row nobody resized, in pixels.
const DefaultHeight = 20

// Sheet is the rows [0, n) of one sheet.
type Sheet struct {
	t *fst.Measured[Row, Format, Sum]
}

// NewSheet returns a sheet of n visible rows of the default height.
func NewSheet(n Row) (*Sheet, error) {
	t, err := fst.NewMeasured(0, n, Format{H: DefaultHeight}, Rows{})
	return &Sheet{t}, err
}

// Rows returns how many rows the sheet has.
func (s *Sheet) Rows() Row { return s.t.MaxKey() }

// Top returns the pixel offset of row r: the height of the visible rows
// above it.
func (s *Sheet) Top(r Row) int64 {
	return s.t.Measure(0, r).H // the zero Sum for r == 0
}

// RowAt returns the visible row holding pixel y >= 0, or -1 when y is below
// the last visible row.
func (s *Sheet) RowAt(y int64) Row {
	end, _, ok := s.t.Seek(0, func(sum Sum) bool { return sum.H > y })
	if !ok {
		return -1
	}
	return end - 1
}

// Visible returns how many rows of [a, b) are visible.
func (s *Sheet) Visible(a, b Row) int64 {
	return s.t.Measure(a, b).Visible
}

// NextVisible returns the first visible row at or after r, or -1.
func (s *Sheet) NextVisible(r Row) Row {
	end, _, ok := s.t.Seek(r, func(sum Sum) bool { return sum.Visible > 0 })
	if !ok {
		return -1
	}
	return end - 1
}

// PrevVisible returns the last visible row at or before r, or -1.
func (s *Sheet) PrevVisible(r Row) Row {
	start, _, ok := s.t.SeekBackward(r+1, func(sum Sum) bool { return sum.Visible > 0 })
	if !ok {
		return -1
	}
	return start
}

// Height returns the height of the visible rows of the sheet.
func (s *Sheet) Height() int64 { return s.Top(s.Rows()) }

// InsertRows inserts n visible rows of the default height before row pos;
// the last n rows drop off the end.
func (s *Sheet) InsertRows(pos, n Row) error {
	if err := s.t.ShiftRight(pos, n, false); err != nil {
		return err
	}
	_, err := s.t.Insert(pos, pos+n, Format{H: DefaultHeight}) // clipped to the sheet
	return err
}

// DeleteRows deletes the rows [a, b); visible rows of the default height
// come in at the end.
func (s *Sheet) DeleteRows(a, b Row) error { return s.t.ShiftLeft(a, b) }

// Resize sets the height of the rows [a, b), hidden or not.
func (s *Sheet) Resize(a, b Row, h uint16) error {
	_, err := s.t.Apply(a, b, func(f Format) Format { f.H = h; return f })
	return err
}

// Hide hides or shows the rows [a, b), keeping their heights.
func (s *Sheet) Hide(a, b Row, hidden bool) error {
	_, err := s.t.Apply(a, b, func(f Format) Format { f.Hidden = hidden; return f })
	return err
}

// hash mixes x (splitmix64's finalizer): the demo's stand-in for the cell
// values an autofilter tests.
func hash(x uint64) uint64 {
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// timed calls f once and returns its answer and how long the call took.
func timed[T any](f func() T) (T, time.Duration) {
	t0 := time.Now()
	v := f()
	return v, time.Since(t0)
}

// show prints a question, its answer and how long the answer took.
func show[T any](question string, f func() T) T {
	v, d := timed(f)
	fmt.Printf("  %-32s %12v   %v\n", question, v, d)
	return v
}

func main() {
	const rows, viewport = 1_000_000, 900 // the viewport is 900 px high
	s, err := NewSheet(rows)
	if err != nil {
		log.Fatal(err)
	}
	must := func(err error) {
		if err != nil {
			log.Fatal(err)
		}
	}

	// A taller header row, and here and there a run of taller rows.
	t0 := time.Now()
	must(s.Resize(0, 1, 2*DefaultHeight))
	for r := Row(1); r < rows; r += 1000 {
		h := hash(uint64(r))
		must(s.Resize(r, r+1+Row(h%50), uint16(DefaultHeight+h%60)))
	}
	fmt.Printf("%d rows, %d segments after resizing (%v)\n", s.Rows(), s.t.Len(), time.Since(t0).Round(time.Millisecond))
	ask(s, viewport, 0)

	// The autofilter hides every row whose (hashed) value fails the
	// filter; rows come in runs of 1 to 64 with the same value.
	t0 = time.Now()
	for r := Row(1); r < rows; {
		h := hash(uint64(r) ^ 0xf11e)
		end := min(r+1+Row(h%64), rows)
		if h>>32%3 == 0 {
			must(s.Hide(r, end, true))
		}
		r = end
	}
	fmt.Printf("autofilter: %d segments (%v)\n", s.t.Len(), time.Since(t0).Round(time.Millisecond))
	y := ask(s, viewport, s.Height()/2)

	fmt.Printf("insert 1000 rows before row 100: %v\n", timedErr(func() error { return s.InsertRows(100, 1000) }))
	ask(s, viewport, y)

	fmt.Printf("delete rows [200, 300200): %v\n", timedErr(func() error { return s.DeleteRows(200, 300_200) }))
	ask(s, viewport, y)
}

// ask prints what a UI scrolled to pixel y asks the sheet, and returns y.
func ask(s *Sheet, viewport, y int64) int64 {
	show("total height (px)", s.Height)
	show("visible rows", func() int64 { return s.Visible(0, s.Rows()) })
	top := show(fmt.Sprintf("row at the top, y=%d", y), func() Row { return s.RowAt(y) })
	show(fmt.Sprintf("pixel offset of row %d", top), func() int64 { return s.Top(top) })
	bottom := s.RowAt(y + viewport - 1) // the last row in the viewport
	show(fmt.Sprintf("next visible after %d", bottom), func() Row { return s.NextVisible(bottom + 1) })
	show(fmt.Sprintf("previous visible before %d", top), func() Row { return s.PrevVisible(top - 1) })
	return y
}

// timedErr calls f once and returns how long it took, or its error.
func timedErr(f func() error) any {
	err, d := timed(f)
	if err != nil {
		return err
	}
	return d
}
