// Command merge measures fst.Merge against Boost.ICL's interval_map += and
// &= (a C++ driver compiled with g++), against fst.Build of the merged
// tree and against the loop of Overlapping and Insert a caller writes
// without Merge, on two trees of n segments each (every one of b's
// overlapping two of a's); fst.MergeSame of two versions a few Inserts
// apart; and fst.Zip against All. It prints one Markdown table (the
// README's) and fails, printing nothing, when two ways disagree.
//
// From the repository root:
//
//	go -C bench run ./cmd/merge          # n = 500000 (10⁶ boundaries a tree), versions of 10⁶ segments
//	go -C bench run ./cmd/merge -quick   # n = 10⁴, in seconds (for CI)
//
// The ICL driver needs g++ and the Boost headers (apt-get install -y g++
// libboost-dev); without them the command says so and measures the rest.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/flatseg/flatseg/bench/internal/merge"
)

func main() {
	var (
		quick    = flag.Bool("quick", false, "n = 10⁴, versions of 10⁵ segments, 3 rounds")
		n        = flag.Int("n", 500_000, "segments with a value in each merged tree")
		versions = flag.Int("versions", 1_000_000, "segments of the tree whose versions MergeSame merges")
		inserts  = flag.Int("inserts", 100, "Inserts between the two versions")
		rounds   = flag.Int("rounds", 7, "timed rounds of each way (the median is reported)")
		icl      = flag.Bool("icl", true, "build and run the Boost.ICL driver (needs g++ and libboost-dev)")
	)
	flag.Parse()
	cfg := merge.Config{N: *n, Versions: *versions, Inserts: *inserts, Rounds: *rounds, ICL: *icl, Log: os.Stderr}
	if *quick {
		cfg.N, cfg.Versions, cfg.Rounds = 10_000, 100_000, 3
	}
	if cfg.N < 1 || cfg.Versions < 1 || cfg.Inserts < 1 || cfg.Rounds < 1 {
		fail(fmt.Errorf("-n, -versions, -inserts and -rounds must be positive"))
	}
	res, err := merge.Run(cfg)
	if err != nil {
		fail(err)
	}
	command := strings.Join(append([]string{"go -C bench run ./cmd/merge"}, os.Args[1:]...), " ")
	if err := res.WriteMarkdown(os.Stdout, command); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "merge:", err)
	os.Exit(1)
}
