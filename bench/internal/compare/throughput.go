package compare

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// version is one published version of a [Versioned] structure.
type version struct{ x structure }

// throughput runs cfg.Readers reader goroutines searching keys, and one
// writer inserting writes if writer is set, on implementation im for
// cfg.TputDuration.
func throughput(b *bed, im Impl, keys []Key, writes []Op, cfg *Config, writer bool) (Throughput, error) {
	x, err := b.build(im, Built)
	if err != nil {
		return Throughput{}, err
	}
	var (
		read  func(k Key) uint64
		write func(op *Op) error
	)
	switch im.Sharing {
	case ReadersOnly, Synchronized:
		read = func(k Key) uint64 { s, _ := x.Search(k); return uint64(s.Value) }
		write = func(op *Op) error { _, err := x.Insert(op.A, op.B, op.C); return err }
	case Versioned:
		var cur atomic.Pointer[version]
		cur.Store(&version{x})
		read = func(k Key) uint64 { s, _ := cur.Load().x.Search(k); return uint64(s.Value) }
		write = func(op *Op) error {
			next := cur.Load().x.Clone()
			_, err := next.Insert(op.A, op.B, op.C)
			cur.Store(&version{next})
			return err
		}
	default:
		return Throughput{}, fmt.Errorf("%s is not shared", im.ID)
	}
	runtime.GC()
	var (
		stop         atomic.Bool
		reads, wrote atomic.Int64
		sink         atomic.Uint64
		wg           sync.WaitGroup
		errOnce      sync.Once
		writeErr     error
	)
	for r := range cfg.Readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var n int64
			var h uint64
			i := r * 7919 % len(keys)
			for !stop.Load() {
				for range 64 {
					h += read(keys[i])
					if i++; i == len(keys) {
						i = 0
					}
				}
				n += 64
			}
			reads.Add(n)
			sink.Add(h)
		}()
	}
	if writer {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var n int64
			start := time.Now()
			for i := 0; !stop.Load(); {
				if cfg.WriteRate > 0 {
					due := start.Add(time.Duration(float64(n) / cfg.WriteRate * 1e9))
					if wait := time.Until(due); wait > 0 {
						time.Sleep(wait)
						continue
					}
				}
				if err := write(&writes[i]); err != nil {
					errOnce.Do(func() { writeErr = err })
					return
				}
				i = (i + 1) % len(writes)
				n++
			}
			wrote.Add(n)
		}()
	}
	start := time.Now()
	time.Sleep(cfg.TputDuration)
	stop.Store(true)
	wg.Wait()
	sec := time.Since(start).Seconds()
	if writeErr != nil {
		return Throughput{}, writeErr
	}
	return Throughput{Impl: im.ID, Writer: writer, Readers: cfg.Readers, Reads: float64(reads.Load()) / sec, Writes: float64(wrote.Load()) / sec}, nil
}
