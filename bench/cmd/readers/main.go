// Command readers measures what busy reader goroutines do to the one writer
// of a flatseg.Store on the same CPUs: a writer scheduled at a fixed rate of
// commits (one random Insert each) against reader goroutines searching
// snapshots in tight loops, with no readers, with unbounded readers, and
// with the remedies (a semaphore of GOMAXPROCS−1 or GOMAXPROCS slots,
// runtime.Gosched in the readers, GOMAXPROCS−1 reader goroutines, a spare
// P). Every case runs several times, interleaved; the table gives medians.
//
// From the repository root:
//
//	go -C bench run ./cmd/readers            # 10⁵ segments, 64 readers, 10,000 commits/s, 7 runs of 2 s per case
//	go -C bench run ./cmd/readers -quick     # 10⁴ segments, 2 runs of 100 ms per case: seconds
//
// It writes the table to standard output and one line per run to standard
// error.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/trace"
	"strings"
	"time"

	"github.com/flatseg/flatseg/bench/internal/readers"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "readers:", err)
		os.Exit(1)
	}
}

// run is the command with its arguments and output streams.
func run(args []string, stdout, stderr io.Writer) (err error) {
	def := readers.Default()
	fs := flag.NewFlagSet("readers", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		quick    = fs.Bool("quick", false, "10⁴ segments, 2 runs of 100ms per case (seconds); flags given as well override it")
		duration = fs.Duration("duration", def.Duration, "length of one run of one case")
		runs     = fs.Int("runs", def.Runs, "runs of every case, interleaved; the table gives the medians")
		nReaders = fs.Int("readers", def.Readers, "reader goroutines of the cases with many readers")
		rate     = fs.Float64("rate", def.Rate, "the writer's pace, commits per second")
		segments = fs.Int("segments", def.Segments, "segments of the store's first version")
		batch    = fs.Int("batch", def.Batch, "searches per snapshot and per semaphore slot held")
		hold     = fs.Int("hold", def.Hold, "searches per semaphore slot held in the sem-p-1-long case")
		yield    = fs.Int("yield-every", def.YieldEvery, "searches between runtime.Gosched calls in the gosched case")
		cases    = fs.String("cases", "", "comma-separated case IDs to run, in order (default all: "+ids()+")")
		seed     = fs.Uint64("seed", def.Seed, "seed of the tree, the writes and the readers' keys")
		traceTo  = fs.String("trace", "", "write an execution trace of the whole command to this file (go tool trace)")
	)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil // -h: the usage is printed, nothing is run
		}
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	cfg := def
	if *quick {
		cfg = readers.Quick()
	}
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "duration":
			cfg.Duration = *duration
		case "runs":
			cfg.Runs = *runs
		case "readers":
			cfg.Readers = *nReaders
		case "rate":
			cfg.Rate = *rate
		case "segments":
			cfg.Segments = *segments
		case "batch":
			cfg.Batch = *batch
		case "hold":
			cfg.Hold = *hold
		case "yield-every":
			cfg.YieldEvery = *yield
		case "seed":
			cfg.Seed = *seed
		case "cases":
			for _, id := range strings.Split(*cases, ",") {
				cfg.Cases = append(cfg.Cases, strings.TrimSpace(id))
			}
		}
	})
	cfg.Command = strings.Join(append([]string{"go -C bench run ./cmd/readers"}, args...), " ")
	cfg.Log = stderr

	if *traceTo != "" {
		f, err := os.Create(*traceTo)
		if err != nil {
			return err
		}
		if err := trace.Start(f); err != nil {
			f.Close()
			return err
		}
		defer func() {
			trace.Stop()
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}()
	}
	start := time.Now()
	res, err := readers.Run(cfg)
	if err != nil {
		return err
	}
	if err := res.WriteMarkdown(stdout); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "done in %s\n", time.Since(start).Round(time.Second))
	return nil
}

func ids() string {
	var out []string
	for _, c := range readers.Cases {
		out = append(out, c.ID)
	}
	return strings.Join(out, ",")
}
