package cow

import (
	"errors"
	"fmt"
	"unsafe"

	"github.com/flatseg/flatseg/internal/num"
)

// Number is the set of key types: integers and floats. Integer keys are
// stored relative to per-node origins, so that a shift costs O(log n);
// float keys are stored as they are (see Tree).
type Number = num.Number

// ErrUnsorted is returned by Build when its keys are not strictly increasing.
var ErrUnsorted = errors.New("cow: keys not strictly increasing")

// Tree is a persistent B+tree map from K to V with unique keys, keeping in
// each inner node a summary of type M per child (see Measure). A tree
// without summaries is the instantiation with the zero-size M struct{}: its
// inner slots are bare child pointers, so it is laid out as a B+tree with no
// summaries at all.
//
// # Copy on write
//
// A Tree owns the nodes it created since its last Clone or Freeze and writes
// those in place; every other node is shared with other versions and is copied
// (with the path above it) before it is changed. A batch of writes therefore
// copies each node at most once, and a node reachable from any other version
// is never written again. A write that changes nothing copies nothing.
//
// # Keys
//
// For integer K, each node stores its keys relative to its own smallest key,
// and the parent stores that smallest key relative to the parent's; adding a
// constant to every key at or above a position (Shift) then changes O(log n)
// separators. Integer arithmetic wraps in Go, so a relative key converts back
// to the exact absolute key as long as the absolute key is representable.
// Floats cannot do this exactly ((k-o)+o may differ from k), so float keys are
// stored absolute and Shift rewrites every key it moves, O(n).
//
// # Summaries
//
// The tree never stores its Measure: Settle, the queries (Measure, Seek,
// SeekBackward) and Verify take it as an argument, and the caller (package
// fst, which keeps it with the tree's other fixed properties) passes the
// same one every time. Writes (Set, Delete, DeleteRange, Shift, and Builder)
// leave the summaries of the nodes they change stale, marked dirty; Settle
// recomputes them. Between a write and Settle, only writes may run: no
// query, Clone or Freeze.
//
// # Concurrency and lifetime
//
// The zero Tree is an empty tree ready to use. Reads (Get, Floor, Lower,
// Interval, the iterators, Len, Verify, Clone, Diff, the queries) never
// write to the tree or its nodes, so any number of goroutines may read one
// Tree at once, as long as nobody writes it. Writes need exclusive access to
// the Tree value. Clone and Freeze are O(1); after Freeze, or on the clone,
// the next write starts with a fresh owner token and copies what it
// changes. A Tree must not be copied by value (use Clone).
type Tree[K Number, V, M any] struct {
	root   ptr // nil when empty
	base   K   // origin of the root: the smallest key in relative mode, 0 in absolute mode
	owner  *owner
	length int
	levels int32 // inner levels above the leaves: 0 when root is a leaf
	slack  uint8 // maxFanout minus the logical fanout: 0, so the zero Tree has full nodes
}

// fanout is the most entries a node of t holds; minFill the fewest a
// non-root node holds.
func (t *Tree[K, V, M]) fanout() int  { return maxFanout - int(t.slack) }
func (t *Tree[K, V, M]) minFill() int { return t.fanout() / 2 }

// absolute reports whether keys of type K are stored as they are: floats.
// It is a constant for each instantiation.
func absolute[K Number]() bool { return num.IsFloat[K]() }

// Len returns the number of entries. O(1).
func (t *Tree[K, V, M]) Len() int { return t.length }

// Clone returns a tree with the same content in O(1) and one allocation
// (none when the caller stores it by value and the call inlines).
// Writes to either tree never show in the other. Clone does not write to the
// receiver: when the receiver holds a writer token it marks that token shared
// (one atomic store) and the receiver takes a fresh token on its next write,
// so concurrent Clones of one tree are safe.
func (t *Tree[K, V, M]) Clone() *Tree[K, V, M] {
	if o := t.owner; o != nil {
		o.share()
	}
	c := *t
	c.owner = nil
	return &c
}

