// Package merge measures fst.Merge against Boost.ICL's interval_map
// aggregation (+= and &=, through a C++ driver compiled with g++), against
// Build of the merged tree from a slice (the floor of a bottom-up build)
// and against the loop of Overlapping and Insert a caller writes without
// Merge; and fst.MergeSame of two versions a few Inserts apart, and Zip
// against All. Every way computes the same merges: the run fails when two
// disagree.
package merge

import (
	"bufio"
	"bytes"
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/flatseg/flatseg/bench/internal/compare"
	"github.com/flatseg/flatseg/fst"
)

//go:embed driver/icl_driver.cpp
var driverSource []byte

// InstallHint says how to get what the ICL driver needs.
const InstallHint = "install them with: apt-get install -y g++ libboost-dev (Debian/Ubuntu; Boost.ICL is header-only)"

// ErrMismatch is returned when two ways of computing a merge disagree.
var ErrMismatch = errors.New("merge: the ways disagree")

// Config is one run.
type Config struct {
	N        int  // segments with a value in each tree (2N boundaries)
	Versions int  // segments of the tree whose versions MergeSame merges
	Inserts  int  // Inserts between the two versions
	Rounds   int  // timed rounds of each way; the median is reported
	ICL      bool // build and run the ICL driver
	Log      io.Writer
}

// Row is one measured way.
type Row struct {
	Op, Way string
	Median  time.Duration
	Unit    string  // "op", or "step" for a time per range or segment
	Ratio   float64 // Median over the Merge row of the same Op (0: none)
}

// Result is a run's rows, in the order of the table.
type Result struct {
	Config    Config
	Rows      []Row
	Toolchain string // of the ICL driver, or why it was not measured
}

// Shape returns the two trees of the run, of n segments with a value
// each: a maps [4i, 4i+2) to 1+i%3 and the keys between to 0; b maps
// [4i+1, 4i+5) to 1+i%2, so that each of b's segments overlaps two of a's
// and their sum has 3n segments.
func Shape(n int) (a, b *fst.Tree[int64, int64], sa, sb []fst.Segment[int64, int64]) {
	sa = make([]fst.Segment[int64, int64], n)
	sb = make([]fst.Segment[int64, int64], n)
	for i := range int64(n) {
		sa[i] = fst.Segment[int64, int64]{Start: 4 * i, End: 4*i + 2, Value: 1 + i%3}
		sb[i] = fst.Segment[int64, int64]{Start: 4*i + 1, End: 4*i + 5, Value: 1 + i%2}
	}
	span := int64(4*n + 8)
	a, err := fst.Build(0, span, 0, sa)
	if err == nil {
		b, err = fst.Build(0, span, 0, sb)
	}
	if err != nil {
		panic(err) // unreachable: the segments are sorted and inside the span
	}
	a.Freeze()
	b.Freeze()
	return a, b, sa, sb
}

// Sum and And are the merges ICL's += and &= compute on interval_maps of
// numbers: the sum of the values; the sum where both maps hold a value
// (not 0, the identity ICL absorbs), 0 elsewhere.
func Sum(x, y int64) int64 { return x + y }

func And(x, y int64) int64 {
	if x == 0 || y == 0 {
		return 0
	}
	return x + y
}

// InsertLoop is the merge a caller writes without Merge: a Clone of a,
// and for each of b's segments an Insert of f over each of a's segments it
// overlaps.
func InsertLoop(a, b *fst.Tree[int64, int64], f func(x, y int64) int64) *fst.Tree[int64, int64] {
	c := a.Clone()
	for s := range b.All() {
		for o := range a.Overlapping(s.Start, s.End) {
			if _, err := c.Insert(max(o.Start, s.Start), min(o.End, s.End), f(o.Value, s.Value)); err != nil {
				panic(err) // unreachable: inside the span
			}
		}
	}
	return c
}

// summary is what the ways are checked on: the number of segments with a
// value (not 0) and the sum of length times value over them.
type summary struct {
	segs int
	sum  uint64
}

func summarize(t *fst.Tree[int64, int64]) summary {
	var s summary
	for g := range t.All() {
		if g.Value != 0 {
			s.segs++
			s.sum += uint64(g.End-g.Start) * uint64(g.Value)
		}
	}
	return s
}

// median returns the median over rounds of the time of one call of f.
// A round runs f enough times to last about 20ms (once for the slow
// ways), after a collection, and counts the mean: a call of
// microseconds right after a collection would mostly measure the sweep
// of the heap that the collection left to its first allocations.
func median(rounds int, f func()) time.Duration {
	t0 := time.Now()
	f() // warm up, and calibrate
	k := max(1, int(20*time.Millisecond/max(time.Since(t0), time.Microsecond)))
	ts := make([]time.Duration, rounds)
	for i := range ts {
		runtime.GC()
		t0 := time.Now()
		for range k {
			f()
		}
		ts[i] = time.Since(t0) / time.Duration(k)
	}
	slices.Sort(ts)
	return ts[len(ts)/2]
}

