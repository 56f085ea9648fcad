package compare

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

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
					case OpInsert, OpAppend, OpShiftLeft:
						assert.True(t, op.A >= 0 && op.A < op.B && op.B <= span, "op %d: %v", i, op)
					case OpShiftRight:
						assert.True(t, op.A >= 0 && op.A < span && op.B > 0, "op %d: %v", i, op)
					}
				}
			})
		}
	}
}

// countImpl counts the ops it is given.
type countImpl struct{ ops, finished int }

func (c *countImpl) run(ops []Op)            { c.ops += len(ops) }
func (c *countImpl) finish()                 { c.finished++ }
func (c *countImpl) result() (uint64, error) { return 0, nil }
func (c *countImpl) state() uint64           { return 0 }

func TestMeasure_Chunks(t *testing.T) {
	ops := make([]Op, 1000)
	var c countImpl
	calls, _ := measure(&c, ops, time.Hour)
	assert.Equal(t, 1000, calls, "a long budget runs the whole stream")
	assert.Equal(t, 1000, c.ops)
	assert.Equal(t, 1, c.finished)

	c = countImpl{}
	calls, _ = measure(&c, ops, 0)
	assert.Equal(t, 1, calls, "a spent budget stops after the first chunk")
	assert.Equal(t, 1, c.ops)
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
	want := []string{ImplFst, ImplStore, ImplStoreBatch, ImplRWMutex, ImplRangeMap}
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
	r := &Results{Meta: Meta{Command: "go run ./bench/cmd/compare -quick", Date: "today", CPU: "cpu", CPUs: 2, GOMAXPROCS: 2,
		OS: "linux", Go: "go1.26", Seed: 1, Stream: 100, Budget: "10ms", Batch: 100, Readers: 1, TputFor: "50ms",
		Notes: []string{"a note"}}}
	for _, n := range []int{1000, 1_000_000} {
		for i, w := range Workloads {
			ids := append(implsFor(w), mddsImplsFor(w)...)
			for j, id := range ids {
				c := Cell{Workload: w.Name, Impl: id, N: n, Stream: 100, Calls: 100, Ns: float64((i + 1) * (j + 1) * n / 100)}
				if id == ImplMdds {
					c.Calls = 15
				}
				r.Cells = append(r.Cells, c)
			}
		}
		for i, id := range []string{ImplFst, ImplFstBuild, ImplStore, ImplRangeMap, ImplMdds, ImplMddsLeaves} {
			r.Memory = append(r.Memory, Memory{Impl: id, N: n, Bytes: int64(n * (i + 1) * 20), PerSegment: float64((i + 1) * 20)})
		}
		for _, id := range []string{ImplFst, ImplStore, ImplRWMutex, ImplRangeMap, ImplMdds} {
			for _, writer := range []bool{false, true} {
				if id == ImplFst && writer {
					continue
				}
				r.Throughput = append(r.Throughput, Throughput{Impl: id, N: n, Writer: writer, Readers: 1, Reads: 1e7 / float64(n), Writes: 1e4})
			}
		}
	}
	r.Problems = []string{"a problem"}
	return r
}

func TestResults_WriteMarkdown(t *testing.T) {
	var b strings.Builder
	require.NoError(t, sample().WriteMarkdown(&b))
	md := b.String()
	for _, want := range []string{"## Targets", "## Time per op", "## Memory per segment", "## Reader throughput", "## Problems",
		"go run ./bench/cmd/compare -quick", "†15", "a note", "a problem"} {
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
	assert.Contains(t, md, "go run ./bench/cmd/compare -quick")
	assert.Contains(t, md, "### Targets")
	for _, w := range Workloads {
		assert.Contains(t, md, "| "+w.Title)
	}
}

func TestResults_WriteDir(t *testing.T) {
	dir := t.TempDir()
	r := sample()
	require.NoError(t, r.WriteDir(dir))
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

// assertSVG checks that b is well-formed XML with an svg root and polylines.
func assertSVG(t *testing.T, name string, b []byte) {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(string(b)))
	var root string
	lines := 0
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err, name)
		if se, ok := tok.(xml.StartElement); ok {
			if root == "" {
				root = se.Name.Local
			}
			if se.Name.Local == "polyline" {
				lines++
			}
		}
	}
	assert.Equal(t, "svg", root, name)
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
		{timeDecade(1), "1 ns"},
		{timeDecade(1e4), "10 µs"},
		{timeDecade(1e9), "1 s"},
		{rateDecade(1e7), "10M"},
	}
	for i, tc := range tests {
		assert.Equal(t, tc.want, tc.got, "case %d", i)
	}
	assert.True(t, slices.IsSorted([]int{implRank(ImplFst), implRank(ImplStore), implRank(ImplMdds)}))
}
