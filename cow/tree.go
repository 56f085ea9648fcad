package cow

import (
	"errors"
	"fmt"
)

// Number is the set of key types: integers and floats. Integer keys are
// stored relative to per-node origins, so that a shift costs O(log n);
// float keys are stored as they are (see Tree).
type Number interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64 | ~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~float32 | ~float64
}

// ErrUnsorted is returned by Build when its keys are not strictly increasing.
var ErrUnsorted = errors.New("cow: keys not strictly increasing")

// Tree is a persistent B+tree map from K to V with unique keys.
//
// # Copy on write
//
// A Tree owns the nodes it created since its last Clone or Freeze and writes
// those in place; every other node is shared with other versions and is copied
// (with the path above it) before it is changed. A batch of writes therefore
// copies each node at most once, and a node reachable from any other version
// is never written again.
//
// # Keys
//
// For integer K, each node stores its keys relative to its own smallest key,
// and the parent stores that smallest key relative to the parent's; adding a
// constant to every key at or above a position (Shift) then changes O(log n)
// separators. Integer arithmetic wraps in Go, so a relative key converts back
// to the exact absolute key as long as the absolute key is representable.
// Floats cannot do this exactly ((k-o)+o may differ from k), so float keys are
// stored absolute and Shift rewrites every key it moves, O(n) like mdds.
//
// # Concurrency
//
// The zero Tree is an empty tree ready to use. Reads (Get, Floor, Lower,
// iterators, Len, Verify, Clone) never write to the tree or its nodes, so any
// number of goroutines may read one Tree at once, as long as nobody writes
// it. Writes need exclusive access to the Tree value. Clone and Freeze are
// O(1); after Freeze, or on the clone, the next write starts with a fresh
// owner token and copies what it changes.
type Tree[K Number, V any] struct {
	root   ptr // nil when empty
	height int // 0: root is a leaf
	length int
	base   K // origin of the root: the smallest key in relative mode, 0 in absolute mode
	owner  *owner
}

// New returns an empty tree. It is the same as new(Tree[K, V]).
func New[K Number, V any]() *Tree[K, V] { return new(Tree[K, V]) }

// absolute reports whether keys of type K are stored as they are (floats).
// It is a constant for each instantiation.
func absolute[K Number]() bool {
	var half K = 1
	half /= 2
	return half != 0
}

// Len returns the number of entries. O(1).
func (t *Tree[K, V]) Len() int { return t.length }

// Height returns the number of inner levels above the leaves (0 for a tree
// that is a single leaf). O(1).
func (t *Tree[K, V]) Height() int { return t.height }

// Clone returns a tree with the same content in O(1) and one allocation.
// Writes to either tree never show in the other. Clone does not write to the
// receiver: when the receiver holds a writer token it marks that token shared
// (one atomic store) and the receiver takes a fresh token on its next write,
// so concurrent Clones of one tree are safe.
func (t *Tree[K, V]) Clone() *Tree[K, V] {
	c := t.Fork()
	return &c
}

// Fork is Clone returning the new tree by value, for types that embed a Tree
// and want their own clone to stay one allocation.
func (t *Tree[K, V]) Fork() Tree[K, V] {
	if o := t.owner; o != nil {
		o.shared.Store(true)
	}
	return Tree[K, V]{root: t.root, height: t.height, length: t.length, base: t.base}
}

// Freeze retires the tree's writer token in O(1): no node reachable from the
// tree is written again, and a later write to the tree copies what it changes.
// Freeze is what a transaction does before publishing its tree.
func (t *Tree[K, V]) Freeze() { t.owner = nil }

