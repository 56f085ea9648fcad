package sheet

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/flatseg/flatseg/bench/internal/compare"
)

// kinds lists the rows of a table: the questions, the edits and mdds's
// rebuild, each with its title.
func kinds() [][2]string {
	var out [][2]string
	for _, q := range Questions {
		out = append(out, [2]string{q.ID(), q.Title()})
	}
	for _, e := range Edits {
		out = append(out, [2]string{e.ID(), e.Title()})
	}
	return append(out, [2]string{rebuildID, "Rebuild the search trees after a round's edits (mdds `build_tree`)"})
}

func (r *Results) cell(way, kind string, rows Row) (Cell, bool) {
	for _, c := range r.Cells {
		if c.Way == way && c.Kind == kind && c.Rows == rows {
			return c, true
		}
	}
	return Cell{}, false
}

func (r *Results) sizes() []Row {
	var out []Row
	for _, c := range r.Cells {
		if !slices.Contains(out, c.Rows) {
			out = append(out, c.Rows)
		}
	}
	slices.Sort(out)
	return out
}

func label(id string) string {
	if w, ok := wayByID(id); ok {
		return w.Label
	}
	return id
}

// Table returns the Markdown table at rows rows: per kind of question and
// edit, each way's median time, and against mdds how many times faster the
// way is (×k).
func (r *Results) Table(rows Row) string {
	var b strings.Builder
	head := []string{"time per answer (edits: per edit), " + compare.SizeLabel(int(rows)) + " rows"}
	for _, w := range r.Ways {
		head = append(head, label(w))
	}
	fmt.Fprintf(&b, "| %s |\n|---%s|\n", strings.Join(head, " | "), strings.Repeat("|---:", len(r.Ways)))
	for _, k := range kinds() {
		row := []string{k[1]}
		seen := false
		base, hasBase := r.cell(MddsWay.ID, k[0], rows)
		for _, w := range r.Ways {
			c, ok := r.cell(w, k[0], rows)
			if !ok {
				row = append(row, "–")
				continue
			}
			seen = true
			t := compare.FormatNs(c.Ns)
			if hasBase && w != MddsWay.ID {
				t += " (" + compare.FormatRatio(base.Ns/c.Ns) + ")"
			}
			row = append(row, t)
		}
		if seen {
			fmt.Fprintf(&b, "| %s |\n", strings.Join(row, " | "))
		}
	}
	return b.String()
}

// Charts returns one log-log chart per question and edit kind: the time
// per answer (or edit) of each way against the number of rows.
func (r *Results) Charts() []compare.Chart {
	var out []compare.Chart
	for _, k := range kinds() {
		c := compare.Chart{Title: k[1], XLabel: "rows", YLabel: "time per answer", YFormat: compare.TimeDecade}
		if k[0] == rebuildID {
			c.YLabel = "time per rebuild"
		} else if !slices.ContainsFunc(Questions, func(q Question) bool { return q.ID() == k[0] }) {
			c.YLabel = "time per edit"
		}
		for _, id := range r.Ways {
			var ps []compare.Point
			for _, cl := range r.Cells {
				if cl.Way == id && cl.Kind == k[0] {
					ps = append(ps, compare.Point{X: float64(cl.Rows), Y: cl.Ns})
				}
			}
			if len(ps) == 0 {
				continue
			}
			w, _ := wayByID(id)
			slices.SortFunc(ps, func(a, b compare.Point) int { return cmp.Compare(a.X, b.X) })
			c.Series = append(c.Series, compare.Series{Name: w.Label, Color: w.Color, Dashed: !w.Ours, Points: ps})
		}
		if len(c.Series) > 0 {
			out = append(out, c)
		}
	}
	return out
}

// WriteMarkdown writes the report: the machine, the command, what each way
// is, the table at each size (largest first) and the plot.
func (r *Results) WriteMarkdown(w io.Writer, svg string) error {
	m := r.Meta
	var b strings.Builder
	b.WriteString("# The spreadsheet workload: Calc's questions, three ways\n\n")
	fmt.Fprintf(&b, "Measured with `%s` on %s, %d CPUs, %s; %s", m.Command, orUnknown(m.CPU), m.CPUs, m.OS, m.Go)
	if m.Toolchain != "" {
		fmt.Fprintf(&b, "; C++: %s", m.Toolchain)
	}
	fmt.Fprintf(&b, " (%s). Seed %d; each round's questions of one kind are repeated for at least %s, and each cell is the median over the rounds.\n\n", m.Date, m.Seed, m.MinTime)
	for _, n := range m.Notes {
		fmt.Fprintf(&b, "Note: %s\n\n", n)
	}
	b.WriteString(`A sheet keeps row heights (uint16 per row, 256 by default) and hidden rows
(bool), as LibreOffice Calc does. The script of each size sets random runs of
other heights and of hidden rows, then runs rounds: edits (rows inserted and
deleted, runs hidden, shown and resized; none before the first round), then
questions of every kind. Every way answers every question; the command checks
that all answers agree and fails otherwise. The ways run one after another on
the same machine; on a machine shared with other work single cells move by
tens of percent between runs, so read the ratios as orders of magnitude.

`)
	for _, id := range r.Ways {
		if w, ok := wayByID(id); ok {
			fmt.Fprintf(&b, "- **%s**: %s\n", w.Label, w.Doc)
		}
	}
	b.WriteString("\n(×k): k times faster than mdds with Calc's loops.\n\n")
	for _, s := range m.Scripts {
		fmt.Fprintf(&b, "- %s\n", s)
	}
	b.WriteString("\n")
	sizes := r.sizes()
	for i := len(sizes) - 1; i >= 0; i-- {
		b.WriteString(r.Table(sizes[i]))
		b.WriteString("\n")
	}
	if svg != "" {
		fmt.Fprintf(&b, "![time per answer against rows, log-log](%s)\n", svg)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// WriteDir writes sheet.md, sheet.json and sheet.svg into dir.
func (r *Results) WriteDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var md strings.Builder
	if err := r.WriteMarkdown(&md, "sheet.svg"); err != nil {
		return err
	}
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	var svg strings.Builder
	if err := compare.WriteGrid(&svg, r.Charts(), 2); err != nil {
		return err
	}
	for name, data := range map[string]string{"sheet.md": md.String(), "sheet.json": string(js) + "\n", "sheet.svg": svg.String()} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			return err
		}
	}
	return nil
}
