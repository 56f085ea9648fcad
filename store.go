package flatseg

import (
	"cmp"
	"errors"
	"fmt"
	"iter"
	"sync"

	"github.com/benbjohnson/immutable"
	"go.uber.org/atomic"

	"github.com/flatseg/flatseg/fst"
)

// ErrTxDone is returned by every method of a [Txn] that has already been
// committed or rolled back.
var ErrTxDone = errors.New("flatseg: transaction has already been committed or rolled back")

// ErrInvalidOption is returned (wrapped, with detail) by [New] and [NewFrom]
// when an [Option] has an invalid argument.
var ErrInvalidOption = errors.New("flatseg: invalid option")

// ErrForeignSnapshot is returned (wrapped, with detail) by [Store.WaitRange]
// when the snapshot it is given is nil or belongs to another store.
var ErrForeignSnapshot = errors.New("flatseg: snapshot is nil or of another store")

// ErrVersion is returned (wrapped, with detail) by [Store.UpdateAt] for a
// version that is not above the head's, and by a commit that would publish
// a version past math.MaxUint64: versions only ever increase.
var ErrVersion = errors.New("flatseg: version not above the head's")

// ErrIncompatible is returned (wrapped) by [Txn.Load] for a tree whose span
// or default value differs from the store's. It is [fst.ErrIncompatible].
var ErrIncompatible = fst.ErrIncompatible

// DefaultRetain is the number of versions, the head included, that a [Store]
// keeps reachable through [Store.At] when no [WithRetain] option is given.
const DefaultRetain = 1

// Option configures a [Store]; pass options to [New] or [NewFrom].
type Option func(*config) error

type config struct {
	retain int
}

// WithRetain makes [Store.At] able to return any of the n most recent
// versions, the head included. n must be at least 1 (the default,
// [DefaultRetain]). Every retained version keeps the nodes it does not share
// with the head alive, so memory grows with n times the size of a typical
// commit.
func WithRetain(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("%w: WithRetain(%d): need at least 1", ErrInvalidOption, n)
		}
		c.retain = n
		return nil
	}
}

// Store is a versioned flat segment tree shared by any number of readers
// and a single writer at a time.
//
// Readers take a [Snapshot] with [Store.Snapshot]: one atomic load, no lock
// and no allocation. A snapshot is immutable and stays valid for as long as
// it is referenced, whatever is committed later. Writers go through a [Txn]
// obtained from [Store.Begin] or run by [Store.Update]; writers are
// serialized by a mutex that readers never touch. Each commit that changes
// something publishes a new version with one atomic pointer swap.
//
// All methods of Store are safe for concurrent use. Create a Store with
// [New] or [NewFrom]: the zero Store is not usable, and a Store must not be
// copied. It starts no goroutines and needs no Close.
type Store[K fst.Key, V any] struct {
	store[K, V, *fst.Tree[K, V], Snapshot[K, V], Txn[K, V]]
}

// store is the one implementation of Store and MeasuredStore: their
// writers, versions, history and watchers, generic in the tree they hold
// (*fst.Tree or *fst.Measured) and in the snapshot and transaction types
// they hand out. Its type parameters are named after the exported types
// they stand for in a Store, so that the documentation of the methods
// Store and MeasuredStore promote from it reads as it should: in a
// MeasuredStore, Snapshot is MeasuredSnapshot and Txn is MeasuredTxn.
type store[K fst.Key, V any, Tree treeOf[K, V, Tree], Snapshot, Txn any] struct {
	writer sync.Mutex                                       // held from Begin until Commit or Rollback
	state  atomic.Pointer[state[K, V, Tree, Snapshot, Txn]] // the published head and history
	retain int                                              // versions reachable through At, head included
	fam    *family[K, V, Tree, Snapshot, Txn]               // the exported types the store serves
}

