package fst_test

import (
	"fmt"
	"iter"
	"slices"
	"testing"

	"github.com/flatseg/flatseg/fst"
	"github.com/flatseg/flatseg/internal/testenv"
)

// intKey is the key types the dense model holds: it computes in int, which
// does not wrap where a narrow K does.
type intKey interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64 | ~uint8 | ~uint16 | ~uint32
}

// dense is the obviously correct model: one value per key of [min, max). Its
// methods take keys of type K and compute in int.
type dense[K intKey] struct {
	min, max int
	init     int
	v        []int
}

func newDense[K intKey](min, max K, init int) *dense[K] {
	d := &dense[K]{min: int(min), max: int(max), init: init, v: make([]int, int(max)-int(min))}
	d.clear()
	return d
}

func (d *dense[K]) clear() {
	for i := range d.v {
		d.v[i] = d.init
	}
}

func (d *dense[K]) clone() *dense[K] {
	c := *d
	c.v = slices.Clone(d.v)
	return &c
}

func (d *dense[K]) at(k int) int { return d.v[k-d.min] }

// insert follows the documented semantics: clip to the span, then assign.
func (d *dense[K]) insert(ks, ke K, v int) (bool, error) {
	s, e := int(ks), int(ke)
	switch {
	case s >= e:
		return false, fst.ErrInvalidRange
	case e <= d.min || s >= d.max:
		return false, fst.ErrOutOfSpan
	}
	changed := false
	for k := max(s, d.min); k < min(e, d.max); k++ {
		changed = changed || d.at(k) != v
		d.v[k-d.min] = v
	}
	return changed, nil
}

// apply maps every key of [s, e), clipped to the span, to f of its value.
func (d *dense[K]) apply(ks, ke K, f func(int) int) (bool, error) {
	s, e := int(ks), int(ke)
	switch {
	case s >= e:
		return false, fst.ErrInvalidRange
	case e <= d.min || s >= d.max:
		return false, fst.ErrOutOfSpan
	}
	changed := false
	for k := max(s, d.min); k < min(e, d.max); k++ {
		v := f(d.at(k))
		changed = changed || d.at(k) != v
		d.v[k-d.min] = v
	}
	return changed, nil
}

// shiftLeft deletes [s, e) and pulls the rest left; the tail takes init.
func (d *dense[K]) shiftLeft(ks, ke K) error {
	s, e := int(ks), int(ke)
	switch {
	case s >= e:
		return fst.ErrInvalidRange
	case s < d.min || e > d.max:
		return fst.ErrOutOfSpan
	}
	n := make([]int, len(d.v))
	for k := d.min; k < d.max; k++ {
		switch {
		case k < s:
			n[k-d.min] = d.at(k)
		case k+(e-s) < d.max:
			n[k-d.min] = d.at(k + e - s)
		default:
			n[k-d.min] = d.init
		}
	}
	d.v = n
	return nil
}

// shiftRight opens [pos, pos+size): the gap continues the segment covering
// pos, or, when a segment starts at pos and skip is false, the one before it
// (the default value at min).
func (d *dense[K]) shiftRight(kpos, ksize K, skip bool) error {
	pos, size := int(kpos), int(ksize)
	switch {
	case size <= 0:
		return fst.ErrInvalidShift
	case pos < d.min || pos >= d.max:
		return fst.ErrOutOfSpan
	}
	startsAtPos := pos == d.min || d.at(pos-1) != d.at(pos)
	gap := d.at(pos)
	if startsAtPos && !skip {
		gap = d.init
		if pos > d.min {
			gap = d.at(pos - 1)
		}
	}
	n := make([]int, len(d.v))
	for k := d.min; k < d.max; k++ {
		switch {
		case k < pos:
			n[k-d.min] = d.at(k)
		case k < pos+size:
			n[k-d.min] = gap
		default:
			n[k-d.min] = d.at(k - size)
		}
	}
	d.v = n
	return nil
}

func (d *dense[K]) segments() []fst.Segment[K, int] {
	var out []fst.Segment[K, int]
	for k := d.min; k < d.max; k++ {
		if k == d.min || d.at(k) != d.at(k-1) {
			out = append(out, fst.Segment[K, int]{Start: K(k), End: K(d.max), Value: d.at(k)})
			if len(out) > 1 {
				out[len(out)-2].End = K(k)
			}
		}
	}
	return out
}

