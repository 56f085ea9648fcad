// Command compare measures this library against mdds::flat_segment_tree (the
// C++ original, through a driver compiled with g++), a sync.RWMutex-guarded
// fst.Tree and range maps on three ordered maps (immutable.SortedMap,
// tidwall/btree, google/btree), on the same workloads, sizes and random
// keys, and writes a Markdown report with SVG plots.
//
// bench is a module of its own (github.com/flatseg/flatseg/bench), so from
// the repository root:
//
//	go -C bench run ./cmd/compare            # n = 10³..10⁷, writes bench/results
//	go -C bench run ./cmd/compare -sizes 1000,10000,100000,1000000
//	go -C bench run ./cmd/compare -quick     # n = 10³, 10⁴ in seconds, writes a temp dir
//	go -C bench run ./cmd/compare -from results/results.json   # re-render, measure nothing
//
// A cell whose single op would take far longer than the time budget (an
// O(n)-per-op operation at a large n) is skipped, and the report says so.
// The mdds driver needs g++ and the mdds 2.x headers (apt-get install -y g++
// libmdds-dev); without them the command says so and measures the rest.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/flatseg/flatseg/bench/internal/compare"
)

func main() {
	var (
		quick   = flag.Bool("quick", false, "small sizes and short runs (seconds); writes to a temp dir unless -out is given")
		sizes   = flag.String("sizes", "", "comma-separated tree sizes in segments (default 1000,10000,100000,1000000,10000000; -quick: 1000,10000)")
		out     = flag.String("out", "", "directory for results.md, results.json and the SVG plots (default the bench module's results/; -quick: a temp dir)")
		mdds    = flag.Bool("mdds", true, "build and run the mdds C++ driver (needs g++ and libmdds-dev)")
		seed    = flag.Uint64("seed", 1, "random seed of segments and op streams")
		budget  = flag.Duration("budget", 0, "time after which an op stream is cut short (default 400ms; -quick: 10ms)")
		stream  = flag.Int("stream", 0, "ops per workload stream (default 131072; -quick: 8192)")
		batch   = flag.Int("batch", 100, "ops per commit of the batched Store")
		readers = flag.Int("readers", max(1, runtime.GOMAXPROCS(0)-1), "reader goroutines of the throughput test")
		tputFor = flag.Duration("tput", 0, "duration of each throughput case (default 1s; -quick: 50ms)")
		from    = flag.String("from", "", "re-render the report from a results.json of an earlier run instead of measuring")
		rate    = flag.Float64("write-rate", 10000, "writes per second of the throughput test's writer (0: as fast as it can)")
	)
	flag.Parse()

	cfg := compare.Config{
		Sizes: []int{1_000, 10_000, 100_000, 1_000_000, 10_000_000}, Stream: 1 << 17, Budget: 400 * time.Millisecond,
		Seed: *seed, Mdds: *mdds, Batch: *batch, Readers: *readers, TputDuration: time.Second, WriteRate: *rate, Log: os.Stderr,
	}
	dir := "results"
	if d, ok := moduleDir(".", benchModule); ok {
		dir = filepath.Join(d, "results")
	}
	if *quick {
		cfg.Sizes, cfg.Stream, cfg.Budget, cfg.TputDuration = []int{1_000, 10_000}, 1<<13, 10*time.Millisecond, 50*time.Millisecond
		dir = ""
	}
	if *sizes != "" {
		cfg.Sizes = nil
		for _, f := range strings.Split(*sizes, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 2 {
				fail(fmt.Errorf("-sizes: bad size %q", f))
			}
			cfg.Sizes = append(cfg.Sizes, n)
		}
	}
	if *budget > 0 {
		cfg.Budget = *budget
	}
	if *stream > 0 {
		cfg.Stream = *stream
	}
	if *tputFor > 0 {
		cfg.TputDuration = *tputFor
	}
	if *batch < 1 || *readers < 1 || *rate < 0 {
		fail(fmt.Errorf("-batch and -readers must be at least 1, -write-rate at least 0"))
	}
	if *out != "" {
		dir = *out
	}
	if dir == "" {
		d, err := os.MkdirTemp("", "flatseg-compare-quick-")
		if err != nil {
			fail(err)
		}
		dir = d
	}
	var err error
	cfg.Command = strings.Join(append([]string{"go -C bench run ./cmd/compare"}, os.Args[1:]...), " ")

	start := time.Now()
	var res *compare.Results
	if *from != "" {
		b, err := os.ReadFile(*from)
		if err != nil {
			fail(err)
		}
		res = new(compare.Results)
		if err := json.Unmarshal(b, res); err != nil {
			fail(fmt.Errorf("%s: %w", *from, err))
		}
	} else if res, err = compare.Run(cfg); err != nil {
		fail(err)
	}
	if err := res.WriteMarkdown(os.Stdout); err != nil {
		fail(err)
	}
	if err := res.WriteDir(dir, fromRoot(dir)); err != nil {
		fail(err)
	}
	fmt.Fprintf(os.Stderr, "wrote %s (results.md, results.json, *.svg) in %s\n", dir, time.Since(start).Round(time.Second))
	if len(res.Problems) > 0 {
		fmt.Fprintf(os.Stderr, "%d problem(s):\n  %s\n", len(res.Problems), strings.Join(res.Problems, "\n  "))
		os.Exit(1)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "compare:", err)
	os.Exit(1)
}

const (
	benchModule = "github.com/flatseg/flatseg/bench"
	rootModule  = "github.com/flatseg/flatseg"
)

// moduleDir returns the nearest directory at or above dir whose go.mod
// declares module.
func moduleDir(dir, module string) (string, bool) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", false
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil {
			for _, line := range strings.Split(string(b), "\n") {
				if f := strings.Fields(line); len(f) == 2 && f[0] == "module" && strings.Trim(f[1], `"`) == module {
					return dir, true
				}
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

// fromRoot returns dir relative to the repository root, for the links of
// summary.md (a README section); dir as given outside the repository.
func fromRoot(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return dir
	}
	root, ok := moduleDir(abs, rootModule)
	if !ok {
		return dir
	}
	rel, err := filepath.Rel(root, abs)
	if err != nil {
		return dir
	}
	return rel
}
