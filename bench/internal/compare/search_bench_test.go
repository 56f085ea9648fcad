package compare

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/flatseg/flatseg/fst"
)

// BenchmarkSearchMdds puts fst.Tree.Search, a binary search over a sorted
// []int64 of the same boundaries and mdds search_tree (through the C++
// driver) side by side on one tree of n = 1e6 segments built by appends
// ([Base]), with the same keys: keys=cold is a stream of 4M random keys
// (32 MiB of keys, far more leaves than the L2 cache holds), keys=hot 4096
// random keys over and over. The mdds figure is the driver's own timing of
// the whole stream, reported as ns/op per search (one b.Loop iteration is
// one driver run); it is skipped when the driver cannot be built.
func BenchmarkSearchMdds(b *testing.B) {
	const n = 1_000_000
	base := Base(rand.New(rand.NewPCG(1, 2)), n)
	t, err := fst.Build(0, span(base), 0, segments(base))
	if err != nil {
		b.Fatal(err)
	}
	t.Freeze()
	bounds := make([]Key, n)
	vals := make([]Val, n)
	for i, s := range base {
		bounds[i], vals[i] = s.Start, s.Value
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, keys := range []string{"cold", "hot"} {
		m := 1 << 22
		distinct := m
		if keys == "hot" {
			distinct = 4096
		}
		ks := make([]Key, m)
		for i := range ks {
			if i < distinct {
				ks[i] = rng.Int64N(span(base))
			} else {
				ks[i] = ks[i%distinct]
			}
		}
		b.Run(fmt.Sprintf("keys=%s/impl=fst/n=%d", keys, n), func(b *testing.B) {
			b.ReportAllocs()
			var sink Val
			i := 0
			for b.Loop() {
				s, _ := t.Search(ks[i&(m-1)])
				sink += s.Value
				i++
			}
			_ = sink
		})
		b.Run(fmt.Sprintf("keys=%s/impl=slice/n=%d", keys, n), func(b *testing.B) {
			b.ReportAllocs()
			var sink Val
			i := 0
			for b.Loop() {
				j, found := slices.BinarySearch(bounds, ks[i&(m-1)])
				if !found {
					j--
				}
				sink += vals[j]
				i++
			}
			_ = sink
		})
		b.Run(fmt.Sprintf("keys=%s/impl=mdds/n=%d", keys, n), func(b *testing.B) {
			ns, calls := mddsSearch(b, base, ks)
			b.ReportMetric(ns/calls, "ns/op")
		})
	}
}

// mddsSearch runs the searches of ks on mdds search_tree once per b.Loop
// iteration and returns the driver's total time and number of searches.
func mddsSearch(b *testing.B, base []Segment, ks []Key) (ns, calls float64) {
	driver, _, err := BuildDriver()
	if errors.Is(err, ErrNoDriver) {
		b.Skip(err)
	} else if err != nil {
		b.Fatal(err)
	}
	ops := make([]Op, len(ks))
	for i, k := range ks {
		ops[i] = Op{Kind: OpSearch, A: k}
	}
	opFile := filepath.Join(b.TempDir(), "ops")
	f, err := os.Create(opFile)
	if err != nil {
		b.Fatal(err)
	}
	ow := newOpWriter(f)
	ow.setup(base)
	ow.task("search", "mdds", len(base), false, time.Hour, ops)
	ow.i64(0)
	if err := ow.flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		err := runDriver(driver, opFile, func(fs []string) error {
			line, err := parseDriverLine(fs, nil, 0)
			if err != nil {
				return err
			}
			if c := line.cell; c != nil {
				calls += float64(c.Calls)
				ns += c.Ns * float64(c.Calls)
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	if calls == 0 {
		b.Fatal("the driver reported no searches")
	}
	return ns, calls
}
