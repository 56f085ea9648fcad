package readers

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/flatseg/flatseg/bench/internal/compare"
)

// Columns are the heads of the table that [Results.WriteMarkdown] writes,
// after the case's ID and label.
var Columns = []string{"commits/s", "late p50", "late p99", "late max", "service p50", "service p99", "service max", "searches/s"}

// WriteMarkdown writes the machine, the parameters and one table row per
// case: the medians over the runs.
func (r *Results) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	cfg := r.Config
	fmt.Fprintf(&b, "# Readers and a paced writer sharing the CPUs\n\n")
	if cfg.Command != "" {
		fmt.Fprintf(&b, "`%s` on ", cfg.Command)
	}
	fmt.Fprintf(&b, "%s, %d CPUs, GOMAXPROCS %d, %s; %s (%s).\n\n", orUnknown(r.CPU), r.CPUs, r.Procs, orUnknown(r.OS), r.Go, r.Date)
	fmt.Fprintf(&b, "A Store of %d segments (int64 keys); one writer scheduled at %s commits/s, each commit one random Insert; "+
		"readers search random keys, %d per snapshot (and per semaphore slot held). "+
		"Each case ran %d times for %s, interleaved; every figure is the median over the runs. "+
		"late: from the commit's scheduled start to the end of Update (lateness counts); service: inside Update.\n\n",
		cfg.Segments, fmtRate(cfg.Rate), cfg.Batch, cfg.Runs, cfg.Duration)
	b.WriteString("| case | configuration | " + strings.Join(Columns, " | ") + " |\n")
	b.WriteString("|---|---|" + strings.Repeat("---:|", len(Columns)) + "\n")
	for _, c := range r.Cases {
		m := c.Median
		cells := []string{fmtRate(m.CommitsPS), fmtDur(m.Late.P50), fmtDur(m.Late.P99), fmtDur(m.Late.Max),
			fmtDur(m.Service.P50), fmtDur(m.Service.P99), fmtDur(m.Service.Max), "–"}
		if c.Readers > 0 {
			cells[len(cells)-1] = fmtRate(m.SearchesPS)
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", c.Case, c.Label, strings.Join(cells, " | "))
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

// fmtDur formats d with three significant digits ("–" for none).
func fmtDur(d time.Duration) string { return compare.FormatNs(float64(d)) }

// fmtRate formats a rate per second with thousands separators, or with
// three significant digits and M from a million on.
func fmtRate(v float64) string {
	if v >= 1e6 {
		return sig3(v/1e6) + " M"
	}
	s := fmt.Sprintf("%.0f", v)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// sig3 formats v ≥ 1 with three significant digits, as compare.FormatNs does.
func sig3(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2f", v)
}
