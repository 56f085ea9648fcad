package flatseg

import (
	"errors"
	"flag"
	"fmt"
	"hash/fnv"
	"iter"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/flatseg/flatseg/fst"
)

var seedFlag = flag.Uint64("seed", 1, "base seed of the randomized tests; every run with the same seed makes the same operations")

// baseSeed returns the base seed of a randomized test: fixed (1) unless
// -seed gives another, and logged so that a failure names what replays it.
func baseSeed(t testing.TB) uint64 {
	seed := *seedFlag
	t.Logf("seed %d (replay with -seed=%d)", seed, seed)
	return seed
}

// The test trees map the keys [0, testMax) to small ints, 0 initially.
const (
	testMin = 0
	testMax = 1000
)

type opKind uint8

const (
	opInsert opKind = iota
	opShiftLeft
	opShiftRight
	opApply
)

// op is one write, applied alike to a Txn and to a plain fst.Tree.
type op struct {
	kind opKind
	a, b int // Insert, ShiftLeft and Apply: [a, b); ShiftRight: pos a, size b
	v    int // Insert: the value; Apply: f adds v modulo 4
	skip bool
}

// writer is what a Txn and an fst.Tree have in common.
type writer interface {
	Insert(start, end int, v int) (bool, error)
	ShiftLeft(start, end int) error
	ShiftRight(pos, size int, skipStartNode bool) error
	Apply(start, end int, f func(int) int) (bool, error)
}

var (
	_ writer = (*Txn[int, int])(nil)
	_ writer = (*fst.Tree[int, int])(nil)
)

func (o op) apply(w writer) error {
	switch o.kind {
	case opInsert:
		_, err := w.Insert(o.a, o.b, o.v)
		return err
	case opShiftLeft:
		return w.ShiftLeft(o.a, o.b)
	case opApply:
		_, err := w.Apply(o.a, o.b, func(x int) int { return (x + o.v) % 4 })
		return err
	default:
		return w.ShiftRight(o.a, o.b, o.skip)
	}
}

func (o op) String() string {
	switch o.kind {
	case opInsert:
		return fmt.Sprintf("Insert(%d, %d, %d)", o.a, o.b, o.v)
	case opShiftLeft:
		return fmt.Sprintf("ShiftLeft(%d, %d)", o.a, o.b)
	case opApply:
		return fmt.Sprintf("Apply(%d, %d, +%d mod 4)", o.a, o.b, o.v)
	default:
		return fmt.Sprintf("ShiftRight(%d, %d, %t)", o.a, o.b, o.skip)
	}
}

// randomOp returns a write on the test span: mostly inserts of short
// ranges, some shifts and applies, and about one in twenty invalid.
func randomOp(r *rand.Rand) op {
	start := testMin + r.IntN(testMax-testMin)
	length := 1 + r.IntN(40)
	if r.IntN(20) == 0 { // invalid: empty, reversed or outside the span
		switch r.IntN(3) {
		case 0:
			length = -r.IntN(3)
		case 1:
			start = testMax + r.IntN(10)
		default:
			start = testMin - 50 - r.IntN(10)
		}
	}
	switch n := r.IntN(12); {
	case n < 7:
		return op{kind: opInsert, a: start, b: start + length, v: r.IntN(4)}
	case n < 9:
		return op{kind: opShiftLeft, a: start, b: start + length}
	case n < 11:
		return op{kind: opApply, a: start, b: start + 2*length, v: r.IntN(4)} // v = 0: the identity
	default:
		return op{kind: opShiftRight, a: start, b: length, skip: r.IntN(2) == 0}
	}
}

// fstErrors are the sentinels a write may fail with.
var fstErrors = []error{fst.ErrInvalidRange, fst.ErrOutOfSpan, fst.ErrInvalidShift, fst.ErrNaN}

// sentinel returns the fst sentinel err wraps, nil for nil, or err itself.
func sentinel(err error) error {
	for _, s := range fstErrors {
		if errors.Is(err, s) {
			return s
		}
	}
	return err
}

// fingerprint hashes a sequence of segments.
func fingerprint(segs iter.Seq[fst.Segment[int, int]]) uint64 {
	h := fnv.New64a()
	var buf [24]byte
	for s := range segs {
		for i, x := range [3]int{s.Start, s.End, s.Value} {
			for j := range 8 {
				buf[i*8+j] = byte(uint64(x) >> (8 * j))
			}
		}
		h.Write(buf[:])
	}
	return h.Sum64()
}

