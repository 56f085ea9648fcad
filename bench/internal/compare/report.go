package compare

import (
	"bufio"
	_ "embed"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/template"
)

// The prose of the report and of its README summary; the figures come from
// tables.go and charts.go.
var (
	//go:embed report.md.tmpl
	reportText string
	//go:embed summary.md.tmpl
	summaryText string

	funcs = template.FuncMap{
		"size":    SizeLabel,
		"rate":    rate,
		"unknown": orUnknown,
	}
	reportTmpl  = template.Must(template.New("report").Funcs(funcs).Parse(reportText))
	summaryTmpl = template.Must(template.New("summary").Funcs(funcs).Parse(summaryText))
)

// view is what the templates see: the results, the largest size and, for
// the summary, the results directory relative to the repository root.
type view struct {
	*Results
	N   int
	Dir string
}

func (r *Results) view(dir string) view {
	v := view{Results: r, Dir: dir}
	if ns := r.sizes(); len(ns) > 0 {
		v.N = ns[len(ns)-1]
	}
	return v
}

// Stride and SkipFactor, for the prose.
func (view) Stride() int     { return Stride }
func (view) SkipFactor() int { return SkipFactor }

// implDoc is one item of the report's list of implementations.
type implDoc struct{ Label, Doc string }

// Impls describes the implementations the results hold.
func (v view) Impls() []implDoc {
	var out []implDoc
	for _, im := range Impls {
		in := func(id string) bool { return id == im.ID }
		measured := slices.ContainsFunc(v.Cells, func(c Cell) bool { return in(c.Impl) }) ||
			slices.ContainsFunc(v.Results.Memory, func(m Memory) bool { return in(m.Impl) })
		if im.Doc != "" && measured {
			out = append(out, implDoc{Label(im.ID, v.Meta.Batch), withBatch(im.Doc, v.Meta.Batch)})
		}
	}
	return out
}

// section is one workload's part of the report.
type section struct {
	Workload
	Table string
}

// Sections returns the workloads the results hold, with their tables.
func (v view) Sections() []section {
	var out []section
	for _, wl := range Workloads {
		if len(v.implsOf(wl.Name)) > 0 {
			out = append(out, section{wl, v.workloadTable(wl)})
		}
	}
	return out
}

// The tables and lists the templates insert, at the largest n where a table
// has one size.
func (v view) Claims() string          { return v.claimsTable(v.N) }
func (v view) NotAhead() []string      { return v.notAhead(v.N) }
func (v view) Skipped() []string       { return v.skipped() }
func (v view) MemoryTable() string     { return v.memoryTable() }
func (v view) ThroughputTable() string { return v.throughputTable() }
func (v view) SummaryTable() string    { return v.summaryTable(v.N) }

// WriteMarkdown writes the report.
func (r *Results) WriteMarkdown(w io.Writer) error {
	bw := bufio.NewWriter(w)
	if err := reportTmpl.Execute(bw, r.view("")); err != nil {
		return err
	}
	return bw.Flush()
}

// WriteSummary writes the README section: machine, command, one table of
// every workload at the largest n, the rows where fst.Tree is not ahead,
// the ratios against mdds and the main plot. Links are relative to the
// repository root, where dir is the results directory.
func (r *Results) WriteSummary(w io.Writer, dir string) error {
	bw := bufio.NewWriter(w)
	if err := summaryTmpl.Execute(bw, r.view(dir)); err != nil {
		return err
	}
	return bw.Flush()
}

// WriteDir writes results.md, summary.md, results.json and the SVG plots
// into dir. rel is dir relative to the repository root, for the links of
// summary.md.
func (r *Results) WriteDir(dir, rel string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	write := func(name string, f func(io.Writer) error) error {
		var b strings.Builder
		if err := f(&b); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, name), []byte(b.String()), 0o644)
	}
	if err := write("results.md", r.WriteMarkdown); err != nil {
		return err
	}
	if err := write("summary.md", func(w io.Writer) error { return r.WriteSummary(w, filepath.ToSlash(rel)) }); err != nil {
		return err
	}
	if err := write("results.json", func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}); err != nil {
		return err
	}
	charts := r.Charts()
	var overview []Chart
	for _, wl := range Workloads {
		if c, ok := charts[wl.Name]; ok {
			overview = append(overview, c)
		}
	}
	if err := write("overview.svg", func(w io.Writer) error { return WriteGrid(w, overview, 2) }); err != nil {
		return err
	}
	for name, c := range charts {
		if err := write(name+".svg", c.WriteSVG); err != nil {
			return err
		}
	}
	return nil
}
