package fst_test

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"testing"

	"github.com/flatseg/flatseg/fst"
)

// Benchmarks run at n = 1e3, 1e5 and 1e6 segments of int64 keys and values.
// The tree has segment i = [16i, 16i+16) holding value i+1, over [0, 16n).
// Names read as BenchmarkSearch/impl=fst/n=1000000 so benchstat can slice
// them by implementation and size.

var benchSizes = []int{1_000, 100_000, 1_000_000}

const width = 16 // keys per segment in benchmark trees

var (
	builtMu sync.Mutex
	built   = map[int]*fst.Tree[int64, int64]{}
)

// benchTree returns a frozen tree of n segments, built once per size.
func benchTree(b testing.TB, n int) *fst.Tree[int64, int64] {
	b.Helper()
	builtMu.Lock()
	defer builtMu.Unlock()
	if t, ok := built[n]; ok {
		return t
	}
	segs := make([]fst.Segment[int64, int64], n)
	for i := range segs {
		segs[i] = fst.Segment[int64, int64]{Start: int64(i) * width, End: int64(i+1) * width, Value: int64(i + 1)}
	}
	t, err := fst.Build(0, int64(n)*width, 0, segs)
	if err != nil {
		b.Fatal(err)
	}
	t.Freeze()
	built[n] = t
	return t
}

// randomKeys returns m keys drawn uniformly from [0, span).
func randomKeys(m int, span int64) []int64 {
	r := rand.New(rand.NewPCG(1, 2))
	keys := make([]int64, m)
	for i := range keys {
		keys[i] = r.Int64N(span)
	}
	return keys
}

// insertedTree returns a frozen tree of n segments [16i, 16i+16) holding
// value i+1, built by Insert in increasing order (build=append) or in a
// random order (build=random), built once per size and order. Random
// inserts leave nodes less full and scattered in memory, as a long-running
// service's tree is.
func insertedTree(b *testing.B, how string, n int) *fst.Tree[int64, int64] {
	b.Helper()
	builtMu.Lock()
	defer builtMu.Unlock()
	key := fmt.Sprintf("%s/%d", how, n)
	if t, ok := inserted[key]; ok {
		return t
	}
	order := rand.New(rand.NewPCG(3, 4)).Perm(n)
	if how == "append" {
		slices.Sort(order)
	}
	t, err := fst.New[int64, int64](0, int64(n)*width, 0)
	if err != nil {
		b.Fatal(err)
	}
	for _, i := range order {
		if _, err := t.Insert(int64(i)*width, int64(i+1)*width, int64(i+1)); err != nil {
			b.Fatal(err)
		}
	}
	t.Freeze()
	inserted[key] = t
	return t
}

var inserted = map[string]*fst.Tree[int64, int64]{}

// hotKeys is the size of the hot key set: 4096 keys searched over and over,
// whose paths stay in the caches.
const hotKeys = 4096

// keySource yields the search keys of one benchmark: with keys=cold a fresh
// random key per search from an inline generator (no key repeats, so the
// tree is read from memory as a stream of unrelated lookups does), with
// keys=hot the same 4096 random keys over and over. Both cost a few cycles
// per key and the same for every impl.
type keySource struct {
	x    uint64
	span uint64
	hot  []int64
	i    int
}

func newKeySource(keys string, span int64) *keySource {
	s := &keySource{x: 0x9e3779b97f4a7c15, span: uint64(span)}
	if keys == "hot" {
		s.hot = randomKeys(hotKeys, span)
	}
	return s
}

func (s *keySource) next() int64 {
	if s.hot != nil {
		k := s.hot[s.i&(hotKeys-1)]
		s.i++
		return k
	}
	s.x ^= s.x << 13
	s.x ^= s.x >> 7
	s.x ^= s.x << 17
	return int64((s.x >> 32) * s.span >> 32) // span < 2^32
}