// Run measures every way and checks that they agree.
func Run(cfg Config) (*Result, error) {
	logf := func(format string, args ...any) {
		if cfg.Log != nil {
			fmt.Fprintf(cfg.Log, format, args...)
		}
	}
	res := &Result{Config: cfg}
	a, b, sa, sb := Shape(cfg.N)
	add := func(op, way string, d time.Duration, unit string) {
		res.Rows = append(res.Rows, Row{Op: op, Way: way, Median: d, Unit: unit})
		logf("%-28s %-40s %v/%s\n", op, way, d, unit)
	}
	sumOp, andOp := fmt.Sprintf("a + b (n = %d each)", cfg.N), "a & b"
	want := map[string]summary{}
	for _, m := range []struct {
		op string
		f  func(x, y int64) int64
	}{{sumOp, Sum}, {andOp, And}} {
		var got *fst.Tree[int64, int64]
		d := median(cfg.Rounds, func() {
			var err error
			if got, err = fst.Merge(a, b, m.f); err != nil {
				panic(err) // unreachable: one span
			}
		})
		add(m.op, "fst.Merge", d, "op")
		want[m.op] = summarize(got)
		if m.op != sumOp {
			continue
		}
		segs := slices.Collect(got.All())
		d = median(cfg.Rounds, func() {
			if _, err := fst.Build(got.MinKey(), got.MaxKey(), 0, segs); err != nil {
				panic(err) // unreachable: a tree's segments
			}
		})
		add(m.op, fmt.Sprintf("fst.Build of the result (%d segments)", len(segs)), d, "op")
		var loop *fst.Tree[int64, int64]
		d = median(max(1, min(cfg.Rounds, 3)), func() { loop = InsertLoop(a, b, m.f) })
		add(m.op, "loop of Overlapping + Insert", d, "op")
		if !loop.Equal(got) {
			return nil, fmt.Errorf("%w: Merge and the loop of Inserts", ErrMismatch)
		}
	}

	if cfg.ICL {
		icl, toolchain, err := runICL(cfg, sa, sb)
		switch {
		case errors.Is(err, compare.ErrNoDriver):
			logf("skipping ICL: %v\n", err)
			res.Toolchain = "ICL was not measured: " + strings.SplitN(err.Error(), "\n", 2)[0]
		case err != nil:
			return nil, err
		default:
			res.Toolchain = toolchain
			for _, r := range []struct{ name, op, way string }{
				{"plus", sumOp, "Boost.ICL c = a; c += b"},
				{"and", andOp, "Boost.ICL c = a; c &= b"},
				{"copy", sumOp, "Boost.ICL c = a (the copy alone)"},
			} {
				got := icl[r.name]
				if w := want[r.op]; r.name != "copy" && got.summary != w {
					return nil, fmt.Errorf("%w: ICL %s gives %d intervals (checksum %d), Merge %d (%d)", ErrMismatch, r.name, got.segs, got.sum, w.segs, w.sum)
				}
				add(r.op, r.way, got.d, "op")
			}
		}
	}

	// Two versions of a tree of cfg.Versions segments, cfg.Inserts apart:
	// below, every Insert wrote a smaller value, so min(before, after) is
	// after; mixed, every other one wrote a larger value, so the result is
	// neither version and MergeSame inserts half the ranges.
	minOf := func(x, y int64) int64 { return min(x, y) }
	for _, mixed := range []bool{false, true} {
		before, after := Versions(cfg.Versions, cfg.Inserts, mixed)
		vop := fmt.Sprintf("versions %d Inserts apart (n = %d)", cfg.Inserts, cfg.Versions)
		way := "fst.MergeSame (min; the result is the second version)"
		if mixed {
			vop = fmt.Sprintf("versions %d Inserts apart, half of them larger (n = %d)", cfg.Inserts, cfg.Versions)
			way = "fst.MergeSame (min; the result is neither version)"
		}
		var same *fst.Tree[int64, int64]
		d := median(cfg.Rounds, func() {
			var err error
			if same, err = fst.MergeSame(before, after, minOf); err != nil {
				panic(err) // unreachable: one span
			}
		})
		add(vop, way, d, "op")
		var full *fst.Tree[int64, int64]
		d = median(max(1, min(cfg.Rounds, 3)), func() { full, _ = fst.Merge(before, after, minOf) })
		add(vop, "fst.Merge (min)", d, "op")
		if !same.Equal(full) {
			return nil, fmt.Errorf("%w: MergeSame and Merge", ErrMismatch)
		}
	}

	// Zip against All: the time per range yielded, per segment walked.
	steps := 0
	d := median(cfg.Rounds, func() {
		steps = 0
		for range fst.Zip(a, b) {
			steps++
		}
	})
	add("walk both trees", fmt.Sprintf("fst.Zip (%d ranges)", steps), d/time.Duration(steps), "step")
	d = median(cfg.Rounds, func() {
		steps = 0
		for range a.All() {
			steps++
		}
		for range b.All() {
			steps++
		}
	})
	add("walk both trees", fmt.Sprintf("All of each (%d segments)", steps), d/time.Duration(steps), "step")

	for i := range res.Rows {
		r := &res.Rows[i]
		for _, m := range res.Rows {
			if m.Op == r.Op && (m.Way == "fst.Merge" || strings.HasPrefix(m.Way, "fst.MergeSame") || strings.HasPrefix(m.Way, "fst.Zip")) {
				r.Ratio = float64(r.Median) / float64(m.Median)
			}
		}
	}
	return res, nil
}

