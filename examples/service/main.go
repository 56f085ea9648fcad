// Command service runs the shape of service flatseg is for: a table of
// address ranges owned by tenants, looked up by several reader goroutines
// while one writer reassigns ranges in transactions and a watcher follows the
// changes to one range. It runs for about a second and prints what each side
// saw.
//
//	go run ./examples/service
package main

import (
	"context"
	"fmt"
	"go.uber.org/atomic"
	"log"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/flatseg/flatseg"
)

const space = 1 << 20 // addresses [0, 1M)

func main() {
	owners, err := flatseg.New[uint32, string](0, space, "unassigned", flatseg.WithRetain(16))
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	var wg sync.WaitGroup

	// The writer: every transaction hands a block to a tenant and moves
	// another tenant's block; readers see both changes or neither.
	tenants := []string{"acme", "globex", "initech", "umbrella"}
	wg.Go(func() {
		r := rand.New(rand.NewPCG(1, 2))
		for ctx.Err() == nil {
			err := owners.Update(func(tx *flatseg.Txn[uint32, string]) error {
				start := r.Uint32N(space - 4096)
				if _, err := tx.Insert(start, start+r.Uint32N(4096)+1, tenants[r.IntN(len(tenants))]); err != nil {
					return err
				}
				return tx.ShiftRight(r.Uint32N(space), 64, false)
			})
			if err != nil {
				log.Fatal(err)
			}
			time.Sleep(100 * time.Microsecond)
		}
	})

	// Readers: lock-free lookups on whatever version is current.
	var lookups atomic.Int64
	for i := range 3 {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(i), 3))
			last := uint64(0)
			for ctx.Err() == nil {
				sn := owners.Snapshot()
				if sn.Version() < last {
					log.Fatalf("reader %d went back from version %d to %d", i, last, sn.Version())
				}
				last = sn.Version()
				for range 100 {
					if _, ok := sn.Search(r.Uint32N(space)); !ok {
						log.Fatal("an address inside the span was not found")
					}
				}
				lookups.Add(100)
			}
		})
	}

	// A watcher: wakes only when [0, 64K) changes.
	var wakeups int
	wg.Go(func() {
		held := owners.Snapshot()
		for {
			sn, err := owners.WaitRange(ctx, held, 0, 1<<16)
			if err != nil {
				return // the context ended
			}
			wakeups++
			held = sn
		}
	})

	wg.Wait()
	head := owners.Snapshot()
	fmt.Printf("versions committed: %d\n", head.Version())
	fmt.Printf("lookups by 3 readers: %d\n", lookups.Load())
	fmt.Printf("watcher of [0, 64K) woke %d times\n", wakeups)
	fmt.Printf("segments now: %d\n", head.Len())
	if old, ok := owners.At(head.Version() - 1); ok {
		n := 0
		for range flatseg.Diff(old, head) {
			n++
		}
		fmt.Printf("the last commit changed %d ranges\n", n)
	}
}
