package compare

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/flatseg/flatseg/fst"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBase(t *testing.T) {
	for _, n := range []int{2, 3, 100, 5000} {
		t.Run(fmt.Sprintf("n=%d", n), func(t *testing.T) {
			segs := Base(rngFor(7, n, "base"), n)
			require.Len(t, segs, n)
			assert.Equal(t, Key(0), segs[0].Start)
			assert.Equal(t, Stride*Key(n), segs[n-1].End)
			for i, s := range segs {
				assert.Less(t, s.Start, s.End, "segment %d", i)
				assert.NotZero(t, s.Value, "segment %d", i)
				if i > 0 {
					assert.Equal(t, segs[i-1].End, s.Start, "segment %d", i)
					assert.NotEqual(t, segs[i-1].Value, s.Value, "segment %d", i)
				}
			}
			assert.Equal(t, segs, Base(rngFor(7, n, "base"), n), "same seed, same segments")
		})
	}
}

// TestWorkloads_OpsInSpan checks that every generated op is valid for the
// span, so no implementation is measured on its error path.
func TestWorkloads_OpsInSpan(t *testing.T) {
	for _, w := range Workloads {
		for _, n := range []int{2, 1000} {
			t.Run(fmt.Sprintf("%s/n=%d", w.Name, n), func(t *testing.T) {
				span := Stride * Key(n)
				ops := w.Ops(rngFor(1, n, w.Name), Base(rngFor(1, n, "base"), n), 500)
				require.NotEmpty(t, ops)
				for i, op := range ops {
					switch op.Kind {
					case OpSearch:
						assert.True(t, op.A >= 0 && op.A < span, "op %d: %v", i, op)
					case OpInsert, OpAppend, OpShiftLeft, OpCloneInsert:
						assert.True(t, op.A >= 0 && op.A < op.B && op.B <= span, "op %d: %v", i, op)
					case OpShiftRight:
						assert.True(t, op.A >= 0 && op.A < span && op.B > 0, "op %d: %v", i, op)
					}
				}
			})
		}
	}
}

// counter is a structure that counts its searches.
type counter struct {
	tree
	searches int
}

func (c *counter) Search(k Key) (fst.Segment[Key, Val], bool) {
	c.searches++
	return c.tree.Search(k)
}

func TestMeasure_Chunks(t *testing.T) {
	tr, err := newTree(make([]Segment, 10), Empty, nil)
	require.NoError(t, err)
	ops := slices.Repeat([]Op{{Kind: OpSearch, A: 3}}, 1000)
	c := &counter{tree: tr.(tree)}
	calls, _ := measure(&runner{x: c}, ops, time.Hour)
	assert.Equal(t, 1000, calls, "a long budget runs the whole stream")
	assert.Equal(t, 1000, c.searches)

	c.searches = 0
	calls, _ = measure(&runner{x: c}, ops, 0)
	assert.Equal(t, 1, calls, "a spent budget stops after the first chunk")
	assert.Equal(t, 1, c.searches)
}

// TestRunner_Flush checks that measure commits the batched Store's last,
// partial transaction: its writes are in the state it reports.
func TestRunner_Flush(t *testing.T) {
	base := Base(rngFor(1, 50, "base"), 50)
	ops := randomInserts(rngFor(1, 50, "w"), 50, 25)
	want := &runner{x: mustNew(t, newTree, base)}
	measure(want, ops, time.Hour)
	got := &runner{x: mustNew(t, newStoreBatch, base)}
	measure(got, ops, time.Hour)
	require.NoError(t, got.err)
	assert.Equal(t, want.h, got.h)
	x := got.x.(*storeBatch)
	assert.Nil(t, x.tx, "no transaction left open")
	assert.Equal(t, fingerprint(want.x.Segments()), fingerprint(x.s.Snapshot().Segments()))
}

func mustNew(t *testing.T, newX func([]Segment, Setup, *Config) (structure, error), base []Segment) structure {
	x, err := newX(base, Built, &Config{Batch: 10})
	require.NoError(t, err)
	return x
}

