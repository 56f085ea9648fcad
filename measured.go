package flatseg

import (
	"io"
	"iter"

	"github.com/flatseg/flatseg/fst"
)

// MeasuredStore is a [Store] of [fst.Measured] trees: every version keeps
// the summaries of a [fst.Measure], so that its snapshots and transactions
// also answer Measure, Seek and SeekBackward in O(log n): the sum of a
// column of heights up to a row, the row at a pixel offset, the count of
// visible rows in a range.
//
// It is a Store in every other respect, with the same methods, costs and
// concurrency contract; where the documentation of its methods names
// Snapshot, Txn and Tree, read [MeasuredSnapshot], [MeasuredTxn] and
// *[fst.Measured]. Writes refresh the summaries of the nodes they change
// (see fst.Measured), so a commit costs what it costs on a Store plus
// O(B) Of and Combine calls per node written; readers pay nothing more.
type MeasuredStore[K fst.Key, V, M any] struct {
	store[K, V, *fst.Measured[K, V, M], MeasuredSnapshot[K, V, M], MeasuredTxn[K, V, M]]
}

// MeasuredSnapshot is a [Snapshot] of a [MeasuredStore]: one committed
// version, with its summaries.
type MeasuredSnapshot[K fst.Key, V, M any] struct {
	snapshot[K, V, *fst.Measured[K, V, M]]
}

// MeasuredTxn is a [Txn] of a [MeasuredStore]: its Measure, Seek and
// SeekBackward read the transaction's own writes.
type MeasuredTxn[K fst.Key, V, M any] struct {
	txn[K, V, *fst.Measured[K, V, M], MeasuredSnapshot[K, V, M], MeasuredTxn[K, V, M]]
}

// measured is the family of MeasuredStore.
func measured[K fst.Key, V, M any]() *family[K, V, *fst.Measured[K, V, M], MeasuredSnapshot[K, V, M], MeasuredTxn[K, V, M]] {
	type (
		tree = *fst.Measured[K, V, M]
		snap = MeasuredSnapshot[K, V, M]
		tx   = MeasuredTxn[K, V, M]
	)
	return &family[K, V, tree, snap, tx]{
		wrapSnap: func(c snapshot[K, V, tree]) *snap { return &snap{c} },
		snap:     func(sn *snap) *snapshot[K, V, tree] { return &sn.snapshot },
		wrapTxn:  func(c txn[K, V, tree, snap, tx]) *tx { return &tx{c} },
		txn:      func(t *tx) *txn[K, V, tree, snap, tx] { return &t.txn },
		none:     new(fst.Measured[K, V, M]),
		diff:     fst.DiffMeasured[K, V, M],
	}
}

// NewMeasured returns a MeasuredStore whose version 0 maps the whole span
// [lo, hi) to init, comparing values with ==, summarised by m. It returns
// the errors of [fst.NewMeasured] and [ErrInvalidOption].
func NewMeasured[K fst.Key, V comparable, M any](lo, hi K, init V, m fst.Measure[K, V, M], opts ...Option) (*MeasuredStore[K, V, M], error) {
	s := new(MeasuredStore[K, V, M])
	return made(s, s.open(opts, func() (*fst.Measured[K, V, M], error) { return fst.NewMeasured(lo, hi, init, m) }, measured[K, V, M]()))
}

// NewMeasuredFunc is NewMeasured for values compared by equal (see
// [NewFunc]).
func NewMeasuredFunc[K fst.Key, V, M any](lo, hi K, init V, equal func(a, b V) bool, m fst.Measure[K, V, M], opts ...Option) (*MeasuredStore[K, V, M], error) {
	s := new(MeasuredStore[K, V, M])
	return made(s, s.open(opts, func() (*fst.Measured[K, V, M], error) { return fst.NewMeasuredFunc(lo, hi, init, equal, m) }, measured[K, V, M]()))
}

// NewMeasuredFrom is [NewFrom] for a measured tree (built with
// [fst.BuildMeasured] or decoded with [fst.DecodeMeasured]): O(1), t is
// frozen and shared.
func NewMeasuredFrom[K fst.Key, V, M any](t *fst.Measured[K, V, M], opts ...Option) (*MeasuredStore[K, V, M], error) {
	s := new(MeasuredStore[K, V, M])
	return made(s, s.open(opts, func() (*fst.Measured[K, V, M], error) { t.Freeze(); return t.Clone(), nil }, measured[K, V, M]()))
}

// Tree returns a private, mutable fork of sn, with its summaries, as
// [Snapshot.Tree]. O(1), one allocation.
func (sn *MeasuredSnapshot[K, V, M]) Tree() *fst.Measured[K, V, M] { return sn.tree.Clone() }

// Encode is [Snapshot.Encode]: the stream holds no summaries;
// [fst.DecodeMeasured] rebuilds them.
func (sn *MeasuredSnapshot[K, V, M]) Encode(w io.Writer, c fst.Codec[V]) (int64, error) {
	return fst.EncodeMeasured(w, sn.tree, c)
}

// Measure returns the summary of the keys [lo, hi) in this version, as
// [fst.Measured.Measure]. O(B log n), no lock, safe for concurrent use.
func (sn *MeasuredSnapshot[K, V, M]) Measure(lo, hi K) (M, error) { return sn.tree.Measure(lo, hi) }

// Seek is [fst.Measured.Seek] on this version. pred runs on the caller's
// goroutine.
func (sn *MeasuredSnapshot[K, V, M]) Seek(from K, pred func(M) bool) (end K, ok bool) {
	return sn.tree.Seek(from, pred)
}

// SeekBackward is [fst.Measured.SeekBackward] on this version.
func (sn *MeasuredSnapshot[K, V, M]) SeekBackward(to K, pred func(M) bool) (start K, ok bool) {
	return sn.tree.SeekBackward(to, pred)
}

// Measure is [fst.Measured.Measure] on the transaction's working tree: it
// sees the transaction's own writes. On a finished transaction it returns
// the error of the zero tree's empty span ([fst.ErrOutOfSpan]).
func (tx *MeasuredTxn[K, V, M]) Measure(lo, hi K) (M, error) { return tx.tree.Measure(lo, hi) }

// Seek is [fst.Measured.Seek] on the transaction's working tree.
func (tx *MeasuredTxn[K, V, M]) Seek(from K, pred func(M) bool) (end K, ok bool) {
	return tx.tree.Seek(from, pred)
}

// SeekBackward is [fst.Measured.SeekBackward] on the transaction's working
// tree.
func (tx *MeasuredTxn[K, V, M]) SeekBackward(to K, pred func(M) bool) (start K, ok bool) {
	return tx.tree.SeekBackward(to, pred)
}

// DiffMeasured is [Diff] for two snapshots of one MeasuredStore.
func DiffMeasured[K fst.Key, V, M any](a, b *MeasuredSnapshot[K, V, M]) iter.Seq[fst.Change[K, V]] {
	return fst.DiffMeasured(a.tree, b.tree)
}
