package mddsdiff

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flatseg/flatseg/fst"
	"github.com/flatseg/flatseg/internal/testenv"
)

const (
	mddsInclude = "/usr/include/mdds-2.0"
	mddsHeader  = mddsInclude + "/mdds/flat_segment_tree.hpp"
	installHint = "apt-get install -y g++ libmdds-dev"

	quickSeeds   = 20  // per key type
	deepSeeds    = 120 // per key type, with FLATSEG_DEEP=1
	opsPerSeed   = 150
	maxShrinkRun = 400 // driver runs spent on shrinking one failure
)

var seedsFlag = flag.Int("mdds.seeds", 0, "number of random seeds per key type (default $FLATSEG_MDDS_SEEDS, else 20, 120 with FLATSEG_DEEP=1, 10 with -short)")

func numSeeds(t *testing.T) int {
	if *seedsFlag > 0 {
		return *seedsFlag
	}
	def := testenv.Pick(t, quickSeeds, deepSeeds)
	if testing.Short() {
		def = 10
	}
	return testenv.Int(t, "FLATSEG_MDDS_SEEDS", def)
}

// The driver is built once per test binary, into the user's cache directory
// under a name that hashes what it is built from (driver.cpp, the mdds
// headers, the compiler's version), so that later runs skip the 3 s compile.
// Without a cache directory it goes to a temporary one that TestMain removes.
var (
	buildOnce sync.Once
	buildDir  string // temporary, removed by TestMain
	driverBin string
	buildErr  error
	missing   string // a prerequisite that is not installed
)

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

func build() {
	cxx, err := exec.LookPath("g++")
	if err != nil {
		missing = "g++ not found"
		return
	}
	if _, err := os.Stat(mddsHeader); err != nil {
		missing = mddsHeader + " not found"
		return
	}
	src := filepath.Join("testdata", "driver.cpp")
	args := []string{"-O2", "-std=c++17", "-I" + mddsInclude}
	dir, err := cacheDir(cxx, src, args)
	if err != nil { // no cache: build into a temporary directory
		if buildDir, buildErr = os.MkdirTemp("", "mddsdiff"); buildErr != nil {
			return
		}
		dir = buildDir
	}
	bin := filepath.Join(dir, "driver")
	if fi, err := os.Stat(bin); err == nil && fi.Mode().IsRegular() {
		driverBin = bin
		return
	}
	// Compile next to bin and rename, so that test binaries building at
	// once never run a half-written driver.
	tmp, err := os.CreateTemp(dir, "driver-*")
	if err != nil {
		buildErr = err
		return
	}
	tmp.Close()
	defer os.Remove(tmp.Name())
	cmd := exec.Command(cxx, append(args, "-o", tmp.Name(), src)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		buildErr = fmt.Errorf("compiling %s: %v\n%s", src, err, out)
		return
	}
	if buildErr = os.Rename(tmp.Name(), bin); buildErr == nil {
		driverBin = bin
	}
}

// cacheDir returns the cache directory of the driver built by cxx from src
// with args: its name hashes the source, every file under the mdds include
// directory, the compiler's version and the arguments.
func cacheDir(cxx, src string, args []string) (string, error) {
	base, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	h := sha256.New()
	version, err := exec.Command(cxx, "--version").Output()
	if err != nil {
		return "", err
	}
	fmt.Fprintf(h, "%q\n%s\n", args, version)
	files := []string{src}
	err = filepath.WalkDir(mddsInclude, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		return "", err
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s %d\n", f, len(b))
		h.Write(b)
	}
	dir := filepath.Join(base, "flatseg-mddsdiff", hex.EncodeToString(h.Sum(nil))[:16])
	return dir, os.MkdirAll(dir, 0o755)
}

// driver returns the path of the compiled driver, skipping the test when g++
// or mdds is missing (failing instead when FLATSEG_REQUIRE_MDDS=1).
func driver(t *testing.T) string {
	t.Helper()
	buildOnce.Do(build)
	if missing != "" {
		if os.Getenv("FLATSEG_REQUIRE_MDDS") == "1" {
			t.Fatalf("%s and FLATSEG_REQUIRE_MDDS=1; install with: %s", missing, installHint)
		}
		t.Skipf("%s; install with: %s (set FLATSEG_REQUIRE_MDDS=1 to fail instead)", missing, installHint)
	}
	require.NoError(t, buildErr)
	return driverBin
}

// key is the key type of one run: int64 (driver mode "long") or float64
// (driver mode "double"). Values are always int64.
type key interface{ ~int64 | ~float64 }

func isFloat[K key]() bool {
	half := 0.5
	return K(half) != 0
}

func driverMode[K key]() string {
	if isFloat[K]() {
		return "double"
	}
	return "long"
}

