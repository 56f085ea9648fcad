package compare

import (
	"iter"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/flatseg/flatseg"
	"github.com/flatseg/flatseg/bench/internal/rangemap"
	"github.com/flatseg/flatseg/fst"
)

// Impl is one implementation in the comparison: one entry of [Impls] says
// how to build it, where it takes part and how the report shows it.
type Impl struct {
	ID    string // in results.json and in the C++ driver's output
	Label string // in tables and legends; "{batch}" stands for Config.Batch
	// Labels replaces Label in some tables: keyed by [InReads],
	// [InMemory] or [InThroughput].
	Labels map[string]string
	Color  string // the same in every plot
	// Doc describes it in the report's list of implementations (Markdown,
	// "{batch}" as in Label); variants leave it empty.
	Doc string
	// Ours marks this library: solid lines in the plots.
	Ours bool
	// Headline marks the implementations of this library that the report
	// compares with every other: speed-up rows, the ratios against mdds.
	Headline bool
	// Baseline marks what a user would use instead of this library: the
	// report lists every row where fst.Tree is not ahead of it.
	Baseline bool
	// Variant marks a variation of another entry (mdds with a search hint,
	// fst.Build): in the full tables, not in the summary.
	Variant bool

	// New builds the Go structure holding base (Built) or its empty span
	// (Empty). Nil for memory-only entries and the C++ driver's rows.
	New func(base []Segment, setup Setup, cfg *Config) (structure, error)
	// Driver marks rows the C++ driver measures.
	Driver bool
	// Workloads, when not nil, lists the only workloads it runs.
	Workloads []string
	// WritesOnly limits it to the workloads that write.
	WritesOnly bool
	// Reuse builds the Built structure once per size and runs every cell on
	// a Clone of it: for a persistent structure whose clone shares
	// everything and whose every write copies a path anyway.
	Reuse bool
	// Memory builds the structure whose live heap per segment is measured;
	// nil if it is not measured in Go.
	Memory func(base []Segment, cfg *Config) (any, error)
	// Sharing says how the reader-throughput test shares it.
	Sharing Sharing
}

// Sharing is how the reader-throughput test shares a structure between its
// reader goroutines and its writer.
type Sharing int

const (
	// NotShared keeps it out of the throughput test.
	NotShared Sharing = iota
	// ReadersOnly: safe for concurrent reads only; measured without a writer.
	ReadersOnly
	// Synchronized: Search and Insert are safe for concurrent use.
	Synchronized
	// Versioned: readers search the current version behind an atomic
	// pointer; the writer clones it, writes the clone and publishes it.
	Versioned
)

// Contexts of [Impl.Labels].
const (
	InReads      = "reads" // workloads that do not write
	InMemory     = "memory"
	InThroughput = "throughput"
)

// Implementation ids that the report and the tests refer to.
const (
	ImplFst        = "fst"
	ImplStore      = "store"
	ImplStoreBatch = "store-batch"
	ImplRWMutex    = "rwmutex"
	ImplRangeMap   = "rangemap"
	ImplTidwall    = "tidwall"
	ImplGoogle     = "google"
	ImplMdds       = "mdds"
	ImplMddsHint   = "mdds-hint"
	ImplMddsBuild  = "mdds-copy-build"
	ImplMddsLeaves = "mdds-leaves"
	ImplFstBuild   = "fst-build"
	ImplFstCursor  = "fst-cursor"
)