// treeOf is what a store needs of the tree it holds: the methods *fst.Tree
// and *fst.Measured share.
type treeOf[K fst.Key, V any, Tree any] interface {
	comparable // a pointer: nil is its zero value
	Search(key K) (fst.Segment[K, V], bool)
	All() iter.Seq[fst.Segment[K, V]]
	Backward() iter.Seq[fst.Segment[K, V]]
	Overlapping(start, end K) iter.Seq[fst.Segment[K, V]]
	LeafNodes() iter.Seq2[K, V]
	LeafNodesBackward() iter.Seq2[K, V]
	Len() int
	LeafSize() int
	MinKey() K
	MaxKey() K
	DefaultValue() V
	CheckRange(start, end K) error
	Insert(start, end K, v V) (bool, error)
	Apply(start, end K, f func(V) V) (bool, error)
	ShiftLeft(start, end K) error
	ShiftRight(pos, size K, skipStartNode bool) error
	Freeze()
	Clone() Tree
	Equal(o Tree) bool
	Assign(o Tree) error
}

// family is what the store core knows of the exported types it serves:
// how to wrap a new version or transaction in them and reach the core
// inside, the zero tree, and the tree's Diff.
type family[K fst.Key, V any, Tree treeOf[K, V, Tree], Snapshot, Txn any] struct {
	wrapSnap func(snapshot[K, V, Tree]) *Snapshot
	snap     func(*Snapshot) *snapshot[K, V, Tree]
	wrapTxn  func(txn[K, V, Tree, Snapshot, Txn]) *Txn
	txn      func(*Txn) *txn[K, V, Tree, Snapshot, Txn]
	none     Tree // the zero tree, read by finished transactions; never written
	diff     func(a, b Tree) iter.Seq[fst.Change[K, V]]
}

// plain is the family of Store.
func plain[K fst.Key, V any]() *family[K, V, *fst.Tree[K, V], Snapshot[K, V], Txn[K, V]] {
	return &family[K, V, *fst.Tree[K, V], Snapshot[K, V], Txn[K, V]]{
		wrapSnap: func(c snapshot[K, V, *fst.Tree[K, V]]) *Snapshot[K, V] { return &Snapshot[K, V]{c} },
		snap:     func(sn *Snapshot[K, V]) *snapshot[K, V, *fst.Tree[K, V]] { return &sn.snapshot },
		wrapTxn: func(c txn[K, V, *fst.Tree[K, V], Snapshot[K, V], Txn[K, V]]) *Txn[K, V] {
			return &Txn[K, V]{c}
		},
		txn:  func(tx *Txn[K, V]) *txn[K, V, *fst.Tree[K, V], Snapshot[K, V], Txn[K, V]] { return &tx.txn },
		none: new(fst.Tree[K, V]),
		diff: fst.Diff[K, V],
	}
}

// state is what a commit publishes: the head and the retained versions,
// swapped together so that a reader sees both from one atomic load.
type state[K fst.Key, V any, Tree treeOf[K, V, Tree], Snapshot, Txn any] struct {
	head    *Snapshot
	history *immutable.SortedMap[uint64, *Snapshot] // version -> snapshot, for the retain-1 versions before head
}

// versionComparer orders the history by version.
type versionComparer struct{}

func (versionComparer) Compare(a, b uint64) int { return cmp.Compare(a, b) }

// New returns a Store whose version 0 maps the whole span [lo, hi) to
// init, comparing values with == (see [fst.New]). It returns the error of
// [fst.New] for an invalid span (wrapping [fst.ErrInvalidRange] or
// [fst.ErrNaN]) and [ErrInvalidOption] for an invalid option.
func New[K fst.Key, V comparable](lo, hi K, init V, opts ...Option) (*Store[K, V], error) {
	s := new(Store[K, V])
	return made(s, s.open(opts, func() (*fst.Tree[K, V], error) { return fst.New(lo, hi, init) }, plain[K, V]()))
}

// NewFunc is New for values compared by equal, as [fst.NewFunc]: values
// need not be comparable (slices, maps, structs holding them). equal
// decides merging, whether a commit changed anything, [Diff] and
// [Store.WaitRange]. It fails with [fst.ErrNilEqual] when equal is nil.
func NewFunc[K fst.Key, V any](lo, hi K, init V, equal func(a, b V) bool, opts ...Option) (*Store[K, V], error) {
	s := new(Store[K, V])
	return made(s, s.open(opts, func() (*fst.Tree[K, V], error) { return fst.NewFunc(lo, hi, init, equal) }, plain[K, V]()))
}

