package fst_test

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/flatseg/flatseg/fst"
)

// Integer keys at the extremes of their type: spans that reach the type's
// lowest and highest values, and shift sizes whose arithmetic wraps around
// in K (end-start, pos+size, max-size). The dense model computes in int,
// which does not wrap, so any wrap the tree mishandles shows.

type smallInt interface{ ~int8 | ~uint8 }

func runExtremes[K smallInt](t testing.TB, lo, hi K, ops []byte) {
	t.Helper()
	init := 0
	tr, err := fst.NewFanout(lo, hi, init, 4)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	m := newDense(int(lo), int(hi), init)
	var log []string
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("%s\nspan [%d, %d)\nops: %v", fmt.Sprintf(format, args...), lo, hi, log)
	}
	// Every value of K is a possible key; sizes reach the whole span.
	key := func(b byte) K { return K(b) } // all 256 values of the type
	for i := 0; i+3 < len(ops); i += 4 {
		op, a, b, c := ops[i], ops[i+1], ops[i+2], ops[i+3]
		before := tr.Clone()
		var gotErr, wantErr error
		switch op % 3 {
		case 0:
			s, e, v := key(a), key(b), int(c%3)
			log = append(log, fmt.Sprintf("Insert(%d,%d,%d)", s, e, v))
			changed, err := tr.Insert(s, e, v)
			wantChanged, werr := m.insert(int(s), int(e), v)
			gotErr, wantErr = err, werr
			if err == nil && changed != wantChanged {
				fail("Insert changed=%v, want %v", changed, wantChanged)
			}
		case 1:
			s, e := key(a), key(b)
			log = append(log, fmt.Sprintf("ShiftLeft(%d,%d)", s, e))
			gotErr, wantErr = tr.ShiftLeft(s, e), m.shiftLeft(int(s), int(e))
		case 2:
			pos, size, skip := key(a), key(b), c&1 != 0
			log = append(log, fmt.Sprintf("ShiftRight(%d,%d,%v)", pos, size, skip))
			gotErr, wantErr = tr.ShiftRight(pos, size, skip), m.shiftRight(int(pos), int(size), skip)
		}
		if !errors.Is(gotErr, wantErr) || (gotErr == nil) != (wantErr == nil) {
			fail("error = %v, want %v", gotErr, wantErr)
		}
		if gotErr != nil && !tr.Equal(before) {
			fail("a failed operation changed the tree")
		}
		if err := tr.Verify(); err != nil {
			fail("Verify: %v", err)
		}
		var got []fst.Segment[int, int]
		for s := range tr.All() {
			got = append(got, fst.Segment[int, int]{Start: int(s.Start), End: int(s.End), Value: s.Value})
		}
		if want := m.segments(); !slices.Equal(got, want) {
			fail("segments\n got %v\nwant %v", got, want)
		}
	}
}

func TestTree_IntegerExtremes(t *testing.T) {
	t.Parallel()
	for seed := uint64(1); seed <= 40; seed++ {
		ops := randomOps(seed, 4*200)
		t.Run(fmt.Sprintf("int8/seed=%d", seed), func(t *testing.T) {
			t.Parallel()
			runExtremes[int8](t, math.MinInt8, math.MaxInt8, ops)
		})
		t.Run(fmt.Sprintf("uint8/seed=%d", seed), func(t *testing.T) {
			t.Parallel()
			runExtremes[uint8](t, 0, math.MaxUint8, ops)
		})
		t.Run(fmt.Sprintf("int8-high/seed=%d", seed), func(t *testing.T) {
			t.Parallel()
			runExtremes[int8](t, 100, math.MaxInt8, ops)
		})
		t.Run(fmt.Sprintf("int8-low/seed=%d", seed), func(t *testing.T) {
			t.Parallel()
			runExtremes[int8](t, math.MinInt8, -100, ops) // hi-size wraps below the type
		})
		t.Run(fmt.Sprintf("uint8-low/seed=%d", seed), func(t *testing.T) {
			t.Parallel()
			runExtremes[uint8](t, 0, 100, ops) // hi-size wraps above hi
		})
	}
}

func FuzzTreeIntegerExtremes(f *testing.F) {
	f.Add([]byte{2, 0, 200, 0, 1, 128, 127, 0})
	f.Fuzz(func(t *testing.T, ops []byte) {
		if len(ops) == 0 {
			return
		}
		ops = ops[:min(len(ops), 4*100)]
		switch ops[0] % 4 {
		case 0:
			runExtremes[int8](t, math.MinInt8, math.MaxInt8, ops[1:])
		case 1:
			runExtremes[uint8](t, 0, math.MaxUint8, ops[1:])
		case 2:
			runExtremes[int8](t, math.MinInt8, -100, ops[1:])
		default:
			runExtremes[uint8](t, 0, 100, ops[1:])
		}
	})
}
