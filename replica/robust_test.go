package replica

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/hashicorp/raft"

	"github.com/flatseg/flatseg"
)

// The robustness test, in the manner of etcd's tests/robustness: clients
// bound to random nodes of a 3- or 5-node cluster read and write a few
// keys while faults are injected (partitions, a deposed leader that keeps
// serving, lossy links, leadership transfers, nodes closed and reopened on
// their Dir); the history of every call is checked for linearizability
// with porcupine, against a register per key.
//
// What a call's outcome means for the history:
//   - A write (blind or read-modify-write) whose fn never ran had no
//     effect: fn is the only place its write is made. The client seals
//     such an op when the call returns, so that fn, if the node ran it
//     later, refuses to write; the op is left out of the history.
//   - A write whose fn ran and whose call failed has an unknown outcome:
//     it may have committed. It is recorded as pending: it returns at the
//     end of time and its output accepts any state, as porcupine expects.
//   - A read (a read-only Update, or Barrier then a read of its snapshot)
//     that failed had no effect and is left out; one that succeeded must
//     have read a linearizable value.
//
// By default the test runs a few short histories (a few seconds in all).
// -robust.duration=10m or FLATSEG_ROBUST=10m runs histories for that long.

var robustDuration = flag.Duration("robust.duration", 0,
	"run the robustness test's histories for this long (default: a short fixed budget; env FLATSEG_ROBUST)")

const (
	robustKeys   = 8                      // keys 0..7: contention
	callTimeout  = 400 * time.Millisecond // a call's deadline
	hangGrace    = 2 * time.Second        // past its deadline, a call hangs
	openCallHang = 4 * time.Second        // a call without deadline hangs after this long
	checkTimeout = 60 * time.Second       // porcupine's limit for one history
)

type opKind uint8

const (
	opWrite   opKind = iota // Update: Insert(k, k+1, unique value)
	opRMW                   // Update: read k, write read+1
	opRead                  // read-only Update: read k
	opBarrier               // Barrier, then read k in its snapshot
	opKinds
)

var opNames = [opKinds]string{"write", "rmw", "read", "barrier"}

type faultKind uint8

const (
	faultDeposeSlow    faultKind = iota // leadership moved to the long-lease node, which is then isolated
	faultRestart                        // a node closed while clients call it, reopened on its Dir
	faultIsolateLeader                  // the leader cut off while its clients keep writing
	faultLossy                          // every link drops and delays a fraction of messages
	faultPartition                      // one random node cut off
	faultTransfer                       // Raft().LeadershipTransfer()
	faultKinds
)

var faultNames = [faultKinds]string{"depose-slow-leader", "restart", "isolate-leader", "lossy", "partition", "transfer"}

// regInput and regOutput are an operation of the register model of one key.
type regInput struct {
	kind  opKind
	key   int64
	value int64 // opWrite: the value written
}

type regOutput struct {
	value   int64 // opRMW: the value read; opRead, opBarrier: the value read
	known   bool  // opRMW: value holds what fn read
	unknown bool  // a write whose call failed after fn ran: pending
}

// registerModel is one int64 register per key, 0 at first.
var registerModel = porcupine.Model{
	Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
		byKey := map[int64][]porcupine.Operation{}
		for _, op := range history {
			k := op.Input.(regInput).key
			byKey[k] = append(byKey[k], op)
		}
		keys := make([]int64, 0, len(byKey))
		for k := range byKey {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		out := make([][]porcupine.Operation, 0, len(keys))
		for _, k := range keys {
			out = append(out, byKey[k])
		}
		return out
	},
	Init: func() any { return int64(0) },
	Step: func(state, input, output any) (bool, any) {
		s, in, out := state.(int64), input.(regInput), output.(regOutput)
		switch in.kind {
		case opWrite:
			return true, in.value
		case opRMW:
			switch {
			case !out.unknown:
				return s == out.value, out.value + 1
			case out.known && s == out.value:
				return true, s + 1 // took effect here
			default:
				// Pending: it takes effect where it read s, or, placed
				// at the end of time, never; any state is legal.
				return true, s
			}
		default:
			return s == out.value, s
		}
	},
	DescribeOperation: func(input, output any) string {
		in, out := input.(regInput), output.(regOutput)
		q := ""
		if out.unknown {
			q = " (unknown outcome)"
		}
		switch in.kind {
		case opWrite:
			return fmt.Sprintf("write(%d, %d)%s", in.key, in.value, q)
		case opRMW:
			if !out.known {
				return fmt.Sprintf("rmw(%d): ? -> ?+1%s", in.key, q)
			}
			return fmt.Sprintf("rmw(%d): %d -> %d%s", in.key, out.value, out.value+1, q)
		default:
			return fmt.Sprintf("%s(%d) = %d", opNames[in.kind], in.key, out.value)
		}
	},
	DescribeState: func(state any) string { return fmt.Sprint(state.(int64)) },
	DescribeOperationMetadata: func(info any) string {
		if info == nil {
			return ""
		}
		return info.(string)
	},
}

