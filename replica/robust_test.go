package replica

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"go.uber.org/atomic"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"

	"github.com/flatseg/flatseg"
	"github.com/flatseg/flatseg/fst"
	"github.com/flatseg/flatseg/internal/testenv"
)

// The robustness test, in the manner of etcd's tests/robustness: clients
// bound to random nodes of a 3- or 5-node cluster read and write a few
// keys while faults are injected (partitions, a deposed leader that keeps
// serving, lossy links, leadership transfers, nodes closed and reopened on
// their Dir); the history of every call is checked for linearizability
// with porcupine, against a register per key.
//
// What a call's outcome means for the history is decided by the error
// alone, as a client of the package decides it: errors.Is(err,
// ErrAmbiguous). The clients do not look at the error's text, nor at
// whether fn ran; fn always writes when it runs.
//   - A write (blind or read-modify-write) that failed without
//     ErrAmbiguous had no effect, by the contract: it is left out of the
//     history. Every value written is unique, so if a node ever serves
//     it, porcupine finds a read no linearization explains; and the
//     final log is searched for it too (a write refused without
//     ErrAmbiguous in a committed entry is a violation of its own).
//   - A write that failed with ErrAmbiguous has an unknown outcome: it
//     may have committed. The nodes keep their whole log, so once the
//     cluster is closed the final leader's log decides: a write in an
//     entry the final Barrier had applied committed (it returns at the
//     final read); one in no entry never did (it leaves the history).
//     The rest stay pending, as porcupine expects: they return at the
//     end of time and their output accepts any state.
//   - A read (a read-only Update, or Barrier then a read of its snapshot)
//     that failed had no effect and is left out; one that succeeded must
//     have read a linearizable value. A read that fails with
//     ErrAmbiguous is a violation: it has no write.
//
// Every call has a deadline (callTimeout), but 1 in 10, and 600 writes
// started on each node just before it closes, have none, and 1 in 10 has
// a short one (10 µs to 30 ms), which often ends it while it waits in the
// queue, for its turn or for its entry; a watchdog cancels a call
// hangGrace past its deadline, or openCallHang after it began without
// one, and counts it as hung.
//
// By default the test runs two histories of 1 s (about 3 s in all).
// -robust.duration=10m or FLATSEG_ROBUST=10m runs 2 s histories for that
// long; the summary line counts histories, operations by kind, faults by
// kind, outcomes, hangs and violations.

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
	kind opKind
	key  int64
	tag  int64 // opWrite, opRMW: the call's unique tag (see rmwValue)
}

// Every value written is unique: a blind write writes its tag; a
// read-modify-write that read r writes r's counter plus one, tagged with
// its own tag. The tag tells which call wrote a value in the log.
const tagBits = 24

func rmwValue(read, tag int64) int64 { return (read>>tagBits+1)<<tagBits | tag }

func (in regInput) written(out regOutput) int64 {
	if in.kind == opWrite {
		return in.tag
	}
	return rmwValue(out.value, in.tag)
}