// TestRun_ImplementationsAgree runs every workload to the end of its stream on
// every implementation, the mdds driver included when it can be built, and
// requires identical results and final segments everywhere.
func TestRun_ImplementationsAgree(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir()) // build the driver afresh
	var log strings.Builder
	res, err := Run(Config{
		Sizes: []int{2, 37, 300}, Stream: 700, Budget: time.Hour, Seed: 3, Mdds: true,
		Batch: 7, Readers: 1, TputDuration: time.Millisecond, Log: &log,
	})
	require.NoError(t, err)
	require.Empty(t, res.Problems)
	_, _, driverErr := BuildDriver()
	if driverErr != nil {
		require.ErrorIs(t, driverErr, ErrNoDriver)
		t.Logf("mdds not compared: %v", driverErr)
	}
	impls := map[string]bool{}
	for _, c := range res.Cells {
		impls[c.Impl] = true
		assert.Equal(t, c.Stream, c.Calls, "%s/%s/n=%d ran its whole stream", c.Workload, c.Impl, c.N)
		assert.Empty(t, c.Err)
	}
	want := []string{ImplFst, ImplStore, ImplStoreBatch, ImplRWMutex, ImplRangeMap, ImplTidwall, ImplGoogle}
	if driverErr == nil {
		want = append(want, ImplMdds, ImplMddsHint, ImplMddsBuild)
	}
	for _, id := range want {
		assert.True(t, impls[id], "%s measured", id)
	}
	// Every workload at every size had its results compared with fst.Tree's.
	for _, c := range res.Cells {
		if c.Impl == ImplFst {
			continue
		}
		ref, ok := res.cell(c.Workload, ImplFst, c.N)
		require.True(t, ok)
		assert.Equal(t, ref.Checksum, c.Checksum, "%s/%s/n=%d", c.Workload, c.Impl, c.N)
		assert.Equal(t, ref.State, c.State, "%s/%s/n=%d", c.Workload, c.Impl, c.N)
	}
}

func TestSkipReason(t *testing.T) {
	shift, _ := workload("shift")
	iterate, _ := workload("iterate")
	budget := 10 * time.Millisecond
	cells := []Cell{
		{Workload: "shift", Impl: ImplRangeMap, N: 1000, Calls: 3, Stream: 9, Ns: 1e6},          // 1 ms per op
		{Workload: "shift", Impl: ImplRangeMap, N: 100, Calls: 9, Stream: 9, Ns: 1e3},           // ignored: not the largest smaller size
		{Workload: "shift", Impl: ImplRangeMap, N: 10_000, Skipped: "too slow"},                 // ignored: not measured
		{Workload: "shift", Impl: ImplTidwall, N: 1000, Calls: 9, Stream: 9, Ns: 1e6, Err: "x"}, // ignored: failed
		{Workload: "iterate", Impl: ImplFst, N: 1000, Calls: 9, Stream: 9, Ns: 10},              // per segment: 10 µs per op
	}
	tests := []struct {
		w    Workload
		id   string
		n    int
		skip bool
	}{
		{shift, ImplRangeMap, 1000, false},     // nothing smaller measured but n=100, at 1 µs per op
		{shift, ImplRangeMap, 10_000, false},   // 10 ms projected: within 4 budgets
		{shift, ImplRangeMap, 100_000, true},   // 100 ms projected
		{shift, ImplTidwall, 1_000_000, false}, // no measurement to project from
		{iterate, ImplFst, 1_000_000, false},   // 10 ms per op projected
		{iterate, ImplFst, 10_000_000, true},   // 100 ms per op projected
	}
	for _, tc := range tests {
		got := skipReason(cells, tc.w, tc.id, tc.n, budget)
		assert.Equal(t, tc.skip, got != "", "%s/%s/n=%d: %q", tc.w.Name, tc.id, tc.n, got)
	}
	assert.Equal(t, "one op took 1.00 ms at n = 10³; in proportion to n, one op would take about 100 ms, over 4× the 10ms budget",
		skipReason(cells, shift, ImplRangeMap, 100_000, budget))
}

// TestRun_Skips runs with a budget so small that every cell at the second
// size is projected over it: those cells are skipped, reported and not run.
func TestRun_Skips(t *testing.T) {
	res, err := Run(Config{Sizes: []int{50, 5000}, Stream: 64, Budget: time.Nanosecond, Seed: 1, Batch: 4, Readers: 1, TputDuration: time.Millisecond})
	require.NoError(t, err)
	require.Empty(t, res.Problems)
	skipped := 0
	for _, c := range res.Cells {
		if c.N == 5000 {
			assert.NotEmpty(t, c.Skipped, "%s/%s", c.Workload, c.Impl)
			assert.Zero(t, c.Calls, "%s/%s", c.Workload, c.Impl)
			skipped++
		} else {
			assert.Empty(t, c.Skipped, "%s/%s", c.Workload, c.Impl)
			assert.Positive(t, c.Calls, "%s/%s", c.Workload, c.Impl)
		}
	}
	require.Positive(t, skipped)
	var b strings.Builder
	require.NoError(t, res.WriteMarkdown(&b))
	assert.Contains(t, b.String(), "## Skipped cells")
	assert.Contains(t, b.String(), "- Random point search on fst.Tree (in place) at n = 5000: one op took")
	assert.Len(t, res.skipped(), skipped)
}