// robustStats are the counts of a run, summed over its histories.
type robustStats struct {
	histories  int
	byNodes    map[int]int
	ops        [opKinds]int // operations in the checked histories
	refused    int          // writes whose fn never ran, and failed reads: left out
	unknown    int          // writes recorded as pending
	faults     [faultKinds]int
	hangs      []string
	violations []string
	checkTime  time.Duration
}

func (s *robustStats) total() int {
	n := 0
	for _, c := range s.ops {
		n += c
	}
	return n
}

func (s *robustStats) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "robustness: %d histories (", s.histories)
	sizes := make([]int, 0, len(s.byNodes))
	for n := range s.byNodes {
		sizes = append(sizes, n)
	}
	slices.Sort(sizes)
	for i, n := range sizes {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%d on %d nodes", s.byNodes[n], n)
	}
	fmt.Fprintf(&b, "), %d ops (", s.total())
	for k := range opKinds {
		if k > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %d", opNames[k], s.ops[k])
	}
	b.WriteString("), faults:")
	for k := range faultKinds {
		if k > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, " %s %d", faultNames[k], s.faults[k])
	}
	fmt.Fprintf(&b, "; unknown %d, refused %d, hangs %d, violations %d, checking took %v",
		s.unknown, s.refused, len(s.hangs), len(s.violations), s.checkTime.Round(time.Millisecond))
	return b.String()
}

// robustBudget returns how long to run histories, 0 for the short default.
func robustBudget(t *testing.T) time.Duration {
	if *robustDuration > 0 {
		return *robustDuration
	}
	if env := os.Getenv("FLATSEG_ROBUST"); env != "" {
		d, err := time.ParseDuration(env)
		if err != nil || d <= 0 {
			t.Fatalf("FLATSEG_ROBUST=%q: want a positive Go duration such as 10m", env)
		}
		return d
	}
	return 0
}

// robustDir returns a directory for the nodes' Dirs, removed after the
// test. It is in /dev/shm when there is one: bbolt fsyncs every append,
// and on this machine's shared disk that held the clients to about 200
// operations/s against about 800 in memory. Close and reopen see the same
// files either way; surviving a kill -9 is TestReplica_KillAndReopen's.
func robustDir(t *testing.T) string {
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		if dir, err := os.MkdirTemp("/dev/shm", "flatseg-robust-"); err == nil {
			t.Cleanup(func() { _ = os.RemoveAll(dir) })
			return dir
		}
	}
	return t.TempDir()
}

// TestRobust_Linearizable is the robustness test: histories of concurrent
// calls under injected faults, each checked for linearizability. It fails
// on a violation (writing porcupine's visualisation and naming its file),
// on a call that hangs past its deadline, on a node that does not reopen,
// and on replicas that disagree once healed.
func TestRobust_Linearizable(t *testing.T) {
	budget := robustBudget(t)
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	st := &robustStats{byNodes: map[int]int{}}
	start := time.Now()
	for h := 0; ; h++ {
		var nodes int
		var runFor time.Duration
		if budget == 0 {
			// The short budget: four histories of 1 s, 3 and 5 nodes, whose
			// first faults are the sharpest kinds.
			if h == 4 {
				break
			}
			nodes, runFor = []int{3, 5}[h%2], time.Second
		} else {
			if time.Since(start) >= budget {
				break
			}
			nodes, runFor = []int{3, 5}[h%2], 2*time.Second
		}
		ok := runHistory(t, st, h, nodes, seed+uint64(h), runFor)
		if !ok && budget != 0 {
			break // a long run stops at the first failing history
		}
	}
	t.Log(st)
	for _, h := range st.hangs {
		t.Errorf("hung call: %s", h)
	}
	for _, v := range st.violations {
		t.Errorf("linearizability violation: %s", v)
	}
}

