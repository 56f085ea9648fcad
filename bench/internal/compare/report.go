package compare

import (
	"bufio"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/flatseg/flatseg/bench/internal/plot"
)

// Meta describes the machine and the run.
type Meta struct {
	Command    string   `json:"command"`
	Date       string   `json:"date"`
	CPU        string   `json:"cpu"`
	CPUs       int      `json:"cpus"`
	GOMAXPROCS int      `json:"gomaxprocs"`
	OS         string   `json:"os"`
	Go         string   `json:"go"`
	Toolchain  string   `json:"toolchain,omitempty"` // C++ compiler and mdds
	Seed       uint64   `json:"seed"`
	Stream     int      `json:"stream"`
	Budget     string   `json:"budget"`
	Batch      int      `json:"batch"`
	Readers    int      `json:"readers"`
	TputFor    string   `json:"throughput_duration"`
	WriteRate  float64  `json:"write_rate"`
	Notes      []string `json:"notes,omitempty"`
}

func collectMeta(cfg Config) Meta {
	m := Meta{
		Command: cfg.Command, Date: time.Now().UTC().Format("2006-01-02 15:04 MST"),
		CPUs: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0), Go: runtime.Version(),
		OS: runtime.GOOS + "/" + runtime.GOARCH, Seed: cfg.Seed, Stream: cfg.Stream,
		Budget: cfg.Budget.String(), Batch: cfg.Batch, Readers: cfg.Readers, TputFor: cfg.TputDuration.String(), WriteRate: cfg.WriteRate,
	}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	if out, err := exec.Command("uname", "-sr").Output(); err == nil {
		m.OS = strings.TrimSpace(string(out)) + " " + runtime.GOARCH
	}
	return m
}

// implOrder is the row order of every table.
var implOrder = []string{ImplFst, ImplFstBuild, ImplStore, ImplStoreBatch, ImplRWMutex, ImplRangeMap, ImplMdds, ImplMddsHint, ImplMddsBuild, ImplMddsLeaves}

func implRank(id string) int {
	if i := slices.Index(implOrder, id); i >= 0 {
		return i
	}
	return len(implOrder)
}

// colors keeps one color per implementation across every plot.
var colors = map[string]string{
	ImplFst: "#0072B2", ImplFstBuild: "#56B4E9", ImplStore: "#009E73", ImplStoreBatch: "#7FC9A9",
	ImplRWMutex: "#CC79A7", ImplRangeMap: "#E69F00", ImplMdds: "#D55E00", ImplMddsHint: "#8C3A00",
	ImplMddsBuild: "#F0A070", ImplMddsLeaves: "#F0A070",
}

// FormatNs formats a duration in nanoseconds with three significant digits.
func FormatNs(ns float64) string {
	switch {
	case ns <= 0 || math.IsNaN(ns) || math.IsInf(ns, 0):
		return "–"
	case ns < 1e3:
		return sig3(ns) + " ns"
	case ns < 1e6:
		return sig3(ns/1e3) + " µs"
	case ns < 1e9:
		return sig3(ns/1e6) + " ms"
	}
	return sig3(ns/1e9) + " s"
}

