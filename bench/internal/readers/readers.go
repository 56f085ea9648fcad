// Package readers measures what busy reader goroutines do to the one writer
// of a [flatseg.Store] when both share the same CPUs: a writer paced at a
// target rate of commits, each one random Insert, and reader goroutines
// searching snapshots in tight loops, under several ways of sharing the
// CPUs (the cases of [Cases]). Readers never block the writer on a lock; the
// question is whether the Go scheduler gives the writer a CPU when its
// commit is due, and keeps giving it one until the commit is done.
package readers

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flatseg/flatseg"
	"github.com/flatseg/flatseg/bench/internal/compare"
	"github.com/flatseg/flatseg/fst"
)

// Key and Val are the store's key and value types.
type (
	Key = int64
	Val = int64
)

// Stride is the mean width of a segment of the base tree: a tree of n
// segments spans [0, Stride*n).
const Stride = 16

// Config is what [Run] measures.
type Config struct {
	Segments   int           // segments of the store's first version
	Duration   time.Duration // length of one run of one case
	Runs       int           // runs of every case, interleaved
	Readers    int           // reader goroutines of the cases that start many
	Rate       float64       // commits per second the writer is scheduled at
	Batch      int           // searches per snapshot, and per hold of a semaphore slot
	Hold       int           // searches per hold of a semaphore slot in the cases that hold it long
	YieldEvery int           // searches between runtime.Gosched calls of the gosched case
	Seed       uint64        // seed of the base tree, the writes and the readers' keys
	Cases      []string      // IDs of the cases to run, in order; nil: all of Cases
	Command    string        // the command line, for the report
	Log        io.Writer     // progress, one line per run of a case; nil: none
}

// Quick is a Config that runs every case in a few seconds: small, short and
// noisy, for checking that the command works, not for its figures.
func Quick() Config {
	c := Default()
	c.Segments, c.Duration, c.Runs = 10_000, 100*time.Millisecond, 2
	return c
}

// Default is the Config of the figures in README: 10⁵ segments, 64
// readers, a writer at 10,000 commits/s, 7 runs of 2 s per case.
func Default() Config {
	return Config{Segments: 100_000, Duration: 2 * time.Second, Runs: 7, Readers: 64,
		Rate: 10_000, Batch: 16, Hold: 1024, YieldEvery: 64, Seed: 1}
}

// Case is one way of sharing the CPUs between the readers and the writer.
// Its functions get p, the GOMAXPROCS the command started with. With p = 1
// there is no P to leave to the writer: GOMAXPROCS−1 is taken as 1.
type Case struct {
	ID         string
	Label      func(r *Result) string      // for the table
	Goroutines func(cfg Config, p int) int // reader goroutines
	Slots      func(p int) int             // semaphore slots: concurrent holders; 0 for no semaphore
	Procs      func(p int) int             // GOMAXPROCS while the case runs
	Yield      bool                        // readers call runtime.Gosched every Config.YieldEvery searches
	Long       bool                        // readers hold a semaphore slot for Config.Hold searches, not Config.Batch
}

func many(cfg Config, _ int) int { return cfg.Readers }
func fewer(_ Config, p int) int  { return oneLess(p) }
func asMany(_ Config, p int) int { return p }
func same(p int) int             { return p }
func none(int) int               { return 0 }
func oneLess(p int) int          { return max(1, p-1) }

// readersAnd returns a Label: "n readers" (or "1 reader") and then rest,
// formatted with the semaphore's slots when it has a verb.
func readersAnd(adj, rest string) func(*Result) string {
	return func(r *Result) string {
		noun := "readers"
		if r.Readers == 1 {
			noun = "reader"
		}
		if strings.Contains(rest, "%") {
			rest = fmt.Sprintf(rest, r.Slots)
		}
		return fmt.Sprintf("%d %s%s%s", r.Readers, adj, noun, rest)
	}
}

