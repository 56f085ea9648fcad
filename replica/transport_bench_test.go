package replica

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
)

// BenchmarkTransport measures Updates per second on the leader of three
// nodes on the loopback interface, over NewTLSTransport (transport=tls)
// and over raft's plain TCP transport (transport=tcp), with 16 goroutines
// each doing one Update after the other: the price of authenticating and
// encrypting raft's traffic. It reports updates/s and the mean number of
// transactions per log entry (group commit).
func BenchmarkTransport(b *testing.B) {
	const writers = 16
	ca := newTestCA(b, "cluster")
	for _, bc := range []struct {
		name string
		new  func(b *testing.B) *raft.NetworkTransport
	}{{
		name: "tls",
		new: func(b *testing.B) *raft.NetworkTransport {
			return tlsTransport(b, ca.config(ca.leaf(b)), 10*time.Second, nil)
		},
	}, {
		name: "tcp",
		new: func(b *testing.B) *raft.NetworkTransport {
			tr, err := raft.NewTCPTransportWithLogger("127.0.0.1:0", nil, 3, 10*time.Second, hclog.NewNullLogger())
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { closeTransport(tr) })
			return tr
		},
	}} {
		b.Run("transport="+bc.name, func(b *testing.B) {
			c := newNetCluster(b, 3, benchRaft, func(int) *raft.NetworkTransport { return bc.new(b) })
			leader := c.nodes[c.leader(b)]
			ctx := context.Background()
			if _, err := put(ctx, leader, 0, 1); err != nil { // the first write of a term waits for raft's barrier
				b.Fatal(err)
			}
			first := leader.Raft().LastIndex()
			b.ReportAllocs()
			b.ResetTimer()
			var wg sync.WaitGroup
			per := (b.N + writers - 1) / writers
			for w := range writers {
				wg.Go(func() {
					for i := range per {
						if _, err := put(ctx, leader, int64((w*per+i)%999), int64(i%7)+1); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			b.StopTimer()
			total := per * writers
			b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "updates/s")
			if entries := leader.Raft().LastIndex() - first; entries > 0 {
				b.ReportMetric(float64(total)/float64(entries), "txns/entry")
			}
		})
	}
}

// benchRaft is testRaftConfig with raft's default heartbeat, election and
// lease timeouts: with shorter ones a saturated small machine loses its
// leader mid-run, over either transport, and the run fails.
func benchRaft() *raft.Config {
	c := testRaftConfig()
	d := raft.DefaultConfig()
	c.HeartbeatTimeout, c.ElectionTimeout, c.LeaderLeaseTimeout = d.HeartbeatTimeout, d.ElectionTimeout, d.LeaderLeaseTimeout
	return c
}