func formatKey[K key](k K) string {
	if isFloat[K]() {
		return strconv.FormatFloat(float64(k), 'g', -1, 64)
	}
	return strconv.FormatInt(int64(k), 10)
}

func parseKey[K key](s string) (K, error) {
	if isFloat[K]() {
		f, err := strconv.ParseFloat(s, 64)
		return K(f), err
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return K(n), err
}

// span is the key space of one run: the tree's bounds and default value, and
// the grid generated keys lie on.
type span[K key] struct {
	min, max K
	step     K
	init     int64
}

// at returns grid key g; the grid's ends are min and max exactly, even when
// the step is not a binary fraction.
func (s span[K]) at(g int) K {
	switch g {
	case 0:
		return s.min
	case s.cells():
		return s.max
	}
	return s.min + K(g)*s.step
}

func (s span[K]) cells() int { return int((s.max - s.min) / s.step) }

// op is one operation. kind is the driver's letter: I and B (insert_front and
// insert_back, both fst Insert), L, R, C, S. wantErr is the sentinel fst must
// return for an invalid operation; mdds must then leave its tree unchanged.
type op[K key] struct {
	kind    byte
	a, b    K
	v       int64
	skip    bool
	wantErr error
}

func (o op[K]) line() string {
	switch o.kind {
	case 'I', 'B':
		return fmt.Sprintf("%c %s %s %d", o.kind, formatKey(o.a), formatKey(o.b), o.v)
	case 'L':
		return fmt.Sprintf("L %s %s", formatKey(o.a), formatKey(o.b))
	case 'R':
		skip := 0
		if o.skip {
			skip = 1
		}
		return fmt.Sprintf("R %s %s %d", formatKey(o.a), formatKey(o.b), skip)
	case 'C':
		return "C"
	case 'S':
		return "S " + formatKey(o.a)
	}
	panic(fmt.Sprintf("unknown op kind %q", o.kind))
}

func (o op[K]) String() string {
	var s string
	switch o.kind {
	case 'I':
		s = fmt.Sprintf("Insert(%v, %v, %d)", o.a, o.b, o.v)
	case 'B':
		s = fmt.Sprintf("Insert(%v, %v, %d) /* insert_back */", o.a, o.b, o.v)
	case 'L':
		s = fmt.Sprintf("ShiftLeft(%v, %v)", o.a, o.b)
	case 'R':
		s = fmt.Sprintf("ShiftRight(%v, %v, %v)", o.a, o.b, o.skip)
	case 'C':
		s = "Clear()"
	case 'S':
		s = fmt.Sprintf("Search(%v)", o.a)
	}
	if o.wantErr != nil {
		s += " // want " + o.wantErr.Error()
	}
	return s
}

// gen generates operations on a span. Valid operations are valid whatever the
// tree holds, so any subsequence of a generated sequence is still valid; the
// shrinker relies on that.
type gen[K key] struct {
	rng *rand.Rand
	sp  span[K]
}

func (g gen[K]) val() int64 { return int64(g.rng.IntN(4)) }

// grid returns a key index in [lo, hi].
func (g gen[K]) grid(lo, hi int) int { return lo + g.rng.IntN(hi-lo+1) }

func (g gen[K]) valid() op[K] {
	n := g.sp.cells()
	switch r := g.rng.IntN(100); {
	case r < 40:
		kind := byte('I')
		if g.rng.IntN(2) == 0 {
			kind = 'B'
		}
		for {
			s, e := g.grid(-3, n+2), g.grid(-3, n+3)
			// Not empty, not wholly outside, and not empty after clipping
			// (e == min aborts mdds: documented defect 1).
			if s < e && e > 0 && s < n {
				return op[K]{kind: kind, a: g.sp.at(s), b: g.sp.at(e), v: g.val()}
			}
		}
	case r < 55:
		for {
			s := g.grid(0, n-1)
			e := g.grid(s+1, n)
			if g.rng.IntN(4) == 0 {
				e = n // shift_left up to max: where mdds defect 2 lives
			}
			a, b := g.sp.at(s), g.sp.at(e)
			if b == g.sp.max && g.sp.max-(g.sp.max-a) != a {
				continue // float rounding hits mdds defect 3
			}
			return op[K]{kind: 'L', a: a, b: b}
		}
	case r < 75:
		pos := g.grid(0, n-1)
		size := g.grid(1, n+2)
		if g.rng.IntN(3) == 0 {
			pos = 0 // shift at min, where the first value may move
		}
		return op[K]{kind: 'R', a: g.sp.at(pos), b: K(size) * g.sp.step, skip: g.rng.IntN(2) == 0}
	case r < 97:
		return op[K]{kind: 'S', a: g.sp.at(g.grid(-2, n+1))}
	default:
		return op[K]{kind: 'C'}
	}
}

// invalid returns an operation mdds ignores and fst must reject with the
// sentinel in wantErr. Every case is unambiguous about the sentinel.
func (g gen[K]) invalid() op[K] {
	n := g.sp.cells()
	at := g.sp.at
	in := g.grid(0, n-1) // a key index inside the span
	switch g.rng.IntN(12) {
	case 0:
		return op[K]{kind: 'I', a: at(in), b: at(in), v: g.val(), wantErr: fst.ErrInvalidRange}
	case 1:
		if n < 2 {
			return op[K]{kind: 'B', a: at(in), b: at(in), v: g.val(), wantErr: fst.ErrInvalidRange}
		}
		// Reversed, both ends inside the span (a start at max would also
		// be out of span).
		lo := g.grid(0, n-2)
		return op[K]{kind: 'B', a: at(g.grid(lo+1, n-1)), b: at(lo), v: g.val(), wantErr: fst.ErrInvalidRange}
	case 2:
		s := g.grid(-8, -3)
		return op[K]{kind: 'I', a: at(s), b: at(g.grid(s+1, -1)), v: g.val(), wantErr: fst.ErrOutOfSpan}
	case 3:
		s := g.grid(n, n+4)
		return op[K]{kind: 'B', a: at(s), b: at(s + g.grid(1, 3)), v: g.val(), wantErr: fst.ErrOutOfSpan}
	case 4:
		return op[K]{kind: 'L', a: at(in), b: at(in), wantErr: fst.ErrInvalidRange}
	case 5:
		lo := g.grid(0, n-1)
		return op[K]{kind: 'L', a: at(g.grid(lo+1, n)), b: at(lo), wantErr: fst.ErrInvalidRange}
	case 6:
		return op[K]{kind: 'L', a: at(g.grid(-4, -1)), b: at(g.grid(1, n)), wantErr: fst.ErrOutOfSpan}
	case 7:
		return op[K]{kind: 'L', a: at(g.grid(0, n-1)), b: at(g.grid(n+1, n+4)), wantErr: fst.ErrOutOfSpan}
	case 8:
		return op[K]{kind: 'R', a: at(g.grid(-4, -1)), b: K(g.grid(1, 3)) * g.sp.step, wantErr: fst.ErrOutOfSpan}
	case 9:
		return op[K]{kind: 'R', a: at(g.grid(n, n+3)), b: K(g.grid(1, 3)) * g.sp.step, wantErr: fst.ErrOutOfSpan}
	case 10:
		return op[K]{kind: 'R', a: at(in), b: 0, skip: g.rng.IntN(2) == 0, wantErr: fst.ErrInvalidShift}
	default:
		return op[K]{kind: 'R', a: at(in), b: -K(g.grid(1, 3)) * g.sp.step, wantErr: fst.ErrInvalidShift}
	}
}

func (g gen[K]) sequence(n int, invalidPct int) []op[K] {
	ops := make([]op[K], 0, n)
	for range n {
		if g.rng.IntN(100) < invalidPct {
			ops = append(ops, g.invalid())
		} else {
			ops = append(ops, g.valid())
		}
	}
	return ops
}

// leaf is one leaf node: a key and its value.
type leaf[K key] struct {
	k K
	v int64
}

func formatLeaves[K key](ls []leaf[K]) string {
	var b strings.Builder
	for i, l := range ls {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s:%d", formatKey(l.k), l.v)
	}
	return b.String()
}

// canonical merges adjacent leaves with equal values; the last leaf (at max)
// carries no segment and is kept as it is.
func canonical[K key](ls []leaf[K]) []leaf[K] {
	var out []leaf[K]
	for i, l := range ls {
		if i > 0 && i < len(ls)-1 && l.v == out[len(out)-1].v {
			continue
		}
		out = append(out, l)
	}
	return out
}

// reply is one parsed driver output line.
type reply[K key] struct {
	raw      string
	noncanon bool
	result   string // "ok", "changed=0", "changed=1", "found s e v", "none"
	leaves   []leaf[K]
}

func parseReply[K key](line string) (reply[K], error) {
	r := reply[K]{raw: line}
	rest, ok := strings.CutPrefix(line, "NONCANON ")
	r.noncanon = ok
	res, lv, ok := strings.Cut(rest, " | ")
	if !ok {
		return r, fmt.Errorf("malformed driver line %q", line)
	}
	r.result = res
	for _, f := range strings.Fields(lv) {
		i := strings.LastIndexByte(f, ':')
		if i < 0 {
			return r, fmt.Errorf("malformed leaf %q in %q", f, line)
		}
		k, err := parseKey[K](f[:i])
		if err != nil {
			return r, fmt.Errorf("leaf %q in %q: %v", f, line, err)
		}
		v, err := strconv.ParseInt(f[i+1:], 10, 64)
		if err != nil {
			return r, fmt.Errorf("leaf %q in %q: %v", f, line, err)
		}
		r.leaves = append(r.leaves, leaf[K]{k, v})
	}
	return r, nil
}

// runDriver feeds a whole script to one driver process and returns its
// output lines. A crash (mdds aborts on some input) is returned as an error
// along with the lines printed before it.
func runDriver(bin, mode string, script []string) ([]string, error) {
	cmd := exec.Command(bin, mode)
	cmd.Stdin = strings.NewReader(strings.Join(script, "\n") + "\n")
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	err := cmd.Run()
	text := out.String()
	if err != nil {
		// An abort loses buffered output and may cut a line short.
		text = text[:strings.LastIndexByte(text, '\n')+1]
	}
	var lines []string
	if text != "" {
		lines = strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	}
	if err != nil {
		return lines, fmt.Errorf("driver: %v; stderr: %s", err, strings.TrimSpace(stderr.String()))
	}
	if len(lines) != len(script) {
		return lines, fmt.Errorf("driver printed %d lines for %d input lines", len(lines), len(script))
	}
	for _, l := range lines {
		if strings.HasPrefix(l, "ERROR") {
			return lines, fmt.Errorf("driver: %s", l)
		}
	}
	return lines, nil
}

func script[K key](sp span[K], ops []op[K]) []string {
	s := []string{fmt.Sprintf("N %s %s %d", formatKey(sp.min), formatKey(sp.max), sp.init)}
	for _, o := range ops {
		s = append(s, o.line())
	}
	return s
}

// stats counts what a run exercised, for the log.
type stats struct {
	ops, defect2, invalid, changed int
	// broken is the index of the op after which mdds's leaf keys stopped
	// strictly increasing (float rounding), or -1.
	broken int
}

// mismatch is the first disagreement between fst and mdds in a run.
type mismatch struct {
	index int // index of the op, -1 for the initial tree
	msg   string
}

func leavesOf[K key](tr *fst.Tree[K, int64]) []leaf[K] {
	var out []leaf[K]
	for k, v := range tr.LeafNodes() {
		out = append(out, leaf[K]{k, v})
	}
	return out
}

// checkSelf checks fst's views of the tree against each other.
func checkSelf[K key](tr *fst.Tree[K, int64], ours []leaf[K]) string {
	var back []leaf[K]
	for k, v := range tr.LeafNodesBackward() {
		back = append(back, leaf[K]{k, v})
	}
	slices.Reverse(back)
	if !slices.Equal(back, ours) {
		return fmt.Sprintf("Backward reversed = %s, All = %s", formatLeaves(back), formatLeaves(ours))
	}
	if tr.LeafSize() != len(ours) {
		return fmt.Sprintf("LeafSize = %d, All yields %d leaves", tr.LeafSize(), len(ours))
	}
	var segs []fst.Segment[K, int64]
	for i := 0; i+1 < len(ours); i++ {
		segs = append(segs, fst.Segment[K, int64]{Start: ours[i].k, End: ours[i+1].k, Value: ours[i].v})
	}
	if got := slices.Collect(tr.Segments()); !slices.Equal(got, segs) {
		return fmt.Sprintf("Segments = %v, from All = %v", got, segs)
	}
	if err := tr.Verify(); err != nil {
		return fmt.Sprintf("Verify: %v", err)
	}
	return ""
}

// compare replays ops on an fst.Tree and compares it with the driver's lines
// (lines[0] is the reply to the N line). It returns nil when all agree.
//
// With allowBroken, a run may end early: when float rounding makes mdds's
// leaf keys stop increasing strictly (mdds then holds a broken tree, which
// fst refuses to build), compare checks that fst either rejected the op with
// ErrInvalidShift and changed nothing or still holds a valid tree, records
// the op in st.broken and stops.
func compare[K key](sp span[K], ops []op[K], lines []string, st *stats, allowBroken bool) (mm *mismatch) {
	st.broken = -1
	defer func() {
		if r := recover(); r != nil {
			mm = &mismatch{index: st.ops, msg: fmt.Sprintf("fst panicked: %v", r)}
		}
	}()
	if len(lines) == 0 {
		return &mismatch{-1, "the driver printed nothing"}
	}
	tr, err := fst.New(sp.min, sp.max, sp.init)
	if err != nil {
		return &mismatch{-1, fmt.Sprintf("New: %v", err)}
	}
	first, err := parseReply[K](lines[0])
	if err != nil {
		return &mismatch{-1, err.Error()}
	}
	if ours := leavesOf(tr); !slices.Equal(ours, first.leaves) {
		return &mismatch{-1, fmt.Sprintf("new tree:\n  mdds: %s\n  fst:  %s", formatLeaves(first.leaves), formatLeaves(ours))}
	}
	prevRaw := first.leaves
	var versions []*fst.Tree[K, int64]
	var versionLeaves [][]leaf[K]
	for i, o := range ops {
		st.ops = i
		if i+1 >= len(lines) {
			return &mismatch{i, "the driver stopped (mdds crashed) before this op"}
		}
		rep, err := parseReply[K](lines[i+1])
		if err != nil {
			return &mismatch{i, err.Error()}
		}
		before := leavesOf(tr)
		snap := tr.Clone()

		var (
			changed bool
			found   bool
			seg     fst.Segment[K, int64]
		)
		switch o.kind {
		case 'I', 'B':
			changed, err = tr.Insert(o.a, o.b, o.v)
		case 'L':
			err = tr.ShiftLeft(o.a, o.b)
		case 'R':
			err = tr.ShiftRight(o.a, o.b, o.skip)
		case 'C':
			tr.Clear()
		case 'S':
			seg, found = tr.Search(o.a)
		}
		ours := leavesOf(tr)

		if allowBroken && !increasing(rep.leaves) {
			if err != nil && !(errors.Is(err, fst.ErrInvalidShift) && slices.Equal(ours, before)) {
				return &mismatch{i, fmt.Sprintf("mdds broke its tree (%s); fst returned %v", rep.raw, err)}
			}
			if msg := checkSelf(tr, ours); msg != "" {
				return &mismatch{i, msg}
			}
			st.broken = i
			return nil
		}

		if o.wantErr != nil {
			st.invalid++
			if !errors.Is(err, o.wantErr) {
				return &mismatch{i, fmt.Sprintf("fst returned error %v, want one wrapping %q", err, o.wantErr)}
			}
			if changed {
				return &mismatch{i, "fst reported changed=true together with an error"}
			}
			if !slices.Equal(ours, before) {
				return &mismatch{i, fmt.Sprintf("fst changed the tree on error:\n  before: %s\n  after:  %s", formatLeaves(before), formatLeaves(ours))}
			}
			// mdds ignores the op: its tree must not change either.
			if !slices.Equal(rep.leaves, prevRaw) || rep.result == "changed=1" {
				return &mismatch{i, fmt.Sprintf("mdds did not ignore the invalid op:\n  before: %s\n  after:  %s", formatLeaves(prevRaw), rep.raw)}
			}
		} else if err != nil {
			return &mismatch{i, fmt.Sprintf("fst returned an error for a valid op: %v", err)}
		}

		want := rep.leaves
		if rep.noncanon {
			// Only documented defect 2 may produce a non-canonical mdds tree.
			if o.kind != 'L' || o.b != sp.max || !(o.a > sp.min) {
				return &mismatch{i, fmt.Sprintf("mdds produced a non-canonical tree outside documented defect 2: %s", rep.raw)}
			}
			st.defect2++
			want = canonical(rep.leaves)
		}
		if !slices.Equal(ours, want) {
			return &mismatch{i, fmt.Sprintf("leaves differ:\n  mdds: %s\n  fst:  %s", rep.raw, formatLeaves(ours))}
		}
		switch o.kind {
		case 'I', 'B':
			if o.wantErr == nil {
				wantChanged := rep.result == "changed=1"
				if changed != wantChanged {
					return &mismatch{i, fmt.Sprintf("changed: mdds %v, fst %v (tree %s)", wantChanged, changed, formatLeaves(ours))}
				}
				if changed {
					st.changed++
				}
			}
		case 'S':
			want, wantFound, err := parseFound[K](rep.result)
			if err != nil {
				return &mismatch{i, err.Error()}
			}
			if wantFound != found || (found && seg != want) {
				got := "none"
				if found {
					got = fmt.Sprintf("found %s %s %d", formatKey(seg.Start), formatKey(seg.End), seg.Value)
				}
				return &mismatch{i, fmt.Sprintf("search: mdds %q, fst %q", rep.result, got)}
			}
		}
		if msg := checkSelf(tr, ours); msg != "" {
			return &mismatch{i, msg}
		}
		if snapLeaves := leavesOf(snap); !slices.Equal(snapLeaves, before) {
			return &mismatch{i, fmt.Sprintf("a clone taken before the op changed:\n  was: %s\n  now: %s", formatLeaves(before), formatLeaves(snapLeaves))}
		}
		if i%16 == 0 {
			versions = append(versions, snap)
			versionLeaves = append(versionLeaves, before)
		}
		if rep.noncanon {
			prevRaw = want // the driver rebuilt its tree canonically
		} else {
			prevRaw = rep.leaves
		}
	}
	for j, v := range versions {
		if got := leavesOf(v); !slices.Equal(got, versionLeaves[j]) {
			return &mismatch{len(ops) - 1, fmt.Sprintf("old version %d changed by later ops:\n  was: %s\n  now: %s", j, formatLeaves(versionLeaves[j]), formatLeaves(got))}
		}
	}
	return nil
}

// parseFound parses the driver's search result, "found start end value" or
// "none".
func parseFound[K key](res string) (fst.Segment[K, int64], bool, error) {
	var seg fst.Segment[K, int64]
	if res == "none" {
		return seg, false, nil
	}
	f := strings.Fields(res)
	if len(f) != 4 || f[0] != "found" {
		return seg, false, fmt.Errorf("malformed search result %q", res)
	}
	var err [3]error
	seg.Start, err[0] = parseKey[K](f[1])
	seg.End, err[1] = parseKey[K](f[2])
	seg.Value, err[2] = strconv.ParseInt(f[3], 10, 64)
	if e := errors.Join(err[:]...); e != nil {
		return seg, false, fmt.Errorf("search result %q: %w", res, e)
	}
	return seg, true, nil
}

func increasing[K key](ls []leaf[K]) bool {
	for i := 1; i < len(ls); i++ {
		if !(ls[i-1].k < ls[i].k) {
			return false
		}
	}
	return true
}

// fails runs ops through the driver and fst and reports the first mismatch.
func fails[K key](bin string, sp span[K], ops []op[K], allowBroken bool) (*mismatch, []string, error) {
	lines, err := runDriver(bin, driverMode[K](), script(sp, ops))
	if err != nil && !allowBroken {
		return nil, lines, err
	}
	if len(lines) < 1 {
		return nil, lines, err
	}
	var st stats
	return compare(sp, ops, lines[:min(len(lines), len(ops)+1)], &st, allowBroken), lines, nil
}

// shrink removes operations while the sequence still fails (any mismatch;
// a driver crash does not count as failing).
func shrink[K key](bin string, sp span[K], ops []op[K], allowBroken bool) []op[K] {
	runs := 0
	still := func(c []op[K]) bool {
		runs++
		mm, _, err := fails(bin, sp, c, allowBroken)
		return err == nil && mm != nil
	}
	for chunk := len(ops) / 2; chunk >= 1 && runs < maxShrinkRun; {
		removed := false
		for start := 0; start+chunk <= len(ops) && runs < maxShrinkRun; {
			cand := slices.Concat(ops[:start], ops[start+chunk:])
			if still(cand) {
				ops, removed = cand, true
				continue
			}
			start += chunk
		}
		if !removed {
			chunk /= 2
		}
	}
	return ops
}

func report[K key](sp span[K], ops []op[K], lines []string, mm *mismatch) string {
	var b strings.Builder
	fmt.Fprintf(&b, "tr, _ := fst.New[%T, int64](%s, %s, %d)\n", sp.min, formatKey(sp.min), formatKey(sp.max), sp.init)
	for i, o := range ops {
		mark := ""
		if i == mm.index {
			mark = "   // <-- mismatch here"
		}
		fmt.Fprintf(&b, "tr.%v%s\n", o, mark)
	}
	fmt.Fprintf(&b, "mismatch at op %d: %s\n", mm.index, mm.msg)
	fmt.Fprintf(&b, "driver input:\n  %s\n", strings.Join(script(sp, ops), "\n  "))
	if mm.index+1 < len(lines) {
		fmt.Fprintf(&b, "driver output at the mismatch:\n  %s\n", lines[mm.index+1])
	}
	return b.String()
}

// runSeed generates one sequence, compares, and on a mismatch shrinks it and
// fails with a reproducer.
func runSeed[K key](t *testing.T, bin string, seed uint64, spans []span[K], allowBroken bool) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 0x6d646473))
	sp := spans[rng.IntN(len(spans))]
	sp.init = int64(rng.IntN(5)) - 1
	ops := gen[K]{rng, sp}.sequence(opsPerSeed, 6)

	lines, err := runDriver(bin, driverMode[K](), script(sp, ops))
	if !allowBroken {
		require.NoError(t, err, "mdds failed on a valid sequence (seed %d); output:\n%s", seed, strings.Join(lines, "\n"))
	}
	var st stats
	mm := compare(sp, ops, lines, &st, allowBroken)
	if mm != nil {
		small := shrink(bin, sp, ops, allowBroken)
		smm, slines, err := fails(bin, sp, small, allowBroken)
		if err != nil || smm == nil {
			small, smm, slines = ops, mm, lines
		}
		t.Fatalf("seed %d: fst disagrees with mdds; shortest failing sequence found (%d of %d ops):\n%s",
			seed, len(small), len(ops), report(sp, small, slines, smm))
	}
	if st.broken >= 0 {
		t.Logf("span [%v, %v) init %d: compared %d of %d ops; float rounding broke mdds's tree at %v",
			sp.min, sp.max, sp.init, st.broken, len(ops), ops[st.broken])
		return
	}
	t.Logf("span [%v, %v) init %d: %d ops, %d inserts changed, %d invalid, %d times mdds defect 2 normalised",
		sp.min, sp.max, sp.init, len(ops), st.changed, st.invalid, st.defect2)
}