// NewFrom returns a Store whose version 0 holds the contents of t, for
// example a tree bulk-loaded with [fst.Build]. It costs O(1): NewFrom
// freezes t (see [fst.Tree.Freeze]) and shares its nodes, so t stays usable
// and its later writes copy the nodes they touch instead of changing the
// store. t must not be nil nor used by another goroutine during the call.
func NewFrom[K fst.Key, V any](t *fst.Tree[K, V], opts ...Option) (*Store[K, V], error) {
	s := new(Store[K, V])
	return made(s, s.open(opts, func() (*fst.Tree[K, V], error) { t.Freeze(); return t.Clone(), nil }, plain[K, V]()))
}

func configure(opts []Option) (config, error) {
	cfg := config{retain: DefaultRetain}
	for i, opt := range opts {
		if opt == nil {
			return config{}, fmt.Errorf("%w: option %d is nil", ErrInvalidOption, i)
		}
		if err := opt(&cfg); err != nil {
			return config{}, err
		}
	}
	return cfg, nil
}

// made returns s, or nil and err when making s failed.
func made[S any](s *S, err error) (*S, error) {
	if err != nil {
		return nil, err
	}
	return s, nil
}

// open configures s with opts, then publishes the tree that tree makes as
// version 0: the work of every constructor, options checked first.
func (s *store[K, V, Tree, Snapshot, Txn]) open(opts []Option, tree func() (Tree, error), fam *family[K, V, Tree, Snapshot, Txn]) error {
	cfg, err := configure(opts)
	if err != nil {
		return err
	}
	t, err := tree()
	if err != nil {
		return err
	}
	s.init(t, cfg, fam)
	return nil
}

// init publishes t, which the store now owns, as version 0.
func (s *store[K, V, Tree, Snapshot, Txn]) init(t Tree, cfg config, fam *family[K, V, Tree, Snapshot, Txn]) {
	t.Freeze()
	s.retain, s.fam = cfg.retain, fam
	s.state.Store(&state[K, V, Tree, Snapshot, Txn]{
		head:    s.newSnapshot(0, t),
		history: immutable.NewSortedMap[uint64, *Snapshot](versionComparer{}),
	})
}

// Snapshot returns the latest committed version. It costs one atomic load:
// no lock, no allocation. The snapshot never changes and stays valid for as
// long as it is referenced.
func (s *store[K, V, Tree, Snapshot, Txn]) Snapshot() *Snapshot {
	return s.state.Load().head
}

// At returns the snapshot of the given version if the store still retains
// it (see [WithRetain]); otherwise it returns nil, false. It costs one
// atomic load and O(log r) for r retained versions, takes no lock and does
// not allocate.
func (s *store[K, V, Tree, Snapshot, Txn]) At(version uint64) (*Snapshot, bool) {
	st := s.state.Load()
	if version == s.fam.snap(st.head).version {
		return st.head, true
	}
	return st.history.Get(version)
}

// Begin starts a write transaction on the latest version, waiting until the
// previous writer has committed or rolled back: there is one writer at a
// time, and readers are never blocked. The caller must end the transaction
// with [Txn.Commit] or [Txn.Rollback]; `defer tx.Rollback()` right after
// Begin is always correct. Begin costs O(1) and one allocation besides the
// Txn. Calling Begin again on the same goroutine before ending the first
// transaction deadlocks.
func (s *store[K, V, Tree, Snapshot, Txn]) Begin() *Txn {
	s.writer.Lock()
	base := s.state.Load().head
	return s.fam.wrapTxn(txn[K, V, Tree, Snapshot, Txn]{view: view[K, V, Tree]{tree: s.fam.snap(base).tree.Clone()}, store: s, base: base})
}

