package sheet

// Sheet answers the questions and takes the edits of a script. Every Go
// way is one; the mdds way runs in the C++ driver.
type Sheet interface {
	// RowOffset returns the sum of the heights of the visible rows of
	// [0, r), for r in [0, rows].
	RowOffset(r Row) int64
	// RowAtHeight returns the visible row r with RowOffset(r) <= y <
	// RowOffset(r) + its height, or -1 when y is past the last visible row.
	RowAtHeight(y int64) Row
	// VisibleCount returns how many rows of [a, b) are visible.
	VisibleCount(a, b Row) Row
	// NextVisible returns the first visible row at or after r, or -1.
	NextVisible(r Row) Row
	// PrevVisible returns the last visible row at or before r, or -1.
	PrevVisible(r Row) Row
	// SumHeights returns the sum of the heights of the rows of [a, b),
	// hidden or not.
	SumHeights(a, b Row) int64

	// InsertRows inserts n rows at pos, of the default height and
	// visible; the last n rows drop off the end.
	InsertRows(pos, n Row)
	// DeleteRows removes the rows [a, b); rows of the default height,
	// visible, come in at the end.
	DeleteRows(a, b Row)
	// SetHidden hides or shows the rows [a, b).
	SetHidden(a, b Row, hidden bool)
	// SetHeight sets the height of the rows [a, b).
	SetHeight(a, b Row, h uint16)
}

// Model is a sheet as two plain slices, one entry per row: the tests'
// oracle, and what [Generate] uses to pick pixel heights inside the sheet.
// Every question is a loop over rows. Its methods are those of [Sheet].
type Model struct {
	h      []uint16
	hidden []bool
}

// NewModel returns a sheet of rows rows of the default height, all visible.
func NewModel(rows Row) *Model {
	m := &Model{h: make([]uint16, rows), hidden: make([]bool, rows)}
	for i := range m.h {
		m.h[i] = DefaultHeight
	}
	return m
}

// Model returns the initial sheet of s as a [Model].
func (s *Script) Model() *Model {
	m := NewModel(s.Rows)
	for _, r := range s.Heights {
		m.SetHeight(Row(r.Start), Row(r.End), uint16(r.Value))
	}
	for _, r := range s.Hidden {
		m.SetHidden(Row(r.Start), Row(r.End), r.Value != 0)
	}
	return m
}

func (m *Model) RowOffset(r Row) int64 {
	var y int64
	for i := range r {
		if !m.hidden[i] {
			y += int64(m.h[i])
		}
	}
	return y
}

func (m *Model) RowAtHeight(y int64) Row {
	var top int64
	for i, h := range m.h {
		if m.hidden[i] {
			continue
		}
		if top += int64(h); top > y {
			return Row(i)
		}
	}
	return -1
}

func (m *Model) VisibleCount(a, b Row) Row {
	var n Row
	for _, hid := range m.hidden[a:b] {
		if !hid {
			n++
		}
	}
	return n
}

func (m *Model) NextVisible(r Row) Row {
	for i := int(r); i < len(m.hidden); i++ {
		if !m.hidden[i] {
			return Row(i)
		}
	}
	return -1
}

func (m *Model) PrevVisible(r Row) Row {
	for i := int(r); i >= 0; i-- {
		if !m.hidden[i] {
			return Row(i)
		}
	}
	return -1
}

func (m *Model) SumHeights(a, b Row) int64 {
	var s int64
	for _, h := range m.h[a:b] {
		s += int64(h)
	}
	return s
}

func (m *Model) InsertRows(pos, n Row) {
	n = min(n, Row(len(m.h))-pos)
	copy(m.h[pos+n:], m.h[pos:])
	copy(m.hidden[pos+n:], m.hidden[pos:])
	m.SetHeight(pos, pos+n, DefaultHeight)
	m.SetHidden(pos, pos+n, false)
}

func (m *Model) DeleteRows(a, b Row) {
	end := Row(len(m.h))
	copy(m.h[a:], m.h[b:])
	copy(m.hidden[a:], m.hidden[b:])
	m.SetHeight(end-(b-a), end, DefaultHeight)
	m.SetHidden(end-(b-a), end, false)
}

func (m *Model) SetHidden(a, b Row, hidden bool) {
	for i := a; i < b; i++ {
		m.hidden[i] = hidden
	}
}

func (m *Model) SetHeight(a, b Row, h uint16) {
	for i := a; i < b; i++ {
		m.h[i] = h
	}
}