// Clear removes every entry in O(1), keeping the tree's settings. Other
// versions sharing nodes with t are not affected.
func (t *Tree[K, V, M]) Clear() {
	var m M
	if unsafe.Sizeof(m) != 0 {
		t.writer() // start the undo log: the next Settle may have to put the entries back
	} else if o := t.owner; o != nil && !o.marks() {
		o.plain().tail = nil // the last leaf it kept is gone with the entries
	}
	t.root, t.levels, t.length, t.base = nil, 0, 0, 0
}

// Freeze retires the tree's writer token in O(1): no node reachable from the
// tree is written again, and a later write to the tree copies what it changes.
// Freeze is what a transaction does before publishing its tree.
func (t *Tree[K, V, M]) Freeze() { t.owner = nil }

// writer returns the token the next write uses, taking a fresh one when the
// tree has none or its token is shared with a clone.
func (t *Tree[K, V, M]) writer() *owner {
	if t.owner == nil || t.owner.shared() {
		t.owner = newOwner[M]()
	}
	if t.owner.marks() {
		t.begin(t.owner) // an undo log until the next Settle (undo.go)
	} else {
		t.owner.plain().tail = nil // this write may move the last leaf; an append keeps it again (splice)
	}
	return t.owner
}

// childOrigin returns the origin of the child whose separator is sep in a
// node with the given origin.
func childOrigin[K Number](origin, sep K) K {
	if absolute[K]() {
		return origin
	}
	return origin + sep
}

// Interval is what [Tree.Interval] returns: reading the map's keys as the
// starts of consecutive half-open intervals, the interval [Start, End) that
// holds a key, and the value stored at Start.
type Interval[K Number, V any] struct {
	Start, End K
	Value      V
	// Open reports that no entry follows Start: the interval is unbounded
	// above and End is unset.
	Open bool
}

// Interval returns the interval holding k: the entry with the greatest key
// <= k and the key of the entry after it, found in one descent. It is the
// lookup of a range map stored as an ordered map of range starts. It
// reports false when every key is above k. O(log n), no allocation.
func (t *Tree[K, V, M]) Interval(k K) (Interval[K, V], bool) { return t.find(k, false) }

// Floor returns the entry with the greatest key <= k. O(log n), no
// allocation.
func (t *Tree[K, V, M]) Floor(k K) (key K, v V, ok bool) {
	iv, ok := t.find(k, false)
	return iv.Start, iv.Value, ok
}

// Lower returns the entry with the greatest key < k. O(log n), no
// allocation.
func (t *Tree[K, V, M]) Lower(k K) (key K, v V, ok bool) {
	iv, ok := t.find(k, true)
	return iv.Start, iv.Value, ok
}

// Get returns the value stored at exactly k. O(log n), no allocation.
func (t *Tree[K, V, M]) Get(k K) (V, bool) {
	iv, ok := t.find(k, false)
	if !ok || iv.Start != k {
		var zero V
		return zero, false
	}
	return iv.Value, true
}

func (t *Tree[K, V, M]) find(k K, strict bool) (Interval[K, V], bool) {
	iv := Interval[K, V]{Open: true}
	if t.root == nil {
		return iv, false
	}
	x := k // the search is for the last key <= x
	if strict {
		var ok bool
		if x, ok = before(k); !ok {
			return iv, false // no key is below the least value of K
		}
	}
	p, origin := t.root, t.base
	for h := int(t.levels); h > 0; h-- {
		in := asInner[K, M](p)
		i := floorLE(&in.keys, in.len(), origin, x, iv.End, !iv.Open)
		if i < 0 {
			return iv, false
		}
		if i+1 < in.len() {
			iv.End, iv.Open = origin+in.keys[i+1], false
		}
		origin = childOrigin(origin, in.keys[i])
		p = in.p[i].p
	}
	lf := asLeaf[K, V](p)
	i := floorLE(&lf.keys, lf.len(), origin, x, iv.End, !iv.Open)
	if i < 0 {
		return iv, false
	}
	iv.Start, iv.Value = origin+lf.keys[i], lf.p[i]
	if i+1 < lf.len() {
		iv.End, iv.Open = origin+lf.keys[i+1], false
	}
	return iv, true
}

