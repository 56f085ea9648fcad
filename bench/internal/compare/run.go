package compare

import (
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"time"
)

// Config says what to run.
type Config struct {
	Sizes  []int         // tree sizes n, in segments
	Stream int           // ops per workload stream
	Budget time.Duration // time after which a stream is cut short
	Seed   uint64
	Mdds   bool // run the C++ driver
	Batch  int  // ops per commit of the batched Store
	// Readers is the number of reader goroutines (threads for mdds) of the
	// throughput test, which runs each case for TputDuration.
	Readers      int
	TputDuration time.Duration
	// WriteRate paces the throughput test's writer, in writes per second;
	// 0 lets it write as fast as it can.
	WriteRate float64
	Log       io.Writer // progress; nil discards
	// Command is the command line recorded in the report.
	Command string
}

// SkipFactor decides which cells are skipped: a cell whose single op,
// projected linearly from its time per op at the largest smaller size
// measured, would take more than SkipFactor times the budget does not run.
// That keeps O(n)-per-op operations (shifts of the sorted-map range maps)
// from taking minutes per op at n = 10⁷.
const SkipFactor = 4

// Cell is one measurement: a workload on an implementation at one size.
type Cell struct {
	Workload string  `json:"workload"`
	Impl     string  `json:"impl"`
	N        int     `json:"n"`
	Calls    int     `json:"calls"`    // ops timed
	Stream   int     `json:"stream"`   // ops in the stream
	Ns       float64 `json:"ns"`       // per op, or per segment for iteration
	Checksum uint64  `json:"checksum"` // of the op results
	State    uint64  `json:"state"`    // of the segments after the timed ops
	Err      string  `json:"err,omitempty"`
	// Skipped says why the cell was not run (see [SkipFactor]).
	Skipped string `json:"skipped,omitempty"`
}

// Cut reports whether the cell timed only a prefix of its stream.
func (c Cell) Cut() bool { return c.Calls < c.Stream }

// ok reports whether the cell holds a measurement.
func (c Cell) ok() bool { return c.Err == "" && c.Skipped == "" }

// Memory is the heap a structure of N segments holds.
type Memory struct {
	Impl       string  `json:"impl"`
	N          int     `json:"n"`
	Bytes      int64   `json:"bytes"`
	PerSegment float64 `json:"per_segment"`
}

// Throughput is one reader-throughput case.
type Throughput struct {
	Impl    string  `json:"impl"`
	N       int     `json:"n"`
	Writer  bool    `json:"writer"`
	Readers int     `json:"readers"`
	Reads   float64 `json:"reads_per_sec"`
	Writes  float64 `json:"writes_per_sec"`
}

// Results is everything a run measured.
type Results struct {
	Meta       Meta         `json:"meta"`
	Cells      []Cell       `json:"cells"`
	Memory     []Memory     `json:"memory"`
	Throughput []Throughput `json:"throughput"`
	// Problems lists checksum mismatches and failed cells.
	Problems []string `json:"problems,omitempty"`
}

func (c *Config) logf(format string, args ...any) {
	if c.Log != nil {
		fmt.Fprintf(c.Log, format, args...)
	}
}

// rngFor returns the random source for one (size, stream) pair, independent of
// which other workloads run.
func rngFor(seed uint64, n int, stream string) *rand.Rand {
	h := fnv.New64a()
	fmt.Fprintf(h, "%s/%d", stream, n)
	return rand.New(rand.NewPCG(seed, h.Sum64()))
}

