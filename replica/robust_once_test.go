package replica

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flatseg/flatseg"
)

// onceStats are the counts of TestRobust_ExactlyOnce, summed over its
// histories.
type onceStats struct {
	histories  int
	increments int // acknowledged: each exactly once in the final state
	calls      int // UpdateOnce calls, retries included
	ambiguous  int // calls that failed with ErrAmbiguous
	plain      int // calls that failed without it
	found      int // calls that returned nil without running fn: the id was applied by an earlier call
	faults     [faultKinds]int
}

// TestRobust_ExactlyOnce: clients increment counters with UpdateOnce, one
// id per increment, while the robustness test's faults strike (leaders
// isolated or deposed, nodes closed and reopened on their Dir, lossy
// links, leadership transfers). After any error a client calls again with
// the same id, on the node it is bound to or the newest leader, until a
// call returns nil. At the end every counter must hold exactly the
// increments acknowledged: an ambiguous increment retried must be applied
// once, neither lost nor applied twice.
//
// By default it runs one history of 1 s on 3 nodes; with FLATSEG_ROBUST=d
// (or -robust.duration) it runs 2 s histories on 3 and 5 nodes for d/10.
func TestRobust_ExactlyOnce(t *testing.T) {
	budget := robustBudget(t) / 10
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	var st onceStats
	start := time.Now()
	for h := 0; ; h++ {
		runFor := time.Second
		if budget == 0 && h == 1 || budget > 0 && time.Since(start) >= budget {
			break
		}
		if budget > 0 {
			runFor = 2 * time.Second
		}
		runOnceHistory(t, &st, h, []int{3, 5}[h%2], seed+uint64(h), runFor)
	}
	var faults []string
	for k := range faultKinds {
		faults = append(faults, fmt.Sprintf("%s %d", faultNames[k], st.faults[k]))
	}
	t.Logf("exactly once: %d histories, %d increments in %d calls: %d failed with ErrAmbiguous, %d without; %d retries found their id applied; faults: %s",
		st.histories, st.increments, st.calls, st.ambiguous, st.plain, st.found, strings.Join(faults, ", "))
}

// runOnceHistory runs one history of TestRobust_ExactlyOnce on a new
// cluster of n nodes.
func runOnceHistory(t *testing.T, st *onceStats, idx, n int, seed uint64, runFor time.Duration) {
	t.Helper()
	c, err := newFaultCluster(robustDir(t), n, seed)
	if err != nil {
		t.Fatalf("history %d: starting %d nodes: %v", idx, n, err)
	}
	defer c.removeAll()
	if c.waitLeader(waitFor) < 0 {
		_ = c.close()
		t.Fatalf("history %d: no leader elected", idx)
	}
	h := &history{base: time.Now(), clients: 2 * n}
	wd := &watchdog{inflight: map[int64]*watched{}}
	stop := make(chan struct{})
	var (
		mu    sync.Mutex
		acked [robustKeys]int64
		local onceStats
		wg    sync.WaitGroup
	)
	for cl := range h.clients {
		wg.Go(func() {
			s, inc := onceClient(c, h, cl, seed, stop)
			mu.Lock()
			defer mu.Unlock()
			for k, v := range inc {
				acked[k] += v
			}
			local.calls += s.calls
			local.ambiguous += s.ambiguous
			local.plain += s.plain
			local.found += s.found
			local.increments += s.increments
		})
	}
	var bursts sync.WaitGroup
	injected := make(chan struct{})
	go func() {
		defer close(injected)
		injectFaults(c, h, wd, &bursts, idx, seed, stop)
	}()
	wdDone := make(chan struct{})
	go func() {
		defer close(wdDone)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case now := <-tick.C:
				wd.check(now)
			case <-injected:
				wd.check(time.Now())
				return
			}
		}
	}()
	time.Sleep(runFor)
	close(stop)
	<-injected
	<-wdDone
	bursts.Wait()
	c.net.heal()
	for i := range c.ids {
		if c.node(i) == nil {
			if err := c.restart(i); err != nil {
				h.fail("%v", err)
			}
		}
	}
	wg.Wait() // the clients finish their last increment once healed

	var sn *flatseg.Snapshot[int64, int64]
	for deadline := time.Now().Add(waitFor); sn == nil && time.Now().Before(deadline); {
		if l := c.waitLeader(time.Until(deadline)); l >= 0 {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			sn, _ = c.node(l).Barrier(ctx)
			cancel()
		}
	}
	if sn == nil {
		h.fail("no Barrier succeeded on a leader within %v of healing", waitFor)
	} else {
		for k := range int64(robustKeys) {
			seg, _ := sn.Search(k)
			if seg.Value != acked[k] {
				h.fail("key %d holds %d increments, %d were acknowledged", k, seg.Value, acked[k])
			}
		}
	}
	if err := c.close(); err != nil {
		h.fail("closing the cluster: %v", err)
	}
	for _, e := range h.errs {
		t.Errorf("history %d (%d nodes, seed %d, faults %s): %s", idx, n, seed, faultList(h.faults), e)
	}
	st.histories++
	st.increments += local.increments
	st.calls += local.calls
	st.ambiguous += local.ambiguous
	st.plain += local.plain
	st.found += local.found
	for k := range faultKinds {
		st.faults[k] += h.counts.faults[k]
	}
}

// onceClient increments key cl mod robustKeys, one id per increment,
// until stop; it retries an increment with its id until a call returns
// nil, for at most waitFor after stop. It returns its counts and the
// increments acknowledged per key.
func onceClient(c *faultCluster, h *history, cl int, seed uint64, stop <-chan struct{}) (s onceStats, inc [robustKeys]int64) {
	r := rand.New(rand.NewPCG(seed, uint64(cl)+200))
	key := int64(cl % robustKeys)
	bound := r.IntN(len(c.ids))
	var giveUp time.Time // set once stop is closed
	stopped := func() bool {
		select {
		case <-stop:
			if giveUp.IsZero() {
				giveUp = time.Now().Add(waitFor)
			}
			return true
		default:
			return false
		}
	}
	for i := 0; !stopped(); i++ {
		id := fmt.Sprintf("c%d-%d", cl, i)
		for {
			n := c.node(bound)
			if n == nil {
				bound = r.IntN(len(c.ids))
				time.Sleep(2 * time.Millisecond)
				continue
			}
			ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
			ran := false
			_, err := n.UpdateOnce(ctx, id, func(tx *flatseg.Txn[int64, int64]) error {
				ran = true
				return counter(key)(tx)
			})
			cancel()
			s.calls++
			if err == nil {
				inc[key]++
				s.increments++
				if !ran {
					s.found++
				}
				break
			}
			if errors.Is(err, ErrAmbiguous) {
				s.ambiguous++
			} else {
				s.plain++
			}
			if stopped() && time.Now().After(giveUp) {
				h.fail("client %d: increment %s not acknowledged within %v of the end (last error: %v)", cl, id, waitFor, err)
				return s, inc
			}
			time.Sleep(2 * time.Millisecond)
			if l := c.newestLeader(); l >= 0 && r.IntN(2) == 0 {
				bound = l
			} else {
				bound = r.IntN(len(c.ids))
			}
		}
	}
	return s, inc
}
