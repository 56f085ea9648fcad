// Package compare runs the comparison behind bench/cmd/compare: the same
// workloads, sizes and random keys on every implementation of [Impls]
// (fst.Tree, flatseg.Store, a sync.RWMutex-guarded fst.Tree, range maps on
// three ordered maps, and the C++ mdds::flat_segment_tree through a driver),
// and writes tables and plots of the result.
//
// The package is laid out by concern: workload.go (what is run), impl.go
// (what it runs on), runner.go, run.go and throughput.go (measuring),
// mdds.go (the C++ driver), machine.go (the machine), tables.go and
// charts.go (the figures), and report.go with report.md.tmpl and
// summary.md.tmpl (the prose around them).
package compare

import (
	"math/rand/v2"
)

// Key and Val are the types every implementation is instantiated with
// (mdds::flat_segment_tree<int64_t, int64_t> on the C++ side).
type (
	Key = int64
	Val = int64
)

// Kind says what an [Op] does. The numbers are part of the op file format the
// C++ driver reads.
type Kind int64

const (
	OpSearch     Kind = 1 // Search(A)
	OpInsert     Kind = 2 // Insert(A, B, C) at a random place (mdds insert_front)
	OpAppend     Kind = 3 // Insert(A, B, C) at the end (mdds insert_back)
	OpShiftLeft  Kind = 4 // ShiftLeft(A, B)
	OpShiftRight Kind = 5 // ShiftRight(A, B, C != 0)
	OpClone      Kind = 6 // a full independent copy
	OpIterate    Kind = 7 // visit every segment once
	// OpCloneInsert clones, then does Insert(A, B, C) on the clone.
	OpCloneInsert Kind = 8
)

// Op is one operation of a workload's op stream.
type Op struct {
	Kind    Kind
	A, B, C int64
}

// Stride is the average segment length of the generated trees: a tree of n
// segments spans [0, Stride*n).
const Stride = 16

// Setup is how a workload's structure starts.
type Setup int

const (
	Built Setup = iota // n segments from [Base]
	Empty              // the empty span of n segments, filled by the ops
)

// Workload is one row group of the comparison.
type Workload struct {
	Name  string // file and JSON name
	Title string
	// Unit is what one timed op is: "op", or "segment" for iteration.
	Unit  string
	Setup Setup
	// Writes says whether the ops change the structure, so each
	// implementation needs a fresh one and the batched Store takes part.
	Writes bool
	// Ops generates the op stream, at most m ops, for a tree of len(base)
	// segments.
	Ops func(rng *rand.Rand, base []Segment, m int) []Op
	// Note is printed under the workload's table.
	Note string
}

