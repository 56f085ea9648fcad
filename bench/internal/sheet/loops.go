package sheet

import "github.com/flatseg/flatseg/fst"

// Loops is a sheet kept as Calc keeps it, in two trees (row heights and
// hidden rows), here fst.Trees, answering with Calc's loops: hop from
// segment to segment, one Search per hop, so a question costs
// O(segments it crosses · log n). The C++ driver runs the same loops on
// mdds.
type Loops struct {
	rows    Row
	heights *fst.Tree[Row, uint16]
	hidden  *fst.Tree[Row, bool]
}

// NewLoops returns the initial sheet of s.
func NewLoops(s *Script) *Loops {
	l := &Loops{rows: s.Rows}
	l.heights = must(fst.New(0, s.Rows, DefaultHeight))
	l.hidden = must(fst.New(0, s.Rows, false))
	for _, r := range s.Heights {
		must(l.heights.Insert(Row(r.Start), Row(r.End), uint16(r.Value)))
	}
	for _, r := range s.Hidden {
		must(l.hidden.Insert(Row(r.Start), Row(r.End), r.Value != 0))
	}
	return l
}

// must returns v, and panics on an error: a script only holds valid edits,
// so an error is a bug of this package or of fst.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func check(err error) {
	if err != nil {
		panic(err)
	}
}

func (l *Loops) SumHeights(a, b Row) int64 {
	var sum int64
	for a < b {
		seg, _ := l.heights.Search(a)
		e := min(seg.End, b)
		sum += int64(seg.Value) * int64(e-a)
		a = e
	}
	return sum
}

func (l *Loops) RowOffset(r Row) int64 {
	var y int64
	for row := Row(0); row < r; {
		seg, _ := l.hidden.Search(row)
		e := min(seg.End, r)
		if !seg.Value {
			y += l.SumHeights(row, e)
		}
		row = e
	}
	return y
}

func (l *Loops) RowAtHeight(y int64) Row {
	var top int64
	for row := Row(0); row < l.rows; {
		hid, _ := l.hidden.Search(row)
		if hid.Value {
			row = hid.End
			continue
		}
		h, _ := l.heights.Search(row)
		last := min(hid.End, h.End)
		px := int64(h.Value) * int64(last-row)
		if top+px > y {
			return row + Row((y-top)/int64(h.Value))
		}
		top += px
		row = last
	}
	return -1
}

func (l *Loops) VisibleCount(a, b Row) Row {
	var n Row
	for a < b {
		seg, _ := l.hidden.Search(a)
		e := min(seg.End, b)
		if !seg.Value {
			n += e - a
		}
		a = e
	}
	return n
}

func (l *Loops) NextVisible(r Row) Row {
	for r < l.rows {
		seg, _ := l.hidden.Search(r)
		if !seg.Value {
			return r
		}
		r = seg.End
	}
	return -1
}

func (l *Loops) PrevVisible(r Row) Row {
	for r >= 0 {
		seg, _ := l.hidden.Search(r)
		if !seg.Value {
			return r
		}
		r = seg.Start - 1
	}
	return -1
}

// InsertRows shifts the heights without and the hidden rows with
// skipStartNode, as Calc does, then gives the new rows the default height
// and shows them.
func (l *Loops) InsertRows(pos, n Row) {
	end := Row(min(int64(pos)+int64(n), int64(l.rows)))
	check(l.heights.ShiftRight(pos, n, false))
	check(l.hidden.ShiftRight(pos, n, true))
	must(l.heights.Insert(pos, end, DefaultHeight))
	must(l.hidden.Insert(pos, end, false))
}

func (l *Loops) DeleteRows(a, b Row) {
	check(l.heights.ShiftLeft(a, b))
	check(l.hidden.ShiftLeft(a, b))
}

func (l *Loops) SetHidden(a, b Row, hidden bool) { must(l.hidden.Insert(a, b, hidden)) }

func (l *Loops) SetHeight(a, b Row, h uint16) { must(l.heights.Insert(a, b, h)) }