// BenchmarkSearch looks up keys in trees built by appends and by random
// inserts, with a stream of fresh random keys (keys=cold) and with a hot set
// of 4096 keys (keys=hot). impl=slice is the baseline: a binary search for
// the greatest boundary <= key in a sorted []int64 of the same boundaries,
// with a parallel value slice.
func BenchmarkSearch(b *testing.B) {
	for _, how := range []string{"append", "random"} {
		for _, keys := range []string{"cold", "hot"} {
			for _, n := range benchSizes {
				t := insertedTree(b, how, n)
				span := int64(n) * width
				b.Run(fmt.Sprintf("build=%s/keys=%s/impl=fst/n=%d", how, keys, n), func(b *testing.B) {
					ks := newKeySource(keys, span)
					b.ReportAllocs()
					var sink int64
					for b.Loop() {
						s, _ := t.Search(ks.next())
						sink += s.Value
					}
					_ = sink
				})
				bounds := make([]int64, 0, n)
				vals := make([]int64, 0, n)
				for k, v := range t.LeafNodes() {
					bounds, vals = append(bounds, k), append(vals, v)
				}
				bounds, vals = bounds[:n], vals[:n]
				b.Run(fmt.Sprintf("build=%s/keys=%s/impl=slice/n=%d", how, keys, n), func(b *testing.B) {
					ks := newKeySource(keys, span)
					b.ReportAllocs()
					var sink int64
					for b.Loop() {
						j, found := slices.BinarySearch(bounds, ks.next())
						if !found {
							j--
						}
						sink += vals[j]
					}
					_ = sink
				})
			}
		}
	}
}

// BenchmarkInsert alternates splitting a random segment in three (two new
// boundaries) and restoring it (two boundaries removed), so n stays put.
// The tree is a private clone written in place: after the first writes the
// touched nodes belong to it.
func BenchmarkInsert(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			t := benchTree(b, n).Clone()
			segs := randomKeys(1<<16, int64(n))
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				s := segs[(i>>1)&(len(segs)-1)] * width
				if i&1 == 0 {
					t.Insert(s+4, s+12, -1)
				} else {
					t.Insert(s, s+width, s/width+1)
				}
				i++
			}
		})
	}
}

// BenchmarkAppend fills the span [0, 16n) of an empty tree with the
// segments [16i, 16i+16) -> i+1 in increasing order, one Insert per op,
// starting a fresh tree every n ops: mdds's insert_back, the compare
// program's "Append at the end" row.
func BenchmarkAppend(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			var t *fst.Tree[int64, int64]
			i := n
			for b.Loop() {
				if i == n {
					t, _ = fst.New[int64, int64](0, int64(n)*width, 0)
					i = 0
				}
				if _, err := t.Insert(int64(i)*width, int64(i+1)*width, int64(i+1)); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// BenchmarkShiftLeft removes one key at a random position; the tree loses
// one key of width per op (b.N keys of n·16), so n barely moves.
func BenchmarkShiftLeft(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			t := benchTree(b, n).Clone()
			keys := randomKeys(1<<16, int64(n)*width-1)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				k := keys[i&(len(keys)-1)]
				if err := t.ShiftLeft(k, k+1); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// BenchmarkShiftRight opens a one-key gap at a random position.
func BenchmarkShiftRight(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			t := benchTree(b, n).Clone()
			keys := randomKeys(1<<16, int64(n)*width)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if err := t.ShiftRight(keys[i&(len(keys)-1)], 1, false); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

func BenchmarkClone(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			t := benchTree(b, n)
			b.ReportAllocs()
			var sink *fst.Tree[int64, int64]
			for b.Loop() {
				sink = t.Clone()
			}
			_ = sink
		})
	}
}

// BenchmarkCloneWrite is the persistent case: every op clones the frozen
// tree and writes once to the clone, which copies the paths it changes.
func BenchmarkCloneWrite(b *testing.B) {
	for _, n := range benchSizes {
		for _, op := range []string{"insert", "shiftleft", "shiftright"} {
			b.Run(fmt.Sprintf("op=%s/n=%d", op, n), func(b *testing.B) {
				t := benchTree(b, n)
				keys := randomKeys(1<<16, int64(n)*width-1)
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					c := t.Clone()
					k := keys[i&(len(keys)-1)]
					switch op {
					case "insert":
						c.Insert(k, k+3, -1)
					case "shiftleft":
						c.ShiftLeft(k, k+1)
					case "shiftright":
						c.ShiftRight(k, 1, false)
					}
					i++
				}
			})
		}
	}
}

func BenchmarkBuild(b *testing.B) {
	for _, n := range benchSizes {
		segs := make([]fst.Segment[int64, int64], n)
		for i := range segs {
			segs[i] = fst.Segment[int64, int64]{Start: int64(i) * width, End: int64(i+1) * width, Value: int64(i + 1)}
		}
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := fst.Build(0, int64(n)*width, 0, segs); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/segment")
			// Bytes allocated by one Build over the bytes of the tree it
			// returns: an upper bound of its peak heap, in tree sizes.
			b.ReportMetric(allocPerLive(b, func() (*fst.Tree[int64, int64], error) { return fst.Build(0, int64(n)*width, 0, segs) }), "alloc/live")
		})
	}
}