// opRecord is one call of a client, sealed against a late fn.
type opRecord struct {
	mu     sync.Mutex
	ran    bool // fn ran (and finished)
	sealed bool // the call returned before fn ran: fn must not write
	read   int64
}

// errSealed is fn's answer when the node runs it after its call returned.
var errSealed = errors.New("robust: fn ran after its call returned")

// enter marks fn as running; false when the call already returned.
func (o *opRecord) enter() bool {
	o.mu.Lock()
	if o.sealed {
		o.mu.Unlock()
		return false
	}
	o.ran = true
	return true // fn unlocks when done
}

// outcome seals the op and reports whether fn ran, and what it read.
func (o *opRecord) outcome() (ran bool, read int64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.ran {
		o.sealed = true
	}
	return o.ran, o.read
}

// watchdog cancels the calls that run past their limit and records them.
type watchdog struct {
	mu       sync.Mutex
	inflight map[int64]*watched
	next     int64
	hangs    []string
}

type watched struct {
	limit  time.Time
	cancel context.CancelFunc
	desc   string
}

func (w *watchdog) add(limit time.Time, cancel context.CancelFunc, desc string) int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.next++
	w.inflight[w.next] = &watched{limit: limit, cancel: cancel, desc: desc}
	return w.next
}

func (w *watchdog) done(id int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.inflight, id)
}

func (w *watchdog) check(now time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for id, c := range w.inflight {
		if now.After(c.limit) {
			w.hangs = append(w.hangs, c.desc)
			c.cancel()
			delete(w.inflight, id)
		}
	}
}

// history is what one run of the clients and the injector recorded.
type history struct {
	base    time.Time
	mu      sync.Mutex
	ops     []porcupine.Operation
	faults  []porcupine.Annotation
	counts  robustStats
	errs    []string // setup and reopen failures, disagreement: fail the test
	clients int
}

func (h *history) now() int64 { return int64(time.Since(h.base)) }

func (h *history) fail(format string, args ...any) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.errs = append(h.errs, fmt.Sprintf(format, args...))
}

