package readers_test

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/flatseg/flatseg"
)

// Example_boundedReaders is the pattern README recommends when many
// goroutines read a Store in tight loops: a semaphore of GOMAXPROCS−1
// slots, taken around a batch of searches, so that however many readers
// there are, one P stays free for the writer.
func Example_boundedReaders() {
	s, err := flatseg.New[int64](0, 1000, "free")
	if err != nil {
		panic(err)
	}
	err = s.Update(func(tx *flatseg.Txn[int64, string]) error {
		_, err := tx.Insert(100, 200, "alice")
		return err
	})
	if err != nil {
		panic(err)
	}

	var hits atomic.Int64
	count := func(sn *flatseg.Snapshot[int64, string]) { // a batch of searches
		for k := int64(0); k < 1000; k += 10 {
			if seg, _ := sn.Search(k); seg.Value == "alice" {
				hits.Add(1)
			}
		}
	}

	sem := make(chan struct{}, max(1, runtime.GOMAXPROCS(0)-1))
	var wg sync.WaitGroup
	for range 64 {
		wg.Go(func() {
			sem <- struct{}{} // one slot per batch of searches, not per search
			defer func() { <-sem }()
			count(s.Snapshot())
		})
	}
	wg.Wait()
	fmt.Println(hits.Load())
	// Output: 640
}