// Cases are the configurations, in the order of the report.
var Cases = []Case{
	{ID: "none", Label: func(*Result) string { return "no readers (baseline)" },
		Goroutines: func(Config, int) int { return 0 }, Slots: none, Procs: same},
	{ID: "busy", Label: readersAnd("busy ", ", unbounded"), Goroutines: many, Slots: none, Procs: same},
	{ID: "sem-p-1", Label: readersAnd("", ", semaphore of GOMAXPROCS−1 = %d"), Goroutines: many, Slots: oneLess, Procs: same},
	{ID: "sem-p-1-long", Label: func(r *Result) string {
		return fmt.Sprintf("%d readers, semaphore of GOMAXPROCS−1 = %d held for %d searches", r.Readers, r.Slots, r.Hold)
	}, Goroutines: many, Slots: oneLess, Procs: same, Long: true},
	{ID: "sem-p", Label: readersAnd("", ", semaphore of GOMAXPROCS = %d"), Goroutines: many, Slots: same, Procs: same},
	{ID: "gosched", Label: func(r *Result) string {
		return fmt.Sprintf("%d readers, runtime.Gosched every %d searches", r.Readers, r.YieldEvery)
	}, Goroutines: many, Slots: none, Procs: same, Yield: true},
	{ID: "pool-p-1", Label: readersAnd("busy ", " (GOMAXPROCS−1)"), Goroutines: fewer, Slots: none, Procs: same},
	{ID: "pool-p", Label: readersAnd("busy ", " (GOMAXPROCS)"), Goroutines: asMany, Slots: none, Procs: same},
	{ID: "pool-spare", Label: func(r *Result) string {
		return fmt.Sprintf("%d busy readers (GOMAXPROCS), GOMAXPROCS raised to %d", r.Readers, r.Procs)
	}, Goroutines: asMany, Slots: none, Procs: func(p int) int { return p + 1 }},
}

// CaseByID returns the case with the given ID.
func CaseByID(id string) (Case, bool) {
	i := slices.IndexFunc(Cases, func(c Case) bool { return c.ID == id })
	if i < 0 {
		return Case{}, false
	}
	return Cases[i], true
}

// Sample is one run of one case.
type Sample struct {
	Commits    int           // commits done
	Elapsed    time.Duration // from the first commit's scheduled start to the end of the run or of the last commit, whichever is later
	CommitsPS  float64       // Commits / Elapsed
	Late       Dist          // commit latency from its scheduled start to the end of Update
	Service    Dist          // time inside Update
	SearchesPS float64       // searches per second, all readers together
}

// Dist summarises a latency distribution.
type Dist struct {
	P50, P99, Max time.Duration
}

// Result is every run of one case and their medians.
type Result struct {
	Case       string   // ID
	Label      string   // Case.Label filled in
	Readers    int      // reader goroutines
	Slots      int      // semaphore slots, 0 for none
	Procs      int      // GOMAXPROCS
	Hold       int      // searches per semaphore slot held (per Gosched check without a semaphore)
	YieldEvery int      // searches between runtime.Gosched calls; 0 for none
	Samples    []Sample // one per run, in run order
	Median     Sample   // the median of each figure over Samples
}

// Results is a whole run of the command.
type Results struct {
	Config  Config
	Procs   int    // GOMAXPROCS the command started with
	CPUs    int    // runtime.NumCPU
	CPU, OS string // from compare.Machine
	Go      string
	Date    string
	Cases   []Result
}

// ErrConfig is returned (wrapped, with detail) by Run for an invalid Config.
var ErrConfig = errors.New("readers: invalid configuration")

func (cfg Config) check() error {
	switch {
	case cfg.Segments < 2:
		return fmt.Errorf("%w: %d segments, need at least 2", ErrConfig, cfg.Segments)
	case cfg.Duration <= 0:
		return fmt.Errorf("%w: duration %s", ErrConfig, cfg.Duration)
	case cfg.Runs < 1:
		return fmt.Errorf("%w: %d runs", ErrConfig, cfg.Runs)
	case cfg.Readers < 1:
		return fmt.Errorf("%w: %d readers", ErrConfig, cfg.Readers)
	case !(cfg.Rate > 0):
		return fmt.Errorf("%w: rate %v commits/s, need more than 0", ErrConfig, cfg.Rate)
	case cfg.Batch < 1:
		return fmt.Errorf("%w: batch %d", ErrConfig, cfg.Batch)
	case cfg.Hold < 1:
		return fmt.Errorf("%w: hold %d", ErrConfig, cfg.Hold)
	case cfg.YieldEvery < 1:
		return fmt.Errorf("%w: yield every %d searches", ErrConfig, cfg.YieldEvery)
	}
	for _, id := range cfg.Cases {
		if _, ok := CaseByID(id); !ok {
			return fmt.Errorf("%w: no case %q", ErrConfig, id)
		}
	}
	return nil
}