// runHistory runs one history on a new cluster of n nodes and checks it;
// it returns false when the history failed.
func runHistory(t *testing.T, st *robustStats, idx, n int, seed uint64, runFor time.Duration) bool {
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
	var wg sync.WaitGroup
	var writeSeq atomic.Int64
	for cl := range h.clients {
		wg.Go(func() { runClient(c, h, wd, cl, seed, &writeSeq, stop) })
	}
	injected := make(chan struct{})
	go func() {
		defer close(injected)
		injectFaults(c, h, idx, seed, stop)
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
	clientsDone := make(chan struct{})
	go func() { wg.Wait(); close(clientsDone) }()
	// The watchdog cancels every call past its limit, so the clients end
	// within the longest limit; beyond that something ignores its context.
	select {
	case <-clientsDone:
	case <-time.After(openCallHang + callTimeout + hangGrace + 5*time.Second):
		h.fail("clients did not stop: a call ignores its cancelled context")
	}
	select {
	case <-injected:
	case <-time.After(30 * time.Second):
		h.fail("the fault injector did not stop (a Close or a reopen hangs)")
	}
	<-wdDone
	finalReads(c, h)
	closed := make(chan error, 1)
	go func() { closed <- c.close() }()
	select {
	case err := <-closed:
		if err != nil {
			h.fail("closing the cluster: %v", err)
		}
	case <-time.After(waitFor):
		h.fail("closing the cluster did not return within %v", waitFor)
	}

	h.mu.Lock()
	ops := slices.Clone(h.ops)
	h.mu.Unlock()
	st.histories++
	st.byNodes[n]++
	for k := range opKinds {
		st.ops[k] += h.counts.ops[k]
	}
	st.refused += h.counts.refused
	st.unknown += h.counts.unknown
	for k := range faultKinds {
		st.faults[k] += h.counts.faults[k]
	}
	for _, hang := range wd.hangs {
		st.hangs = append(st.hangs, fmt.Sprintf("history %d (%d nodes, seed %d): %s", idx, n, seed, hang))
	}
	ok := len(wd.hangs) == 0
	for _, e := range h.errs {
		t.Errorf("history %d (%d nodes, seed %d): %s", idx, n, seed, e)
		ok = false
	}

	began := time.Now()
	res, info := porcupine.CheckOperationsVerbose(registerModel, ops, checkTimeout)
	st.checkTime += time.Since(began)
	switch res {
	case porcupine.Ok:
	case porcupine.Unknown:
		t.Errorf("history %d (%d nodes, seed %d): porcupine gave up after %v on %d ops", idx, n, seed, checkTimeout, len(ops))
		ok = false
	case porcupine.Illegal:
		ok = false
		info.AddAnnotations(h.faults)
		path := "(not written)"
		out, err := os.MkdirTemp("", "flatseg-robust-")
		if err == nil {
			path = filepath.Join(out, fmt.Sprintf("history%d-nodes%d-seed%d.html", idx, n, seed))
			if err := porcupine.VisualizePath(registerModel, info, path); err != nil {
				path = fmt.Sprintf("(writing %s failed: %v)", path, err)
			}
		}
		st.violations = append(st.violations, fmt.Sprintf("history %d (%d nodes, seed %d, %d ops, faults %s): %s; visualisation %s",
			idx, n, seed, len(ops), faultList(h.faults), culprit(ops), path))
	}
	return ok
}

func faultList(faults []porcupine.Annotation) string {
	var names []string
	for _, f := range faults {
		names = append(names, f.Description)
	}
	return "[" + strings.Join(names, ", ") + "]"
}

// culprit names the smallest set of op kinds whose history is already not
// linearizable, and the keys that fail: writes and read-modify-writes, then
// with read-only Updates, then with Barrier reads.
func culprit(ops []porcupine.Operation) string {
	for _, kinds := range [][]opKind{{opWrite, opRMW}, {opWrite, opRMW, opRead}, {opWrite, opRMW, opBarrier}} {
		sub := slices.DeleteFunc(slices.Clone(ops), func(op porcupine.Operation) bool {
			return !slices.Contains(kinds, op.Input.(regInput).kind)
		})
		if porcupine.CheckOperationsTimeout(registerModel, sub, checkTimeout) != porcupine.Illegal {
			continue
		}
		var bad []int64
		for _, part := range registerModel.Partition(sub) {
			if porcupine.CheckOperationsTimeout(registerModel, part, checkTimeout) == porcupine.Illegal {
				bad = append(bad, part[0].Input.(regInput).key)
			}
		}
		var names []string
		for _, k := range kinds {
			names = append(names, opNames[k])
		}
		return fmt.Sprintf("illegal with only %s ops (keys %v)", strings.Join(names, "+"), bad)
	}
	return "illegal only with every kind together"
}

// runClient issues calls until stop, bound to a random node; after a call
// the node refused it moves, now and then, to another random node.
func runClient(c *faultCluster, h *history, wd *watchdog, cl int, seed uint64, writeSeq *atomic.Int64, stop <-chan struct{}) {
	r := rand.New(rand.NewPCG(seed, uint64(cl)+100))
	bound := r.IntN(len(c.ids))
	var ops []porcupine.Operation
	var counts robustStats
	defer func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.ops = append(h.ops, ops...)
		for k := range opKinds {
			h.counts.ops[k] += counts.ops[k]
		}
		h.counts.refused += counts.refused
		h.counts.unknown += counts.unknown
	}()
	for {
		select {
		case <-stop:
			return
		default:
		}
		n := c.node(bound)
		if n == nil {
			time.Sleep(5 * time.Millisecond)
			bound = r.IntN(len(c.ids))
			continue
		}
		kind := opKind(r.IntN(int(opKinds)))
		key := r.Int64N(robustKeys)
		var (
			ctx    context.Context
			cancel context.CancelFunc
			limit  time.Time
		)
		if r.IntN(10) == 0 {
			// No deadline: only the node's own contract (leadership
			// lost, Close) ends the call.
			ctx, cancel = context.WithCancel(context.Background())
			limit = time.Now().Add(openCallHang)
		} else {
			ctx, cancel = context.WithTimeout(context.Background(), callTimeout)
			limit = time.Now().Add(callTimeout + hangGrace)
		}
		in := regInput{kind: kind, key: key}
		if kind == opWrite {
			in.value = 1_000_000 + writeSeq.Add(1)
		}
		rec := &opRecord{}
		id := wd.add(limit, cancel, fmt.Sprintf("client %d: %s(%d) on node %d", cl, opNames[kind], key, bound))
		call := h.now()
		var (
			err  error
			read int64
		)
		switch kind {
		case opWrite, opRMW, opRead:
			_, err = n.Update(ctx, func(tx *flatseg.Txn[int64, int64]) error {
				if !rec.enter() {
					return errSealed
				}
				defer rec.mu.Unlock()
				seg, _ := tx.Search(key)
				rec.read = seg.Value
				switch kind {
				case opWrite:
					_, err := tx.Insert(key, key+1, in.value)
					return err
				case opRMW:
					_, err := tx.Insert(key, key+1, seg.Value+1)
					return err
				}
				return nil
			})
		case opBarrier:
			var sn *flatseg.Snapshot[int64, int64]
			sn, err = n.Barrier(ctx)
			if err == nil {
				seg, _ := sn.Search(key)
				read = seg.Value
			}
		}
		ret := h.now()
		wd.done(id)
		cancel()
		ran, fnRead := rec.outcome()
		if kind != opBarrier {
			read = fnRead
		}
		meta := fmt.Sprintf("client %d on node %d", cl, bound)
		if err != nil {
			meta += ": " + err.Error()
		}
		op := porcupine.Operation{ClientId: cl, Input: in, Call: call, Return: ret, Metadata: meta}
		switch {
		case err == nil && kind == opWrite:
			op.Output = regOutput{}
		case err == nil:
			op.Output = regOutput{value: read, known: true}
		case (kind == opWrite || kind == opRMW) && ran:
			op.Output = regOutput{value: read, known: true, unknown: true}
			op.Return = math.MaxInt64
			counts.unknown++
		default:
			// A read that failed, or a write whose fn never ran (and now
			// never will): no effect.
			counts.refused++
			if errors.Is(err, ErrNotLeader) || errors.Is(err, ErrClosed) {
				time.Sleep(2 * time.Millisecond)
				if r.IntN(4) == 0 {
					bound = r.IntN(len(c.ids))
				}
			}
			continue
		}
		ops = append(ops, op)
		counts.ops[kind]++
	}
}

