package replica

import (
	"io"

	"github.com/flatseg/flatseg"
	"github.com/flatseg/flatseg/fst"
)

// kit is what a node does with the store it replicates, as functions, so
// that one implementation (node) serves a flatseg.Store (Node) and a
// flatseg.MeasuredStore (MeasuredNode): the two have the same methods over
// different types.
type kit[K fst.Key, V any, Tree, Store, Snapshot, Txn any] struct {
	newStore func(opts ...flatseg.Option) (*Store, error) // a store at version 0 over the Config's span
	newFrom  func(t Tree) (*Store, error)                 // a private store holding t (the proposer's stage)
	snapshot func(s *Store) *Snapshot
	record   func(s *Store, b *fst.Batch[K, V], fn func(tx *Txn) error) error
	updateAt func(s *Store, version uint64, fn func(tx *Txn) error) (*Snapshot, error)
	version  func(sn *Snapshot) uint64
	tree     func(sn *Snapshot) Tree
	encode   func(sn *Snapshot, w io.Writer, c fst.Codec[V]) (int64, error)
	load     func(tx *Txn, t Tree) error
	writer   func(tx *Txn) fst.Writer[K, V]
	decode   func(r io.Reader, c fst.Codec[V]) (Tree, error) // with the node's equality (and Measure)
}

// plainKit is the kit of a Node.
func plainKit[K fst.Key, V any](cfg Config[K, V], equal func(a, b V) bool) *kit[K, V, *fst.Tree[K, V], flatseg.Store[K, V], flatseg.Snapshot[K, V], flatseg.Txn[K, V]] {
	return &kit[K, V, *fst.Tree[K, V], flatseg.Store[K, V], flatseg.Snapshot[K, V], flatseg.Txn[K, V]]{
		newStore: func(opts ...flatseg.Option) (*flatseg.Store[K, V], error) {
			return flatseg.NewFunc(cfg.Min, cfg.Max, cfg.Init, equal, opts...)
		},
		newFrom:  func(t *fst.Tree[K, V]) (*flatseg.Store[K, V], error) { return flatseg.NewFrom(t) },
		snapshot: (*flatseg.Store[K, V]).Snapshot,
		record:   (*flatseg.Store[K, V]).Record,
		updateAt: (*flatseg.Store[K, V]).UpdateAt,
		version:  (*flatseg.Snapshot[K, V]).Version,
		tree:     (*flatseg.Snapshot[K, V]).Tree,
		encode:   (*flatseg.Snapshot[K, V]).Encode,
		load:     (*flatseg.Txn[K, V]).Load,
		writer:   func(tx *flatseg.Txn[K, V]) fst.Writer[K, V] { return tx },
		decode: func(r io.Reader, c fst.Codec[V]) (*fst.Tree[K, V], error) {
			return fst.DecodeFunc[K](r, c, equal)
		},
	}
}

// measuredKit is the kit of a MeasuredNode.
func measuredKit[K fst.Key, V, M any](cfg Config[K, V], equal func(a, b V) bool, m fst.Measure[K, V, M]) *kit[K, V, *fst.Measured[K, V, M], flatseg.MeasuredStore[K, V, M], flatseg.MeasuredSnapshot[K, V, M], flatseg.MeasuredTxn[K, V, M]] {
	return &kit[K, V, *fst.Measured[K, V, M], flatseg.MeasuredStore[K, V, M], flatseg.MeasuredSnapshot[K, V, M], flatseg.MeasuredTxn[K, V, M]]{
		newStore: func(opts ...flatseg.Option) (*flatseg.MeasuredStore[K, V, M], error) {
			return flatseg.NewMeasuredFunc(cfg.Min, cfg.Max, cfg.Init, equal, m, opts...)
		},
		newFrom: func(t *fst.Measured[K, V, M]) (*flatseg.MeasuredStore[K, V, M], error) {
			return flatseg.NewMeasuredFrom(t)
		},
		snapshot: (*flatseg.MeasuredStore[K, V, M]).Snapshot,
		record:   (*flatseg.MeasuredStore[K, V, M]).Record,
		updateAt: (*flatseg.MeasuredStore[K, V, M]).UpdateAt,
		version:  (*flatseg.MeasuredSnapshot[K, V, M]).Version,
		tree:     (*flatseg.MeasuredSnapshot[K, V, M]).Tree,
		encode:   (*flatseg.MeasuredSnapshot[K, V, M]).Encode,
		load:     (*flatseg.MeasuredTxn[K, V, M]).Load,
		writer:   func(tx *flatseg.MeasuredTxn[K, V, M]) fst.Writer[K, V] { return tx },
		decode: func(r io.Reader, c fst.Codec[V]) (*fst.Measured[K, V, M], error) {
			return fst.DecodeMeasuredFunc[K](r, c, equal, m)
		},
	}
}