func TestResults_NotAhead(t *testing.T) {
	r := &Results{Meta: Meta{Batch: 100},
		Cells: []Cell{
			{Workload: "iterate", Impl: ImplFst, N: 10, Calls: 1, Stream: 1, Ns: 5},
			{Workload: "iterate", Impl: ImplTidwall, N: 10, Calls: 1, Stream: 1, Ns: 4},        // ahead of fst.Tree: listed
			{Workload: "iterate", Impl: ImplGoogle, N: 10, Calls: 1, Stream: 1, Ns: 6},         // behind
			{Workload: "iterate", Impl: ImplRWMutex, N: 10, Calls: 1, Stream: 1, Ns: 3},        // not a baseline
			{Workload: "iterate", Impl: ImplMdds, N: 10, Skipped: "slow"},                      // not measured
			{Workload: "iterate", Impl: ImplTidwall, N: 5, Calls: 1, Stream: 1, Ns: 1},         // another size
			{Workload: "search-random", Impl: ImplMddsHint, N: 10, Calls: 1, Stream: 1, Ns: 1}, // no fst.Tree cell
			{Workload: "search-seq", Impl: ImplFst, N: 10, Calls: 1, Stream: 1, Ns: 5},
			{Workload: "search-seq", Impl: ImplMdds, N: 10, Calls: 1, Stream: 1, Ns: 6}, // behind
		},
		Memory: []Memory{
			{Impl: ImplFst, N: 10, Bytes: 200, PerSegment: 20},
			{Impl: ImplMddsLeaves, N: 10, Bytes: 100, PerSegment: 10}, // smaller: listed
			{Impl: ImplMdds, N: 10, Bytes: 1000, PerSegment: 100},
		},
	}
	assert.Equal(t, []string{
		"Full iteration: tidwall/btree range map ×0.80 (4.00 ns against 5.00 ns)",
		"Memory per segment: mdds (leaves only) ×0.50 (10.0 B against 20.0 B)",
	}, r.notAhead(10))
}

func TestCrossCheck(t *testing.T) {
	cells := []Cell{
		{Workload: "w", Impl: "a", N: 10, Calls: 7, Checksum: 1, State: 2},
		{Workload: "w", Impl: "b", N: 10, Calls: 7, Checksum: 1, State: 2},
		{Workload: "w", Impl: "c", N: 10, Calls: 3, Checksum: 9, State: 9}, // another prefix
		{Workload: "w", Impl: "d", N: 10, Calls: 7, Checksum: 1, State: 5},
	}
	problems := crossCheck(cells)
	require.Len(t, problems, 1)
	assert.Contains(t, problems[0], "d")
}

// sample returns hand-made results covering every section of the report.
func sample() *Results {
	r := &Results{Meta: Meta{Command: "go -C bench run ./cmd/compare -quick", Date: "today", CPU: "cpu", CPUs: 2, GOMAXPROCS: 2,
		OS: "linux", Go: "go1.26", Seed: 1, Stream: 100, Budget: "10ms", Batch: 100, Readers: 1, TputFor: "50ms",
		Notes: []string{"a note"}}}
	for _, n := range []int{1000, 1_000_000} {
		for i, w := range Workloads {
			var ids []string
			for _, im := range Impls {
				if im.runs(w) {
					ids = append(ids, im.ID)
				}
			}
			for j, id := range ids {
				c := Cell{Workload: w.Name, Impl: id, N: n, Stream: 100, Calls: 100, Ns: float64((i + 1) * (j + 1) * n / 100)}
				if id == ImplMdds {
					c.Calls = 15
				}
				r.Cells = append(r.Cells, c)
			}
		}
		for i, id := range []string{ImplFst, ImplFstBuild, ImplStore, ImplRangeMap, ImplTidwall, ImplGoogle, ImplMdds, ImplMddsLeaves} {
			r.Memory = append(r.Memory, Memory{Impl: id, N: n, Bytes: int64(n * (i + 1) * 20), PerSegment: float64((i + 1) * 20)})
		}
		for _, id := range []string{ImplFst, ImplStore, ImplRWMutex, ImplRangeMap, ImplTidwall, ImplGoogle, ImplMdds} {
			for _, writer := range []bool{false, true} {
				if id == ImplFst && writer {
					continue
				}
				r.Throughput = append(r.Throughput, Throughput{Impl: id, N: n, Writer: writer, Readers: 1, Reads: 1e7 / float64(n), Writes: 1e4})
			}
		}
	}
	for i, c := range r.Cells {
		if c.Workload == "shift" && c.Impl == ImplRangeMap && c.N == 1_000_000 {
			r.Cells[i] = Cell{Workload: c.Workload, Impl: c.Impl, N: c.N, Stream: c.Stream, Skipped: "one op would take too long"}
		}
	}
	r.Problems = []string{"a problem"}
	return r
}