var longSpans = []span[int64]{
	{min: 0, max: 20, step: 1},
	{min: -10, max: 50, step: 1},
	{min: 0, max: 8, step: 1},
	{min: -3, max: 3, step: 1},
	{min: 5, max: 6, step: 1},
}

var doubleSpans = []span[float64]{
	{min: 0, max: 10, step: 0.5},
	{min: -5, max: 5, step: 0.25},
	{min: -2.5, max: 7.5, step: 0.5},
	{min: 0, max: 1, step: 0.125},
}

func TestDifferential_Mdds(t *testing.T) {
	bin := driver(t)
	for seed := 1; seed <= numSeeds(t); seed++ {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			runSeed(t, bin, uint64(seed), longSpans, false)
		})
	}
}

func TestDifferential_MddsFloat(t *testing.T) {
	bin := driver(t)
	for seed := 1; seed <= max(numSeeds(t)/2, 1); seed++ {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			runSeed(t, bin, uint64(seed), doubleSpans, false)
		})
	}
}

// decimalSpans have grid steps that are not binary fractions, so keys and
// shifted keys are rounded, and shifts can make neighbouring keys meet.
var decimalSpans = []span[float64]{
	{min: 0, max: 1, step: 0.1},
	{min: -0.3, max: 0.7, step: 0.1},
	{min: 0.1, max: 2.2, step: 0.3},
	{min: 1e3, max: 1e3 + 1, step: 0.1},
}