func BenchmarkIterate(b *testing.B) {
	for _, n := range benchSizes {
		t := benchTree(b, n)
		b.Run(fmt.Sprintf("what=segments/n=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c := 0
				for range t.Segments() {
					c++
				}
				if c != n {
					b.Fatalf("%d segments", c)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/segment")
		})
	}
}

// BenchmarkMemory reports the live heap per segment of a tree built by
// inserts in random order, by inserts in increasing order (appends), and by
// Build.
func BenchmarkMemory(b *testing.B) {
	for _, n := range benchSizes {
		for _, how := range []string{"inserts", "appends", "build"} {
			b.Run(fmt.Sprintf("how=%s/n=%d", how, n), func(b *testing.B) {
				var perSeg float64
				for b.Loop() {
					runtime.GC()
					var before, after runtime.MemStats
					runtime.ReadMemStats(&before)
					var t *fst.Tree[int64, int64]
					if how == "build" {
						segs := make([]fst.Segment[int64, int64], n)
						for i := range segs {
							segs[i] = fst.Segment[int64, int64]{Start: int64(i) * width, End: int64(i+1) * width, Value: int64(i + 1)}
						}
						t, _ = fst.Build(0, int64(n)*width, 0, segs)
					} else {
						order := rand.New(rand.NewPCG(3, 4)).Perm(n)
						if how == "appends" {
							slices.Sort(order)
						}
						t, _ = fst.New[int64, int64](0, int64(n)*width, 0)
						for _, i := range order {
							t.Insert(int64(i)*width, int64(i+1)*width, int64(i+1))
						}
					}
					runtime.GC()
					runtime.ReadMemStats(&after)
					perSeg = float64(after.HeapAlloc-before.HeapAlloc) / float64(t.Len())
					runtime.KeepAlive(t)
				}
				b.ReportMetric(perSeg, "B/segment")
			})
		}
	}
}

// BenchmarkCursorSeq looks up ascending keys spread evenly over the span
// of a tree of n segments (m = 2¹⁷ keys a pass, as bench/cmd/compare's
// search-seq does; about n/m segments apart), through one Cursor
// (impl=cursor, each Seek walking on from the last) or from the root
// (impl=search). tree=even has segments of 16 keys each; tree=jitter moves
// every boundary by up to 15 keys, as the compare's trees do, so that a
// node's interpolated guess misses by a few keys.
func BenchmarkCursorSeq(b *testing.B) {
	const m = 1 << 17
	for _, shape := range []string{"even", "jitter"} {
		for _, n := range []int{100_000, 1_000_000, 10_000_000} {
			t := benchTree(b, n)
			if shape == "jitter" {
				t = jitterTree(b, n)
			}
			span := int64(n) * width
			for _, impl := range []string{"cursor", "search"} {
				b.Run(fmt.Sprintf("tree=%s/impl=%s/n=%d", shape, impl, n), func(b *testing.B) {
					b.ReportAllocs()
					c := t.Cursor()
					var sink int64
					i := 0
					for b.Loop() {
						k := int64(i) * span / m
						var s fst.Segment[int64, int64]
						if impl == "cursor" {
							s, _ = c.Seek(k)
						} else {
							s, _ = t.Search(k)
						}
						sink += s.Value
						if i++; i == m {
							i = 0
						}
					}
					_ = sink
				})
			}
		}
	}
}

// jitterTree returns a frozen tree of n segments over [0, 16n) whose
// boundaries 16i are each moved up by 0 to 15 keys (seeded).
func jitterTree(tb testing.TB, n int) *fst.Tree[int64, int64] {
	tb.Helper()
	r := rand.New(rand.NewPCG(5, 6))
	segs := make([]fst.Segment[int64, int64], n)
	start := int64(0)
	for i := range segs {
		end := int64(n) * width
		if i+1 < n {
			end = int64(i+1)*width + r.Int64N(width)
		}
		segs[i] = fst.Segment[int64, int64]{Start: start, End: end, Value: int64(i + 1)}
		start = end
	}
	t, err := fst.Build(0, int64(n)*width, 0, segs)
	if err != nil {
		tb.Fatal(err)
	}
	t.Freeze()
	return t
}