// injectFaults injects faults one after the other until stop, healing the
// cluster between them. The first fault of history idx is of kind idx mod
// the number of kinds, so that short runs meet the sharpest ones.
func injectFaults(c *faultCluster, h *history, idx int, seed uint64, stop <-chan struct{}) {
	r := rand.New(rand.NewPCG(seed, 2))
	sleep := func(d time.Duration) bool {
		select {
		case <-stop:
			return false
		case <-time.After(d):
			return true
		}
	}
	if !sleep(100 * time.Millisecond) {
		return
	}
	for i := 0; ; i++ {
		kind := faultKind(r.IntN(int(faultKinds)))
		if i == 0 {
			kind = faultKind(idx % int(faultKinds))
		}
		start := h.now()
		desc := injectFault(c, h, r, kind, stop)
		c.net.heal()
		h.mu.Lock()
		h.counts.faults[kind]++
		h.faults = append(h.faults, porcupine.Annotation{
			Tag: "faults", Start: start, End: h.now(), Description: desc, BackgroundColor: "#fdd",
		})
		h.mu.Unlock()
		select {
		case <-stop:
			return
		default:
		}
		// Heal: a leader again before the next fault.
		c.waitLeader(time.Second)
		if !sleep(time.Duration(50+r.IntN(100)) * time.Millisecond) {
			return
		}
	}
}

