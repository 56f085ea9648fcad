package compare

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
)

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
		return decade(float64(n))
	}
	return fmt.Sprint(n)
}

// rate formats a rate per second with three significant digits.
func rate(v float64) string {
	switch {
	case v >= 1e6:
		return sig3(v/1e6) + " M"
	case v >= 1e3:
		return sig3(v/1e3) + " k"
	}
	return sig3(v)
}

func cellText(c Cell) string {
	switch {
	case c.Skipped != "":
		return "skipped"
	case c.Err != "":
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

func (t *table) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "| %s |\n", strings.Join(t.head, " | "))
	sep := make([]string, len(t.head))
	for i := range sep {
		sep[i] = "---"
		if i > 0 {
			sep[i] = "---:"
		}
	}
	fmt.Fprintf(&b, "| %s |\n", strings.Join(sep, " | "))
	for _, r := range t.rows {
		fmt.Fprintf(&b, "| %s |\n", strings.Join(r, " | "))
	}
	return b.String()
}

// implRank orders ids as [Impls] does.
func implRank(id string) int {
	if i := slices.IndexFunc(Impls, func(im Impl) bool { return im.ID == id }); i >= 0 {
		return i
	}
	return len(Impls)
}

// sortedIDs returns the distinct ids of xs in the order of [Impls].
func sortedIDs[T any](xs []T, id func(T) string) []string {
	var ids []string
	for _, x := range xs {
		if !slices.Contains(ids, id(x)) {
			ids = append(ids, id(x))
		}
	}
	slices.SortFunc(ids, func(a, b string) int { return cmp.Compare(implRank(a), implRank(b)) })
	return ids
}

