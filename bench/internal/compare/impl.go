package compare

import (
	"fmt"
	"iter"
	"runtime"
	"sync"

	"github.com/flatseg/flatseg"
	"github.com/flatseg/flatseg/bench/internal/rangemap"
	"github.com/flatseg/flatseg/fst"
)

// Implementation ids, as they appear in results.json and the driver output.
const (
	ImplFst        = "fst"
	ImplStore      = "store"
	ImplStoreBatch = "store-batch"
	ImplRWMutex    = "rwmutex"
	ImplRangeMap   = "rangemap"
	ImplMdds       = "mdds"
	ImplMddsHint   = "mdds-hint"
	ImplMddsBuild  = "mdds-copy-build"
	ImplMddsLeaves = "mdds-leaves" // memory only: leaves without build_tree
	ImplFstBuild   = "fst-build"   // memory only: fst.Build instead of appends
)

// Ours reports whether id is this library.
func Ours(id string) bool {
	switch id {
	case ImplFst, ImplStore, ImplStoreBatch, ImplFstBuild:
		return true
	}
	return false
}

// Contexts of [LabelIn] besides workload names.
const (
	InMemory     = "memory"
	InThroughput = "throughput"
)

// LabelIn returns the display name of an implementation id in the table of
// a workload, or of InMemory or InThroughput.
func LabelIn(context, id string, batch int) string {
	switch {
	case context == InMemory && id == ImplFst:
		return "fst.Tree (n Inserts)"
	case context == InThroughput && id == ImplFst:
		return "fst.Tree (unguarded)"
	case id == ImplStore:
		if wl, ok := workload(context); !ok || !wl.Writes {
			return "Store"
		}
	}
	return Label(id, batch)
}

// Label returns the display name of an implementation id.
func Label(id string, batch int) string {
	switch id {
	case ImplFst:
		return "fst.Tree (in place)"
	case ImplFstBuild:
		return "fst.Tree (fst.Build)"
	case ImplStore:
		return "Store (commit per op)"
	case ImplStoreBatch:
		return fmt.Sprintf("Store (commit per %d ops)", batch)
	case ImplRWMutex:
		return "RWMutex + fst.Tree"
	case ImplRangeMap:
		return "SortedMap range map"
	case ImplMdds:
		return "mdds"
	case ImplMddsHint:
		return "mdds search(hint)"
	case ImplMddsBuild:
		return "mdds copy + build_tree"
	case ImplMddsLeaves:
		return "mdds (leaves only)"
	}
	return id
}

// mix folds x into the running checksum h. The C++ driver computes the same
// checksum, so implementations that ran the same ops must agree.
func mix(h uint64, x int64) uint64 { return (h ^ uint64(x)) * 0x100000001b3 }

func mixSeg(h uint64, s, e Key, v Val) uint64 { return mix(h, s^(e<<21)^(v<<42)) }

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// impl is one Go implementation under test. run applies ops in order;
// finish completes pending work (the batched Store's last commit); state
// fingerprints the segments it holds (untimed, after finish).
type impl interface {
	run(ops []Op)
	finish()
	result() (sum uint64, err error)
	state() uint64
}

// fingerprint hashes a sequence of segments; the driver's matches it.
func fingerprint(segs iter.Seq[fst.Segment[Key, Val]]) uint64 {
	var h uint64
	for s := range segs {
		h = mixSeg(h, s.Start, s.End, s.Value)
	}
	return h
}

func (x *fstImpl) state() uint64        { return fingerprint(x.t.Segments()) }
func (x *rwImpl) state() uint64         { return fingerprint(x.t.Segments()) }
func (x *rangeMapImpl) state() uint64   { return fingerprint(x.m.Segments()) }
func (x *storeImpl) state() uint64      { return fingerprint(x.s.Snapshot().Segments()) }
func (x *storeBatchImpl) state() uint64 { return fingerprint(x.s.Snapshot().Segments()) }

