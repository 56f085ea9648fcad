package sheet

import "time"

// Way is one way of keeping a sheet and answering its questions.
type Way struct {
	ID, Label string
	Color     string // #rrggbb, for the plot
	Ours      bool   // drawn solid; the others dashed
	Doc       string // Markdown, for the report's list of ways
	// New returns the initial sheet of a script; nil for the mdds way,
	// which runs in the C++ driver.
	New func(*Script) Sheet
}

// MddsWay is mdds with Calc's loops, in the C++ driver.
var MddsWay = Way{ID: "mdds", Label: "mdds + Calc's loops", Color: "#7f7f7f", Doc: "two `mdds::flat_segment_tree`s " +
	"(`<int32_t, uint16_t>` and `<int32_t, bool>`, as Calc's `ScFlatUInt16RowSegments` and `ScFlatBoolRowSegments`) " +
	"in a C++ driver, answering with loops shaped like Calc's (`GetRowHeight` with hidden rows as zero over " +
	"`getSumValue`, `GetRowForHeight`, `CountVisibleRows`, `FirstVisibleRow`, `LastVisibleRow`): hop from segment " +
	"to segment, one `search_tree` per hop. Writes pass the last write's position as `insert`'s hint, as Calc's " +
	"`setValue` does. After a round's edits both search trees are rebuilt, as Calc's next search would; that " +
	"`build_tree` is timed on its own row."}

// goWays are the ways that run in this process.
var goWays = []Way{
	{ID: "fst-loops", Label: "fst.Tree + Calc's loops", Color: "#1f77b4", Ours: true,
		Doc: "the same two trees as `fst.Tree`s and the same loops in Go, one `Search` per hop.",
		New: func(s *Script) Sheet { return NewLoops(s) }},
	{ID: "fst-measured", Label: "fst.Measured, one call", Color: "#d62728", Ours: true,
		Doc: "one tree whose value is a row's height and hidden flag, measured by (heights of visible rows, " +
			"visible rows, all heights); each question is one `Measure`, `Seek` or `SeekBackward`. Inserting rows " +
			"is one `ShiftRight` and one `Insert`, deleting one `ShiftLeft`, and hiding, showing or resizing a run " +
			"one `Apply`.",
		New: func(s *Script) Sheet { return NewMeasured(s) }},
}

// GoWays returns the ways that run in this process.
func GoWays() []Way { return goWays }

// Ways returns every way: mdds, then the Go ways.
func Ways() []Way { return append([]Way{MddsWay}, goWays...) }

func wayByID(id string) (Way, bool) {
	for _, w := range Ways() {
		if w.ID == id {
			return w, true
		}
	}
	return Way{}, false
}

// ask answers the questions qs of kind q into out.
func ask(sh Sheet, q Question, qs []Args, out []int64) {
	switch q {
	case RowOffset:
		for i, x := range qs {
			out[i] = sh.RowOffset(Row(x.A))
		}
	case RowAtHeight:
		for i, x := range qs {
			out[i] = int64(sh.RowAtHeight(x.A))
		}
	case VisibleCount:
		for i, x := range qs {
			out[i] = int64(sh.VisibleCount(Row(x.A), Row(x.B)))
		}
	case NextVisible:
		for i, x := range qs {
			out[i] = int64(sh.NextVisible(Row(x.A)))
		}
	case PrevVisible:
		for i, x := range qs {
			out[i] = int64(sh.PrevVisible(Row(x.A)))
		}
	case SumHeights:
		for i, x := range qs {
			out[i] = sh.SumHeights(Row(x.A), Row(x.B))
		}
	}
}

// edit applies the edits xs of kind e.
func edit(sh Sheet, e Edit, xs []Args) {
	for _, x := range xs {
		switch e {
		case InsertRows:
			sh.InsertRows(Row(x.A), Row(x.B))
		case DeleteRows:
			sh.DeleteRows(Row(x.A), Row(x.B))
		case HideRun, ShowRun:
			sh.SetHidden(Row(x.A), Row(x.B), e == HideRun)
		case ResizeRun:
			sh.SetHeight(Row(x.A), Row(x.B), uint16(x.C))
		}
	}
}

// Answers holds a way's answers to a script: per round, per question kind,
// one per question.
type Answers [][numQuestions][]int64

// sample is one timed batch: a round's edits or questions of one kind.
type sample struct {
	round int
	kind  string // a Question's or an Edit's ID, or rebuildID
	ns    float64
}

// rebuildID names mdds's build_tree() of both trees after a round's edits.
const rebuildID = "rebuild"

// runGo runs script s on a fresh sheet of way w. Each round's questions of
// one kind are repeated until minTime has passed; the answers are those of
// the last pass.
func runGo(w Way, s *Script, minTime time.Duration) (Answers, []sample) {
	sh := w.New(s)
	ans := make(Answers, len(s.Rounds))
	var out []sample
	for ri, r := range s.Rounds {
		for _, e := range Edits {
			xs := r.Edits[e]
			if len(xs) == 0 {
				continue
			}
			t0 := time.Now()
			edit(sh, e, xs)
			out = append(out, sample{ri, e.ID(), float64(time.Since(t0).Nanoseconds()) / float64(len(xs))})
		}
		for _, q := range Questions {
			qs := r.Questions[q]
			res := make([]int64, len(qs))
			passes := 0
			t0 := time.Now()
			var d time.Duration
			for {
				ask(sh, q, qs, res)
				passes++
				if d = time.Since(t0); d >= minTime {
					break
				}
			}
			ans[ri][q] = res
			out = append(out, sample{ri, q.ID(), float64(d.Nanoseconds()) / float64(passes*max(len(qs), 1))})
		}
	}
	return ans, out
}