// Impls is every implementation, in the row order of every table. Adding
// one to the comparison is adding an entry here.
var Impls = []Impl{
	{
		ID: ImplFst, Label: "fst.Tree (in place)", Color: "#0072B2", Ours: true, Headline: true,
		Labels: map[string]string{InMemory: "fst.Tree (n Inserts)", InThroughput: "fst.Tree (unguarded)"},
		Doc:    "this library's tree, written by one goroutine.",
		New:    newTree, Memory: appended(newTree), Sharing: ReadersOnly,
	},
	{
		ID: ImplFstBuild, Label: "fst.Tree (fst.Build)", Color: "#56B4E9", Ours: true, Variant: true,
		Memory: func(base []Segment, cfg *Config) (any, error) { return newTree(base, Built, cfg) },
	},
	{
		ID: ImplFstCursor, Label: "fst.Cursor Seek", Color: "#2B4C7E", Ours: true, Variant: true,
		Doc:       "the same tree read through one fst.Cursor: each Seek walks on from the previous segment (O(1) when the key is in the next one) instead of descending from the root, the Go counterpart of mdds's search(hint).",
		New:       newCursorTree,
		Workloads: []string{"search-seq"},
	},
	{
		ID: ImplStore, Label: "Store (commit per op)", Color: "#009E73", Ours: true, Headline: true,
		Labels: map[string]string{InReads: "Store", InMemory: "Store", InThroughput: "Store"},
		Doc:    "this library's concurrent store. Reads go through Snapshot() (one atomic load), every write is its own Update (one commit), a clone is Snapshot().Tree().",
		New:    newStore, Memory: appended(newStoreBatch), Sharing: Synchronized,
	},
	{
		ID: ImplStoreBatch, Label: "Store (commit per {batch} ops)", Color: "#7FC9A9", Ours: true, WritesOnly: true,
		Doc: "one writer batching {batch} writes per transaction, and reading its own writes through the open Txn.",
		New: newStoreBatch,
	},
	{
		ID: ImplRWMutex, Label: "RWMutex + fst.Tree", Color: "#CC79A7",
		Doc: "what a Go user would write for concurrency: the same tree behind a sync.RWMutex.",
		New: newGuarded, Sharing: Synchronized,
	},
	{
		ID: ImplRangeMap, Label: "SortedMap range map", Color: "#E69F00", Baseline: true,
		Doc:   "\"just use a persistent sorted map\": bench/internal/rangemap on github.com/benbjohnson/immutable's SortedMap, segment start → (end, value); Insert deletes the boundaries it covers, sets the new ones and merges equal neighbours, shifts re-insert every later segment.",
		New:   newRangeMap[rangemap.Immutable[Key, Val]],
		Reuse: true, Memory: built(newRangeMap[rangemap.Immutable[Key, Val]]), Sharing: Versioned,
	},
	{
		ID: ImplTidwall, Label: "tidwall/btree range map", Color: "#000000", Baseline: true,
		Doc:    "the same range map on github.com/tidwall/btree's Map (degree 32, written in place, Copy in O(1)).",
		New:    newRangeMap[rangemap.Tidwall[Key, Val]],
		Memory: built(newRangeMap[rangemap.Tidwall[Key, Val]]), Sharing: Versioned,
	},
	{
		ID: ImplGoogle, Label: "google/btree range map", Color: "#999999", Baseline: true,
		Doc:    "the same range map on github.com/google/btree's BTreeG (degree 32, written in place, Clone in O(1)).",
		New:    newRangeMap[rangemap.Google[Key, Val]],
		Memory: built(newRangeMap[rangemap.Google[Key, Val]]), Sharing: Versioned,
	},
	{
		ID: ImplMdds, Label: "mdds", Color: "#D55E00", Baseline: true, Driver: true,
		Doc: "mdds::flat_segment_tree<int64_t, int64_t> run by bench/internal/compare/driver/mdds_driver.cpp, timed in C++ with std::chrono::steady_clock on the op streams the Go side wrote.",
	},
	{
		ID: ImplMddsHint, Label: "mdds search(hint)", Color: "#8C3A00", Baseline: true, Variant: true, Driver: true,
		Workloads: []string{"search-seq"},
	},
	{
		ID: ImplMddsBuild, Label: "mdds copy + build_tree", Color: "#F0A070", Baseline: true, Variant: true, Driver: true,
		Workloads: []string{"clone"},
	},
	{
		// Memory only: the driver reports mdds's leaves without its search tree.
		ID: ImplMddsLeaves, Label: "mdds (leaves only)", Color: "#F0A070", Baseline: true, Variant: true, Driver: true,
		Workloads: []string{},
	},
}

// implByID returns the entry of [Impls] with id.
func implByID(id string) (Impl, bool) {
	for _, im := range Impls {
		if im.ID == id {
			return im, true
		}
	}
	return Impl{}, false
}

// runs reports whether im takes part in workload w.
func (im Impl) runs(w Workload) bool {
	switch {
	case im.New == nil && !im.Driver:
		return false
	case im.Workloads != nil:
		return slices.Contains(im.Workloads, w.Name)
	case im.WritesOnly:
		return w.Writes
	}
	return true
}

// LabelIn returns the display name of implementation id in context: a
// workload name, [InMemory] or [InThroughput].
func LabelIn(context, id string, batch int) string {
	im, ok := implByID(id)
	if !ok {
		return id
	}
	if wl, ok := workload(context); ok && !wl.Writes {
		context = InReads
	}
	label := im.Label
	if l, ok := im.Labels[context]; ok {
		label = l
	}
	return withBatch(label, batch)
}

// Label returns the display name of implementation id.
func Label(id string, batch int) string {
	if im, ok := implByID(id); ok {
		return withBatch(im.Label, batch)
	}
	return id
}

