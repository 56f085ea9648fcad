// Package sheet measures the questions LibreOffice Calc asks of a sheet's
// row heights and hidden rows, answered three ways: mdds::flat_segment_tree
// with Calc's loops (a C++ driver), fst.Tree with the same loops in Go, and
// one fst.Measured tree answering each question with one O(log n) call.
//
// Calc keeps per sheet one flat segment tree of row heights (uint16 per
// row) and one of hidden rows (bool), and answers "where is row r on
// screen", "which row is at pixel y", "how many rows of [a, b) are visible"
// and "which is the next visible row" with loops that hop from segment to
// segment, a tree search per hop. A [Script] is one such sheet: its rows,
// its initial runs of heights and hidden rows, and rounds of edits
// (inserted and deleted rows, hidden and shown runs, resized runs) each
// followed by questions of every kind. Every way runs the same script; the
// runner checks that all of them give the same answers.
package sheet

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Row is a row number, as Calc's SCROW.
type Row = int32

// DefaultHeight is the height of a row nobody resized, and of inserted rows.
const DefaultHeight uint16 = 256

// Question is a kind of question the UI asks.
type Question int

// The questions, in the order of the script and the tables.
const (
	RowOffset    Question = iota // A = r: the pixel y of row r, the heights of the visible rows of [0, r)
	RowAtHeight                  // A = y: the visible row holding pixel y, -1 past the last
	VisibleCount                 // [A, B): how many of its rows are visible
	NextVisible                  // A = r: the first visible row at or after r, -1 if none
	PrevVisible                  // A = r: the last visible row at or before r, -1 if none
	SumHeights                   // [A, B): the heights of all its rows, hidden or not
	numQuestions
)

// Questions lists every question kind.
var Questions = []Question{RowOffset, RowAtHeight, VisibleCount, NextVisible, PrevVisible, SumHeights}

var questionInfo = [numQuestions]struct{ id, title string }{
	{"row-offset", "Row offset (pixel y of row r)"},
	{"row-at-height", "Row at pixel height y"},
	{"visible-count", "Visible rows in [a, b)"},
	{"next-visible", "Next visible row at or after r"},
	{"prev-visible", "Previous visible row at or before r"},
	{"sum-heights", "Sum of heights in [a, b), hidden or not"},
}

// ID is the question's short name (row-offset, ...).
func (q Question) ID() string { return questionInfo[q].id }

// Title is the question in words.
func (q Question) Title() string { return questionInfo[q].title }

// Edit is a kind of edit between rounds.
type Edit int

// The edits, in the order each round applies them (all edits of one kind,
// then the next kind).
const (
	InsertRows Edit = iota // A = pos, B = count: ShiftRight both trees; the new rows have the default height and are visible
	DeleteRows             // [A, B): ShiftLeft both trees
	HideRun                // [A, B) hidden
	ShowRun                // [A, B) visible
	ResizeRun              // [A, B) takes height C
	numEdits
)

// Edits lists every edit kind.
var Edits = []Edit{InsertRows, DeleteRows, HideRun, ShowRun, ResizeRun}

var editInfo = [numEdits]struct{ id, title string }{
	{"insert-rows", "Insert rows"},
	{"delete-rows", "Delete rows"},
	{"hide-run", "Hide a run of rows"},
	{"show-run", "Show a run of rows"},
	{"resize-run", "Resize a run of rows"},
}

// ID is the edit's short name (insert-rows, ...).
func (e Edit) ID() string { return editInfo[e].id }

// Title is the edit in words.
func (e Edit) Title() string { return editInfo[e].title }

// Args are the arguments of one question or edit; what they mean depends on
// its kind.
type Args struct{ A, B, C int64 }

// Span sets the rows [Start, End) to Value: a height, or 1 for hidden.
type Span struct{ Start, End, Value int64 }

// Round is what happens between two screenfuls: the edits, then the
// questions.
type Round struct {
	Edits     [numEdits][]Args
	Questions [numQuestions][]Args
}

// Script is one sheet and what is done to it.
type Script struct {
	Rows    Row
	Heights []Span // applied in order to a sheet of DefaultHeight rows
	Hidden  []Span // applied in order to a sheet of visible rows
	Rounds  []Round
}