// Sinks keep clones alive past the loop so the compiler cannot drop them.
// They are only written, which is their point.
var (
	//lint:ignore U1000 written only, so that timed clones escape and stay
	sinkTree *fst.Tree[Key, Val]
	//lint:ignore U1000 written only, so that timed clones escape and stay
	sinkMap *sortedRangeMap
)

// newTree builds base into an fst.Tree, or an empty tree over the same span.
func newTree(base []Segment, setup Setup) (*fst.Tree[Key, Val], error) {
	span := Stride * Key(len(base))
	if setup == Empty {
		return fst.New[Key, Val](0, span, 0)
	}
	segs := make([]fst.Segment[Key, Val], len(base))
	for i, s := range base {
		segs[i] = fst.Segment[Key, Val]{Start: s.Start, End: s.End, Value: s.Value}
	}
	return fst.Build(0, span, 0, segs)
}

// fstImpl is an fst.Tree written in place by one goroutine.
type fstImpl struct {
	t   *fst.Tree[Key, Val]
	h   uint64
	err error
}

func (x *fstImpl) run(ops []Op) {
	for i := range ops {
		x.apply(&ops[i])
	}
}

func (x *fstImpl) apply(op *Op) {
	t := x.t
	var err error
	switch op.Kind {
	case OpSearch:
		s, ok := t.Search(op.A)
		if ok {
			x.h = mixSeg(x.h, s.Start, s.End, s.Value)
		}
	case OpInsert, OpAppend:
		var ch bool
		ch, err = t.Insert(op.A, op.B, op.C)
		x.h = mix(x.h, b2i(ch))
	case OpShiftLeft:
		err = t.ShiftLeft(op.A, op.B)
	case OpShiftRight:
		err = t.ShiftRight(op.A, op.B, op.C != 0)
	case OpClone:
		sinkTree = t.Clone()
	case OpIterate:
		var acc int64
		for s := range t.Segments() {
			acc += s.Start ^ s.Value
		}
		x.h = mix(x.h, acc)
	}
	if err != nil && x.err == nil {
		x.err = fmt.Errorf("%v %d %d %d: %w", op.Kind, op.A, op.B, op.C, err)
	}
}

func (x *fstImpl) finish()                      {}
func (x *fstImpl) result() (uint64, error)      { return x.h, x.err }
func (x *rwImpl) finish()                       {}
func (x *rwImpl) result() (uint64, error)       { return x.h, x.err }
func (x *rangeMapImpl) finish()                 {}
func (x *rangeMapImpl) result() (uint64, error) { return x.h, x.err }
func (x *storeImpl) finish()                    {}
func (x *storeImpl) result() (uint64, error)    { return x.h, x.err }

// rwImpl is what a Go user writes for concurrency without this library's
// Store: an fst.Tree behind a sync.RWMutex.
type rwImpl struct {
	mu  sync.RWMutex
	t   *fst.Tree[Key, Val]
	h   uint64
	err error
}

func (x *rwImpl) run(ops []Op) {
	for i := range ops {
		x.apply(&ops[i])
	}
}

func (x *rwImpl) search(k Key) (fst.Segment[Key, Val], bool) {
	x.mu.RLock()
	s, ok := x.t.Search(k)
	x.mu.RUnlock()
	return s, ok
}

func (x *rwImpl) write(op *Op) (changed bool, err error) {
	x.mu.Lock()
	switch op.Kind {
	case OpInsert, OpAppend:
		changed, err = x.t.Insert(op.A, op.B, op.C)
	case OpShiftLeft:
		err = x.t.ShiftLeft(op.A, op.B)
	case OpShiftRight:
		err = x.t.ShiftRight(op.A, op.B, op.C != 0)
	}
	x.mu.Unlock()
	return changed, err
}