// Run measures every case of cfg.Cases cfg.Runs times, interleaved: run r
// goes through the cases starting at case r (mod the number of cases), so
// that no case always follows the same one.
func Run(cfg Config) (*Results, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	cases := Cases
	if cfg.Cases != nil {
		cases = nil
		for _, id := range cfg.Cases {
			c, _ := CaseByID(id)
			cases = append(cases, c)
		}
	}
	p := runtime.GOMAXPROCS(0)
	res := &Results{Config: cfg, Procs: p, CPUs: runtime.NumCPU(), Go: runtime.Version(),
		Date: time.Now().UTC().Format("2006-01-02 15:04 MST")}
	res.CPU, res.OS = compare.Machine()
	base, err := baseTree(cfg.Segments, cfg.Seed)
	if err != nil {
		return nil, err
	}
	for _, c := range cases {
		r := Result{Case: c.ID, Readers: c.Goroutines(cfg, p), Slots: c.Slots(p), Procs: c.Procs(p), Hold: cfg.Batch}
		if c.Long {
			r.Hold = max(cfg.Batch, cfg.Hold/cfg.Batch*cfg.Batch)
		}
		if c.Yield {
			r.YieldEvery = cfg.YieldEvery
		}
		r.Label = c.Label(&r)
		res.Cases = append(res.Cases, r)
	}
	for run := range cfg.Runs {
		for j := range cases {
			i := (run + j) % len(cases)
			r := &res.Cases[i]
			s, err := runCase(cfg, base, r, uint64(run))
			if err != nil {
				return nil, fmt.Errorf("%s, run %d: %w", r.Case, run+1, err)
			}
			r.Samples = append(r.Samples, s)
			if cfg.Log != nil {
				fmt.Fprintf(cfg.Log, "run %d/%d %-12s %6.0f commits/s, late p50 %s p99 %s max %s, service p50 %s max %s, %s searches/s\n",
					run+1, cfg.Runs, r.Case, s.CommitsPS, fmtDur(s.Late.P50), fmtDur(s.Late.P99), fmtDur(s.Late.Max),
					fmtDur(s.Service.P50), fmtDur(s.Service.Max), fmtRate(s.SearchesPS))
			}
		}
	}
	for i := range res.Cases {
		res.Cases[i].Median = medianSample(res.Cases[i].Samples)
	}
	return res, nil
}

// baseTree returns a frozen tree of n consecutive segments over
// [0, Stride*n) with random boundaries and values.
func baseTree(n int, seed uint64) (*fst.Tree[Key, Val], error) {
	rng := rand.New(rand.NewPCG(seed, 0xb5ad4eceda1ce2a9))
	segs := make([]fst.Segment[Key, Val], n)
	var at Key
	for i := range segs {
		end := Key(i+1) * Stride
		if i < n-1 {
			end += rng.Int64N(Stride) - Stride/2
		}
		segs[i] = fst.Segment[Key, Val]{Start: at, End: end, Value: Val(i%1000 + 1)}
		at = end
	}
	t, err := fst.Build(0, Stride*Key(n), 0, segs)
	if err != nil {
		return nil, err
	}
	t.Freeze()
	return t, nil
}