// injectFault applies one fault, holds it, and returns its description;
// the caller heals the network.
func injectFault(c *faultCluster, h *history, r *rand.Rand, kind faultKind, stop <-chan struct{}) string {
	hold := func(d time.Duration) {
		select {
		case <-stop:
		case <-time.After(d):
		}
	}
	// bounded waits for raft's futures
	await := func(f raft.Future) error {
		errc := make(chan error, 1)
		go func() { errc <- f.Error() }()
		select {
		case err := <-errc:
			return err
		case <-time.After(2 * time.Second):
			return errors.New("no answer within 2s")
		}
	}
	switch kind {
	case faultDeposeSlow:
		l := c.waitLeader(time.Second)
		if l >= 0 && l != c.slow {
			if n := c.node(l); n != nil {
				_ = await(n.Raft().LeadershipTransferToServer(c.ids[c.slow], c.addrs[c.slow]))
			}
			deadline := time.Now().Add(time.Second)
			for c.leader() != c.slow && time.Now().Before(deadline) {
				time.Sleep(5 * time.Millisecond)
			}
		}
		led := c.leader() == c.slow
		c.isolate(c.slow)
		hold(time.Duration(300+r.IntN(300)) * time.Millisecond)
		return fmt.Sprintf("%s: node %d isolated (leading: %v)", faultNames[kind], c.slow, led)
	case faultRestart:
		i := r.IntN(len(c.ids))
		if r.IntN(2) == 0 {
			if l := c.leader(); l >= 0 {
				i = l
			}
		}
		closed := make(chan error, 1)
		go func() { closed <- c.stop(i) }()
		select {
		case err := <-closed:
			if err != nil {
				h.fail("closing node %d: %v", i, err)
			}
		case <-time.After(10 * time.Second):
			h.fail("closing node %d did not return within 10s", i)
			return fmt.Sprintf("%s: node %d (Close hung)", faultNames[kind], i)
		}
		hold(time.Duration(50+r.IntN(200)) * time.Millisecond)
		if err := c.restart(i); err != nil {
			h.fail("%v", err)
		}
		return fmt.Sprintf("%s: node %d", faultNames[kind], i)
	case faultIsolateLeader:
		l := c.waitLeader(time.Second)
		if l < 0 {
			return faultNames[kind] + ": no leader"
		}
		c.isolate(l)
		hold(time.Duration(200+r.IntN(300)) * time.Millisecond)
		return fmt.Sprintf("%s: node %d", faultNames[kind], l)
	case faultLossy:
		p := 0.05 + 0.25*r.Float64()
		delay := time.Duration(1+r.IntN(20)) * time.Millisecond
		c.lossy(p, delay)
		hold(time.Duration(200+r.IntN(300)) * time.Millisecond)
		return fmt.Sprintf("%s: drop %.0f%%, delay < %v", faultNames[kind], 100*p, delay)
	case faultPartition:
		i := r.IntN(len(c.ids))
		c.isolate(i)
		hold(time.Duration(200+r.IntN(300)) * time.Millisecond)
		return fmt.Sprintf("%s: node %d", faultNames[kind], i)
	default: // faultTransfer
		l := c.waitLeader(time.Second)
		if l < 0 {
			return faultNames[kind] + ": no leader"
		}
		var err error
		if n := c.node(l); n != nil {
			err = await(n.Raft().LeadershipTransfer())
		}
		return fmt.Sprintf("%s: from node %d (%v)", faultNames[kind], l, err)
	}
}

// finalReads heals the cluster and appends, for every key, a Barrier read
// on the leader to the history (every acknowledged write must be there);
// then every node must reach that state with the same contents.
func finalReads(c *faultCluster, h *history) {
	c.net.heal()
	for i := range c.ids {
		if c.node(i) == nil {
			if err := c.restart(i); err != nil {
				h.fail("%v", err)
			}
		}
	}
	deadline := time.Now().Add(waitFor)
	for time.Now().Before(deadline) {
		l := c.waitLeader(time.Until(deadline))
		if l < 0 {
			break
		}
		n := c.node(l)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		call := h.now()
		sn, err := n.Barrier(ctx)
		cancel()
		if err != nil {
			time.Sleep(10 * time.Millisecond)
			continue
		}
		ret := h.now()
		h.mu.Lock()
		for k := range int64(robustKeys) {
			seg, _ := sn.Search(k)
			h.ops = append(h.ops, porcupine.Operation{
				ClientId: h.clients, Input: regInput{kind: opBarrier, key: k},
				Output: regOutput{value: seg.Value, known: true}, Call: call, Return: ret,
				Metadata: fmt.Sprintf("final read on node %d", l),
			})
			h.counts.ops[opBarrier]++
		}
		h.mu.Unlock()
		for i := range c.ids {
			m := c.node(i)
			if m == nil {
				continue
			}
			if sn.Version() == 0 {
				continue // nothing was ever written (and Wait(ctx, 0-1) would never return)
			}
			ctx, cancel := context.WithTimeout(context.Background(), waitFor)
			got, err := m.Store().Wait(ctx, sn.Version()-1)
			cancel()
			if err != nil {
				h.fail("node %d did not reach version %d: %v", i, sn.Version(), err)
				continue
			}
			if got.Version() != sn.Version() {
				at, ok := m.Store().At(sn.Version())
				if !ok {
					continue // restored from a later snapshot: that version is not retained
				}
				got = at
			}
			for k := range int64(robustKeys) {
				a, _ := sn.Search(k)
				b, _ := got.Search(k)
				if a.Value != b.Value {
					h.fail("node %d at version %d has key %d = %d, the leader %d at version %d",
						i, got.Version(), k, b.Value, a.Value, sn.Version())
				}
			}
		}
		return
	}
	h.fail("no Barrier succeeded on a leader within %v of healing", waitFor)
}