func (x *rwImpl) apply(op *Op) {
	var err error
	switch op.Kind {
	case OpSearch:
		if s, ok := x.search(op.A); ok {
			x.h = mixSeg(x.h, s.Start, s.End, s.Value)
		}
	case OpInsert, OpAppend:
		var ch bool
		ch, err = x.write(op)
		x.h = mix(x.h, b2i(ch))
	case OpShiftLeft, OpShiftRight:
		_, err = x.write(op)
	case OpClone:
		// Clone of a tree that is not frozen retires its writer token: a
		// write, so it takes the write lock.
		x.mu.Lock()
		sinkTree = x.t.Clone()
		x.mu.Unlock()
	case OpIterate:
		var acc int64
		x.mu.RLock()
		for s := range x.t.Segments() {
			acc += s.Start ^ s.Value
		}
		x.mu.RUnlock()
		x.h = mix(x.h, acc)
	}
	if err != nil && x.err == nil {
		x.err = fmt.Errorf("%v %d %d %d: %w", op.Kind, op.A, op.B, op.C, err)
	}
}

// rangeMapImpl is the naive persistent range map.
type rangeMapImpl struct {
	m   *sortedRangeMap
	h   uint64
	err error
}

// sortedRangeMap is the range map on immutable.SortedMap.
type sortedRangeMap = rangemap.Map[Key, Val, rangemap.Immutable[Key, Val]]

func newRangeMap(base []Segment, setup Setup) (*sortedRangeMap, error) {
	span := Stride * Key(len(base))
	if setup == Empty {
		return rangemap.New[Key, Val, rangemap.Immutable[Key, Val]](0, span, 0)
	}
	segs := make([]fst.Segment[Key, Val], len(base))
	for i, s := range base {
		segs[i] = fst.Segment[Key, Val]{Start: s.Start, End: s.End, Value: s.Value}
	}
	return rangemap.Build[Key, Val, rangemap.Immutable[Key, Val]](0, span, 0, segs)
}

func (x *rangeMapImpl) run(ops []Op) {
	for i := range ops {
		x.apply(&ops[i])
	}
}

func (x *rangeMapImpl) apply(op *Op) {
	var err error
	switch op.Kind {
	case OpSearch:
		if s, ok := x.m.Search(op.A); ok {
			x.h = mixSeg(x.h, s.Start, s.End, s.Value)
		}
	case OpInsert, OpAppend:
		var ch bool
		ch, err = x.m.Insert(op.A, op.B, op.C)
		x.h = mix(x.h, b2i(ch))
	case OpShiftLeft:
		err = x.m.ShiftLeft(op.A, op.B)
	case OpShiftRight:
		err = x.m.ShiftRight(op.A, op.B, op.C != 0)
	case OpClone:
		sinkMap = x.m.Clone()
	case OpIterate:
		var acc int64
		for s := range x.m.Segments() {
			acc += s.Start ^ s.Value
		}
		x.h = mix(x.h, acc)
	}
	if err != nil && x.err == nil {
		x.err = fmt.Errorf("%v %d %d %d: %w", op.Kind, op.A, op.B, op.C, err)
	}
}

// storeImpl is a flatseg.Store: reads through the current snapshot, every
// write its own transaction.
type storeImpl struct {
	s   *flatseg.Store[Key, Val]
	h   uint64
	err error
}

func (x *storeImpl) run(ops []Op) {
	for i := range ops {
		x.apply(&ops[i])
	}
}

func (x *storeImpl) apply(op *Op) {
	var err error
	switch op.Kind {
	case OpSearch:
		if s, ok := x.s.Snapshot().Search(op.A); ok {
			x.h = mixSeg(x.h, s.Start, s.End, s.Value)
		}
	case OpInsert, OpAppend:
		var ch bool
		err = x.s.Update(func(tx *flatseg.Txn[Key, Val]) error {
			var err error
			ch, err = tx.Insert(op.A, op.B, op.C)
			return err
		})
		x.h = mix(x.h, b2i(ch))
	case OpShiftLeft:
		err = x.s.Update(func(tx *flatseg.Txn[Key, Val]) error { return tx.ShiftLeft(op.A, op.B) })
	case OpShiftRight:
		err = x.s.Update(func(tx *flatseg.Txn[Key, Val]) error { return tx.ShiftRight(op.A, op.B, op.C != 0) })
	case OpClone:
		sinkTree = x.s.Snapshot().Tree()
	case OpIterate:
		var acc int64
		for s := range x.s.Snapshot().Segments() {
			acc += s.Start ^ s.Value
		}
		x.h = mix(x.h, acc)
	}
	if err != nil && x.err == nil {
		x.err = fmt.Errorf("%v %d %d %d: %w", op.Kind, op.A, op.B, op.C, err)
	}
}