// Versions returns a frozen tree of n segments [16i, 16i+16) of value i+1
// and a frozen version of it after c Inserts of one segment's width,
// spread over the span, of values below every value of the tree (when
// mixed, every other Insert writes a value above them instead).
func Versions(n, c int, mixed bool) (before, after *fst.Tree[int64, int64]) {
	const width = 16
	segs := make([]fst.Segment[int64, int64], n)
	for i := range segs {
		segs[i] = fst.Segment[int64, int64]{Start: int64(i) * width, End: int64(i+1) * width, Value: int64(i + 1)}
	}
	before, err := fst.Build(0, int64(n)*width, 0, segs)
	if err != nil {
		panic(err) // unreachable
	}
	before.Freeze()
	after = before.Clone()
	span := int64(n) * width
	for i := range int64(c) {
		k := span/int64(c)*i + 5
		v := -1 - i
		if mixed && i%2 == 1 {
			v = 1<<40 + i
		}
		if _, err := after.Insert(k, k+width, v); err != nil {
			panic(err) // unreachable: inside the span
		}
	}
	after.Freeze()
	return before, after
}

// iclRow is one line of the driver's output.
type iclRow struct {
	d time.Duration
	summary
}

// runICL writes the two maps' segments (those with a value) to a file,
// runs the driver on it and returns its rows by name.
func runICL(cfg Config, sa, sb []fst.Segment[int64, int64]) (map[string]iclRow, string, error) {
	path, toolchain, err := compare.BuildCxxFlags("icl_driver", driverSource, nil, "Boost.ICL (header-only)", InstallHint)
	if err != nil {
		return nil, "", err
	}
	dir, err := os.MkdirTemp("", "flatseg-merge-")
	if err != nil {
		return nil, "", err
	}
	defer os.RemoveAll(dir)
	var buf bytes.Buffer
	for _, segs := range [][]fst.Segment[int64, int64]{sa, sb} {
		_ = binary.Write(&buf, binary.LittleEndian, int64(len(segs)))
		for _, s := range segs {
			_ = binary.Write(&buf, binary.LittleEndian, [3]int64{s.Start, s.End, s.Value})
		}
	}
	data := filepath.Join(dir, "maps.bin")
	if err := os.WriteFile(data, buf.Bytes(), 0o644); err != nil {
		return nil, "", err
	}
	out, err := exec.Command(path, data, strconv.Itoa(cfg.Rounds)).Output()
	if err != nil {
		return nil, "", fmt.Errorf("merge: %s: %w", path, err)
	}
	rows := map[string]iclRow{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 4 {
			return nil, "", fmt.Errorf("merge: driver line %q", sc.Text())
		}
		ns, err1 := strconv.ParseInt(f[1], 10, 64)
		size, err2 := strconv.Atoi(f[2])
		sum, err3 := strconv.ParseUint(f[3], 10, 64)
		if err := errors.Join(err1, err2, err3); err != nil {
			return nil, "", fmt.Errorf("merge: driver line %q: %w", sc.Text(), err)
		}
		rows[f[0]] = iclRow{d: time.Duration(ns), summary: summary{segs: size, sum: sum}}
	}
	return rows, toolchain, nil
}

// WriteMarkdown writes the result as one table, with the command that
// made it.
func (r *Result) WriteMarkdown(w io.Writer, command string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "`%s` (%s; GOMAXPROCS %d; %s)\n\n", command, runtime.Version(), runtime.GOMAXPROCS(0), r.Toolchain)
	b.WriteString("| operation | way | median | vs the fst row |\n| --- | --- | ---: | ---: |\n")
	for _, row := range r.Rows {
		ratio := "1.00×"
		if row.Ratio != 1 {
			ratio = fmt.Sprintf("%.2f×", row.Ratio)
		}
		fmt.Fprintf(&b, "| %s | %s | %s/%s | %s |\n", row.Op, row.Way, fmtDur(row.Median), row.Unit, ratio)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func fmtDur(d time.Duration) string {
	switch {
	case d >= time.Millisecond:
		return fmt.Sprintf("%.1f ms", float64(d)/1e6)
	case d >= time.Microsecond:
		return fmt.Sprintf("%.1f µs", float64(d)/1e3)
	}
	return fmt.Sprintf("%d ns", d.Nanoseconds())
}
