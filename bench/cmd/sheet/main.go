// Command sheet measures the questions LibreOffice Calc asks of a sheet's
// row heights and hidden rows (the pixel y of a row, the row at a pixel
// height, visible rows in a range, the next and previous visible row, the
// sum of heights), answered three ways: mdds::flat_segment_tree with Calc's
// loops in a C++ driver, fst.Tree with the same loops, and one fst.Measured
// tree with one call per question. Every way answers the same questions;
// the command fails, writing nothing, when two ways disagree.
//
// From the repository root:
//
//	go -C bench run ./cmd/sheet          # 10³ … 10⁶ rows; writes bench/results/sheet.{md,svg,json}
//	go -C bench run ./cmd/sheet -quick   # 10³, 10⁴ rows in seconds; writes a temp dir (for CI)
//
// The mdds driver needs g++ and the mdds 2.x headers (apt-get install -y g++
// libmdds-dev); without them the command says so and measures the rest.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/flatseg/flatseg/bench/internal/sheet"
)

func main() {
	var (
		quick   = flag.Bool("quick", false, "10³ and 10⁴ rows, 3 rounds, 1ms per batch (seconds); writes a temp dir unless -out is given")
		sizes   = flag.String("rows", "", "comma-separated sheet sizes in rows (default 1000,10000,100000,1000000; -quick: 1000,10000)")
		out     = flag.String("out", "", "directory for sheet.md, sheet.json and sheet.svg (default the bench module's results/; -quick: a temp dir)")
		mdds    = flag.Bool("mdds", true, "build and run the mdds C++ driver (needs g++ and libmdds-dev)")
		seed    = flag.Uint64("seed", 1, "random seed of the sheet and its questions")
		rounds  = flag.Int("rounds", 0, "rounds of edits and questions (default 7; -quick: 3)")
		minTime = flag.Duration("min-time", 0, "least time spent on one round's questions of one kind (default 20ms; -quick: 1ms)")
	)
	flag.Parse()

	cfg := sheet.Config{Sizes: []sheet.Row{1_000, 10_000, 100_000, 1_000_000}, Seed: *seed, Rounds: 7,
		MinTime: 20 * time.Millisecond, Mdds: *mdds, Log: os.Stderr}
	dir := "results"
	if d, ok := benchDir(); ok {
		dir = filepath.Join(d, "results")
	}
	if *quick {
		cfg.Sizes, cfg.Rounds, cfg.MinTime, dir = []sheet.Row{1_000, 10_000}, 3, time.Millisecond, ""
	}
	if *sizes != "" {
		cfg.Sizes = nil
		for _, f := range strings.Split(*sizes, ",") {
			n, err := strconv.ParseInt(strings.TrimSpace(f), 10, 32)
			if err != nil || n < 2 {
				fail(fmt.Errorf("-rows: bad size %q", f))
			}
			cfg.Sizes = append(cfg.Sizes, sheet.Row(n))
		}
	}
	if *rounds > 0 {
		cfg.Rounds = *rounds
	}
	if *minTime > 0 {
		cfg.MinTime = *minTime
	}
	if *out != "" {
		dir = *out
	}
	if dir == "" {
		d, err := os.MkdirTemp("", "flatseg-sheet-quick-")
		if err != nil {
			fail(err)
		}
		dir = d
	}
	cfg.Command = strings.Join(append([]string{"go -C bench run ./cmd/sheet"}, os.Args[1:]...), " ")

	start := time.Now()
	res, err := sheet.Run(cfg)
	if err != nil {
		if errors.Is(err, sheet.ErrMismatch) {
			fmt.Fprintln(os.Stderr, "sheet: the ways disagree; nothing written")
		}
		fail(err)
	}
	if err := res.WriteMarkdown(os.Stdout, ""); err != nil {
		fail(err)
	}
	if err := res.WriteDir(dir); err != nil {
		fail(err)
	}
	fmt.Fprintf(os.Stderr, "wrote %s (sheet.md, sheet.json, sheet.svg) in %s\n", dir, time.Since(start).Round(time.Second))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "sheet:", err)
	os.Exit(1)
}

// benchDir returns the nearest directory at or above the working directory
// whose go.mod declares the bench module.
func benchDir() (string, bool) {
	dir, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil {
			for _, line := range strings.Split(string(b), "\n") {
				if f := strings.Fields(line); len(f) == 2 && f[0] == "module" && f[1] == "github.com/flatseg/flatseg/bench" {
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
