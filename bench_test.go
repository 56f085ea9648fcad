package flatseg

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flatseg/flatseg/fst"
)

// The benchmark tree has benchN segments of width benchWidth, alternately
// valued 1 and 2, over [0, benchN*benchWidth).
const (
	benchN     = 1_000_000
	benchWidth = 10
	benchMax   = benchN * benchWidth
)

var bigTree = sync.OnceValue(func() *fst.Tree[int, int] {
	segs := make([]fst.Segment[int, int], benchN)
	for i := range segs {
		segs[i] = fst.Segment[int, int]{Start: i * benchWidth, End: (i + 1) * benchWidth, Value: 1 + i%2}
	}
	t, err := fst.Build(0, benchMax, 0, segs)
	if err != nil {
		panic(err)
	}
	t.Freeze()
	return t
})

// bigStore returns a fresh store holding the cached big tree: O(1), since
// the store shares the frozen nodes.
func bigStore(b *testing.B) *Store[int, int] {
	b.Helper()
	s, err := NewFrom(bigTree())
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// xorshift is a tiny per-goroutine random source for the hot loops.
type xorshift uint64

func (x *xorshift) next() uint64 {
	*x ^= *x << 13
	*x ^= *x >> 7
	*x ^= *x << 17
	return uint64(*x)
}

// key returns a random key at least benchWidth below the end of the span.
func (x *xorshift) key() int { return int(x.next() % (benchMax - benchWidth)) }

// rwTree is the baseline: one fst.Tree guarded by a sync.RWMutex.
type rwTree struct {
	mu sync.RWMutex
	t  *fst.Tree[int, int]
}

func (r *rwTree) search(k int) (fst.Segment[int, int], bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.t.Search(k)
}

func (r *rwTree) insert(start, end, v int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, err := r.t.Insert(start, end, v); err != nil {
		panic(err)
	}
}

// BenchmarkRead measures point lookups by parallel readers, for the store
// (snapshot + search) and for a RWMutex-guarded fst.Tree, with no writer,
// with one writer committing 10,000 single-insert transactions a second
// (writer=paced), with the same writer committing to another store that the
// readers do not read (writer=elsewhere: the control, which costs the readers
// the writer's CPU time and cache footprint but nothing the store does), and
// with one writer committing as fast as it can (writer=busy: on a machine
// with few cores, the readers then mostly lose the writer's CPU time).
func BenchmarkRead(b *testing.B) {
	for _, impl := range []string{"store", "rwmutex"} {
		for _, writer := range []string{"none", "paced", "elsewhere", "busy"} {
			if writer == "elsewhere" && impl != "store" {
				continue
			}
			b.Run(fmt.Sprintf("impl=%s/writer=%s/n=%d", impl, writer, benchN), func(b *testing.B) {
				var search func(k int) (fst.Segment[int, int], bool)
				var write func(start, end, v int)
				switch impl {
				case "store":
					s := bigStore(b)
					search = func(k int) (fst.Segment[int, int], bool) { return s.Snapshot().Search(k) }
					target := s
					if writer == "elsewhere" {
						target = bigStore(b)
					}
					write = func(start, end, v int) {
						if err := target.Update(func(tx *Txn[int, int]) error {
							_, err := tx.Insert(start, end, v)
							return err
						}); err != nil {
							panic(err)
						}
					}
				case "rwmutex":
					r := &rwTree{t: bigTree().Clone()}
					search = r.search
					write = r.insert
				}
				var (
					stop   atomic.Bool
					writes atomic.Int64
					wg     sync.WaitGroup
				)
				if writer != "none" {
					wg.Go(func() {
						x := xorshift(0x9e3779b97f4a7c15)
						start := time.Now()
						for !stop.Load() {
							if writer != "busy" {
								// 10,000 commits a second, caught up in
								// bursts: timers here wake about once a
								// millisecond, not every 100µs.
								if due := time.Since(start) / (100 * time.Microsecond); writes.Load() >= int64(due) {
									time.Sleep(200 * time.Microsecond)
									continue
								}
							}
							k := x.key()
							write(k, k+benchWidth/2, 3+int(x.next()%3))
							writes.Add(1)
						}
					})
				}
				// One reader per CPU, and one P more than readers, so that a
				// writer waking from its ticker gets a thread at once
				// instead of waiting for a reader to be preempted.
				readers := runtime.NumCPU()
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(readers + 1))
				var next atomic.Int64
				b.ReportAllocs()
				b.ResetTimer()
				var rg sync.WaitGroup
				for r := range readers {
					rg.Go(func() {
						x := xorshift(0x9e3779b97f4a7c15 * uint64(r+1))
						const grain = 64
						for {
							hi := next.Add(grain)
							lo := hi - grain
							if lo >= int64(b.N) {
								return
							}
							for range min(hi, int64(b.N)) - lo {
								if _, ok := search(x.key()); !ok {
									panic("key not found")
								}
							}
						}
					})
				}
				rg.Wait()
				b.StopTimer()
				stop.Store(true)
				wg.Wait()
				if writer != "none" {
					b.ReportMetric(float64(writes.Load())/b.Elapsed().Seconds(), "writes/s")
				}
			})
		}
	}
}

// BenchmarkCommit measures one transaction of ops random inserts, from
// Begin to Commit, on a tree of n segments: time, bytes and allocations per
// commit, all copying included.
func BenchmarkCommit(b *testing.B) {
	for _, ops := range []int{1, 10, 1000} {
		b.Run(fmt.Sprintf("ops=%d/n=%d", ops, benchN), func(b *testing.B) {
			s := bigStore(b)
			x := xorshift(0x2545f4914f6cdd1d)
			b.ReportAllocs()
			for b.Loop() {
				tx := s.Begin()
				for range ops {
					k := x.key()
					if _, err := tx.Insert(k, k+benchWidth/2, 3+int(x.next()%3)); err != nil {
						b.Fatal(err)
					}
				}
				if _, err := tx.Commit(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDiff measures a full Diff of two versions one insert apart on a
// tree of n segments.
func BenchmarkDiff(b *testing.B) {
	b.Run(fmt.Sprintf("n=%d", benchN), func(b *testing.B) {
		s := bigStore(b)
		before := s.Snapshot()
		if err := s.Update(func(tx *Txn[int, int]) error {
			_, err := tx.Insert(benchMax/2+3, benchMax/2+benchWidth+3, 7)
			return err
		}); err != nil {
			b.Fatal(err)
		}
		after := s.Snapshot()
		b.ReportAllocs()
		for b.Loop() {
			n := 0
			for range Diff(before, after) {
				n++
			}
			if n != 2 {
				b.Fatalf("%d changes, want 2", n)
			}
		}
	})
}

// BenchmarkSnapshot measures taking a snapshot: one atomic load.
func BenchmarkSnapshot(b *testing.B) {
	s := bigStore(b)
	b.ReportAllocs()
	for b.Loop() {
		_ = s.Snapshot()
	}
}