// TestDifferential_MddsFloatRounding checks that fst rounds shifted float
// keys as mdds does. When rounding makes mdds's keys meet (mdds then holds a
// broken tree), fst must reject the shift with ErrInvalidShift or keep a valid
// tree; the comparison of that seed stops there.
func TestDifferential_MddsFloatRounding(t *testing.T) {
	bin := driver(t)
	for seed := 1; seed <= max(numSeeds(t)/2, 1); seed++ {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			runSeed(t, bin, uint64(seed), decimalSpans, true)
		})
	}
}

// TestDifferential_MddsInvalid feeds every kind of invalid operation, on a
// tree with content, and checks that mdds ignores it while fst returns the
// documented error and changes nothing.
func TestDifferential_MddsInvalid(t *testing.T) {
	bin := driver(t)
	for i, sp := range longSpans[:3] {
		t.Run(fmt.Sprintf("span=[%d,%d)", sp.min, sp.max), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(i), 1))
			sp.init = 1
			g := gen[int64]{rng, sp}
			ops := g.sequence(20, 0)
			for range 60 {
				ops = append(ops, g.invalid())
				if rng.IntN(3) == 0 {
					ops = append(ops, g.valid())
				}
			}
			lines, err := runDriver(bin, "long", script(sp, ops))
			require.NoError(t, err)
			var st stats
			if mm := compare(sp, ops, lines, &st, false); mm != nil {
				t.Fatalf("fst disagrees with mdds:\n%s", report(sp, ops, lines, mm))
			}
			assert.Positive(t, st.invalid)
		})
	}
}