// writer returns the token the next write uses, taking a fresh one when the
// tree has none or its token is shared with a clone.
func (t *Tree[K, V]) writer() *owner {
	if t.owner == nil || t.owner.shared.Load() {
		t.owner = new(owner)
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

// rootOrigin is the origin of the root node.
func (t *Tree[K, V]) rootOrigin() K { return t.base }

// Entry is one key and its value.
type Entry[K Number, V any] struct {
	Key   K
	Value V
}

// Found is the result of a positional lookup: the entry found and the key of
// the entry after it, when there is one.
type Found[K Number, V any] struct {
	Entry[K, V]
	Next    K
	HasNext bool
}

// Floor returns the entry with the greatest key <= k and the key after it.
// O(log n), no allocation.
func (t *Tree[K, V]) Floor(k K) (Found[K, V], bool) { return t.find(k, false) }

// Lower returns the entry with the greatest key < k and the key after it.
// O(log n), no allocation.
func (t *Tree[K, V]) Lower(k K) (Found[K, V], bool) { return t.find(k, true) }

// Get returns the value stored at exactly k. O(log n), no allocation.
func (t *Tree[K, V]) Get(k K) (V, bool) {
	f, ok := t.find(k, false)
	if !ok || f.Key != k {
		var zero V
		return zero, false
	}
	return f.Value, true
}

func (t *Tree[K, V]) find(k K, strict bool) (Found[K, V], bool) {
	var f Found[K, V]
	if t.root == nil {
		return f, false
	}
	p, origin := t.root, t.rootOrigin()
	for h := t.height; h > 0; h-- {
		in := asInner[K](p)
		i := in.floorIndex(origin, k, strict)
		if i < 0 {
			return f, false
		}
		if i+1 < in.n {
			f.Next, f.HasNext = origin+in.keys[i+1], true
		}
		origin = childOrigin(origin, in.keys[i])
		p = in.p[i]
	}
	lf := asLeaf[K, V](p)
	i := lf.floorIndex(origin, k, strict)
	if i < 0 {
		return f, false
	}
	f.Key, f.Value = origin+lf.keys[i], lf.p[i]
	if i+1 < lf.n {
		f.Next, f.HasNext = origin+lf.keys[i+1], true
	}
	return f, true
}

// Min returns the entry with the smallest key. O(log n).
func (t *Tree[K, V]) Min() (Entry[K, V], bool) {
	if t.root == nil {
		return Entry[K, V]{}, false
	}
	p, origin := t.root, t.rootOrigin()
	for h := t.height; h > 0; h-- {
		in := asInner[K](p)
		origin = childOrigin(origin, in.keys[0])
		p = in.p[0]
	}
	lf := asLeaf[K, V](p)
	return Entry[K, V]{origin + lf.keys[0], lf.p[0]}, true
}

// Max returns the entry with the greatest key. O(log n).
func (t *Tree[K, V]) Max() (Entry[K, V], bool) {
	if t.root == nil {
		return Entry[K, V]{}, false
	}
	p, origin := t.root, t.rootOrigin()
	for h := t.height; h > 0; h-- {
		in := asInner[K](p)
		k, c := in.last()
		origin = childOrigin(origin, k)
		p = c
	}
	lf := asLeaf[K, V](p)
	k, v := lf.last()
	return Entry[K, V]{origin + k, v}, true
}

// Build returns a tree holding keys[i] -> vals[i], in O(n). The keys must be
// strictly increasing. Nodes are filled to three quarters, so that the first
// writes after a build find room in their leaf instead of splitting every
// node up to the root.
func Build[K Number, V any](keys []K, vals []V) (*Tree[K, V], error) {
	if len(keys) != len(vals) {
		return nil, fmt.Errorf("cow: Build: %d keys but %d values", len(keys), len(vals))
	}
	for i := 1; i < len(keys); i++ {
		if !(keys[i-1] < keys[i]) {
			return nil, fmt.Errorf("%w: keys[%d]=%v, keys[%d]=%v", ErrUnsorted, i-1, keys[i-1], i, keys[i])
		}
	}
	t := new(Tree[K, V])
	if len(keys) == 0 {
		return t, nil
	}
	o := t.writer()
	// Each level is a list of nodes and their absolute smallest keys: the
	// leaves from the input, then each level from the one below.
	level, mins := pack(o, keys, vals)
	for len(level) > 1 {
		level, mins = pack(o, mins, level)
		t.height++
	}
	t.root, t.length = level[0], len(keys)
	if !absolute[K]() {
		t.base = mins[0]
	}
	return t, nil
}

// pack puts keys[i] -> payload[i] into as few nodes as chunks allows, each
// normalised to its own origin, and returns the nodes with their smallest
// keys in the frame the keys were given in.
func pack[K Number, P any](o *owner, keys []K, payload []P) ([]ptr, []K) {
	rs := chunks(len(keys))
	nodes, mins := make([]ptr, 0, len(rs)), make([]K, 0, len(rs))
	for _, r := range rs {
		nd := newNode[K, P](o)
		nd.n = r[1] - r[0]
		copy(nd.keys[:], keys[r[0]:r[1]])
		copy(nd.p[:], payload[r[0]:r[1]])
		mins = append(mins, normalize(nd))
		nodes = append(nodes, nd.ptr())
	}
	return nodes, mins
}

// chunks splits n items into runs of at most 3/4 of the fanout, as even as
// possible, so that every run holds at least minFill items when there is more
// than one.
func chunks(n int) [][2]int {
	fill := max(fanoutNow()*3/4, minFill()+1)
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

// normalize makes nd's keys relative to its first key and returns that key
// in the frame the keys were in. In absolute mode it changes nothing.
func normalize[K Number, P any](nd *node[K, P]) K {
	d := nd.keys[0]
	if !absolute[K]() && d != 0 {
		nd.addKeys(0, nd.n, -d)
	}
	return d
}