func withBatch(s string, batch int) string {
	return strings.ReplaceAll(s, "{batch}", strconv.Itoa(batch))
}

// structure is a Go implementation as the runner drives it.
type structure interface {
	Search(k Key) (fst.Segment[Key, Val], bool)
	Insert(start, end Key, v Val) (bool, error)
	ShiftLeft(start, end Key) error
	ShiftRight(pos, size Key, skipStartNode bool) error
	// Clone returns an independent, writable copy.
	Clone() structure
	// Segments iterates over the segments; it is not used during writes.
	Segments() iter.Seq[fst.Segment[Key, Val]]
}

// flusher is a structure with pending writes, completed by flush.
type flusher interface{ flush() error }

// segments converts the generated segments for fst.Build and rangemap.Build.
func segments(base []Segment) []fst.Segment[Key, Val] {
	segs := make([]fst.Segment[Key, Val], len(base))
	for i, s := range base {
		segs[i] = fst.Segment[Key, Val]{Start: s.Start, End: s.End, Value: s.Value}
	}
	return segs
}

// span is the key span of a structure holding base.
func span(base []Segment) Key { return Stride * Key(len(base)) }

// appended returns a memory builder that fills the empty span through
// newX's Insert, segment by segment in key order.
func appended(newX func([]Segment, Setup, *Config) (structure, error)) func([]Segment, *Config) (any, error) {
	return func(base []Segment, cfg *Config) (any, error) {
		x, err := newX(base, Empty, cfg)
		if err != nil {
			return nil, err
		}
		for _, s := range base {
			if _, err := x.Insert(s.Start, s.End, s.Value); err != nil {
				return nil, err
			}
		}
		if f, ok := x.(flusher); ok {
			err = f.flush()
		}
		return x, err
	}
}

// built returns a memory builder that builds base through newX.
func built(newX func([]Segment, Setup, *Config) (structure, error)) func([]Segment, *Config) (any, error) {
	return func(base []Segment, cfg *Config) (any, error) { return newX(base, Built, cfg) }
}

// tree is an fst.Tree written in place by one goroutine.
type tree struct{ *fst.Tree[Key, Val] }

func (t tree) Clone() structure { return tree{t.Tree.Clone()} }

func newFstTree(base []Segment, setup Setup) (*fst.Tree[Key, Val], error) {
	if setup == Empty {
		return fst.New[Key, Val](0, span(base), 0)
	}
	return fst.Build(0, span(base), 0, segments(base))
}

func newTree(base []Segment, setup Setup, _ *Config) (structure, error) {
	t, err := newFstTree(base, setup)
	return tree{t}, err
}

// cursorTree is an fst.Tree whose lookups go through one Cursor, made
// when the structure is: it reads that version only, so it serves the
// read workloads alone (Impl.Workloads).
type cursorTree struct {
	tree
	c *fst.Cursor[Key, Val, fst.None]
}

func newCursorTree(base []Segment, setup Setup, _ *Config) (structure, error) {
	t, err := newFstTree(base, setup)
	if err != nil {
		return nil, err
	}
	return &cursorTree{tree{t}, t.Cursor()}, nil
}

func (x *cursorTree) Search(k Key) (fst.Segment[Key, Val], bool) { return x.c.Seek(k) }

func (x *cursorTree) Clone() structure {
	t := x.Tree.Clone()
	return &cursorTree{tree{t}, t.Cursor()}
}

// guarded is what a Go user writes for concurrency without this library's
// Store: an fst.Tree behind a sync.RWMutex.
type guarded struct {
	mu sync.RWMutex
	t  *fst.Tree[Key, Val]
}

func newGuarded(base []Segment, setup Setup, _ *Config) (structure, error) {
	t, err := newFstTree(base, setup)
	return &guarded{t: t}, err
}

func (x *guarded) Search(k Key) (fst.Segment[Key, Val], bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.t.Search(k)
}

func (x *guarded) Insert(start, end Key, v Val) (bool, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.t.Insert(start, end, v)
}

func (x *guarded) ShiftLeft(start, end Key) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.t.ShiftLeft(start, end)
}

func (x *guarded) ShiftRight(pos, size Key, skip bool) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.t.ShiftRight(pos, size, skip)
}

// Clone takes the write lock: cloning a tree that is not frozen retires its
// writer token, a write.
func (x *guarded) Clone() structure {
	x.mu.Lock()
	defer x.mu.Unlock()
	return tree{x.t.Clone()}
}