func TestResults_WriteMarkdown(t *testing.T) {
	var b strings.Builder
	require.NoError(t, sample().WriteMarkdown(&b))
	md := b.String()
	for _, want := range []string{"## Against mdds at n = 10⁶", "## Time per op", "## Memory per segment", "## Reader throughput", "## Problems",
		"go -C bench run ./cmd/compare -quick", "†15", "a note", "a problem",
		"## Skipped cells\n\n- Random ShiftLeft / ShiftRight on SortedMap range map at n = 10⁶: one op would take too long\n"} {
		assert.Contains(t, md, want)
	}
	for _, w := range Workloads {
		assert.Contains(t, md, "### "+w.Title)
	}
	// Every table's rows have as many cells as its header.
	lines := strings.Split(md, "\n")
	cols := -1
	for i, line := range lines {
		if !strings.HasPrefix(line, "|") {
			cols = -1
			continue
		}
		require.True(t, strings.HasSuffix(line, "|"), "line %d: %q", i+1, line)
		n := strings.Count(line, "|")
		if cols < 0 {
			cols = n
			require.True(t, i+1 < len(lines) && strings.HasPrefix(lines[i+1], "| ---"), "line %d: header without separator", i+1)
		}
		assert.Equal(t, cols, n, "line %d: %q", i+1, line)
	}
	// Targets: the sample's mdds is slower by a fixed factor, so each line is decided.
	assert.Regexp(t, `search at least 5× faster than mdds search_tree \| ×[0-9.]+ .*\| (yes|no) \|`, md)
}

func TestResults_WriteSummary(t *testing.T) {
	var b strings.Builder
	require.NoError(t, sample().WriteSummary(&b, "bench/results"))
	md := b.String()
	assert.Contains(t, md, "](bench/results/overview.svg)")
	assert.Contains(t, md, "go -C bench run ./cmd/compare -quick")
	assert.Contains(t, md, "### Against mdds at n = 10⁶")
	for _, w := range Workloads {
		assert.Contains(t, md, "| "+w.Title)
	}
}

func TestResults_WriteDir(t *testing.T) {
	dir := t.TempDir()
	r := sample()
	require.NoError(t, r.WriteDir(dir, "bench/results"))
	names := []string{"results.md", "summary.md", "results.json", "overview.svg", "memory.svg", "throughput.svg"}
	for _, w := range Workloads {
		names = append(names, w.Name+".svg")
	}
	for _, name := range names {
		b, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err, name)
		switch filepath.Ext(name) {
		case ".svg":
			assertSVG(t, name, b)
		case ".json":
			var back Results
			require.NoError(t, json.Unmarshal(b, &back))
			assert.Equal(t, r.Cells, back.Cells)
		}
	}
}

// assertSVG checks that b is an SVG document with at least one line of data.
func assertSVG(t *testing.T, name string, b []byte) {
	t.Helper()
	d := parseSVG(t, b)
	assert.Equal(t, "svg", d.root, name)
	lines := 0
	for _, im := range Impls {
		lines += len(d.dataPaths(im.Color))
	}
	assert.Positive(t, lines, name)
}

func TestFormat(t *testing.T) {
	tests := []struct{ got, want string }{
		{FormatNs(12.345), "12.3 ns"},
		{FormatNs(999), "999 ns"},
		{FormatNs(1500), "1.50 µs"},
		{FormatNs(2.5e7), "25.0 ms"},
		{FormatNs(3e9), "3.00 s"},
		{FormatNs(0), "–"},
		{FormatRatio(2.345), "×2.35"},
		{FormatRatio(1234567), "×1,234,567"},
		{FormatRatio(0), "–"},
		{SizeLabel(1000), "10³"},
		{SizeLabel(1_000_000), "10⁶"},
		{SizeLabel(37), "37"},
		{TimeDecade(1), "1 ns"},
		{TimeDecade(1e4), "10 µs"},
		{TimeDecade(1e9), "1 s"},
		{rateDecade(1e7), "10M"},
	}
	for i, tc := range tests {
		assert.Equal(t, tc.want, tc.got, "case %d", i)
	}
	assert.True(t, slices.IsSorted([]int{implRank(ImplFst), implRank(ImplStore), implRank(ImplMdds)}))
}