// TestDifferential_MddsDefects confirms, with the installed mdds, the mdds
// behaviours the package documents as deliberate differences, and pins down
// the value mdds gives the rightmost leaf.
func TestDifferential_MddsDefects(t *testing.T) {
	bin := driver(t)

	t.Run("1 insert clipped to empty aborts mdds", func(t *testing.T) {
		for _, kind := range []string{"I", "B"} {
			lines, err := runDriver(bin, "long", []string{"N 0 100 0", "I 10 20 3", kind + " -5 0 7"})
			assert.Error(t, err, "mdds %s -5 0 did not abort: documented defect 1 no longer reproduces; output %q", kind, lines)
		}
		tr, err := fst.New[int64, int64](0, 100, 0)
		require.NoError(t, err)
		_, err = tr.Insert(10, 20, 3)
		require.NoError(t, err)
		changed, err := tr.Insert(-5, 0, 7)
		assert.ErrorIs(t, err, fst.ErrOutOfSpan)
		assert.False(t, changed)
		assert.Equal(t, []leaf[int64]{{0, 0}, {10, 3}, {20, 0}, {100, 0}}, leavesOf(tr))
	})

	t.Run("2 shift_left to max leaves equal neighbours", func(t *testing.T) {
		lines, err := runDriver(bin, "long", []string{"N 0 100 0", "I 10 50 5", "I 50 100 7", "L 10 100"})
		require.NoError(t, err)
		rep, err := parseReply[int64](lines[3])
		require.NoError(t, err)
		assert.True(t, rep.noncanon, "documented defect 2 no longer reproduces: %s", rep.raw)
		assert.Equal(t, []leaf[int64]{{0, 0}, {10, 0}, {100, 0}}, rep.leaves, "mdds raw leaves")

		tr, err := fst.New[int64, int64](0, 100, 0)
		require.NoError(t, err)
		for _, s := range [][3]int64{{10, 50, 5}, {50, 100, 7}} {
			_, err := tr.Insert(s[0], s[1], s[2])
			require.NoError(t, err)
		}
		require.NoError(t, tr.ShiftLeft(10, 100))
		assert.Equal(t, []leaf[int64]{{0, 0}, {100, 0}}, leavesOf(tr), "fst keeps the canonical form")
		assert.Equal(t, 2, tr.LeafSize())
	})

	t.Run("3 float shift_left to max rounds the vacated tail", func(t *testing.T) {
		// mdds starts the vacated default tail at max-(max-start), which for
		// floats need not be start: it leaves a sliver segment with the
		// removed value (or, below min, a tree with keys out of order). fst
		// empties [start, max) exactly.
		tests := []struct {
			name    string
			script  []string
			mdds    []leaf[float64]
			fst     []leaf[float64]
			shiftLo float64
		}{
			{
				name:    "from min",
				script:  []string{"N 0.1 2.2 3", "B 0.4 2.5 1", "L 0.1 2.2"},
				mdds:    []leaf[float64]{{0.1, 1}, {0.10000000000000009, 3}, {2.2, 3}},
				fst:     []leaf[float64]{{0.1, 3}, {2.2, 3}},
				shiftLo: 0.1,
			},
			{
				name:    "from inside",
				script:  []string{"N -0.3 0.7 -1", "I 0.2 0.9000000000000001 2", "L -0.19999999999999998 0.7"},
				mdds:    []leaf[float64]{{-0.3, -1}, {-0.19999999999999998, 2}, {-0.19999999999999996, -1}, {0.7, -1}},
				fst:     []leaf[float64]{{-0.3, -1}, {0.7, -1}},
				shiftLo: -0.19999999999999998,
			},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				lines, err := runDriver(bin, "double", tc.script)
				require.NoError(t, err)
				rep, err := parseReply[float64](lines[len(lines)-1])
				require.NoError(t, err)
				assert.Equal(t, tc.mdds, rep.leaves, "documented mdds defect 3 no longer reproduces")

				var lo, hi, s, e float64
				var v, init int64
				_, err = fmt.Sscanf(tc.script[0], "N %g %g %d", &lo, &hi, &init)
				require.NoError(t, err)
				_, err = fmt.Sscanf(tc.script[1][2:], "%g %g %d", &s, &e, &v)
				require.NoError(t, err)
				tr, err := fst.New(lo, hi, init)
				require.NoError(t, err)
				_, err = tr.Insert(s, e, v)
				require.NoError(t, err)
				require.NoError(t, tr.ShiftLeft(tc.shiftLo, hi))
				assert.Equal(t, tc.fst, leavesOf(tr))
			})
		}
	})

	t.Run("right leaf value", func(t *testing.T) {
		// mdds sets the rightmost leaf's value to init_val and never changes
		// it; fst must report the same value as the last pair of All.
		ops := []string{"N 0 100 9", "I 50 100 3", "I 0 100 4", "L 10 100", "R 0 30 0", "B 0 100 2", "C"}
		lines, err := runDriver(bin, "long", ops)
		require.NoError(t, err)
		for i, l := range lines {
			rep, err := parseReply[int64](l)
			require.NoError(t, err)
			require.NotEmpty(t, rep.leaves)
			assert.Equal(t, leaf[int64]{100, 9}, rep.leaves[len(rep.leaves)-1], "mdds after %q", ops[i])
		}
		sp := span[int64]{min: 0, max: 100, step: 1, init: 9}
		seq := []op[int64]{
			{kind: 'I', a: 50, b: 100, v: 3}, {kind: 'I', a: 0, b: 100, v: 4}, {kind: 'L', a: 10, b: 100},
			{kind: 'R', a: 0, b: 30}, {kind: 'B', a: 0, b: 100, v: 2}, {kind: 'C'},
		}
		var st stats
		if mm := compare(sp, seq, lines, &st, false); mm != nil {
			t.Errorf("fst disagrees with mdds:\n%s", report(sp, seq, lines, mm))
		}
	})
}
