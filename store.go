package flatseg

import (
	"cmp"
	"errors"
	"fmt"
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

// ErrForeignSnapshot is returned (wrapped, with detail) by [MeasuredStore.WaitRange]
// when the snapshot it is given is nil or belongs to another store.
var ErrForeignSnapshot = errors.New("flatseg: snapshot is nil or of another store")

// ErrVersion is returned (wrapped, with detail) by [MeasuredStore.UpdateAt] for a
// version that is not above the head's, and by a commit that would publish
// a version past math.MaxUint64: versions only ever increase.
var ErrVersion = errors.New("flatseg: version not above the head's")

// ErrIncompatible is returned (wrapped) by [MeasuredTxn.Load] for a tree whose span
// or default value differs from the store's. It is [fst.ErrIncompatible].
var ErrIncompatible = fst.ErrIncompatible

// DefaultRetain is the number of versions, the head included, that a [Store]
// keeps reachable through [MeasuredStore.At] when no [WithRetain] option is given.
const DefaultRetain = 1

// Option configures a [Store]; pass options to [New] or [NewFrom].
type Option func(*config) error

type config struct {
	retain int
}

// WithRetain makes [MeasuredStore.At] able to return any of the n most recent
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

// MeasuredStore is a versioned flat segment tree shared by any number of
// readers and a single writer at a time. Its versions are trees of package
// fst with summaries of type M (see [fst.Measure]): made by [NewMeasured],
// or by [NewFrom] of a measured tree, its snapshots and transactions also
// answer Measure, Seek and SeekBackward in O(log n). [Store] is the same
// type without summaries (M is [fst.None]), which [New], [NewFunc] and
// NewFrom of a plain [fst.Tree] return.
//
// Readers take a [MeasuredSnapshot] with [MeasuredStore.Snapshot]: one
// atomic load, no lock and no allocation. A snapshot is immutable and stays
// valid for as long as it is referenced, whatever is committed later.
// Writers go through a [MeasuredTxn] obtained from [MeasuredStore.Begin] or
// run by [MeasuredStore.Update]; writers are serialized by a mutex that
// readers never touch. Each commit that changes something publishes a new
// version with one atomic pointer swap. With a Measure, a commit also costs
// the summaries of the nodes it wrote (see [fst.Measured]); readers pay
// nothing more.
//
// All methods are safe for concurrent use. Create a store with a
// constructor: the zero MeasuredStore is not usable, and a store must not be
// copied. It starts no goroutines and needs no Close.
type MeasuredStore[K fst.Key, V, M any] struct {
	writer sync.Mutex                     // held from Begin until Commit or Rollback
	state  atomic.Pointer[state[K, V, M]] // the published head and history
	retain int                            // versions reachable through At, head included
	none   *fst.Measured[K, V, M]         // the zero tree, read by finished transactions; never written
}

// Store is a versioned flat segment tree without summaries: a
// [MeasuredStore] whose trees are [fst.Tree]. Every method of
// MeasuredStore applies; see there.
type Store[K fst.Key, V any] = MeasuredStore[K, V, fst.None]

// state is what a commit publishes: the head and the retained versions,
// swapped together so that a reader sees both from one atomic load.
type state[K fst.Key, V, M any] struct {
	head    *MeasuredSnapshot[K, V, M]
	history *immutable.SortedMap[uint64, *MeasuredSnapshot[K, V, M]] // version -> snapshot, for the retain-1 versions before head
}

// versionComparer orders the history by version.
type versionComparer struct{}

func (versionComparer) Compare(a, b uint64) int { return cmp.Compare(a, b) }

// New returns a Store whose version 0 maps the whole span [min, max) to
// init, comparing values with == (see [fst.New]). It returns the error of
// [fst.New] for an invalid span (wrapping [fst.ErrInvalidRange] or
// [fst.ErrNaN]) and [ErrInvalidOption] for an invalid option.
func New[K fst.Key, V comparable](min, max K, init V, opts ...Option) (*Store[K, V], error) {
	return open(opts, func() (*fst.Tree[K, V], error) { return fst.New(min, max, init) })
}

// NewFunc is New for values compared by equal, as [fst.NewFunc]: values
// need not be comparable (slices, maps, structs holding them). equal
// decides merging, whether a commit changed anything, [Diff] and
// [MeasuredStore.WaitRange]. It fails with [fst.ErrNilEqual] when equal is
// nil.
func NewFunc[K fst.Key, V any](min, max K, init V, equal func(a, b V) bool, opts ...Option) (*Store[K, V], error) {
	return open(opts, func() (*fst.Tree[K, V], error) { return fst.NewFunc(min, max, init, equal) })
}

// NewMeasured returns a MeasuredStore whose version 0 maps the whole span
// [min, max) to init, comparing values with ==, summarised by m. It
// returns the errors of [fst.NewMeasured] and [ErrInvalidOption]. For
// values compared by a function, give [NewFrom] a tree made by
// [fst.NewFunc] and [fst.WithMeasure].
func NewMeasured[K fst.Key, V comparable, M any](min, max K, init V, m fst.Measure[K, V, M], opts ...Option) (*MeasuredStore[K, V, M], error) {
	return open(opts, func() (*fst.Measured[K, V, M], error) { return fst.NewMeasured(min, max, init, m) })
}

// NewFrom returns a store whose version 0 holds the contents of t, with
// t's equality and Measure: a tree bulk-loaded with [fst.Build], decoded
// with [fst.Decode], or given a Measure with [fst.WithMeasure]. It costs
// O(1): NewFrom freezes t (see [fst.Measured.Freeze]) and shares its
// nodes, so t stays usable and its later writes copy the nodes they touch
// instead of changing the store. t must not be used by another goroutine
// during the call. A nil t, or the zero tree, is an error wrapping
// [fst.ErrInvalidRange].
func NewFrom[K fst.Key, V, M any](t *fst.Measured[K, V, M], opts ...Option) (*MeasuredStore[K, V, M], error) {
	return open(opts, func() (*fst.Measured[K, V, M], error) {
		if t == nil || !(t.MinKey() < t.MaxKey()) {
			return nil, fmt.Errorf("%w: NewFrom of a nil or zero tree", fst.ErrInvalidRange)
		}
		t.Freeze()
		return t.Clone(), nil
	})
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

// open makes a store with opts and publishes the tree that tree makes as
// version 0: the work of every constructor, options checked first.
func open[K fst.Key, V, M any](opts []Option, tree func() (*fst.Measured[K, V, M], error)) (*MeasuredStore[K, V, M], error) {
	cfg, err := configure(opts)
	if err != nil {
		return nil, err
	}
	t, err := tree()
	if err != nil {
		return nil, err
	}
	t.Freeze()
	s := &MeasuredStore[K, V, M]{retain: cfg.retain, none: new(fst.Measured[K, V, M])}
	s.state.Store(&state[K, V, M]{
		head:    s.newSnapshot(0, t),
		history: immutable.NewSortedMap[uint64, *MeasuredSnapshot[K, V, M]](versionComparer{}),
	})
	return s, nil
}

// Snapshot returns the latest committed version. It costs one atomic load:
// no lock, no allocation. The snapshot never changes and stays valid for as
// long as it is referenced.
func (s *MeasuredStore[K, V, M]) Snapshot() *MeasuredSnapshot[K, V, M] {
	return s.state.Load().head
}

// At returns the snapshot of the given version if the store still retains
// it (see [WithRetain]); otherwise it returns nil, false. It costs one
// atomic load and O(log r) for r retained versions, takes no lock and does
// not allocate.
func (s *MeasuredStore[K, V, M]) At(version uint64) (*MeasuredSnapshot[K, V, M], bool) {
	st := s.state.Load()
	if version == st.head.version {
		return st.head, true
	}
	return st.history.Get(version)
}

// Begin starts a write transaction on the latest version, waiting until the
// previous writer has committed or rolled back: there is one writer at a
// time, and readers are never blocked. The caller must end the transaction
// with [MeasuredTxn.Commit] or [MeasuredTxn.Rollback]; `defer tx.Rollback()` right after
// Begin is always correct. Begin costs O(1) and one allocation besides the
// Txn. Calling Begin again on the same goroutine before ending the first
// transaction deadlocks.
func (s *MeasuredStore[K, V, M]) Begin() *MeasuredTxn[K, V, M] {
	s.writer.Lock()
	base := s.state.Load().head
	return &MeasuredTxn[K, V, M]{tree: base.tree.Clone(), store: s, base: base}
}

// Update runs fn in a write transaction. It commits when fn returns nil and
// returns the error of the commit; it rolls back when fn returns an error,
// which Update returns as is, or panics, in which case Update rolls back and
// re-panics. Like [MeasuredStore.Begin], Update waits for the previous writer.
//
// fn should not end the transaction itself. If it does and returns nil,
// Update reports what fn did, so that a caller that retries on error never
// applies a change twice: nil when fn committed (the commit stands), and
// [ErrTxDone] when fn rolled back (nothing was written).
func (s *MeasuredStore[K, V, M]) Update(fn func(tx *MeasuredTxn[K, V, M]) error) error {
	_, err := s.update(0, false, nil, fn)
	return err
}

// UpdateAt is Update publishing the transaction as the given version
// instead of the head's plus one, and returning the snapshot it published.
// It is for a store whose versions follow an outside sequence, such as the
// indexes of a replicated log (package replica), and so it publishes
// version even when fn changed nothing: the new head then shares the old
// head's tree (O(1), one allocation), and watchers wake as on any publish
// ([MeasuredStore.Wait] returns it, [MeasuredStore.WaitRange] does not,
// since no range changed). The head's version then always is the last
// version given, so a replica that reaches position v of the outside
// sequence reports version v whatever the contents.
//
// Versions only increase: when version is not above the head's, UpdateAt
// returns an error wrapping [ErrVersion] without running fn. When fn
// returns an error, or panics, nothing is published, as in Update. fn must
// not end the transaction: if it does, UpdateAt returns [ErrTxDone] (a
// commit fn made stands, at the head's version plus one). A store that
// only commits through Update and Commit is never affected by it.
func (s *MeasuredStore[K, V, M]) UpdateAt(version uint64, fn func(tx *MeasuredTxn[K, V, M]) error) (*MeasuredSnapshot[K, V, M], error) {
	return s.update(version, true, nil, fn)
}

// Record is Update that also appends to b, in order, every write of the
// transaction that succeeded, once the transaction commits (b is left as
// it was when it rolls back), so that the transaction can be shipped as
// data: applying b's new writes to the version the transaction started
// from gives the version it committed (see [fst.Batch]). [MeasuredTxn.Load] and
// [MeasuredTxn.Apply] record the inserts that make up the difference. Package
// replica records every Update this way. Recording costs an append per
// write.
func (s *MeasuredStore[K, V, M]) Record(b *fst.Batch[K, V], fn func(tx *MeasuredTxn[K, V, M]) error) error {
	if b == nil {
		return fmt.Errorf("%w: Record(nil, fn)", ErrInvalidOption)
	}
	_, err := s.update(0, false, b, fn)
	return err
}

// update runs fn in a transaction that records into rec when it is not
// nil, and commits it at version (exact) or at the head's version plus
// one.
func (s *MeasuredStore[K, V, M]) update(version uint64, exact bool, rec *fst.Batch[K, V], fn func(tx *MeasuredTxn[K, V, M]) error) (*MeasuredSnapshot[K, V, M], error) {
	tx := s.Begin()
	defer tx.Rollback()
	if exact && version <= tx.base.version {
		return nil, fmt.Errorf("%w: version %d with the head at version %d", ErrVersion, version, tx.base.version)
	}
	var own fst.Batch[K, V] // the writes recorded, appended to rec on commit
	if rec != nil {
		tx.record = &own
	}
	if err := fn(tx); err != nil {
		return nil, err
	}
	var (
		sn  *MeasuredSnapshot[K, V, M]
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
		sn, err = tx.commitAt(version, true)
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
func (s *MeasuredStore[K, V, M]) publish(sn *MeasuredSnapshot[K, V, M]) {
	old := s.state.Load()
	history := old.history
	if s.retain > 1 {
		history = history.Set(old.head.version, old.head)
		if history.Len() >= s.retain { // drop the oldest: versions need not be consecutive (UpdateAt)
			it := history.Iterator()
			oldest, _, _ := it.Next()
			history = history.Delete(oldest)
		}
	}
	s.state.Store(&state[K, V, M]{head: sn, history: history})
	close(old.head.stale)
}
