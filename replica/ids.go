package replica

import "sync"

// idWindow is the number of ids a node remembers: the ids of the last
// idWindow transactions applied with one ([MeasuredNode.UpdateOnce]). It is
// part of the replicated state, so it is a constant, the same on every
// node: nodes with different windows would skip different transactions.
const idWindow = 1 << 16

// idTable is the window of the ids applied most recently, in apply order,
// which is the log's order and so the same on every node: adding an id to
// a full window evicts the oldest (FIFO). The FSM adds the ids of the
// transactions it applies, the proposer asks whether an id was applied,
// and raft's snapshots carry the window.
//
// Lookups and adds cost O(1) (amortised for adds); list costs O(1) and
// returns a slice that stays valid and unchanged forever, so that a raft
// snapshot can capture the window while the FSM applies further entries.
// Safe for concurrent use.
type idTable struct {
	mu    sync.RWMutex
	limit int
	order []string // order[start:] are the ids held, oldest first; never written below len(order), which list hands out
	start int
	set   map[string]struct{}
}

func newIDTable(limit int) *idTable {
	return &idTable{limit: limit, set: map[string]struct{}{}}
}

// has reports whether id is in the window.
func (t *idTable) has(id string) bool {
	t.mu.RLock()
	_, ok := t.set[id]
	t.mu.RUnlock()
	return ok
}

// add appends ids, which are not in the window and distinct, evicting the
// oldest beyond the limit.
func (t *idTable) add(ids []string) {
	if len(ids) == 0 {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, id := range ids {
		t.order = append(t.order, id)
		t.set[id] = struct{}{}
		if len(t.set) > t.limit {
			delete(t.set, t.order[t.start])
			t.start++
		}
	}
	if t.start > len(t.order)-t.start {
		// More evicted slots than held ids: copy the held ones to a new
		// array (amortised O(1) per add). The old array stays intact for
		// the lists that hold it.
		t.order = append(make([]string, 0, 2*(len(t.order)-t.start)), t.order[t.start:]...)
		t.start = 0
	}
}

// list returns the ids in the window, oldest first, in O(1). The caller
// must not modify it.
func (t *idTable) list() []string {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.order[t.start:len(t.order):len(t.order)]
}

// reset replaces the window with ids (oldest first, distinct, at most the
// limit), as a snapshot holds them.
func (t *idTable) reset(ids []string) {
	set := make(map[string]struct{}, len(ids))
	for _, id := range ids {
		set[id] = struct{}{}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.order, t.start, t.set = ids, 0, set
}