// first returns the smallest key; the tree is not empty. O(log n).
func (t *Tree[K, V, M]) first() K {
	p, origin := t.root, t.base
	for h := int(t.levels); h > 0; h-- {
		in := asInner[K, M](p)
		origin = childOrigin(origin, in.keys[0])
		p = in.p[0].p
	}
	return origin + asLeaf[K, V](p).keys[0]
}

// Build makes the empty t hold keys[i] -> vals[i], in O(n). The keys must be
// strictly increasing. Nodes are filled to three quarters, so that the first
// writes after a build find room in their leaf instead of splitting every
// node up to the root.
//
// Build fills the empty tree t (whose fanout may be set) and leaves it
// unsettled: every node is new, so dirty.
func (t *Tree[K, V, M]) Build(keys []K, vals []V) error {
	if len(keys) != len(vals) {
		return fmt.Errorf("cow: Build: %d keys but %d values", len(keys), len(vals))
	}
	for i := 1; i < len(keys); i++ {
		if !(keys[i-1] < keys[i]) {
			return fmt.Errorf("%w: keys[%d]=%v, keys[%d]=%v", ErrUnsorted, i-1, keys[i-1], i, keys[i])
		}
	}
	if len(keys) == 0 {
		return nil
	}
	o := t.writer()
	// Each level is a list of nodes and their absolute smallest keys: the
	// leaves from the input, then each level from the one below.
	// Nodes come back as the slots the level above them holds.
	level, mins := pack[K, V, M](o, leafKind, t.fanout(), keys, vals)
	for len(level) > 1 {
		level, mins = pack[K, slot[M], M](o, innerKind, t.fanout(), mins, level)
		t.levels++
	}
	t.root, t.length = level[0].p, len(keys)
	if !absolute[K]() {
		t.base = mins[0]
	}
	return nil
}

// pack puts keys[i] -> payload[i] into as few nodes as chunks allows, each
// normalised to its own origin, and returns the nodes, as slots of the
// level above (summaries unset), with their smallest keys in the frame the
// keys were given in.
func pack[K Number, P, M any](o *owner, k kind, fanout int, keys []K, payload []P) ([]slot[M], []K) {
	rs := chunks(len(keys), fanout)
	nodes, mins := make([]slot[M], 0, len(rs)), make([]K, 0, len(rs))
	for _, r := range rs {
		nd := newNode[K, P](o, k)
		nd.n = int32(r[1] - r[0])
		copy(nd.keys[:], keys[r[0]:r[1]])
		copy(nd.p[:], payload[r[0]:r[1]])
		mins = append(mins, normalize(nd.head()))
		nodes = append(nodes, slot[M]{p: nd.ptr()})
	}
	return nodes, mins
}

// chunks splits n items into runs of at most 3/4 of the fanout, as even as
// possible, so that every run holds at least fanout/2 items when there is
// more than one.
func chunks(n, fanout int) [][2]int {
	fill := max(fanout*3/4, fanout/2+1)
	c := (n + fill - 1) / fill
	out := make([][2]int, 0, c)
	for i, start := 0, 0; i < c; i++ {
		size := n / c
		if i < n%c {
			size++
		}
		out = append(out, [2]int{start, start + size})
		start += size
	}
	return out
}

// normalize makes the keys of the node at h relative to its first key and
// returns that key in the frame the keys were in. In absolute mode it
// changes nothing.
func normalize[K Number](h *head[K]) K {
	d := h.keys[0]
	if !absolute[K]() && d != 0 {
		addKeys(&h.keys, 0, int(h.n), -d)
	}
	return d
}