// Workloads is every workload, in report order.
var Workloads = []Workload{
	{
		Name: "search-random", Title: "Random point search", Unit: "op", Setup: Built,
		Ops: func(rng *rand.Rand, base []Segment, m int) []Op {
			n := len(base)
			ops := make([]Op, m)
			for i := range ops {
				ops[i] = Op{Kind: OpSearch, A: rng.Int64N(Stride * int64(n))}
			}
			return ops
		},
		Note: "mdds: search_tree() on a built tree. Store: Snapshot().Search().",
	},
	{
		Name: "search-seq", Title: "Sequential search (ascending keys)", Unit: "op", Setup: Built,
		Ops: func(rng *rand.Rand, base []Segment, m int) []Op {
			n := len(base)
			span := Stride * int64(n)
			ops := make([]Op, m)
			for i := range ops {
				ops[i] = Op{Kind: OpSearch, A: int64(i) * span / int64(m)}
			}
			return ops
		},
		Note: "Keys step evenly through the span. mdds search(hint) passes the iterator of the previous result, the mdds idiom for ascending lookups.",
	},
	{
		Name: "insert-random", Title: "Random insert", Unit: "op", Setup: Built, Writes: true,
		Ops: func(rng *rand.Rand, base []Segment, m int) []Op {
			return randomInserts(rng, len(base), m)
		},
		Note: "Segments of 1-16 keys with random values at random places. mdds: insert_front(), which walks the leaf list (O(n)).",
	},
	{
		Name: "append", Title: "Append at the end", Unit: "op", Setup: Empty, Writes: true,
		Ops: func(rng *rand.Rand, base []Segment, m int) []Op {
			ops := make([]Op, len(base))
			for i := range ops {
				s := base[i]
				ops[i] = Op{Kind: OpAppend, A: s.Start, B: s.End, C: s.Value}
			}
			return ops
		},
		Note: "Fills an empty span with the n segments in key order. mdds: insert_back().",
	},
	{
		Name: "shift", Title: "Random ShiftLeft / ShiftRight", Unit: "op", Setup: Built, Writes: true,
		Ops: func(rng *rand.Rand, base []Segment, m int) []Op {
			n := len(base)
			span := Stride * int64(n)
			ops := make([]Op, m)
			for i := range ops {
				d := 1 + rng.Int64N(Stride)
				if i%2 == 0 {
					s := rng.Int64N(span - Stride)
					ops[i] = Op{Kind: OpShiftLeft, A: s, B: s + d}
				} else {
					ops[i] = Op{Kind: OpShiftRight, A: rng.Int64N(span), B: d, C: rng.Int64N(2)}
				}
			}
			return ops
		},
		Note: "Alternating ShiftLeft(s, s+d) and ShiftRight(p, d, skip) with d in 1..16 at random places. mdds shifts every later leaf key (O(n)); the range maps delete and re-insert every later segment (O(n log n)).",
	},
	{
		Name: "clone", Title: "Copy / clone", Unit: "op", Setup: Built,
		Ops: func(rng *rand.Rand, base []Segment, m int) []Op {
			ops := make([]Op, m)
			for i := range ops {
				ops[i] = Op{Kind: OpClone}
			}
			return ops
		},
		Note: "An independent, writable copy. fst: Clone(). Store: Snapshot().Tree(). RWMutex: Clone() under the lock. Range maps: Clone(), O(1) (the SortedMap one copies a pointer; the B-tree ones give both sides new owners). mdds: the copy constructor, which copies the leaves only and leaves the copy without a search tree (destruction not timed); \"mdds copy + build_tree\" adds what a searchable copy costs. The O(1) clones defer their cost: later writes to either side copy the nodes on their path.",
	},
	{
		Name: "clone-write", Title: "Clone, then one insert into the clone", Unit: "op", Setup: Built,
		Ops: func(rng *rand.Rand, base []Segment, m int) []Op {
			ops := randomInserts(rng, len(base), m)
			for i := range ops {
				ops[i].Kind = OpCloneInsert
			}
			return ops
		},
		Note: "A private copy written once: what a persistent write costs. fst: Clone() then Insert(). Store: Snapshot().Tree() then Insert(). RWMutex: Clone() under the lock, Insert() on the copy. Range maps: Clone() then Insert(); the B-tree copies their first write makes are part of it. mdds: the copy constructor, then insert_front() on the copy (destruction not timed).",
	},
	{
		Name: "iterate", Title: "Full iteration", Unit: "segment", Setup: Built,
		Ops: func(rng *rand.Rand, base []Segment, m int) []Op {
			n := len(base)
			ops := make([]Op, max(2, 32*m/n))
			for i := range ops {
				ops[i] = Op{Kind: OpIterate}
			}
			return ops
		},
		Note: "Time per segment visited. fst/Store: Segments(). Range maps: an ascending scan of the ordered map. mdds: begin_segment()..end_segment().",
	},
	{
		Name: "mixed", Title: "Mixed service workload (90% search, 10% insert)", Unit: "op", Setup: Built, Writes: true,
		Ops: func(rng *rand.Rand, base []Segment, m int) []Op {
			n := len(base)
			span := Stride * int64(n)
			ops := make([]Op, m)
			for i := range ops {
				if rng.IntN(10) == 0 {
					s := rng.Int64N(span - Stride)
					ops[i] = Op{Kind: OpInsert, A: s, B: s + 1 + rng.Int64N(Stride), C: 1 + rng.Int64N(1<<20)}
				} else {
					ops[i] = Op{Kind: OpSearch, A: rng.Int64N(span)}
				}
			}
			return ops
		},
		Note: "mdds: insert_front() for writes; a search after a write first calls build_tree() (O(n)), as mdds requires before search_tree(). Store (commit per op): reads via Snapshot(); batched Store: reads and writes through one Txn, committed every batch.",
	},
}

// randomInserts returns m inserts of 1-16-key segments with random values at
// random places of the span of n segments.
func randomInserts(rng *rand.Rand, n, m int) []Op {
	span := Stride * int64(n)
	ops := make([]Op, m)
	for i := range ops {
		s := rng.Int64N(span - Stride)
		ops[i] = Op{Kind: OpInsert, A: s, B: s + 1 + rng.Int64N(Stride), C: 1 + rng.Int64N(1<<20)}
	}
	return ops
}

// Segment is one generated segment.
type Segment struct {
	Start, End Key
	Value      Val
}

// Base returns the n segments every Built workload starts from: consecutive
// segments covering [0, Stride*n) with random boundaries (the i-th within
// [Stride*i, Stride*i+Stride)) and random values, no two neighbours equal and
// none equal to the initial value 0.
func Base(rng *rand.Rand, n int) []Segment {
	segs := make([]Segment, n)
	var prev Val
	start := Key(0)
	for i := range segs {
		end := Stride * Key(n)
		if i+1 < n {
			end = Stride*Key(i+1) + rng.Int64N(Stride)
		}
		v := prev
		for v == prev {
			v = 1 + rng.Int64N(1<<20)
		}
		segs[i] = Segment{Start: start, End: end, Value: v}
		start, prev = end, v
	}
	return segs
}
