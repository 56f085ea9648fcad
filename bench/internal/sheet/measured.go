package sheet

import "github.com/flatseg/flatseg/fst"

// rowValue is what one row holds: its height and whether it is hidden.
type rowValue struct {
	H      uint16
	Hidden bool
}

// rowSummary sums a run of rows.
type rowSummary struct {
	H       int64 // heights of the visible rows
	Visible int64 // visible rows
	All     int64 // heights of all rows
}

// rowMeasure is the fst.Measure of a sheet's rows.
type rowMeasure struct{}

func (rowMeasure) Of(v rowValue, n Row) rowSummary {
	all := int64(v.H) * int64(n)
	if v.Hidden {
		return rowSummary{All: all}
	}
	return rowSummary{H: all, Visible: int64(n), All: all}
}

func (rowMeasure) Combine(a, b rowSummary) rowSummary {
	return rowSummary{H: a.H + b.H, Visible: a.Visible + b.Visible, All: a.All + b.All}
}

// rowMeasure is also an fst.Folder: a leaf's run of segments and a node's
// running summaries in one call each, with the loops inlined.
var _ fst.Folder[Row, rowValue, rowSummary] = rowMeasure{}

func (rowMeasure) Fold(vals []rowValue, starts []Row, end Row) rowSummary {
	var s rowSummary
	last := len(starts) - 1
	for i, v := range vals[:last+1] {
		e := end
		if i < last {
			e = starts[i+1]
		}
		n := int64(e - starts[i])
		all := int64(v.H) * n
		s.All += all
		if !v.Hidden {
			s.H += all
			s.Visible += n
		}
	}
	return s
}

func (rowMeasure) Prefixes(ms []rowSummary) {
	for i := 1; i < len(ms); i++ {
		ms[i] = rowSummary{H: ms[i-1].H + ms[i].H, Visible: ms[i-1].Visible + ms[i].Visible, All: ms[i-1].All + ms[i].All}
	}
}

func (rowMeasure) Suffixes(ms []rowSummary) {
	for i := len(ms) - 2; i >= 0; i-- {
		ms[i] = rowSummary{H: ms[i].H + ms[i+1].H, Visible: ms[i].Visible + ms[i+1].Visible, All: ms[i].All + ms[i+1].All}
	}
}

// Measured is a sheet in one fst.Measured tree whose values are a row's
// height and hidden flag, and whose measure sums the heights of visible
// rows, the visible rows and all heights: every question is one O(log n)
// Measure, Seek or SeekBackward.
type Measured struct {
	rows Row
	t    *fst.Measured[Row, rowValue, rowSummary]
}

// NewMeasured returns the initial sheet of s.
func NewMeasured(s *Script) *Measured {
	m := &Measured{rows: s.Rows, t: must(fst.NewMeasured(0, s.Rows, rowValue{H: DefaultHeight}, rowMeasure{}))}
	for _, r := range s.Heights {
		m.SetHeight(Row(r.Start), Row(r.End), uint16(r.Value))
	}
	for _, r := range s.Hidden {
		m.SetHidden(Row(r.Start), Row(r.End), r.Value != 0)
	}
	return m
}

// measure returns the summary of [a, b), zero when the range is empty.
func (m *Measured) measure(a, b Row) rowSummary { return m.t.Measure(a, b) }

func (m *Measured) RowOffset(r Row) int64 { return m.measure(0, r).H }

func (m *Measured) RowAtHeight(y int64) Row {
	end, _, ok := m.t.Seek(0, func(s rowSummary) bool { return s.H > y })
	if !ok {
		return -1
	}
	return end - 1
}

func (m *Measured) VisibleCount(a, b Row) Row { return Row(m.measure(a, b).Visible) }

func (m *Measured) NextVisible(r Row) Row {
	end, _, ok := m.t.Seek(r, func(s rowSummary) bool { return s.Visible > 0 })
	if !ok {
		return -1
	}
	return end - 1
}

func (m *Measured) PrevVisible(r Row) Row {
	start, _, ok := m.t.SeekBackward(r+1, func(s rowSummary) bool { return s.Visible > 0 })
	if !ok {
		return -1
	}
	return start
}

func (m *Measured) SumHeights(a, b Row) int64 { return m.measure(a, b).All }

func (m *Measured) InsertRows(pos, n Row) {
	end := Row(min(int64(pos)+int64(n), int64(m.rows)))
	check(m.t.ShiftRight(pos, n, false))
	must(m.t.Insert(pos, end, rowValue{H: DefaultHeight}))
}

func (m *Measured) DeleteRows(a, b Row) { check(m.t.ShiftLeft(a, b)) }

func (m *Measured) SetHidden(a, b Row, hidden bool) {
	must(m.t.Apply(a, b, func(v rowValue) rowValue { v.Hidden = hidden; return v }))
}

func (m *Measured) SetHeight(a, b Row, h uint16) {
	must(m.t.Apply(a, b, func(v rowValue) rowValue { v.H = h; return v }))
}
