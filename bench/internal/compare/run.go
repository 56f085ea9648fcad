package compare

import (
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flatseg/flatseg"
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
}

// Cut reports whether the cell timed only a prefix of its stream.
func (c Cell) Cut() bool { return c.Calls < c.Stream }

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

// implsFor lists the Go implementations a workload runs on.
func implsFor(w Workload) []string {
	if w.Writes {
		return []string{ImplFst, ImplStore, ImplStoreBatch, ImplRWMutex, ImplRangeMap}
	}
	return []string{ImplFst, ImplStore, ImplRWMutex, ImplRangeMap}
}

// mddsImplsFor lists the mdds variants a workload runs on.
func mddsImplsFor(w Workload) []string {
	switch w.Name {
	case "search-seq":
		return []string{ImplMdds, ImplMddsHint}
	case "clone":
		return []string{ImplMdds, ImplMddsBuild}
	}
	return []string{ImplMdds}
}

// measure runs ops on x in chunks of doubling size until the stream ends or
// budget has passed, and returns how many ops ran and how long they took.
func measure(x impl, ops []Op, budget time.Duration) (int, time.Duration) {
	done, chunk := 0, 1
	start := time.Now()
	for done < len(ops) {
		end := min(len(ops), done+chunk)
		x.run(ops[done:end])
		done = end
		if time.Since(start) >= budget {
			break
		}
		chunk *= 2
	}
	x.finish()
	return done, time.Since(start)
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
		if err := runSize(cfg, res, n, driver, filepath.Join(tmp, fmt.Sprintf("ops-%d.bin", n))); err != nil {
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

func runSize(cfg Config, res *Results, n int, driver, opFile string) error {
	base := Base(rngFor(cfg.Seed, n, "base"), n)
	var ow *opWriter
	var f *os.File
	if driver != "" {
		var err error
		if f, err = os.Create(opFile); err != nil {
			return err
		}
		defer f.Close()
		ow = newOpWriter(f)
		ow.setup(base)
	}
	cache := &baseCache{}
	streams := map[string]int{}
	for _, w := range Workloads {
		ops := w.Ops(rngFor(cfg.Seed, n, w.Name), base, cfg.Stream)
		streams[w.Name] = len(ops)
		per := 1
		if w.Unit == "segment" {
			per = n
		}
		for _, id := range implsFor(w) {
			c := Cell{Workload: w.Name, Impl: id, N: n, Stream: len(ops)}
			x, err := newImpl(id, base, w.Setup, cache, cfg.Batch)
			if err == nil {
				runtime.GC()
				var d time.Duration
				c.Calls, d = measure(x, ops, cfg.Budget)
				c.Ns = float64(d.Nanoseconds()) / float64(c.Calls*per)
				c.Checksum, err = x.result()
				c.State = x.state()
			}
			if err != nil {
				c.Err = err.Error()
				res.Problems = append(res.Problems, fmt.Sprintf("%s/%s/n=%d: %v", w.Name, id, n, err))
			}
			res.Cells = append(res.Cells, c)
			cfg.logf("n=%-8d %-14s %-16s %s\n", n, w.Name, id, cellText(c))
		}
		if ow != nil {
			for _, id := range mddsImplsFor(w) {
				ow.task(w.Name, id, n, w.Setup == Empty, cfg.Budget, ops)
			}
		}
	}

	mem, errs := measureMemory(base)
	res.Memory = append(res.Memory, mem...)
	for _, err := range errs {
		res.Problems = append(res.Problems, fmt.Sprintf("memory n=%d: %v", n, err))
	}
	if ow != nil {
		ow.mem(n)
	}

	keys := make([]Key, 1<<16)
	krng := rngFor(cfg.Seed, n, "tput-keys")
	for i := range keys {
		keys[i] = krng.Int64N(Stride * int64(n))
	}
	inserts, _ := workload("insert-random")
	writes := inserts.Ops(rngFor(cfg.Seed, n, "tput-writes"), base, 1<<16)
	for _, id := range []string{ImplFst, ImplStore, ImplRWMutex, ImplRangeMap} {
		for _, writer := range []bool{false, true} {
			if id == ImplFst && writer {
				continue // not safe for concurrent use
			}
			t, err := throughput(id, base, cache, keys, writes, cfg, writer)
			if err != nil {
				return fmt.Errorf("throughput %s: %w", id, err)
			}
			t.N = n
			res.Throughput = append(res.Throughput, t)
			cfg.logf("n=%-8d throughput     %-16s writer=%-5v reads/s=%.3g writes/s=%.3g\n", n, id, writer, t.Reads, t.Writes)
		}
	}
	if ow == nil {
		return nil
	}
	for _, writer := range []bool{false, true} {
		ow.tput(n, cfg.Readers, cfg.TputDuration, cfg.WriteRate, writer, keys, writes)
	}
	ow.i64(0)
	if err := ow.flush(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	base, cache = nil, nil
	runtime.GC()
	cfg.logf("n=%-8d running mdds driver\n", n)
	err := runDriver(driver, opFile, func(fs []string) error {
		switch {
		case fs[0] == "RESULT" && len(fs) == 8:
			c := Cell{Workload: fs[1], N: int(atoi(fs[2])), Impl: fs[3], Calls: int(atoi(fs[4])), Stream: streams[fs[1]]}
			c.Checksum, _ = strconv.ParseUint(fs[6], 10, 64)
			c.State, _ = strconv.ParseUint(fs[7], 10, 64)
			per := 1
			if w, ok := workload(c.Workload); ok && w.Unit == "segment" {
				per = c.N
			}
			c.Ns = float64(atoi(fs[5])) / float64(max(c.Calls, 1)*per)
			res.Cells = append(res.Cells, c)
			cfg.logf("n=%-8d %-14s %-16s %s\n", c.N, c.Workload, c.Impl, cellText(c))
		case fs[0] == "MEM" && len(fs) == 4:
			m := Memory{N: int(atoi(fs[1])), Impl: fs[2], Bytes: atoi(fs[3])}
			m.PerSegment = float64(m.Bytes) / float64(m.N)
			res.Memory = append(res.Memory, m)
		case fs[0] == "TPUT" && len(fs) == 7:
			sec := float64(atoi(fs[6])) / 1e9
			t := Throughput{Impl: fs[2], N: int(atoi(fs[1])), Writer: fs[3] == "1", Readers: cfg.Readers,
				Reads: float64(atoi(fs[4])) / sec, Writes: float64(atoi(fs[5])) / sec}
			res.Throughput = append(res.Throughput, t)
			cfg.logf("n=%-8d throughput     %-16s writer=%-5v reads/s=%.3g writes/s=%.3g\n", t.N, t.Impl, t.Writer, t.Reads, t.Writes)
		default:
			return fmt.Errorf("mdds driver: unexpected line %q", fs)
		}
		return nil
	})
	if err != nil {
		// Keep what was measured; the report lists the failure.
		cfg.logf("n=%-8d %v\n", n, err)
		res.Problems = append(res.Problems, fmt.Sprintf("n=%d: %v", n, err))
	}
	return nil
}

// measureMemory measures the live heap of each Go structure holding base.
func measureMemory(base []Segment) ([]Memory, []error) {
	n := len(base)
	appendAll := func(insert func(s Segment) error) error {
		for _, s := range base {
			if err := insert(s); err != nil {
				return err
			}
		}
		return nil
	}
	builders := []struct {
		id    string
		build func() (any, error)
	}{
		{ImplFst, func() (any, error) {
			t, err := newTree(base, Empty)
			if err != nil {
				return nil, err
			}
			return t, appendAll(func(s Segment) error { _, err := t.Insert(s.Start, s.End, s.Value); return err })
		}},
		{ImplFstBuild, func() (any, error) { return newTree(base, Built) }},
		{ImplStore, func() (any, error) {
			s, err := flatseg.New[Key, Val](0, Stride*Key(n), 0)
			if err != nil {
				return nil, err
			}
			tx := s.Begin()
			if err := appendAll(func(g Segment) error { _, err := tx.Insert(g.Start, g.End, g.Value); return err }); err != nil {
				return nil, err
			}
			_, err = tx.Commit()
			return s, err
		}},
		{ImplRangeMap, func() (any, error) { return newRangeMap(base, Built) }},
	}
	var (
		out  []Memory
		errs []error
	)
	for _, b := range builders {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		x, err := b.build()
		runtime.GC()
		runtime.ReadMemStats(&after)
		runtime.KeepAlive(x)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", b.id, err))
			continue
		}
		bytes := int64(after.HeapAlloc) - int64(before.HeapAlloc)
		out = append(out, Memory{Impl: b.id, N: n, Bytes: bytes, PerSegment: float64(bytes) / float64(n)})
	}
	return out, errs
}

// throughput runs cfg.Readers readers, and one writer if writer is set, on
// implementation id for cfg.TputDuration.
func throughput(id string, base []Segment, cache *baseCache, keys []Key, writes []Op, cfg Config, writer bool) (Throughput, error) {
	readers := cfg.Readers
	var (
		read  func(k Key) uint64
		write func(op *Op) error
	)
	switch id {
	case ImplFst:
		t, err := newTree(base, Built)
		if err != nil {
			return Throughput{}, err
		}
		read = func(k Key) uint64 { s, _ := t.Search(k); return uint64(s.Value) }
	case ImplStore:
		t, err := newTree(base, Built)
		if err != nil {
			return Throughput{}, err
		}
		s, err := flatseg.NewFrom(t)
		if err != nil {
			return Throughput{}, err
		}
		read = func(k Key) uint64 { g, _ := s.Snapshot().Search(k); return uint64(g.Value) }
		write = func(op *Op) error {
			return s.Update(func(tx *flatseg.Txn[Key, Val]) error { _, err := tx.Insert(op.A, op.B, op.C); return err })
		}
	case ImplRWMutex:
		t, err := newTree(base, Built)
		if err != nil {
			return Throughput{}, err
		}
		x := &rwImpl{t: t}
		read = func(k Key) uint64 { s, _ := x.search(k); return uint64(s.Value) }
		write = func(op *Op) error { _, err := x.write(op); return err }
	case ImplRangeMap:
		m, err := cache.rangeMap(base, Built)
		if err != nil {
			return Throughput{}, err
		}
		var p atomic.Pointer[sortedRangeMap]
		p.Store(m)
		read = func(k Key) uint64 { s, _ := p.Load().Search(k); return uint64(s.Value) }
		write = func(op *Op) error {
			next := p.Load().Clone()
			_, err := next.Insert(op.A, op.B, op.C)
			p.Store(next)
			return err
		}
	default:
		return Throughput{}, fmt.Errorf("unknown implementation %q", id)
	}
	runtime.GC()
	var (
		stop         atomic.Bool
		reads, wrote atomic.Int64
		sink         atomic.Uint64
		wg           sync.WaitGroup
		errOnce      sync.Once
		writeErr     error
	)
	for r := range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var n int64
			var h uint64
			i := r * 7919 % len(keys)
			for !stop.Load() {
				for range 64 {
					h += read(keys[i])
					if i++; i == len(keys) {
						i = 0
					}
				}
				n += 64
			}
			reads.Add(n)
			sink.Add(h)
		}()
	}
	if writer {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var n int64
			start := time.Now()
			for i := 0; !stop.Load(); {
				if cfg.WriteRate > 0 {
					due := start.Add(time.Duration(float64(n) / cfg.WriteRate * 1e9))
					if wait := time.Until(due); wait > 0 {
						time.Sleep(wait)
						continue
					}
				}
				if err := write(&writes[i]); err != nil {
					errOnce.Do(func() { writeErr = err })
					return
				}
				i = (i + 1) % len(writes)
				n++
			}
			wrote.Add(n)
		}()
	}
	start := time.Now()
	time.Sleep(cfg.TputDuration)
	stop.Store(true)
	wg.Wait()
	sec := time.Since(start).Seconds()
	if writeErr != nil {
		return Throughput{}, writeErr
	}
	return Throughput{Impl: id, Writer: writer, Readers: readers, Reads: float64(reads.Load()) / sec, Writes: float64(wrote.Load()) / sec}, nil
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
		if c.Err != "" {
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