// Run runs the comparison.
func Run(cfg Config) (*Results, error) {
	res := &Results{Meta: collectMeta(cfg)}
	driver := ""
	if cfg.Mdds {
		path, toolchain, err := BuildDriver()
		if err != nil {
			cfg.logf("skipping mdds: %v\n", err)
			res.Meta.Notes = append(res.Meta.Notes, "mdds was not measured: "+firstLine(err.Error()))
		} else {
			driver = path
			res.Meta.Toolchain = toolchain
			cfg.logf("mdds driver: %s (%s)\n", path, toolchain)
		}
	}
	tmp, err := os.MkdirTemp("", "flatseg-compare-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)

	for _, n := range cfg.Sizes {
		if n < 2 {
			return nil, fmt.Errorf("size %d: need at least 2 segments", n)
		}
		if err := runSize(&cfg, res, n, driver, filepath.Join(tmp, fmt.Sprintf("ops-%d.bin", n))); err != nil {
			return nil, err
		}
	}
	res.Problems = append(res.Problems, crossCheck(res.Cells)...)
	return res, nil
}

func firstLine(s string) string {
	for i, c := range s {
		if c == '\n' {
			return s[:i]
		}
	}
	return s
}

// bed builds the Go structures of one size, keeping the Built structure of
// the implementations that [Impl.Reuse] it.
type bed struct {
	cfg   *Config
	base  []Segment
	built map[string]structure
}

func (b *bed) build(im Impl, setup Setup) (structure, error) {
	if !im.Reuse || setup != Built {
		return im.New(b.base, setup, b.cfg)
	}
	if x, ok := b.built[im.ID]; ok {
		return x.Clone(), nil
	}
	x, err := im.New(b.base, setup, b.cfg)
	if err != nil {
		return nil, err
	}
	b.built[im.ID] = x
	runtime.GC()
	return x.Clone(), nil
}

// runSize measures size n: every workload, the memory and the reader
// throughput, on the Go implementations and, if driver is set, on mdds.
// The mdds tasks go to opFile while the Go side runs; the driver runs them
// at the end, once the Go structures are gone.
func runSize(cfg *Config, res *Results, n int, driver, opFile string) error {
	base := Base(rngFor(cfg.Seed, n, "base"), n)
	var (
		ow *opWriter // the driver's tasks; nil without a driver
		f  *os.File
	)
	if driver != "" {
		var err error
		if f, err = os.Create(opFile); err != nil {
			return err
		}
		defer f.Close()
		ow = newOpWriter(f)
		ow.setup(base)
	}
	streams, err := runGo(cfg, res, base, ow)
	if err != nil || ow == nil {
		return err
	}
	ow.i64(0) // no more tasks
	if err := ow.flush(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	runtime.GC() // runGo's structures are garbage: free them before mdds builds its own
	runMdds(cfg, res, n, driver, opFile, streams)
	return nil
}

// runGo measures the Go implementations on base: workloads, memory and
// throughput, writing the same tasks for mdds to ow (nil: none). It returns
// the length of each workload's op stream.
func runGo(cfg *Config, res *Results, base []Segment, ow *opWriter) (map[string]int, error) {
	b := &bed{cfg: cfg, base: base, built: map[string]structure{}}
	streams := runWorkloads(b, res, ow)
	runMemory(b, res, ow)
	return streams, runThroughput(b, res, ow)
}

// runWorkloads runs every workload on every Go implementation that runs it,
// or records why a cell is skipped, and writes the mdds cells to ow (nil:
// none). It returns the length of each workload's op stream.
func runWorkloads(b *bed, res *Results, ow *opWriter) map[string]int {
	cfg, n := b.cfg, len(b.base)
	streams := map[string]int{}
	for _, w := range Workloads {
		ops := w.Ops(rngFor(cfg.Seed, n, w.Name), b.base, cfg.Stream)
		streams[w.Name] = len(ops)
		for _, im := range Impls {
			if !im.runs(w) || (im.Driver && ow == nil) {
				continue
			}
			c := Cell{Workload: w.Name, Impl: im.ID, N: n, Stream: len(ops)}
			switch c.Skipped = skipReason(res.Cells, w, im.ID, n, cfg.Budget); {
			case c.Skipped != "":
				res.addCell(cfg, c)
			case im.Driver:
				ow.task(w.Name, im.ID, n, w.Setup == Empty, cfg.Budget, ops)
			default:
				res.addCell(cfg, runCell(b, im, w, c, ops))
			}
		}
	}
	return streams
}

// runMemory measures the heap each Go structure holding b.base takes, and
// asks ow (nil: no driver) for mdds's.
func runMemory(b *bed, res *Results, ow *opWriter) {
	n := len(b.base)
	mem, errs := measureMemory(b.base, b.cfg)
	res.Memory = append(res.Memory, mem...)
	for _, err := range errs {
		res.Problems = append(res.Problems, fmt.Sprintf("memory n=%d: %v", n, err))
	}
	if ow != nil {
		ow.mem(n)
	}
}

// runThroughput runs the reader-throughput cases, without and with a
// writer, on every Go implementation that can share its structure, and
// writes mdds's to ow (nil: no driver).
func runThroughput(b *bed, res *Results, ow *opWriter) error {
	cfg, n := b.cfg, len(b.base)
	keys, writes := throughputInput(cfg, b.base)
	for _, im := range Impls {
		for _, writer := range []bool{false, true} {
			if im.Sharing == NotShared || (im.Sharing == ReadersOnly && writer) {
				continue
			}
			t, err := throughput(b, im, keys, writes, cfg, writer)
			if err != nil {
				return fmt.Errorf("throughput %s: %w", im.ID, err)
			}
			t.N = n
			res.addThroughput(cfg, t)
		}
	}
	if ow != nil {
		for _, writer := range []bool{false, true} {
			ow.tput(n, cfg.Readers, cfg.TputDuration, cfg.WriteRate, writer, keys, writes)
		}
	}
	return nil
}

// throughputInput returns the keys the throughput test's readers search
// and the inserts its writer makes, on a tree of base.
func throughputInput(cfg *Config, base []Segment) (keys []Key, writes []Op) {
	n := len(base)
	keys = make([]Key, 1<<16)
	krng := rngFor(cfg.Seed, n, "tput-keys")
	for i := range keys {
		keys[i] = krng.Int64N(Stride * int64(n))
	}
	inserts, _ := workload("insert-random")
	return keys, inserts.Ops(rngFor(cfg.Seed, n, "tput-writes"), base, 1<<16)
}

// runMdds runs the driver on opFile and adds what it measured to res. A
// failure of the driver becomes a problem of the report, keeping what it
// measured before.
func runMdds(cfg *Config, res *Results, n int, driver, opFile string, streams map[string]int) {
	cfg.logf("n=%-8d running mdds driver\n", n)
	err := runDriver(driver, opFile, func(fields []string) error {
		line, err := parseDriverLine(fields, streams, cfg.Readers)
		if err != nil {
			return err
		}
		switch {
		case line.cell != nil:
			res.addCell(cfg, *line.cell)
		case line.mem != nil:
			res.Memory = append(res.Memory, *line.mem)
		case line.tput != nil:
			res.addThroughput(cfg, *line.tput)
		}
		return nil
	})
	if err != nil {
		cfg.logf("n=%-8d %v\n", n, err)
		res.Problems = append(res.Problems, fmt.Sprintf("n=%d: %v", n, err))
	}
}

// addCell adds c to the results, and its error, if any, to the problems.
func (r *Results) addCell(cfg *Config, c Cell) {
	r.Cells = append(r.Cells, c)
	if c.Err != "" {
		r.Problems = append(r.Problems, fmt.Sprintf("%s/%s/n=%d: %s", c.Workload, c.Impl, c.N, c.Err))
	}
	cfg.logf("n=%-8d %-14s %-16s %s\n", c.N, c.Workload, c.Impl, cellText(c))
}

// addThroughput adds t to the results.
func (r *Results) addThroughput(cfg *Config, t Throughput) {
	r.Throughput = append(r.Throughput, t)
	cfg.logf("n=%-8d throughput     %-16s writer=%-5v reads/s=%.3g writes/s=%.3g\n", t.N, t.Impl, t.Writer, t.Reads, t.Writes)
}

// runCell measures workload w on the Go implementation im.
func runCell(b *bed, im Impl, w Workload, c Cell, ops []Op) Cell {
	x, err := b.build(im, w.Setup)
	if err != nil {
		c.Err = err.Error()
		return c
	}
	per := 1
	if w.Unit == "segment" {
		per = c.N
	}
	r := &runner{x: x}
	runtime.GC()
	var d time.Duration
	c.Calls, d = measure(r, ops, b.cfg.Budget)
	c.Ns = float64(d.Nanoseconds()) / float64(c.Calls*per)
	c.Checksum, c.State = r.h, r.state()
	if r.err != nil {
		c.Err = r.err.Error()
	}
	return c
}

// skipReason returns why workload w of implementation id should not run at
// n, or "": its time per op at the largest smaller size measured, grown in
// proportion to n, passes SkipFactor times the budget.
func skipReason(cells []Cell, w Workload, id string, n int, budget time.Duration) string {
	var prev Cell
	for _, c := range cells {
		if c.Workload == w.Name && c.Impl == id && c.N < n && c.N > prev.N && c.ok() && c.Ns > 0 {
			prev = c
		}
	}
	if prev.N == 0 {
		return ""
	}
	perOp := prev.Ns
	if w.Unit == "segment" {
		perOp *= float64(prev.N)
	}
	projected := perOp * float64(n) / float64(prev.N)
	if projected <= SkipFactor*float64(budget.Nanoseconds()) {
		return ""
	}
	return fmt.Sprintf("one op took %s at n = %s; in proportion to n, one op would take about %s, over %d× the %s budget",
		FormatNs(perOp), SizeLabel(prev.N), FormatNs(projected), SkipFactor, budget)
}

// measureMemory measures the live heap of each Go structure holding base.
func measureMemory(base []Segment, cfg *Config) ([]Memory, []error) {
	var (
		out  []Memory
		errs []error
	)
	for _, im := range Impls {
		if im.Memory == nil {
			continue
		}
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		x, err := im.Memory(base, cfg)
		runtime.GC()
		runtime.ReadMemStats(&after)
		runtime.KeepAlive(x)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", im.ID, err))
			continue
		}
		bytes := int64(after.HeapAlloc) - int64(before.HeapAlloc)
		out = append(out, Memory{Impl: im.ID, N: len(base), Bytes: bytes, PerSegment: float64(bytes) / float64(len(base))})
	}
	return out, errs
}

// crossCheck compares the checksums of cells that ran the same ops: any two
// implementations that timed the same number of ops of the same stream must
// have seen the same results and hold the same segments. (measure cuts
// streams at 2^k-1 ops, so cut cells still meet.)
func crossCheck(cells []Cell) []string {
	type key struct {
		w     string
		n, at int
	}
	first := map[key]Cell{}
	var out []string
	for _, c := range cells {
		if !c.ok() {
			continue
		}
		k := key{c.Workload, c.N, c.Calls}
		if f, ok := first[k]; !ok {
			first[k] = c
		} else if f.Checksum != c.Checksum || f.State != c.State {
			out = append(out, fmt.Sprintf("results differ: %s n=%d after %d ops: %s %#x/%#x, %s %#x/%#x",
				c.Workload, c.N, c.Calls, f.Impl, f.Checksum, f.State, c.Impl, c.Checksum, c.State))
		}
	}
	return out
}

// workload returns the workload called name.
func workload(name string) (Workload, bool) {
	for _, w := range Workloads {
		if w.Name == name {
			return w, true
		}
	}
	return Workload{}, false
}