// runCase runs one case once on a fresh store holding base.
func runCase(cfg Config, base *fst.Tree[Key, Val], r *Result, run uint64) (Sample, error) {
	s, err := flatseg.NewFrom(base)
	if err != nil {
		return Sample{}, err
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(r.Procs))
	runtime.GC()

	span := Stride * Key(cfg.Segments)
	var sem chan struct{}
	if r.Slots > 0 {
		sem = make(chan struct{}, r.Slots)
	}
	var (
		stop     atomic.Bool
		searches atomic.Int64
		sink     atomic.Int64
		wg       sync.WaitGroup
	)
	readStart := time.Now()
	for g := range r.Readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(cfg.Seed, run<<32|uint64(g)+1))
			var n, h, since int64
			for !stop.Load() {
				if sem != nil {
					sem <- struct{}{}
				}
				for range r.Hold / cfg.Batch {
					sn := s.Snapshot()
					for range cfg.Batch {
						seg, _ := sn.Search(rng.Int64N(span))
						h += seg.Value
					}
				}
				if sem != nil {
					<-sem
				}
				n += int64(r.Hold)
				if r.YieldEvery > 0 {
					if since += int64(r.Hold); since >= int64(r.YieldEvery) {
						since = 0
						runtime.Gosched()
					}
				}
			}
			searches.Add(n)
			sink.Add(h)
		}()
	}

	rng := rand.New(rand.NewPCG(cfg.Seed, run<<32))
	want := int(cfg.Rate*cfg.Duration.Seconds()) + 1
	late := make([]time.Duration, 0, want)
	service := make([]time.Duration, 0, want)
	period := float64(time.Second) / cfg.Rate
	start := time.Now()
	end := start.Add(cfg.Duration)
	last := start
	for i := 0; ; i++ {
		due := start.Add(time.Duration(float64(i) * period))
		if !due.Before(end) {
			break
		}
		if wait := time.Until(due); wait > 0 {
			time.Sleep(wait)
		}
		t0 := time.Now()
		if i > 0 && !t0.Before(end) {
			break // late past the end: the commits still due are not done (the first always is)
		}
		a := rng.Int64N(span)
		b := min(span, a+1+rng.Int64N(Stride))
		v := 1 + rng.Int64N(1000)
		err := s.Update(func(tx *flatseg.Txn[Key, Val]) error {
			_, err := tx.Insert(a, b, v)
			return err
		})
		t1 := time.Now()
		if err != nil {
			stop.Store(true)
			wg.Wait()
			return Sample{}, err
		}
		late = append(late, t1.Sub(due))
		service = append(service, t1.Sub(t0))
		last = t1
	}
	stop.Store(true)
	readEnd := time.Now()
	wg.Wait()

	elapsed := max(cfg.Duration, last.Sub(start))
	out := Sample{Commits: len(late), Elapsed: elapsed, CommitsPS: float64(len(late)) / elapsed.Seconds(),
		Late: dist(late), Service: dist(service)}
	if r.Readers > 0 {
		out.SearchesPS = float64(searches.Load()) / readEnd.Sub(readStart).Seconds()
	}
	return out, nil
}

// dist sorts ds and summarises it; the zero Dist for none.
func dist(ds []time.Duration) Dist {
	if len(ds) == 0 {
		return Dist{}
	}
	slices.Sort(ds)
	at := func(q float64) time.Duration { return ds[int(q*float64(len(ds)-1)+0.5)] }
	return Dist{P50: at(0.50), P99: at(0.99), Max: ds[len(ds)-1]}
}

// medianSample returns the median of each figure of ss separately.
func medianSample(ss []Sample) Sample {
	pick := func(f func(Sample) float64) float64 {
		vs := make([]float64, len(ss))
		for i, s := range ss {
			vs[i] = f(s)
		}
		return median(vs)
	}
	d := func(f func(Sample) time.Duration) time.Duration {
		return time.Duration(pick(func(s Sample) float64 { return float64(f(s)) }))
	}
	return Sample{
		Commits:    int(pick(func(s Sample) float64 { return float64(s.Commits) })),
		Elapsed:    d(func(s Sample) time.Duration { return s.Elapsed }),
		CommitsPS:  pick(func(s Sample) float64 { return s.CommitsPS }),
		Late:       Dist{P50: d(func(s Sample) time.Duration { return s.Late.P50 }), P99: d(func(s Sample) time.Duration { return s.Late.P99 }), Max: d(func(s Sample) time.Duration { return s.Late.Max })},
		Service:    Dist{P50: d(func(s Sample) time.Duration { return s.Service.P50 }), P99: d(func(s Sample) time.Duration { return s.Service.P99 }), Max: d(func(s Sample) time.Duration { return s.Service.Max })},
		SearchesPS: pick(func(s Sample) float64 { return s.SearchesPS }),
	}
}

// median returns the median of vs (the mean of the middle two for an even
// count); it sorts vs.
func median(vs []float64) float64 {
	if len(vs) == 0 {
		return 0
	}
	slices.Sort(vs)
	m := len(vs) / 2
	if len(vs)%2 == 1 {
		return vs[m]
	}
	return (vs[m-1] + vs[m]) / 2
}