func (x *guarded) Segments() iter.Seq[fst.Segment[Key, Val]] {
	return func(yield func(fst.Segment[Key, Val]) bool) {
		x.mu.RLock()
		defer x.mu.RUnlock()
		for s := range x.t.Segments() {
			if !yield(s) {
				return
			}
		}
	}
}

// store is a flatseg.Store: reads through the current snapshot, every write
// its own transaction.
type store struct{ s *flatseg.Store[Key, Val] }

func newFlatsegStore(base []Segment, setup Setup) (*flatseg.Store[Key, Val], error) {
	t, err := newFstTree(base, setup)
	if err != nil {
		return nil, err
	}
	return flatseg.NewFrom(t)
}

func newStore(base []Segment, setup Setup, _ *Config) (structure, error) {
	s, err := newFlatsegStore(base, setup)
	return store{s}, err
}

func (x store) Search(k Key) (fst.Segment[Key, Val], bool) { return x.s.Snapshot().Search(k) }

func (x store) Insert(start, end Key, v Val) (changed bool, err error) {
	err = x.s.Update(func(tx *flatseg.Txn[Key, Val]) error {
		changed, err = tx.Insert(start, end, v)
		return err
	})
	return changed, err
}

func (x store) ShiftLeft(start, end Key) error {
	return x.s.Update(func(tx *flatseg.Txn[Key, Val]) error { return tx.ShiftLeft(start, end) })
}

func (x store) ShiftRight(pos, size Key, skip bool) error {
	return x.s.Update(func(tx *flatseg.Txn[Key, Val]) error { return tx.ShiftRight(pos, size, skip) })
}

func (x store) Clone() structure                          { return tree{x.s.Snapshot().Tree()} }
func (x store) Segments() iter.Seq[fst.Segment[Key, Val]] { return x.s.Snapshot().Segments() }

// storeBatch is one writer batching its writes into transactions of batch
// writes; its reads go through the open transaction and see its writes.
type storeBatch struct {
	s       *flatseg.Store[Key, Val]
	tx      *flatseg.Txn[Key, Val]
	batch   int
	pending int
}

func newStoreBatch(base []Segment, setup Setup, cfg *Config) (structure, error) {
	s, err := newFlatsegStore(base, setup)
	return &storeBatch{s: s, batch: max(1, cfg.Batch)}, err
}

func (x *storeBatch) txn() *flatseg.Txn[Key, Val] {
	if x.tx == nil {
		x.tx = x.s.Begin()
	}
	return x.tx
}

// wrote counts a write and commits when the batch is full.
func (x *storeBatch) wrote(err error) error {
	if x.pending++; x.pending >= x.batch {
		if ferr := x.flush(); err == nil {
			err = ferr
		}
	}
	return err
}

func (x *storeBatch) Search(k Key) (fst.Segment[Key, Val], bool) { return x.txn().Search(k) }

func (x *storeBatch) Insert(start, end Key, v Val) (bool, error) {
	changed, err := x.txn().Insert(start, end, v)
	return changed, x.wrote(err)
}

func (x *storeBatch) ShiftLeft(start, end Key) error {
	return x.wrote(x.txn().ShiftLeft(start, end))
}

func (x *storeBatch) ShiftRight(pos, size Key, skip bool) error {
	return x.wrote(x.txn().ShiftRight(pos, size, skip))
}

// Clone and Segments commit the open transaction first; the comparison
// uses them only after the last write.
func (x *storeBatch) Clone() structure {
	x.flush()
	return tree{x.s.Snapshot().Tree()}
}

func (x *storeBatch) Segments() iter.Seq[fst.Segment[Key, Val]] {
	x.flush()
	return x.s.Snapshot().Segments()
}

func (x *storeBatch) flush() error {
	if x.tx == nil {
		return nil
	}
	_, err := x.tx.Commit()
	x.tx, x.pending = nil, 0
	return err
}

// rangeMap is a range map of package rangemap on the ordered map S.
type rangeMap[S rangemap.Sorted[Key, Val, S]] struct {
	*rangemap.Map[Key, Val, S]
}

func (m rangeMap[S]) Clone() structure { return rangeMap[S]{m.Map.Clone()} }

func newRangeMap[S rangemap.Sorted[Key, Val, S]](base []Segment, setup Setup, _ *Config) (structure, error) {
	if setup == Empty {
		m, err := rangemap.New[Key, Val, S](0, span(base), 0)
		return rangeMap[S]{m}, err
	}
	m, err := rangemap.Build[Key, Val, S](0, span(base), 0, segments(base))
	return rangeMap[S]{m}, err
}