// Update runs fn in a write transaction. It commits when fn returns nil and
// returns the error of the commit; it rolls back when fn returns an error,
// which Update returns as is, or panics, in which case Update rolls back and
// re-panics. Like [Store.Begin], Update waits for the previous writer.
//
// fn should not end the transaction itself. If it does and returns nil,
// Update reports what fn did, so that a caller that retries on error never
// applies a change twice: nil when fn committed (the commit stands), and
// [ErrTxDone] when fn rolled back (nothing was written).
func (s *store[K, V, Tree, Snapshot, Txn]) Update(fn func(tx *Txn) error) error {
	_, err := s.update(0, false, nil, fn)
	return err
}

// UpdateAt is Update publishing the transaction's writes as the given
// version instead of the head's plus one, and returning the snapshot it
// published (the head, unchanged, when fn changed nothing). It is for a
// store whose versions follow an outside sequence, such as the indexes of
// a replicated log (package replica). Versions only increase: when version
// is not above the head's, UpdateAt returns an error wrapping [ErrVersion]
// without running fn. fn must not end the transaction: if it does,
// UpdateAt returns [ErrTxDone] (a commit fn made stands, at the head's
// version plus one). A store that only commits through Update and Commit
// is never affected by it.
func (s *store[K, V, Tree, Snapshot, Txn]) UpdateAt(version uint64, fn func(tx *Txn) error) (*Snapshot, error) {
	return s.update(version, true, nil, fn)
}

// Record is Update that also appends to b, in order, every write of the
// transaction that succeeded, once the transaction commits (b is left as
// it was when it rolls back), so that the transaction can be shipped as
// data: applying b's new writes to the version the transaction started
// from gives the version it committed (see [fst.Batch]). [Txn.Load] and
// [Txn.Apply] record the inserts that make up the difference. Package
// replica records every Update this way. Recording costs an append per
// write.
func (s *store[K, V, Tree, Snapshot, Txn]) Record(b *fst.Batch[K, V], fn func(tx *Txn) error) error {
	if b == nil {
		return fmt.Errorf("%w: Record(nil, fn)", ErrInvalidOption)
	}
	_, err := s.update(0, false, b, fn)
	return err
}

// update runs fn in a transaction that records into rec when it is not
// nil, and commits it at version (exact) or at the head's version plus
// one.
func (s *store[K, V, Tree, Snapshot, Txn]) update(version uint64, exact bool, rec *fst.Batch[K, V], fn func(tx *Txn) error) (*Snapshot, error) {
	x := s.Begin()
	tx := s.fam.txn(x)
	defer tx.Rollback()
	if exact && version <= s.fam.snap(tx.base).version {
		return nil, fmt.Errorf("%w: version %d with the head at version %d", ErrVersion, version, s.fam.snap(tx.base).version)
	}
	var own fst.Batch[K, V] // the writes recorded, appended to rec on commit
	if rec != nil {
		tx.record = &own
	}
	if err := fn(x); err != nil {
		return nil, err
	}
	var (
		sn  *Snapshot
		err error
	)
	switch {
	case tx.committed: // fn committed: the commit stands
		if exact {
			return nil, fmt.Errorf("%w: fn committed the transaction of UpdateAt", ErrTxDone)
		}
		sn = s.Snapshot()
	case tx.base == nil:
		return nil, ErrTxDone // fn rolled back
	case exact:
		sn, err = tx.commitAt(version)
	default:
		sn, err = tx.Commit()
	}
	if err == nil && rec != nil {
		rec.Append(&own)
	}
	return sn, err
}

// publish makes sn, the successor of the head, the new head: it builds the
// new state, moving the old head into the history and dropping the version
// that falls out of it, swaps the state in with one atomic store, then wakes
// the watchers of the old head. The caller holds the writer lock.
func (s *store[K, V, Tree, Snapshot, Txn]) publish(sn *Snapshot) {
	old := s.state.Load()
	history := old.history
	if s.retain > 1 {
		history = history.Set(s.fam.snap(old.head).version, old.head)
		if history.Len() >= s.retain { // drop the oldest: versions need not be consecutive (UpdateAt)
			it := history.Iterator()
			oldest, _, _ := it.Next()
			history = history.Delete(oldest)
		}
	}
	s.state.Store(&state[K, V, Tree, Snapshot, Txn]{head: sn, history: history})
	close(s.fam.snap(old.head).stale)
}