// dense returns the value of every key of the test span.
func dense(segs iter.Seq[fst.Segment[int, int]]) []int {
	d := make([]int, testMax-testMin)
	for s := range segs {
		for k := max(s.Start, testMin); k < min(s.End, testMax); k++ {
			d[k-testMin] = s.Value
		}
	}
	return d
}

// denseDiff is the reference for Diff: the maximal runs of keys over which
// a and b differ with the same pair of values.
func denseDiff(a, b []int) []fst.Change[int, int] {
	var out []fst.Change[int, int]
	for k := range a {
		if a[k] == b[k] {
			continue
		}
		if n := len(out); n > 0 && out[n-1].End == k+testMin && out[n-1].Old == a[k] && out[n-1].New == b[k] {
			out[n-1].End++
			continue
		}
		out = append(out, fst.Change[int, int]{Start: k + testMin, End: k + testMin + 1, Old: a[k], New: b[k]})
	}
	return out
}

// checkSnapshot checks that the read methods of sn agree with each other:
// Search and Overlapping with Segments, Backward with All, LeafSize with
// the number of segments, and Verify on a fork.
func checkSnapshot(sn *Snapshot[int, int], r *rand.Rand) error {
	segs := slices.Collect(sn.Segments())
	if len(segs) == 0 || segs[0].Start != sn.MinKey() || segs[len(segs)-1].End != sn.MaxKey() {
		return fmt.Errorf("v%d: segments %v do not cover [%d, %d)", sn.Version(), segs, sn.MinKey(), sn.MaxKey())
	}
	for i := 1; i < len(segs); i++ {
		if segs[i].Start != segs[i-1].End || segs[i].Value == segs[i-1].Value {
			return fmt.Errorf("v%d: segments %v and %v are not adjacent and distinct", sn.Version(), segs[i-1], segs[i])
		}
	}
	if sn.Len() != len(segs) || sn.LeafSize() != len(segs)+1 {
		return fmt.Errorf("v%d: Len %d, LeafSize %d with %d segments", sn.Version(), sn.Len(), sn.LeafSize(), len(segs))
	}
	key := testMin + r.IntN(testMax-testMin)
	i, _ := slices.BinarySearchFunc(segs, key, func(s fst.Segment[int, int], k int) int {
		switch {
		case s.End <= k:
			return -1
		case s.Start > k:
			return 1
		}
		return 0
	})
	if got, ok := sn.Search(key); !ok || got != segs[i] {
		return fmt.Errorf("v%d: Search(%d) = %v, %t; want %v", sn.Version(), key, got, ok, segs[i])
	}
	start := testMin + r.IntN(testMax-testMin)
	end := start + 1 + r.IntN(100)
	var want []fst.Segment[int, int]
	for _, s := range segs {
		if s.Start < end && s.End > start {
			want = append(want, s)
		}
	}
	if got := slices.Collect(sn.Overlapping(start, end)); !slices.Equal(got, want) {
		return fmt.Errorf("v%d: Overlapping(%d, %d) = %v; want %v", sn.Version(), start, end, got, want)
	}
	if got := slices.Collect(sn.All()); !slices.Equal(got, segs) {
		return fmt.Errorf("v%d: All = %v; want %v", sn.Version(), got, segs)
	}
	bwd := slices.Collect(sn.Backward())
	slices.Reverse(bwd)
	if !slices.Equal(bwd, segs) {
		return fmt.Errorf("v%d: Backward is not All reversed", sn.Version())
	}
	var nodes, nodesBack []int
	for k, v := range sn.LeafNodes() {
		nodes = append(nodes, k, v)
	}
	for k, v := range sn.LeafNodesBackward() {
		nodesBack = append(nodesBack, v, k)
	}
	slices.Reverse(nodesBack)
	if !slices.Equal(nodes, nodesBack) || len(nodes) != 2*sn.LeafSize() {
		return fmt.Errorf("v%d: LeafNodesBackward is not LeafNodes reversed", sn.Version())
	}
	if err := sn.Tree().Verify(); err != nil {
		return fmt.Errorf("v%d: %w", sn.Version(), err)
	}
	return nil
}
