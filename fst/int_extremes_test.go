package fst_test

import (
	"math"
	"testing"

	"github.com/flatseg/flatseg/fst"
)

// Integer keys at the extremes of their type: spans that reach the type's
// lowest and highest values, and shift sizes whose arithmetic wraps around
// in K (end-start, pos+size, max-size). The dense model computes in int,
// which does not wrap, so any wrap the tree mishandles shows.

type smallInt interface{ ~int8 | ~uint8 }

// extremesConfig: every value of K is a key and a shift size, so sizes reach
// the whole span and wrap; three values; no Clear (the spans are the point).
func extremesConfig[K smallInt]() *config[K, int, *fst.Tree[K, int], *dense[K]] {
	all := make([]K, 256)
	for i := range all {
		all[i] = K(i) // all 256 values of the type
	}
	palette := func(*dense[K]) []K { return all }
	return &config[K, int, *fst.Tree[K, int], *dense[K]]{
		mix:    []weight{{opInsert, 3}, {opApply, 1}, {opShiftLeft, 3}, {opShiftRight, 3}, {opClone, 1}},
		keys:   palette,
		sizes:  palette,
		values: 3,
		box:    func(v int) int { return v },
		unbox:  func(v int) int { return v },
		eq:     func(a, b int) bool { return a == b },
		keep:   2,
		diff:   fst.Diff[K, int, fst.None],
		cursor: cursorOf[K, int, fst.None],
	}
}

var (
	int8Config  = extremesConfig[int8]()
	uint8Config = extremesConfig[uint8]()
)

func runExtremes[K smallInt](t testing.TB, cfg *config[K, int, *fst.Tree[K, int], *dense[K]], lo, hi K, ops []byte) {
	t.Helper()
	tr, err := fst.NewFanout(lo, hi, 0, 4)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	run(t, cfg, lo, hi, 0, tr, newDense(lo, hi, 0), ops)
}

func TestTree_IntegerExtremes(t *testing.T) {
	t.Parallel()
	spans := []struct {
		name string
		run  func(t *testing.T, ops []byte)
	}{
		{"int8/", func(t *testing.T, ops []byte) { runExtremes(t, int8Config, math.MinInt8, math.MaxInt8, ops) }},
		{"uint8/", func(t *testing.T, ops []byte) { runExtremes(t, uint8Config, 0, math.MaxUint8, ops) }},
		{"int8-high/", func(t *testing.T, ops []byte) { runExtremes(t, int8Config, 100, math.MaxInt8, ops) }},
		{"int8-low/", func(t *testing.T, ops []byte) { runExtremes(t, int8Config, math.MinInt8, -100, ops) }}, // hi-size wraps below the type
		{"uint8-low/", func(t *testing.T, ops []byte) { runExtremes(t, uint8Config, 0, 100, ops) }},           // hi-size wraps above hi
	}
	for _, sp := range spans {
		seeds(t, sp.name, 2, 40, func(t *testing.T, seed uint64) { sp.run(t, randomOps(seed, 4*200)) })
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
			runExtremes(t, int8Config, math.MinInt8, math.MaxInt8, ops[1:])
		case 1:
			runExtremes(t, uint8Config, 0, math.MaxUint8, ops[1:])
		case 2:
			runExtremes(t, int8Config, math.MinInt8, -100, ops[1:])
		default:
			runExtremes(t, uint8Config, 0, 100, ops[1:])
		}
	})
}
