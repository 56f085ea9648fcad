package fst_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/flatseg/flatseg/fst"
	"github.com/flatseg/flatseg/internal/testenv"
)

// diffModel is what the Diff model test needs of a model: the writes it
// makes, and the segments. dense (int keys) and fmodel (float keys) are
// both.
type diffModel[K fst.Key, M any] interface {
	insert(s, e K, v int) (bool, error)
	shiftLeft(s, e K) error
	shiftRight(pos, size K, skip bool) error
	segments() []fst.Segment[K, int]
	clone() M
}

// The Diff model test's span: [0, diffSpan), every key and shift an
// integer, so that a float tree's boundaries are integers too and one value
// per integer key is its whole content.
const diffSpan = 320

// TestDiff_Model makes a family of versions of one tree, each a clone of an
// earlier one after a few random inserts and shifts (an integer shift moves
// subtrees that the two versions still share), and checks Diff and
// DiffRange of every pair of versions against the difference of their
// dense models, key by key: for int and float64 keys, with small nodes
// (deep trees) and full ones.
func TestDiff_Model(t *testing.T) {
	t.Parallel()
	for _, fanout := range []int{4, fst.MaxFanout} {
		for seed := uint64(1); seed <= uint64(testenv.Pick(t, 6, 100)); seed++ {
			t.Run(fmt.Sprintf("key=int/fanout=%d/seed=%d", fanout, seed), func(t *testing.T) {
				t.Parallel()
				tr, err := fst.NewFanout(0, diffSpan, 0, fanout)
				if err != nil {
					t.Fatal(err)
				}
				runDiffModel(t, seed, tr, newDense(0, diffSpan, 0))
			})
			t.Run(fmt.Sprintf("key=float64/fanout=%d/seed=%d", fanout, seed), func(t *testing.T) {
				t.Parallel()
				tr, err := fst.NewFanout(0.0, diffSpan, 0, fanout)
				if err != nil {
					t.Fatal(err)
				}
				runDiffModel(t, seed, tr, &fmodel[float64]{min: 0, max: diffSpan, init: 0, b: []fbound[float64]{{0, 0}}})
			})
		}
	}
}

func runDiffModel[K int | float64, M diffModel[K, M]](t *testing.T, seed uint64, tr *fst.Tree[K, int], m M) {
	r := rand.New(rand.NewPCG(seed, 6))
	key := func() K { return K(r.IntN(diffSpan)) }
	var log []string
	// write applies one random write to tr and m, or none that fails.
	write := func(tr *fst.Tree[K, int], m M, shifts bool) string {
		var what string
		var errT, errM error
		switch op := r.IntN(6); {
		case op < 3 || !shifts:
			s, v := key(), r.IntN(8)
			e := s + K(1+r.IntN(6)) // short: the tree keeps many segments
			if r.IntN(16) == 0 {
				e = s + K(1+r.IntN(diffSpan))
			}
			what = fmt.Sprintf("Insert(%v,%v,%d)", s, e, v)
			_, errT = tr.Insert(s, e, v)
			_, errM = m.insert(s, e, v)
		case op < 5:
			p, size, skip := key(), K(1+r.IntN(8)), r.IntN(2) == 0
			what = fmt.Sprintf("ShiftRight(%v,%v,%t)", p, size, skip)
			errT = tr.ShiftRight(p, size, skip)
			errM = m.shiftRight(p, size, skip)
		default:
			s := key()
			e := min(s+K(1+r.IntN(8)), diffSpan)
			what = fmt.Sprintf("ShiftLeft(%v,%v)", s, e)
			errT = tr.ShiftLeft(s, e)
			errM = m.shiftLeft(s, e)
		}
		if errT != nil || errM != nil {
			t.Fatalf("%s: tree %v, model %v", what, errT, errM)
		}
		return what
	}
	for range 120 + r.IntN(120) {
		write(tr, m, false)
	}
	tr.Freeze()
	t.Logf("v0: %d segments", tr.Len())
	versions, models := []*fst.Tree[K, int]{tr}, []M{m}
	for range 10 {
		from := r.IntN(len(versions))
		v, vm := versions[from].Clone(), models[from].clone()
		step := fmt.Sprintf("v%d = v%d:", len(versions), from)
		for range 1 + r.IntN(3) {
			step += " " + write(v, vm, true)
		}
		v.Freeze()
		if got, want := slices.Collect(v.All()), vm.segments(); !slices.Equal(got, want) {
			t.Fatalf("%s: segments %v, model %v", step, got, want)
		}
		versions, models, log = append(versions, v), append(models, vm), append(log, step)
	}
	for i := range versions {
		for j := range versions {
			a, b := denseOf(models[i].segments()), denseOf(models[j].segments())
			if got, want := slices.Collect(fst.Diff(versions[i], versions[j])), denseChanges[K](a, b, 0, diffSpan); !slices.Equal(got, want) {
				t.Fatalf("Diff(v%d, v%d)\n got %v\nwant %v\nversions:\n%v", i, j, got, want, log)
			}
			for range 3 {
				s, e := K(r.IntN(diffSpan+20))-10, K(r.IntN(diffSpan+20))-10 // out of the span too
				if r.IntN(2) == 0 {
					s, e = min(s, e), max(s, e)
				}
				got := slices.Collect(fst.DiffRange(versions[i], versions[j], s, e))
				want := denseChanges[K](a, b, max(int(s), 0), min(int(e), diffSpan))
				if !slices.Equal(got, want) {
					t.Fatalf("DiffRange(v%d, v%d, %v, %v)\n got %v\nwant %v\nversions:\n%v", i, j, s, e, got, want, log)
				}
			}
		}
	}
}

// denseOf returns the value of each integer key of [0, diffSpan) in segs,
// whose boundaries are integers.
func denseOf[K int | float64](segs []fst.Segment[K, int]) []int {
	d := make([]int, diffSpan)
	for _, s := range segs {
		for k := int(s.Start); k < int(s.End); k++ {
			d[k] = s.Value
		}
	}
	return d
}

// denseChanges is the reference for Diff over the keys [from, to): the
// maximal runs of keys over which a and b hold the same pair of unequal
// values.
func denseChanges[K int | float64](a, b []int, from, to int) []fst.Change[K, int] {
	var out []fst.Change[K, int]
	for k := from; k < to; k++ {
		if a[k] == b[k] {
			continue
		}
		if n := len(out); n > 0 && out[n-1].End == K(k) && out[n-1].Old == a[k] && out[n-1].New == b[k] {
			out[n-1].End++
			continue
		}
		out = append(out, fst.Change[K, int]{Start: K(k), End: K(k + 1), Old: a[k], New: b[k]})
	}
	return out
}