type regOutput struct {
	value   int64 // opRMW, opRead, opBarrier: the value read
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
			return true, in.tag
		case opRMW:
			switch {
			case !out.unknown:
				return s == out.value, in.written(out)
			case s == out.value:
				return true, in.written(out) // took effect here
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
			return fmt.Sprintf("write(%d, %d)%s", in.key, in.tag, q)
		case opRMW:
			return fmt.Sprintf("rmw(%d): %d -> %d%s", in.key, out.value, in.written(out), q)
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
	refused    int          // writes that failed without ErrAmbiguous, and failed reads: left out
	unknown    int          // ambiguous writes left pending
	resolved   int          // ambiguous writes that the log decided
	faults     [faultKinds]int
	hangs      []string
	violations []string
	classes    map[string]int // first stuck op of each failing key, by kind and cause
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
	fmt.Fprintf(&b, "; ambiguous writes %d (%d decided by the final log, %d left pending), refused %d, hangs %d, violations %d, checking took %v",
		s.unknown+s.resolved, s.resolved, s.unknown, s.refused, len(s.hangs), len(s.violations), s.checkTime.Round(time.Millisecond))
	if len(s.classes) > 0 {
		var cs []string
		for c, n := range s.classes {
			cs = append(cs, fmt.Sprintf("%s %d", c, n))
		}
		slices.Sort(cs)
		fmt.Fprintf(&b, " (failing keys: %s)", strings.Join(cs, ", "))
	}
	return b.String()
}

// robustBudget returns how long to run histories, 0 for the short default.
func robustBudget(t *testing.T) time.Duration {
	if *robustDuration > 0 {
		return *robustDuration
	}
	return testenv.Duration(t, "FLATSEG_ROBUST", 0)
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
	st := &robustStats{byNodes: map[int]int{}, classes: map[string]int{}}
	start := time.Now()
	for h := 0; ; h++ {
		var nodes int
		var runFor time.Duration
		if budget == 0 {
			// The short budget: two histories of 1 s, 3 and 5 nodes, whose
			// first faults are the sharpest kinds.
			if h == 2 {
				break
			}
			nodes, runFor = []int{3, 5}[h%2], time.Second
		} else {
			if time.Since(start) >= budget {
				break
			}
			nodes, runFor = []int{3, 5}[h%2], 2*time.Second
		}
		runHistory(t, st, h, nodes, seed+uint64(h), runFor)
	}
	t.Log(st)
	for _, h := range st.hangs {
		t.Errorf("hung call: %s", h)
	}
	for _, v := range st.violations {
		t.Errorf("linearizability violation: %s", v)
	}
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
	refused []refusedWrite // writes that failed without ErrAmbiguous
}

// refusedWrite is a write whose call failed without ErrAmbiguous: by the
// contract, it never takes effect.
type refusedWrite struct {
	tag  int64
	desc string
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
	var bursts sync.WaitGroup // the calls of burst, started by the injector
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
	clientsDone := make(chan struct{})
	go func() { wg.Wait(); close(clientsDone) }()
	// The watchdog cancels every call past its limit, so the clients end
	// within the longest limit; beyond that something ignores its context.
	select {
	case <-clientsDone:
	case <-time.After(openCallHang + callTimeout + hangGrace + 5*time.Second):
		h.fail("clients did not stop: a call ignores its cancelled context (goroutines: %s)", dumpGoroutines())
	}
	select {
	case <-injected:
	case <-time.After(30 * time.Second):
		h.fail("the fault injector did not stop (a Close or a reopen hangs)")
	}
	burstsDone := make(chan struct{})
	go func() { bursts.Wait(); close(burstsDone) }()
	select {
	case <-burstsDone:
	case <-time.After(openCallHang + 5*time.Second):
		h.fail("the calls without deadline sent to closing nodes did not stop: one ignores its cancelled context")
	}
	<-wdDone
	fin := finalReads(c, h)
	var lost map[[2]int64]porcupine.Operation // writes the log shows never committed
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
	if fin.ok {
		committed, maybe, ok, err := logOutcomes(c.dirs[fin.node], fin)
		switch {
		case err != nil:
			h.fail("reading the final leader's log: %v", err)
		case ok:
			var won int
			ops, won, lost = resolve(ops, committed, maybe, fin.ret)
			st.resolved += won + len(lost)
			h.counts.unknown -= won + len(lost)
			for _, v := range refusedCommitted(h.refused, committed) {
				st.violations = append(st.violations, fmt.Sprintf("history %d (%d nodes, seed %d): %s", idx, n, seed, v))
			}
		}
	}
	st.histories++
	st.byNodes[n]++
	for _, op := range ops {
		st.ops[op.Input.(regInput).kind]++
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
		path := "(not written: 10 already were)"
		out, err := os.MkdirTemp("", "flatseg-robust-")
		if err == nil && len(st.violations) < 10 {
			path = filepath.Join(out, fmt.Sprintf("history%d-nodes%d-seed%d.html", idx, n, seed))
			if err := porcupine.VisualizePath(registerModel, info, path); err != nil {
				path = fmt.Sprintf("(writing %s failed: %v)", path, err)
			}
		}
		desc, classes := culprit(ops, h.faults, lost)
		// Dirty reads hide what comes after them on their key: check
		// again without them.
		clean := slices.DeleteFunc(slices.Clone(ops), func(op porcupine.Operation) bool {
			in, out := op.Input.(regInput), op.Output.(regOutput)
			_, dirty := lost[[2]int64{in.key, out.value}]
			return dirty && (in.kind == opRead || in.kind == opBarrier)
		})
		if len(clean) < len(ops) {
			if porcupine.CheckOperationsTimeout(registerModel, clean, checkTimeout) == porcupine.Illegal {
				d, cs := culprit(clean, h.faults, lost)
				desc += fmt.Sprintf("; without its %d dirty reads, still %s", len(ops)-len(clean), d)
				classes = append(classes, cs...)
			} else {
				desc += fmt.Sprintf("; linearizable without its %d dirty reads", len(ops)-len(clean))
			}
		}
		for _, c := range classes {
			st.classes[c]++
		}
		st.violations = append(st.violations, fmt.Sprintf("history %d (%d nodes, seed %d, %d ops, faults %s): %s; visualisation %s",
			idx, n, seed, len(ops), faultList(h.faults), desc, path))
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
// linearizable (writes and read-modify-writes alone, then with read-only
// Updates, then with Barrier reads) and, for each key that fails, the first
// op that porcupine's longest partial linearization cannot take, with the
// state the register had there and the faults under way.
func culprit(ops []porcupine.Operation, faults []porcupine.Annotation, lost map[[2]int64]porcupine.Operation) (desc string, classes []string) {
	for _, kinds := range [][]opKind{{opWrite, opRMW}, {opWrite, opRMW, opRead}, {opWrite, opRMW, opBarrier}, {opWrite, opRMW, opRead, opBarrier}} {
		sub := slices.DeleteFunc(slices.Clone(ops), func(op porcupine.Operation) bool {
			return !slices.Contains(kinds, op.Input.(regInput).kind)
		})
		if porcupine.CheckOperationsTimeout(registerModel, sub, checkTimeout) != porcupine.Illegal {
			continue
		}
		var names, keys []string
		for _, k := range kinds {
			names = append(names, opNames[k])
		}
		for _, part := range registerModel.Partition(sub) {
			res, info := porcupine.CheckOperationsVerbose(registerModel, part, checkTimeout)
			if res == porcupine.Illegal {
				d, c := firstStuck(part, info, faults, lost)
				keys, classes = append(keys, d), append(classes, c)
			}
		}
		return fmt.Sprintf("illegal with %s ops: %s", strings.Join(names, "+"), strings.Join(keys, "; ")), classes
	}
	return "illegal, but no subset of kinds is", []string{"other"}
}

// firstStuck describes, for one key's history, the op that returns first
// among those porcupine's longest partial linearization leaves out.
func firstStuck(part []porcupine.Operation, info porcupine.LinearizationInfo, faults []porcupine.Annotation, lost map[[2]int64]porcupine.Operation) (desc, class string) {
	key := part[0].Input.(regInput).key
	var longest []porcupine.Operation
	for _, parts := range info.PartialLinearizationsOperations() {
		for _, l := range parts {
			if len(l) > len(longest) {
				longest = l
			}
		}
	}
	in := map[porcupine.Operation]bool{}
	state := registerModel.Init()
	for _, op := range longest {
		in[op] = true
		_, state = registerModel.Step(state, op.Input, op.Output)
	}
	var stuck *porcupine.Operation
	for i, op := range part {
		if !in[op] && (stuck == nil || op.Return < stuck.Return) {
			stuck = &part[i]
		}
	}
	if stuck == nil {
		return fmt.Sprintf("key %d", key), "other"
	}
	var under []string
	for _, f := range faults {
		if f.Start <= stuck.Return && stuck.Call <= f.End {
			under = append(under, f.Description)
		}
	}
	during := "no fault under way"
	if len(under) > 0 {
		during = "during " + strings.Join(under, " + ")
	}
	// Who wrote the value a stuck read saw, and the value the register held.
	// Who wrote the value a stuck read saw, and the value the register held.
	writer := func(v int64) (string, *porcupine.Operation, bool) {
		if v == 0 {
			return "the initial value", nil, false
		}
		if op, ok := lost[[2]int64{key, v}]; ok {
			return fmt.Sprintf("%s at [%s, -] (%s), which never committed", describe(op), ms(op.Call), op.Metadata), &op, true
		}
		for i, op := range part {
			in := op.Input.(regInput)
			if (in.kind == opWrite || in.kind == opRMW) && in.written(op.Output.(regOutput)) == v {
				return fmt.Sprintf("%s at [%s, %s] (%s)", describe(op), ms(op.Call), ms(op.Return), op.Metadata), &part[i], false
			}
		}
		return "no op", nil, false
	}
	why := ""
	kind := stuck.Input.(regInput).kind
	class = opNames[kind] + " other"
	if kind == opRead || kind == opBarrier {
		readDesc, readOp, dirty := writer(stuck.Output.(regOutput).value)
		heldDesc, heldOp, _ := writer(state.(int64))
		why = fmt.Sprintf("; it read the value of %s; the register held that of %s", readDesc, heldDesc)
		switch {
		case dirty:
			class = opNames[kind] + " dirty (saw a write that never committed)"
		case heldOp != nil && (readOp == nil || heldOp.Call > readOp.Return) && heldOp.Return < stuck.Call:
			class = opNames[kind] + " stale (missed a write acknowledged before it began)"
		}
	}
	return fmt.Sprintf("key %d: %s at [%s, %s] (%s, %s) after %d ops linearized with the register at %v%s",
		key, describe(*stuck), ms(stuck.Call), ms(stuck.Return), stuck.Metadata, during, len(longest), state, why), class
}

func describe(op porcupine.Operation) string {
	return registerModel.DescribeOperation(op.Input, op.Output)
}

// ms formats a history timestamp; the end of time is "-".
func ms(ns int64) string {
	if ns == math.MaxInt64 {
		return "-"
	}
	return fmt.Sprintf("%.1fms", float64(ns)/1e6)
}

// runClient issues calls until stop, bound to a random node; after a call
// the node refused it moves, now and then, to the leader or to another
// random node.
func runClient(c *faultCluster, h *history, wd *watchdog, cl int, seed uint64, writeSeq *atomic.Int64, stop <-chan struct{}) {
	r := rand.New(rand.NewPCG(seed, uint64(cl)+100))
	bound := r.IntN(len(c.ids))
	var ops []porcupine.Operation
	var counts robustStats
	var refused []refusedWrite
	defer func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.ops = append(h.ops, ops...)
		h.refused = append(h.refused, refused...)
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
		if c.readsOnly.Load() == int32(bound)+1 {
			// The deposed leader's clients: half of them go on reading
			// there, the others move to the new leader once there is one.
			if l := c.newestLeader(); cl%2 == 1 && l >= 0 && l != bound {
				bound = l
				continue
			}
			kind = opRead
			time.Sleep(time.Millisecond) // local reads are cheap: keep them from flooding the history
		}
		key := r.Int64N(robustKeys)
		var (
			ctx    context.Context
			cancel context.CancelFunc
			limit  time.Time
		)
		switch r.IntN(10) {
		case 0:
			// No deadline: only the node's own contract (leadership
			// lost, Close) ends the call.
			ctx, cancel = context.WithCancel(context.Background())
			limit = time.Now().Add(openCallHang)
		case 1:
			// A deadline that often ends the call while it waits: in the
			// queue, for its turn, or for its entry. Which of these is
			// ErrAmbiguous is what the history checks.
			d := time.Duration(1+r.IntN(3000)) * 10 * time.Microsecond
			ctx, cancel = context.WithTimeout(context.Background(), d)
			limit = time.Now().Add(d + hangGrace)
		default:
			ctx, cancel = context.WithTimeout(context.Background(), callTimeout)
			limit = time.Now().Add(callTimeout + hangGrace)
		}
		in := regInput{kind: kind, key: key}
		if kind == opWrite || kind == opRMW {
			in.tag = writeSeq.Add(1)
		}
		id := wd.add(limit, cancel, fmt.Sprintf("client %d: %s(%d) on node %d", cl, opNames[kind], key, bound))
		call := h.now()
		var (
			err  error
			read int64 // what fn or the Barrier's snapshot read
		)
		switch kind {
		case opWrite, opRMW, opRead:
			// fn runs on this goroutine, during the call, or never.
			_, err = n.Update(ctx, func(tx *flatseg.Txn[int64, int64]) error {
				seg, _ := tx.Search(key)
				read = seg.Value
				switch kind {
				case opWrite:
					_, err := tx.Insert(key, key+1, in.tag)
					return err
				case opRMW:
					_, err := tx.Insert(key, key+1, rmwValue(seg.Value, in.tag))
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
		meta := fmt.Sprintf("client %d on node %d", cl, bound)
		if err != nil {
			meta += ": " + err.Error() // for the visualisation only
		}
		write := kind == opWrite || kind == opRMW
		ambiguous := errors.Is(err, ErrAmbiguous)
		op := porcupine.Operation{ClientId: cl, Input: in, Call: call, Return: ret, Metadata: meta}
		switch {
		case err == nil && kind == opWrite:
			op.Output = regOutput{}
		case err == nil:
			op.Output = regOutput{value: read}
		case write && ambiguous:
			// read is what fn read: an ambiguous write's fn ran (if it
			// did not, the RMW's value is one nobody wrote, and the op
			// stays pending without effect).
			op.Output = regOutput{value: read, unknown: true}
			op.Return = math.MaxInt64
			counts.unknown++
		default:
			// A read that failed, or a write that failed without
			// ErrAmbiguous: no effect.
			if ambiguous {
				h.fail("%s(%d) by client %d on node %d has no write, but failed with ErrAmbiguous: %v", opNames[kind], key, cl, bound, err)
			}
			if write {
				refused = append(refused, refusedWrite{tag: in.tag, desc: fmt.Sprintf("%s(%d) tag %d by client %d on node %d: %v", opNames[kind], key, in.tag, cl, bound, err)})
			}
			counts.refused++
			if errors.Is(err, ErrNotLeader) || errors.Is(err, ErrClosed) {
				// Refused: like a real client, follow the leader now and
				// then, or try another node.
				time.Sleep(2 * time.Millisecond)
				switch r.IntN(4) {
				case 0:
					bound = r.IntN(len(c.ids))
				case 1, 2:
					if l := c.newestLeader(); l >= 0 {
						bound = l
					}
				}
			}
			continue
		}
		ops = append(ops, op)
		counts.ops[kind]++
	}
}

// robustFaults returns the kinds of fault to inject: all, or those
// FLATSEG_ROBUST_FAULTS lists (comma-separated names, such as
// "depose-slow-leader,restart"), to chase one defect.
func robustFaults() []faultKind {
	env := os.Getenv("FLATSEG_ROBUST_FAULTS")
	var kinds []faultKind
	for k := range faultKinds {
		if env == "" || slices.Contains(strings.Split(env, ","), faultNames[k]) {
			kinds = append(kinds, k)
		}
	}
	if len(kinds) == 0 {
		panic(fmt.Sprintf("FLATSEG_ROBUST_FAULTS=%q names no fault; the faults are %v", env, faultNames))
	}
	return kinds
}

// injectFaults injects faults one after the other until stop, healing the
// cluster between them. The first fault of history idx is of kind idx mod
// the number of kinds, so that short runs meet the sharpest ones.
func injectFaults(c *faultCluster, h *history, wd *watchdog, calls *sync.WaitGroup, idx int, seed uint64, stop <-chan struct{}) {
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
	kinds := robustFaults()
	for i := 0; ; i++ {
		kind := kinds[r.IntN(len(kinds))]
		if i == 0 {
			kind = kinds[idx%len(kinds)]
		}
		start := h.now()
		desc := injectFault(c, h, wd, calls, r, kind, stop)
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

// burstSize is the number of writes without deadline started on a node
// just before it closes, each in its own goroutine: every one must return
// (ErrClosed or its outcome) within openCallHang. They write keys
// burstKey and above, outside the checked registers: they are there for
// the race with Close, not for the history.
const (
	burstSize = 600
	burstKey  = 1000
)

// burst starts the burstSize writes on node i, in goroutines that calls
// tracks, and gives them a millisecond to start.
func burst(n *Node[int64, int64], i int, wd *watchdog, calls *sync.WaitGroup) {
	for j := range burstSize {
		key := int64(burstKey + j)
		calls.Go(func() {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			id := wd.add(time.Now().Add(openCallHang), cancel, fmt.Sprintf("write(%d) without deadline on node %d as it closes", key, i))
			defer wd.done(id)
			_, _ = n.Update(ctx, func(tx *flatseg.Txn[int64, int64]) error {
				_, err := tx.Insert(key, key+1, 1)
				return err
			})
		})
	}
	time.Sleep(time.Millisecond)
}

// injectFault applies one fault, holds it, and returns its description;
// the caller heals the network.
func injectFault(c *faultCluster, h *history, wd *watchdog, calls *sync.WaitGroup, r *rand.Rand, kind faultKind, stop <-chan struct{}) string {
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
		// Its clients only run read-only Updates while it is cut off: one
		// write would hold its proposer until its lease ends, and the reads
		// behind it, and a Barrier its client. They switch first, and the
		// writes under way commit, then it is cut.
		c.readsOnly.Store(int32(c.slow) + 1)
		hold(50 * time.Millisecond)
		c.isolate(c.slow)
		hold(time.Duration(300+r.IntN(300)) * time.Millisecond)
		c.readsOnly.Store(0)
		return fmt.Sprintf("%s: node %d isolated (leading: %v)", faultNames[kind], c.slow, led)
	case faultRestart:
		i := r.IntN(len(c.ids))
		if r.IntN(4) != 0 { // mostly the leader, where the burst of writes races Close
			if l := c.leader(); l >= 0 {
				i = l
			}
		}
		if n := c.node(i); n != nil {
			burst(n, i, wd, calls)
		}
		closed := make(chan error, 1)
		go func() { closed <- c.stop(i) }()
		select {
		case err := <-closed:
			if err != nil {
				h.fail("closing node %d: %v", i, err)
			}
		case <-time.After(10 * time.Second):
			h.fail("closing node %d did not return within 10s (goroutines: %s)", i, dumpGoroutines())
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
func finalReads(c *faultCluster, h *history) (fin finalRead) {
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
		fin = finalRead{node: l, applied: n.Raft().AppliedIndex(), ret: ret, ok: true}
		h.mu.Lock()
		for k := range int64(robustKeys) {
			seg, _ := sn.Search(k)
			h.ops = append(h.ops, porcupine.Operation{
				ClientId: h.clients, Input: regInput{kind: opBarrier, key: k},
				Output: regOutput{value: seg.Value}, Call: call, Return: ret,
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
		return fin
	}
	h.fail("no Barrier succeeded on a leader within %v of healing", waitFor)
	return fin
}

// finalRead is where the final Barrier succeeded: on which node, the
// index it had applied (every entry up to it is committed), and when.
type finalRead struct {
	node    int
	applied uint64
	ret     int64
	ok      bool
}

// logOutcomes reads the log of the node that made the final read, after
// the cluster closed, and returns the (key, value) pairs written by the
// entries up to the index it had applied (committed) and by the entries
// after it (maybe committed). A write of a pair in neither never committed:
// raft's leader holds every committed entry. It returns ok false when the
// log does not start at index 1 (compacted), and tells nothing then.
func logOutcomes(dir string, fin finalRead) (committed, maybe map[[2]int64]bool, ok bool, err error) {
	bolt, err := raftboltdb.NewBoltStore(filepath.Join(dir, "raft.db"))
	if err != nil {
		return nil, nil, false, err
	}
	defer bolt.Close()
	first, err := bolt.FirstIndex()
	if err != nil || first > 1 {
		return nil, nil, false, err
	}
	last, err := bolt.LastIndex()
	if err != nil {
		return nil, nil, false, err
	}
	committed, maybe = map[[2]int64]bool{}, map[[2]int64]bool{}
	for i := first; i <= last && i > 0; i++ {
		var l raft.Log
		if err := bolt.GetLog(i, &l); err != nil {
			return nil, nil, false, fmt.Errorf("log entry %d: %w", i, err)
		}
		if l.Type != raft.LogCommand {
			continue
		}
		txns, err := decodeEntry[int64, int64](l.Data, fst.NumberCodec[int64]())
		if err != nil {
			return nil, nil, false, fmt.Errorf("log entry %d: %w", i, err)
		}
		into := committed
		if i > fin.applied {
			into = maybe
		}
		for _, tx := range txns {
			for _, op := range tx.batch.All() {
				if op.Kind == fst.OpInsert && op.End == op.Start+1 {
					into[[2]int64{op.Start, op.Value}] = true
				}
			}
		}
	}
	return committed, maybe, true, nil
}

// resolve settles the writes of unknown outcome that the final leader's
// log decides: one in a committed entry took effect before the final read
// returned; one in no entry never took effect and leaves the history.
// It returns the history and how many it found committed and lost.
func resolve(ops []porcupine.Operation, committed, maybe map[[2]int64]bool, finalRet int64) (out []porcupine.Operation, won int, lost map[[2]int64]porcupine.Operation) {
	out = ops[:0]
	lost = map[[2]int64]porcupine.Operation{}
	for _, op := range ops {
		in, o := op.Input.(regInput), op.Output.(regOutput)
		if o.unknown {
			pair := [2]int64{in.key, in.written(o)}
			switch {
			case committed[pair]:
				o.unknown = false
				op.Output, op.Return = o, max(finalRet, op.Call)
				won++
			case !maybe[pair]:
				lost[pair] = op
				continue
			}
		}
		out = append(out, op)
	}
	return out, won, lost
}

// refusedCommitted returns the writes that failed without ErrAmbiguous
// whose value is in a committed entry: each broke the contract. A value's
// low tagBits bits are the tag of the call that wrote it.
func refusedCommitted(refused []refusedWrite, committed map[[2]int64]bool) []string {
	byTag := map[int64]string{}
	for _, r := range refused {
		byTag[r.tag] = r.desc
	}
	var out []string
	for pair := range committed {
		if pair[0] >= robustKeys {
			continue // the bursts' writes
		}
		if desc, ok := byTag[pair[1]&(1<<tagBits-1)]; ok {
			out = append(out, fmt.Sprintf("%s failed without ErrAmbiguous, but key %d = %d is committed", desc, pair[0], pair[1]))
		}
	}
	slices.Sort(out)
	return out
}

// dumpGoroutines writes the stacks of every goroutine to a file kept after
// the test, and returns its path, to show where a call is stuck.
func dumpGoroutines() string {
	buf := make([]byte, 64<<20)
	buf = buf[:runtime.Stack(buf, true)]
	f, err := os.CreateTemp("", "flatseg-robust-stacks-*.txt")
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	if _, err := f.Write(buf); err != nil {
		return err.Error()
	}
	return f.Name()
}
