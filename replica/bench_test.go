package replica

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/raft"

	"github.com/flatseg/flatseg"
	"github.com/flatseg/flatseg/fst"
)

// BenchmarkUpdate measures Updates per second on the leader: writers
// goroutines each doing one Update after the other, on 3 nodes over the
// in-memory transport (store=mem) and on one durable node that fsyncs its
// bbolt log (store=bolt). With reads=0 every Update inserts; with
// reads=50 every other Update of a goroutine only reads (and so waits for
// its group's leadership confirmation or entry). With ids=1 every write is
// an UpdateOnce with an id of its own (about 10 bytes; past 65,536 ids the
// window evicts one per write). It reports updates/s and the mean number
// of transactions per log entry (group commit). The nodes use raft's
// default heartbeat, election and lease timeouts (benchRaft), as
// BenchmarkTransport does: with the tests' 50 ms a loaded machine loses
// the leader mid-run, and the run fails.
func BenchmarkUpdate(b *testing.B) {
	for _, bc := range []struct {
		store   string
		nodes   int
		writers int
		reads   int // percent of read-only Updates
		ids     int // 1: the writes carry ids (UpdateOnce)
	}{{"mem", 3, 1, 0, 0}, {"mem", 3, 16, 0, 0}, {"mem", 3, 16, 0, 1}, {"mem", 3, 16, 50, 0}, {"bolt", 1, 1, 0, 0}, {"bolt", 1, 16, 0, 0}} {
		b.Run(fmt.Sprintf("store=%s/nodes=%d/writers=%d/reads=%d/ids=%d", bc.store, bc.nodes, bc.writers, bc.reads, bc.ids), func(b *testing.B) {
			var leader *Node[int64, int64]
			if bc.store == "mem" {
				leader = newCluster(b, bc.nodes, func(c *raft.Config) { *c = *benchRaft() }).leader()
			} else {
				_, tr := raft.NewInmemTransport("node0")
				n, err := Open(Config[int64, int64]{ID: "node0", Transport: tr, Dir: b.TempDir(), Codec: fst.NumberCodec[int64](), Max: span, Raft: benchRaft()})
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { n.Close() })
				if err := n.Bootstrap([]raft.Server{{ID: "node0", Address: "node0"}}); err != nil {
					b.Fatal(err)
				}
				for n.Raft().State() != raft.Leader {
					time.Sleep(time.Millisecond)
				}
				leader = n
			}
			ctx := context.Background()
			first := leader.Raft().LastIndex()
			b.ReportAllocs()
			b.ResetTimer()
			var wg sync.WaitGroup
			per := (b.N + bc.writers - 1) / bc.writers
			for w := range bc.writers {
				wg.Go(func() {
					for i := range per {
						k := int64((w*per + i) % (span - 1))
						var err error
						if bc.reads > 0 && i%100 < bc.reads {
							_, err = leader.Update(ctx, func(tx *flatseg.Txn[int64, int64]) error {
								_, _ = tx.Search(k)
								return nil
							})
						} else if bc.ids == 1 {
							id := "w" + strconv.Itoa(w) + "-" + strconv.Itoa(i)
							_, err = leader.UpdateOnce(ctx, id, func(tx *flatseg.Txn[int64, int64]) error {
								_, err := tx.Insert(k, k+1, int64(i%7)+1)
								return err
							})
						} else {
							_, err = insert(ctx, leader, k, k+1, int64(i%7)+1)
						}
						if err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			b.StopTimer()
			total := per * bc.writers
			b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "updates/s")
			if entries := leader.Raft().LastIndex() - first; entries > 0 {
				b.ReportMetric(float64(total)/float64(entries), "txns/entry")
			}
		})
	}
}