// intConfig is the model test of int keys: keys a little beyond the span on
// both sides, so that clipping and bad input are exercised, shift sizes from
// -1 to 10, four values; Apply a little less often than Insert; Freeze often, Clear seldom (it empties the tree).
func intConfig[V any, T subject[int, V, T]](box func(int) V, unbox func(V) int, eq func(a, b V) bool, diff func(a, b T) iter.Seq[fst.Change[int, V]], cursor func(T) segCursor[int, V]) *config[int, V, T, *dense[int]] {
	return &config[int, V, T, *dense[int]]{
		mix: []weight{{opInsert, 16}, {opAppend, 8}, {opApply, 6}, {opShiftLeft, 8}, {opShiftRight, 8}, {opClone, 4}, {opFreeze, 3}, {opClear, 1}},
		keys: func(m *dense[int]) []int {
			ks := make([]int, 0, m.max-m.min+7)
			for k := m.min - 3; k < m.max+4; k++ {
				ks = append(ks, k)
			}
			return ks
		},
		sizes:  func(*dense[int]) []int { return []int{-1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10} },
		values: 4,
		box:    box,
		unbox:  unbox,
		eq:     eq,
		keep:   3,
		diff:   diff,
		cursor: cursor,
	}
}

var plainConfig = intConfig(
	func(v int) int { return v }, func(v int) int { return v }, func(a, b int) bool { return a == b },
	fst.Diff[int, int, fst.None], cursorOf[int, int, fst.None])

// intSpan decodes the span and default value of an int model test from
// three bytes.
func intSpan(b []byte) (lo, hi, init int) {
	lo = int(b[0]%16) - 8
	return lo, lo + 1 + int(b[1]%48), int(b[2] % 3)
}

// runPlain interprets ops on a tree of int values: the first three bytes
// choose the span and the default value, then every four bytes are one
// operation.
func runPlain(t testing.TB, fanout int, ops []byte) {
	if len(ops) < 3 {
		return
	}
	lo, hi, init := intSpan(ops)
	tr, err := fst.NewFanout(lo, hi, init, fanout)
	if err != nil {
		t.Fatalf("NewFanout(%d, %d, %d, %d): %v", lo, hi, init, fanout, err)
	}
	run(t, plainConfig, lo, hi, init, tr, newDense(lo, hi, init), ops[3:])
}

func TestTree_Model(t *testing.T) {
	t.Parallel()
	for _, fan := range []int{4, 7, fst.MaxFanout} {
		seeds(t, fmt.Sprintf("fanout=%d/", fan), 4, 60, func(t *testing.T, seed uint64) {
			runPlain(t, fan, randomOps(seed, 3+4*300))
		})
	}
}

func FuzzTree(f *testing.F) {
	f.Add([]byte{8, 40, 0, 0, 10, 20, 1, 4, 3, 9, 0, 6, 5, 3, 4, 8, 0, 0, 0})
	f.Add([]byte{0, 7, 1, 0, 0, 255, 2, 6, 0, 11, 0, 4, 1, 2, 0})
	f.Fuzz(func(t *testing.T, ops []byte) {
		runPlain(t, 4, ops[:min(len(ops), 3+4*100)]) // at most 100 ops: every op is checked in full
	})
}

// TestTree_ModelOwned is TestTree_Model in owned mode (see config.owned):
// the tree keeps its writer token between operations, so runs of appends
// write through the last leaf the writer keeps (cow.Tree.LastLeaf), with
// inserts, Applies, shifts, Clears, Clones and Freezes between them that
// must let go of it. Verify checks that a kept leaf is the tree's last and
// that its right edge is the writer's.
func TestTree_ModelOwned(t *testing.T) {
	t.Parallel()
	cfg := ownedConfig(plainConfig)
	for _, fan := range testenv.Pick(t, []int{4, fst.MaxFanout}, []int{4, 7, fst.MaxFanout}) {
		seeds(t, fmt.Sprintf("fanout=%d/", fan), 2, 80, func(t *testing.T, seed uint64) {
			ops := randomOps(seed, 3+4*300)
			lo, hi, init := intSpan(ops)
			tr, err := fst.NewFanout(lo, hi, init, fan)
			if err != nil {
				t.Fatal(err)
			}
			run(t, cfg, lo, hi, init, tr, newDense(lo, hi, init), ops[3:])
		})
	}
}