// sig3 formats v with three significant digits (no exponent).
func sig3(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

// FormatRatio formats how many times faster (or smaller) ours is.
func FormatRatio(r float64) string {
	if r <= 0 || math.IsNaN(r) || math.IsInf(r, 0) {
		return "–"
	}
	if r >= 1000 {
		return "×" + groupThousands(fmt.Sprintf("%.0f", r))
	}
	return "×" + sig3(r)
}

func groupThousands(s string) string {
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// SizeLabel formats n as 10ⁿ when it is a power of ten.
func SizeLabel(n int) string {
	if e := math.Log10(float64(n)); e == math.Trunc(e) && n >= 1000 {
		return plot.Decade(float64(n))
	}
	return fmt.Sprint(n)
}

func cellText(c Cell) string {
	if c.Err != "" {
		return "error: " + c.Err
	}
	s := FormatNs(c.Ns)
	if c.Cut() {
		s += fmt.Sprintf(" †%d", c.Calls)
	}
	return s
}

// table is a Markdown table under construction.
type table struct {
	head []string
	rows [][]string
}

func (t *table) write(w io.Writer) {
	fmt.Fprintf(w, "| %s |\n", strings.Join(t.head, " | "))
	sep := make([]string, len(t.head))
	for i := range sep {
		sep[i] = "---"
		if i > 0 {
			sep[i] = "---:"
		}
	}
	fmt.Fprintf(w, "| %s |\n", strings.Join(sep, " | "))
	for _, r := range t.rows {
		fmt.Fprintf(w, "| %s |\n", strings.Join(r, " | "))
	}
}

func (r *Results) sizes() []int {
	var ns []int
	for _, c := range r.Cells {
		if !slices.Contains(ns, c.N) {
			ns = append(ns, c.N)
		}
	}
	slices.Sort(ns)
	return ns
}

func (r *Results) cell(w, impl string, n int) (Cell, bool) {
	for _, c := range r.Cells {
		if c.Workload == w && c.Impl == impl && c.N == n && c.Err == "" {
			return c, true
		}
	}
	return Cell{}, false
}

func (r *Results) implsOf(w string) []string {
	var ids []string
	for _, c := range r.Cells {
		if c.Workload == w && !slices.Contains(ids, c.Impl) {
			ids = append(ids, c.Impl)
		}
	}
	slices.SortFunc(ids, func(a, b string) int { return cmp.Compare(implRank(a), implRank(b)) })
	return ids
}

func (r *Results) memory(impl string, n int) (Memory, bool) {
	for _, m := range r.Memory {
		if m.Impl == impl && m.N == n {
			return m, true
		}
	}
	return Memory{}, false
}

// Target is one of the goals at n = 10⁶.
type Target struct {
	Goal     string
	Workload string // "" for memory
	Base     string // the mdds row compared with
	Min      float64
}

// Targets are the goals the comparison reports on.
var Targets = []Target{
	{"search at least 5× faster than mdds search_tree", "search-random", ImplMdds, 5},
	{"random insert at least 500× faster than mdds", "insert-random", ImplMdds, 500},
	{"random shifts at least 500× faster than mdds", "shift", ImplMdds, 500},
	{"clone at least 1000× faster than mdds copy", "clone", ImplMdds, 1000},
	{"memory per segment at most 1/3 of mdds (with its search tree)", "", ImplMdds, 3},
}

// ratio returns base/ours for workload w (or memory) at n.
func (r *Results) ratio(w, ours, base string, n int) (float64, bool) {
	if w == "" {
		a, ok1 := r.memory(ours, n)
		b, ok2 := r.memory(base, n)
		if !ok1 || !ok2 || a.Bytes <= 0 {
			return 0, false
		}
		return float64(b.Bytes) / float64(a.Bytes), true
	}
	a, ok1 := r.cell(w, ours, n)
	b, ok2 := r.cell(w, base, n)
	if !ok1 || !ok2 || a.Ns <= 0 {
		return 0, false
	}
	return b.Ns / a.Ns, true
}

// WriteMarkdown writes the report.
func (r *Results) WriteMarkdown(w io.Writer) error {
	bw := bufio.NewWriter(w)
	m := r.Meta
	ns := r.sizes()
	fmt.Fprintf(bw, "# flatseg compared with mdds::flat_segment_tree and Go alternatives\n\n")
	fmt.Fprintf(bw, "Produced by `%s` on %s.\n\n", m.Command, m.Date)
	fmt.Fprintf(bw, "- Machine: %s, %d CPUs (GOMAXPROCS %d), %s\n", orUnknown(m.CPU), m.CPUs, m.GOMAXPROCS, m.OS)
	fmt.Fprintf(bw, "- Go: %s; C++: %s\n", m.Go, orUnknown(m.Toolchain))
	fmt.Fprintf(bw, "- Keys and values int64. A tree of n segments spans [0, %d·n); every implementation gets the same segments and the same op streams (seed %d, up to %d ops per stream).\n", Stride, m.Seed, m.Stream)
	fmt.Fprintf(bw, "- Each cell runs its stream in chunks of doubling size and stops after the chunk that passes %s. †k marks a cell that timed only the first k ops of its stream because the budget ran out; O(n)-per-call operations (mdds inserts, shifts and copies; the range map's shifts) get few calls at large n.\n", m.Budget)
	fmt.Fprintf(bw, "- Speed-up ×k: the other implementation takes k times as long per op (k < 1: it is faster).\n")
	for _, note := range m.Notes {
		fmt.Fprintf(bw, "- %s\n", note)
	}
	fmt.Fprintf(bw, "\nImplementations:\n\n")
	fmt.Fprintf(bw, "- **fst.Tree (in place)**: this library's tree, written by one goroutine.\n")
	fmt.Fprintf(bw, "- **Store**: this library's concurrent store. Reads go through Snapshot() (one atomic load); \"commit per op\" makes every write its own Update; \"commit per %d ops\" is one writer batching writes (and reading its own writes) in a Txn.\n", m.Batch)
	fmt.Fprintf(bw, "- **RWMutex + fst.Tree**: what a Go user would write for concurrency: the same tree behind a sync.RWMutex.\n")
	fmt.Fprintf(bw, "- **SortedMap range map**: \"just use a persistent sorted map\": bench/internal/rangemap, segment start → (end, value) in github.com/benbjohnson/immutable's SortedMap; Insert deletes the boundaries it covers, shifts re-insert every later segment.\n")
	fmt.Fprintf(bw, "- **mdds**: mdds::flat_segment_tree<int64_t, int64_t> run by bench/internal/compare/driver/mdds_driver.cpp, timed in C++ with std::chrono::steady_clock on the op streams the Go side wrote.\n")
	fmt.Fprintln(bw)

	if len(ns) > 0 {
		r.writeTargets(bw, ns[len(ns)-1], "##")
	}

	fmt.Fprintf(bw, "## Time per op\n\n![time per op against n](overview.svg)\n\n")
	head := []string{"implementation"}
	for _, n := range ns {
		head = append(head, "n="+SizeLabel(n))
	}
	for _, wl := range Workloads {
		ids := r.implsOf(wl.Name)
		if len(ids) == 0 {
			continue
		}
		unit := "op"
		if wl.Unit == "segment" {
			unit = "segment"
		}
		fmt.Fprintf(bw, "### %s (time per %s)\n\n", wl.Title, unit)
		t := table{head: head}
		for _, id := range ids {
			row := []string{LabelIn(wl.Name, id, m.Batch)}
			for _, n := range ns {
				if c, ok := r.cell(wl.Name, id, n); ok {
					row = append(row, cellText(c))
				} else {
					row = append(row, "–")
				}
			}
			t.rows = append(t.rows, row)
		}
		for _, ours := range []string{ImplFst, ImplStore} {
			if !slices.Contains(ids, ours) {
				continue
			}
			for _, base := range ids {
				if Ours(base) {
					continue
				}
				row := []string{fmt.Sprintf("*speed-up: %s vs %s*", LabelIn(wl.Name, ours, m.Batch), LabelIn(wl.Name, base, m.Batch))}
				for _, n := range ns {
					x, _ := r.ratio(wl.Name, ours, base, n)
					row = append(row, FormatRatio(x))
				}
				t.rows = append(t.rows, row)
			}
		}
		t.write(bw)
		fmt.Fprintf(bw, "\n%s Plot: [%s.svg](%s.svg).\n\n", wl.Note, wl.Name, wl.Name)
	}

	fmt.Fprintf(bw, "## Memory per segment\n\n")
	fmt.Fprintf(bw, "Live heap bytes divided by n, after building n segments by appending them in key order (fst.Build: bulk-loaded). Go: runtime.MemStats.HeapAlloc difference after runtime.GC() with the structure alive; mdds: glibc mallinfo2() in-use bytes (uordblks + hblkhd), malloc headers included. RWMutex + fst.Tree holds the same tree as fst.Tree.\n\n")
	t := table{head: head}
	var memIDs []string
	for _, mm := range r.Memory {
		if !slices.Contains(memIDs, mm.Impl) {
			memIDs = append(memIDs, mm.Impl)
		}
	}
	slices.SortFunc(memIDs, func(a, b string) int { return cmp.Compare(implRank(a), implRank(b)) })
	for _, id := range memIDs {
		row := []string{LabelIn(InMemory, id, m.Batch)}
		for _, n := range ns {
			if mm, ok := r.memory(id, n); ok {
				row = append(row, fmt.Sprintf("%.1f B", mm.PerSegment))
			} else {
				row = append(row, "–")
			}
		}
		t.rows = append(t.rows, row)
	}
	for _, ours := range []string{ImplFst, ImplFstBuild, ImplStore} {
		for _, base := range []string{ImplMdds, ImplMddsLeaves, ImplRangeMap} {
			if !slices.Contains(memIDs, ours) || !slices.Contains(memIDs, base) {
				continue
			}
			row := []string{fmt.Sprintf("*%s / %s*", LabelIn(InMemory, base, m.Batch), LabelIn(InMemory, ours, m.Batch))}
			for _, n := range ns {
				x, _ := r.ratio("", ours, base, n)
				row = append(row, FormatRatio(x))
			}
			t.rows = append(t.rows, row)
		}
	}
	t.write(bw)
	fmt.Fprintf(bw, "\nPlot: [memory.svg](memory.svg).\n\n")

	fmt.Fprintf(bw, "## Reader throughput with and without a writer\n\n")
	pace := "as fast as it can"
	if m.WriteRate > 0 {
		pace = fmt.Sprintf("at up to %s writes/s (paced; the writes/s columns show what it achieved)", rate(m.WriteRate))
	}
	fmt.Fprintf(bw, "%d reader goroutine(s) (threads for mdds) search random keys for %s, alone and with one writer inserting random segments %s. Store: each read takes Snapshot(), each write is one Update. RWMutex: RLock per read, Lock per write. SortedMap range map: an atomic.Pointer to the current version. mdds: a writer-preferring pthread rwlock; the writer calls build_tree() after each insert so readers can use search_tree(); when that takes longer than the pacing interval the writer runs back to back and the readers get about one read per write. fst.Tree alone is not safe with a writer and appears only without one. Reads and writes per second.\n\n", m.Readers, m.TputFor, pace)
	th := []string{"implementation", "writer"}
	for _, n := range ns {
		th = append(th, "reads/s n="+SizeLabel(n))
	}
	for _, n := range ns {
		th = append(th, "writes/s n="+SizeLabel(n))
	}
	t = table{head: th}
	for _, id := range r.tputImpls() {
		for _, writer := range []bool{false, true} {
			row := []string{LabelIn(InThroughput, id, m.Batch), map[bool]string{false: "no", true: "yes"}[writer]}
			found := false
			var writes []string
			for _, n := range ns {
				if tp, ok := r.tput(id, n, writer); ok {
					found = true
					row = append(row, rate(tp.Reads))
					if writer {
						writes = append(writes, rate(tp.Writes))
					} else {
						writes = append(writes, "–")
					}
				} else {
					row = append(row, "–")
					writes = append(writes, "–")
				}
			}
			if found {
				t.rows = append(t.rows, append(row, writes...))
			}
		}
	}
	t.write(bw)
	fmt.Fprintf(bw, "\nPlot: [throughput.svg](throughput.svg). On a machine with few cores, a writer takes CPU time from the readers whatever the structure; compare the implementations with each other.\n\n")

	if len(r.Problems) > 0 {
		fmt.Fprintf(bw, "## Problems\n\n")
		for _, p := range r.Problems {
			fmt.Fprintf(bw, "- %s\n", p)
		}
		fmt.Fprintln(bw)
	}
	return bw.Flush()
}

func (r *Results) writeTargets(bw *bufio.Writer, n int, heading string) {
	fmt.Fprintf(bw, heading+" Targets (this library against mdds at n = %s)\n\n", SizeLabel(n))
	if n != 1_000_000 {
		fmt.Fprintf(bw, "The targets are set for n = 10⁶; this run stopped at n = %s, so these lines only show the trend.\n\n", SizeLabel(n))
	}
	t := table{head: []string{"target", "fst.Tree", "Store", "met by fst.Tree"}}
	for _, tg := range Targets {
		row := []string{tg.Goal}
		var met string
		for i, ours := range []string{ImplFst, ImplStore} {
			x, ok := r.ratio(tg.Workload, ours, tg.Base, n)
			if !ok {
				row = append(row, "not measured")
				if i == 0 {
					met = "not measured"
				}
				continue
			}
			s := FormatRatio(x)
			if tg.Workload != "" {
				a, _ := r.cell(tg.Workload, ours, n)
				b, _ := r.cell(tg.Workload, tg.Base, n)
				s = fmt.Sprintf("%s (%s vs %s)", s, cellText(a), cellText(b))
			} else {
				a, _ := r.memory(ours, n)
				b, _ := r.memory(tg.Base, n)
				s = fmt.Sprintf("%s (%.1f B vs %.1f B)", s, a.PerSegment, b.PerSegment)
				if l, ok := r.memory(ImplMddsLeaves, n); ok {
					s += fmt.Sprintf("; against mdds leaves only (%.1f B, no search tree): %s", l.PerSegment, FormatRatio(l.PerSegment/a.PerSegment))
				}
			}
			row = append(row, s)
			if i == 0 {
				met = "no"
				if x >= tg.Min {
					met = "yes"
				}
			}
		}
		t.rows = append(t.rows, append(row, met))
	}
	t.write(bw)
	fmt.Fprintf(bw, "\nStore: reads through Snapshot(), each write one Update (one commit), clone is Snapshot().Tree(). Memory: structures built by appending the n segments.\n\n")
}

// WriteSummary writes the README section: machine, command, one table of
// every workload at the largest n, the targets and the main plot. Links are
// relative to the repository root.
func (r *Results) WriteSummary(w io.Writer, dir string) error {
	bw := bufio.NewWriter(w)
	m := r.Meta
	ns := r.sizes()
	if len(ns) == 0 {
		return bw.Flush()
	}
	n := ns[len(ns)-1]
	fmt.Fprintf(bw, "Measured with `%s` on %s, %d CPUs, %s; %s; C++: %s (%s).\n\n", m.Command, orUnknown(m.CPU), m.CPUs, m.OS, m.Go, orUnknown(m.Toolchain), m.Date)
	fmt.Fprintf(bw, "![time per op against n, log-log](%s/overview.svg)\n\n", dir)
	ids := []string{ImplFst, ImplStore, ImplStoreBatch, ImplRWMutex, ImplRangeMap, ImplMdds}
	head := []string{fmt.Sprintf("time per op, n = %s", SizeLabel(n))}
	for _, id := range ids {
		head = append(head, Label(id, m.Batch))
	}
	t := table{head: head}
	for _, wl := range Workloads {
		row := []string{wl.Title}
		if wl.Unit == "segment" {
			row[0] += " (per segment)"
		}
		ref, haveRef := r.cell(wl.Name, ImplFst, n)
		for _, id := range ids {
			c, ok := r.cell(wl.Name, id, n)
			if !ok {
				row = append(row, "–")
				continue
			}
			s := cellText(c)
			if !Ours(id) && haveRef && ref.Ns > 0 {
				s += " (" + FormatRatio(c.Ns/ref.Ns) + ")"
			}
			row = append(row, s)
		}
		t.rows = append(t.rows, row)
	}
	t.write(bw)
	fmt.Fprintf(bw, "\n(×k: fst.Tree is k times faster. †k: only the first k ops of the stream fit in the %s time budget; O(n)-per-call operations get few calls at large n.)\n\n", m.Budget)
	r.writeTargets(bw, n, "###")
	fmt.Fprintf(bw, "All tables, memory, reader throughput and per-workload plots: [%s/results.md](%s/results.md).\n", dir, dir)
	return bw.Flush()
}

func rate(v float64) string {
	switch {
	case v >= 1e6:
		return sig3(v/1e6) + " M"
	case v >= 1e3:
		return sig3(v/1e3) + " k"
	}
	return sig3(v)
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

func (r *Results) tputImpls() []string {
	var ids []string
	for _, t := range r.Throughput {
		if !slices.Contains(ids, t.Impl) {
			ids = append(ids, t.Impl)
		}
	}
	slices.SortFunc(ids, func(a, b string) int { return cmp.Compare(implRank(a), implRank(b)) })
	return ids
}

func (r *Results) tput(impl string, n int, writer bool) (Throughput, bool) {
	for _, t := range r.Throughput {
		if t.Impl == impl && t.N == n && t.Writer == writer {
			return t, true
		}
	}
	return Throughput{}, false
}

// timeDecade labels a power of ten of nanoseconds.
func timeDecade(ns float64) string {
	e := int(math.Round(math.Log10(ns)))
	units := []string{"ns", "µs", "ms", "s"}
	u := min(max(e/3, 0), len(units)-1)
	return fmt.Sprintf("%g %s", math.Pow(10, float64(e-3*u)), units[u])
}

func rateDecade(v float64) string {
	e := int(math.Round(math.Log10(v)))
	switch {
	case e >= 6:
		return fmt.Sprintf("%gM", math.Pow(10, float64(e-6)))
	case e >= 3:
		return fmt.Sprintf("%gk", math.Pow(10, float64(e-3)))
	}
	return fmt.Sprintf("%g", math.Pow(10, float64(e)))
}

// Charts returns the plots: one per workload, memory and throughput.
func (r *Results) Charts() map[string]plot.Chart {
	out := map[string]plot.Chart{}
	for _, wl := range Workloads {
		ids := r.implsOf(wl.Name)
		if len(ids) == 0 {
			continue
		}
		c := plot.Chart{Title: wl.Title, XLabel: "n (segments)", YLabel: "time per " + wl.Unit, YFormat: timeDecade}
		for _, id := range ids {
			s := plot.Series{Name: LabelIn(wl.Name, id, r.Meta.Batch), Color: colors[id], Dashed: !Ours(id)}
			for _, cl := range r.Cells {
				if cl.Workload == wl.Name && cl.Impl == id && cl.Err == "" {
					s.Points = append(s.Points, plot.Point{X: float64(cl.N), Y: cl.Ns})
				}
			}
			sortPoints(s.Points)
			c.Series = append(c.Series, s)
		}
		out[wl.Name] = c
	}
	mem := plot.Chart{Title: "Memory per segment", XLabel: "n (segments)", YLabel: "bytes per segment"}
	var memIDs []string
	for _, m := range r.Memory {
		if !slices.Contains(memIDs, m.Impl) {
			memIDs = append(memIDs, m.Impl)
		}
	}
	slices.SortFunc(memIDs, func(a, b string) int { return cmp.Compare(implRank(a), implRank(b)) })
	for _, id := range memIDs {
		s := plot.Series{Name: LabelIn(InMemory, id, r.Meta.Batch), Color: colors[id], Dashed: !Ours(id)}
		for _, m := range r.Memory {
			if m.Impl == id {
				s.Points = append(s.Points, plot.Point{X: float64(m.N), Y: m.PerSegment})
			}
		}
		sortPoints(s.Points)
		mem.Series = append(mem.Series, s)
	}
	out["memory"] = mem
	title := fmt.Sprintf("Reader throughput, %d reader(s); dashed: with a writer", r.Meta.Readers)
	if r.Meta.WriteRate > 0 {
		title += fmt.Sprintf(" (≤%s writes/s)", rate(r.Meta.WriteRate))
	}
	tp := plot.Chart{Title: title,
		XLabel: "n (segments)", YLabel: "reads per second", YFormat: rateDecade}
	for _, id := range r.tputImpls() {
		for _, writer := range []bool{false, true} {
			name := LabelIn(InThroughput, id, r.Meta.Batch)
			if writer {
				name += " + writer"
			}
			s := plot.Series{Name: name, Color: colors[id], Dashed: writer}
			for _, t := range r.Throughput {
				if t.Impl == id && t.Writer == writer {
					s.Points = append(s.Points, plot.Point{X: float64(t.N), Y: t.Reads})
				}
			}
			if len(s.Points) > 0 {
				sortPoints(s.Points)
				tp.Series = append(tp.Series, s)
			}
		}
	}
	out["throughput"] = tp
	return out
}

func sortPoints(ps []plot.Point) {
	slices.SortFunc(ps, func(a, b plot.Point) int { return cmp.Compare(a.X, b.X) })
}

// WriteDir writes results.md, results.json and the SVG plots into dir.
func (r *Results) WriteDir(dir string) error {
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
	if err := write("summary.md", func(w io.Writer) error { return r.WriteSummary(w, filepath.ToSlash(dir)) }); err != nil {
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
	var overview []plot.Chart
	for _, wl := range Workloads {
		if c, ok := charts[wl.Name]; ok {
			overview = append(overview, c)
		}
	}
	if err := write("overview.svg", func(w io.Writer) error { return plot.Grid(w, overview, 2) }); err != nil {
		return err
	}
	for name, c := range charts {
		if err := write(name+".svg", c.WriteSVG); err != nil {
			return err
		}
	}
	return nil
}