// is reports whether id's entry in [Impls] satisfies f.
func is(id string, f func(Impl) bool) bool {
	im, ok := implByID(id)
	return ok && f(im)
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

// cell returns the measurement of workload w on impl at n.
func (r *Results) cell(w, impl string, n int) (Cell, bool) {
	for _, c := range r.Cells {
		if c.Workload == w && c.Impl == impl && c.N == n && c.ok() {
			return c, true
		}
	}
	return Cell{}, false
}

// anyCell returns the cell of workload w on impl at n, measured or not.
func (r *Results) anyCell(w, impl string, n int) (Cell, bool) {
	for _, c := range r.Cells {
		if c.Workload == w && c.Impl == impl && c.N == n {
			return c, true
		}
	}
	return Cell{}, false
}

// implsOf returns the implementations with a cell of workload w.
func (r *Results) implsOf(w string) []string {
	var cells []Cell
	for _, c := range r.Cells {
		if c.Workload == w {
			cells = append(cells, c)
		}
	}
	return sortedIDs(cells, func(c Cell) string { return c.Impl })
}

func (r *Results) memory(impl string, n int) (Memory, bool) {
	for _, m := range r.Memory {
		if m.Impl == impl && m.N == n {
			return m, true
		}
	}
	return Memory{}, false
}

func (r *Results) memImpls() []string {
	return sortedIDs(r.Memory, func(m Memory) string { return m.Impl })
}

func (r *Results) tputImpls() []string {
	return sortedIDs(r.Throughput, func(t Throughput) string { return t.Impl })
}

func (r *Results) tput(impl string, n int, writer bool) (Throughput, bool) {
	for _, t := range r.Throughput {
		if t.Impl == impl && t.N == n && t.Writer == writer {
			return t, true
		}
	}
	return Throughput{}, false
}

// headline returns the ids of the [Impl.Headline] implementations.
func headline() []string {
	var ids []string
	for _, im := range Impls {
		if im.Headline {
			ids = append(ids, im.ID)
		}
	}
	return ids
}

// Claim is a ratio against mdds that this project states, checked by every
// run at its largest n.
type Claim struct {
	Text     string
	Workload string // "" for memory per segment
	Base     string // the implementation compared with
	Min      float64
}

// Claims are the ratios the report checks.
var Claims = []Claim{
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

// claimsTable checks [Claims] at n for each headline implementation.
func (r *Results) claimsTable(n int) string {
	ids := headline()
	t := table{head: []string{"claim"}}
	for _, id := range ids {
		t.head = append(t.head, LabelIn(InReads, id, r.Meta.Batch))
	}
	t.head = append(t.head, "holds for "+LabelIn(InReads, ids[0], r.Meta.Batch))
	for _, cl := range Claims {
		row := []string{cl.Text}
		holds := "not measured"
		for i, ours := range ids {
			x, ok := r.ratio(cl.Workload, ours, cl.Base, n)
			if !ok {
				row = append(row, "not measured")
				continue
			}
			s := FormatRatio(x)
			if cl.Workload != "" {
				a, _ := r.cell(cl.Workload, ours, n)
				b, _ := r.cell(cl.Workload, cl.Base, n)
				s = fmt.Sprintf("%s (%s vs %s)", s, cellText(a), cellText(b))
			} else {
				a, _ := r.memory(ours, n)
				b, _ := r.memory(cl.Base, n)
				s = fmt.Sprintf("%s (%.1f B vs %.1f B)", s, a.PerSegment, b.PerSegment)
				if l, ok := r.memory(ImplMddsLeaves, n); ok {
					s += fmt.Sprintf("; against mdds leaves only (%.1f B, no search tree): %s", l.PerSegment, FormatRatio(l.PerSegment/a.PerSegment))
				}
			}
			row = append(row, s)
			if i == 0 {
				holds = map[bool]string{true: "yes", false: "no"}[x >= cl.Min]
			}
		}
		t.rows = append(t.rows, append(row, holds))
	}
	return t.String()
}

func (r *Results) sizeHead(first string, prefix string) []string {
	head := []string{first}
	for _, n := range r.sizes() {
		head = append(head, prefix+"n="+SizeLabel(n))
	}
	return head
}

// workloadTable is one workload's time per op (or per segment) at every
// size, with the headline implementations' speed-ups.
func (r *Results) workloadTable(wl Workload) string {
	ids := r.implsOf(wl.Name)
	ns := r.sizes()
	batch := r.Meta.Batch
	t := table{head: r.sizeHead("implementation", "")}
	for _, id := range ids {
		row := []string{LabelIn(wl.Name, id, batch)}
		for _, n := range ns {
			if c, ok := r.anyCell(wl.Name, id, n); ok {
				row = append(row, cellText(c))
			} else {
				row = append(row, "–")
			}
		}
		t.rows = append(t.rows, row)
	}
	for _, ours := range headline() {
		if !slices.Contains(ids, ours) {
			continue
		}
		for _, base := range ids {
			if is(base, func(im Impl) bool { return im.Ours }) {
				continue
			}
			row := []string{fmt.Sprintf("*speed-up: %s vs %s*", LabelIn(wl.Name, ours, batch), LabelIn(wl.Name, base, batch))}
			for _, n := range ns {
				x, _ := r.ratio(wl.Name, ours, base, n)
				row = append(row, FormatRatio(x))
			}
			t.rows = append(t.rows, row)
		}
	}
	return t.String()
}

// memoryTable is the live heap per segment of every structure at every
// size, with how much more each of the others takes than each of ours.
func (r *Results) memoryTable() string {
	ns := r.sizes()
	batch := r.Meta.Batch
	ids := r.memImpls()
	t := table{head: r.sizeHead("implementation", "")}
	for _, id := range ids {
		row := []string{LabelIn(InMemory, id, batch)}
		for _, n := range ns {
			if m, ok := r.memory(id, n); ok {
				row = append(row, fmt.Sprintf("%.1f B", m.PerSegment))
			} else {
				row = append(row, "–")
			}
		}
		t.rows = append(t.rows, row)
	}
	ours := func(im Impl) bool { return im.Ours }
	for _, a := range ids {
		if !is(a, ours) {
			continue
		}
		for _, b := range ids {
			if is(b, ours) {
				continue
			}
			row := []string{fmt.Sprintf("*%s / %s*", LabelIn(InMemory, b, batch), LabelIn(InMemory, a, batch))}
			for _, n := range ns {
				x, _ := r.ratio("", a, b, n)
				row = append(row, FormatRatio(x))
			}
			t.rows = append(t.rows, row)
		}
	}
	return t.String()
}

// throughputTable is reads and writes per second of every shared structure,
// with and without a writer.
func (r *Results) throughputTable() string {
	ns := r.sizes()
	head := []string{"implementation", "writer"}
	for _, n := range ns {
		head = append(head, "reads/s n="+SizeLabel(n))
	}
	for _, n := range ns {
		head = append(head, "writes/s n="+SizeLabel(n))
	}
	t := table{head: head}
	for _, id := range r.tputImpls() {
		for _, writer := range []bool{false, true} {
			row := []string{LabelIn(InThroughput, id, r.Meta.Batch), map[bool]string{false: "no", true: "yes"}[writer]}
			found := false
			var writes []string
			for _, n := range ns {
				tp, ok := r.tput(id, n, writer)
				found = found || ok
				switch {
				case !ok:
					row, writes = append(row, "–"), append(writes, "–")
				case writer:
					row, writes = append(row, rate(tp.Reads)), append(writes, rate(tp.Writes))
				default:
					row, writes = append(row, rate(tp.Reads)), append(writes, "–")
				}
			}
			if found {
				t.rows = append(t.rows, append(row, writes...))
			}
		}
	}
	return t.String()
}

// summaryTable is every workload at n on every implementation that is not
// a variant, with how many times slower than fst.Tree the others are.
func (r *Results) summaryTable(n int) string {
	var ids []string
	for _, im := range Impls {
		if !im.Variant && slices.ContainsFunc(r.Cells, func(c Cell) bool { return c.Impl == im.ID }) {
			ids = append(ids, im.ID)
		}
	}
	t := table{head: []string{fmt.Sprintf("time per op, n = %s", SizeLabel(n))}}
	for _, id := range ids {
		t.head = append(t.head, Label(id, r.Meta.Batch))
	}
	for _, wl := range Workloads {
		if len(r.implsOf(wl.Name)) == 0 {
			continue
		}
		row := []string{wl.Title}
		if wl.Unit == "segment" {
			row[0] += " (per segment)"
		}
		ref, haveRef := r.cell(wl.Name, ImplFst, n)
		for _, id := range ids {
			c, ok := r.anyCell(wl.Name, id, n)
			if !ok {
				row = append(row, "–")
				continue
			}
			s := cellText(c)
			if c.ok() && haveRef && ref.Ns > 0 && !is(id, func(im Impl) bool { return im.Ours }) {
				s += " (" + FormatRatio(c.Ns/ref.Ns) + ")"
			}
			row = append(row, s)
		}
		t.rows = append(t.rows, row)
	}
	return t.String()
}

// notAhead lists, at n, every workload and the memory per segment where a
// [Impl.Baseline] is faster or smaller than fst.Tree.
func (r *Results) notAhead(n int) []string {
	var out []string
	baseline := func(im Impl) bool { return im.Baseline }
	batch := r.Meta.Batch
	for _, wl := range Workloads {
		ref, ok := r.cell(wl.Name, ImplFst, n)
		if !ok {
			continue
		}
		for _, id := range r.implsOf(wl.Name) {
			c, ok := r.cell(wl.Name, id, n)
			if ok && is(id, baseline) && c.Ns < ref.Ns {
				out = append(out, fmt.Sprintf("%s: %s %s (%s against %s)", wl.Title, LabelIn(wl.Name, id, batch), FormatRatio(c.Ns/ref.Ns), cellText(c), cellText(ref)))
			}
		}
	}
	if ours, ok := r.memory(ImplFst, n); ok {
		for _, id := range r.memImpls() {
			if m, ok := r.memory(id, n); ok && is(id, baseline) && m.Bytes < ours.Bytes {
				out = append(out, fmt.Sprintf("Memory per segment: %s %s (%.1f B against %.1f B)", LabelIn(InMemory, id, batch), FormatRatio(float64(m.Bytes)/float64(ours.Bytes)), m.PerSegment, ours.PerSegment))
			}
		}
	}
	return out
}

// skipped lists the cells that did not run, and why.
func (r *Results) skipped() []string {
	var out []string
	for _, c := range r.Cells {
		if c.Skipped == "" {
			continue
		}
		title := c.Workload
		if wl, ok := workload(c.Workload); ok {
			title = wl.Title
		}
		out = append(out, fmt.Sprintf("%s on %s at n = %s: %s", title, LabelIn(c.Workload, c.Impl, r.Meta.Batch), SizeLabel(c.N), c.Skipped))
	}
	return out
}

// decade formats a power of ten as 10ⁿ (or 1, 10, 100).
func decade(v float64) string {
	e := int(math.Round(math.Log10(v)))
	switch e {
	case 0:
		return "1"
	case 1:
		return "10"
	case 2:
		return "100"
	}
	const digits = "⁰¹²³⁴⁵⁶⁷⁸⁹"
	var b strings.Builder
	b.WriteString("10")
	if e < 0 {
		b.WriteString("⁻")
		e = -e
	}
	for _, c := range fmt.Sprint(e) {
		b.WriteString(string([]rune(digits)[c-'0']))
	}
	return b.String()
}