// storeBatchImpl is one writer batching its ops into transactions of batch
// ops; its reads go through the open transaction and see its writes.
type storeBatchImpl struct {
	s       *flatseg.Store[Key, Val]
	tx      *flatseg.Txn[Key, Val]
	batch   int
	pending int
	h       uint64
	err     error
}

func (x *storeBatchImpl) run(ops []Op) {
	for i := range ops {
		x.apply(&ops[i])
	}
}

func (x *storeBatchImpl) apply(op *Op) {
	if x.tx == nil {
		x.tx = x.s.Begin()
	}
	var err error
	switch op.Kind {
	case OpSearch:
		if s, ok := x.tx.Search(op.A); ok {
			x.h = mixSeg(x.h, s.Start, s.End, s.Value)
		}
		return
	case OpInsert, OpAppend:
		var ch bool
		ch, err = x.tx.Insert(op.A, op.B, op.C)
		x.h = mix(x.h, b2i(ch))
	case OpShiftLeft:
		err = x.tx.ShiftLeft(op.A, op.B)
	case OpShiftRight:
		err = x.tx.ShiftRight(op.A, op.B, op.C != 0)
	default:
		err = fmt.Errorf("op %v not supported by the batched store", op.Kind)
	}
	if err != nil && x.err == nil {
		x.err = fmt.Errorf("%v %d %d %d: %w", op.Kind, op.A, op.B, op.C, err)
	}
	if x.pending++; x.pending >= x.batch {
		x.finish()
	}
}

func (x *storeBatchImpl) finish() {
	if x.tx == nil {
		return
	}
	if _, err := x.tx.Commit(); err != nil && x.err == nil {
		x.err = err
	}
	x.tx, x.pending = nil, 0
}

func (x *storeBatchImpl) result() (uint64, error) { return x.h, x.err }

// newImpl builds implementation id over base (or its empty span).
func newImpl(id string, base []Segment, setup Setup, cache *baseCache, batch int) (impl, error) {
	switch id {
	case ImplFst, ImplRWMutex:
		t, err := newTree(base, setup)
		if err != nil {
			return nil, err
		}
		if id == ImplFst {
			return &fstImpl{t: t}, nil
		}
		return &rwImpl{t: t}, nil
	case ImplStore, ImplStoreBatch:
		t, err := newTree(base, setup)
		if err != nil {
			return nil, err
		}
		s, err := flatseg.NewFrom(t)
		if err != nil {
			return nil, err
		}
		if id == ImplStore {
			return &storeImpl{s: s}, nil
		}
		return &storeBatchImpl{s: s, batch: batch}, nil
	case ImplRangeMap:
		// The map is persistent: every workload may start from the same
		// value, built once per size.
		m, err := cache.rangeMap(base, setup)
		if err != nil {
			return nil, err
		}
		return &rangeMapImpl{m: m.Clone()}, nil
	}
	return nil, fmt.Errorf("unknown implementation %q", id)
}

// baseCache keeps the range map built from the current base, which takes
// seconds at a million segments.
type baseCache struct {
	base  []Segment
	built *sortedRangeMap
	ok    bool
}

func (c *baseCache) rangeMap(base []Segment, setup Setup) (*sortedRangeMap, error) {
	if setup == Empty {
		return newRangeMap(base, setup)
	}
	if c.ok && len(c.base) == len(base) && &c.base[0] == &base[0] {
		return c.built, nil
	}
	m, err := newRangeMap(base, setup)
	if err != nil {
		return m, err
	}
	c.base, c.built, c.ok = base, m, true
	runtime.GC()
	return m, nil
}