// Size says how big a script is.
type Size struct {
	Rows      Row
	Runs      int // random runs of heights, and as many of hidden rows
	Rounds    int // the first has no edits
	Questions int // of each kind per round
	Edits     int // of each kind per round, from the second round on
}

// NewSize returns the default size for rows: a run of other heights and a
// hidden run per 100 rows, 7 rounds of 256 questions and 16 edits of each
// kind.
func NewSize(rows Row) Size {
	return Size{Rows: rows, Runs: max(int(rows)/100, 1), Rounds: 7, Questions: 256, Edits: 16}
}

// Generate returns the script of size sz for seed. It keeps a [Model] of
// the sheet, so that the pixel heights it asks about fall mostly inside the
// sheet (one in 32 lies past its end).
func Generate(sz Size, seed uint64) (*Script, error) {
	if sz.Rows < 2 || sz.Runs < 0 || sz.Rounds < 1 || sz.Questions < 1 || sz.Edits < 0 {
		return nil, fmt.Errorf("sheet: bad size %+v", sz)
	}
	rng := rand.New(rand.NewPCG(seed, 0x5eed5eed))
	n := int64(sz.Rows)
	s := &Script{Rows: sz.Rows}
	run := func(maxLen int64) (int64, int64) {
		a := rng.Int64N(n)
		return a, min(n, a+1+rng.Int64N(maxLen))
	}
	for range sz.Runs {
		a, b := run(200)
		h := height(rng)
		s.Heights = append(s.Heights, Span{a, b, int64(h)})
	}
	for range sz.Runs {
		a, b := run(200)
		s.Hidden = append(s.Hidden, Span{a, b, 1})
	}
	m := s.Model()
	pair := func() Args {
		a, b := rng.Int64N(n+1), rng.Int64N(n+1)
		if a > b {
			a, b = b, a
		}
		if a == b {
			if b < n {
				b++
			} else {
				a--
			}
		}
		return Args{A: a, B: b}
	}
	for i := range sz.Rounds {
		var r Round
		if i > 0 {
			for range sz.Edits {
				pos, cnt := rng.Int64N(n), 1+rng.Int64N(64)
				r.Edits[InsertRows] = append(r.Edits[InsertRows], Args{A: pos, B: cnt})
				m.InsertRows(Row(pos), Row(cnt))
			}
			for range sz.Edits {
				a, b := run(64)
				r.Edits[DeleteRows] = append(r.Edits[DeleteRows], Args{A: a, B: b})
				m.DeleteRows(Row(a), Row(b))
			}
			for _, e := range []Edit{HideRun, ShowRun} {
				for range sz.Edits {
					a, b := run(256)
					r.Edits[e] = append(r.Edits[e], Args{A: a, B: b})
					m.SetHidden(Row(a), Row(b), e == HideRun)
				}
			}
			for range sz.Edits {
				a, b := run(256)
				h := height(rng)
				r.Edits[ResizeRun] = append(r.Edits[ResizeRun], Args{A: a, B: b, C: int64(h)})
				m.SetHeight(Row(a), Row(b), h)
			}
		}
		total := m.RowOffset(sz.Rows)
		for range sz.Questions {
			r.Questions[RowOffset] = append(r.Questions[RowOffset], Args{A: rng.Int64N(n + 1)})
			y := rng.Int64N(max(total, 1))
			if rng.IntN(32) == 0 {
				y = total + rng.Int64N(1000)
			}
			r.Questions[RowAtHeight] = append(r.Questions[RowAtHeight], Args{A: y})
			r.Questions[VisibleCount] = append(r.Questions[VisibleCount], pair())
			r.Questions[NextVisible] = append(r.Questions[NextVisible], Args{A: rng.Int64N(n)})
			r.Questions[PrevVisible] = append(r.Questions[PrevVisible], Args{A: rng.Int64N(n)})
			r.Questions[SumHeights] = append(r.Questions[SumHeights], pair())
		}
		s.Rounds = append(s.Rounds, r)
	}
	return s, nil
}

// height returns a random row height other than the default, 1 to 2000
// pixels.
func height(rng *rand.Rand) uint16 {
	for {
		if h := uint16(1 + rng.IntN(2000)); h != DefaultHeight {
			return h
		}
	}
}

// String summarises the script.
func (s *Script) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d rows, %d height runs, %d hidden runs, %d rounds", s.Rows, len(s.Heights), len(s.Hidden), len(s.Rounds))
	return b.String()
}
