package cow

import (
	"fmt"
	"unsafe"

	"sync/atomic"

	"github.com/flatseg/flatseg/internal/num"
)

// owner is a writer's token. A node whose owner is the writer's token was
// created by that writer and is reachable only from its tree, so the writer may
// change it in place; every other node is shared and is copied before a write.
// Nodes record the token's id, not a pointer to it, so that a node holds
// no pointer of its own: a leaf of pointer-free keys and values is then
// allocated, copied and left alone by the garbage collector as plain
// memory. Ids come from one counter and are never reused, so a node can
// never pass for the node of a later token (as it could by address once
// its token was collected).
type owner struct {
	id uint64 // from ownerIDs, never 0
	// flags holds ownerShared, set when a Clone starts sharing the nodes
	// this token owns (the owning tree then takes a fresh token before its
	// next write; atomic, so that Clone never writes to its receiver's
	// fields and may be called from several goroutines at once), and
	// ownerMarks, fixed when the token is made: the writer keeps dirty
	// marks (see header.dirty). Those are the writers of trees whose
	// summaries have a size. A tree without summaries never marks a node,
	// so its nodes are clean, and a tree with summaries may share them
	// (Remeasure) without ever writing to them. A token that marks is the
	// first field of a markingOwner, which also holds the undo log; one
	// that does not is the first field of a plainOwner, which also holds
	// the last leaf the writer keeps.
	flags atomic.Uint32
}

const (
	ownerShared = 1 << iota
	ownerMarks
)

// ownerIDs numbers the tokens: 2⁶⁴ of them outlast any program.
var ownerIDs atomic.Uint64

func (o *owner) shared() bool { return o.flags.Load()&ownerShared != 0 }
func (o *owner) share()       { o.flags.Or(ownerShared) }
func (o *owner) marks() bool  { return o.flags.Load()&ownerMarks != 0 }

// keeping reports whether o may keep its tree's last leaf and write it
// through what it keeps: o marks nothing and no Clone shares it.
func (o *owner) keeping() bool { return o.flags.Load()&(ownerShared|ownerMarks) == 0 }

// markingOwner is the token of a writer that marks: the owner, and the
// writer's *undoLog[K, V, M] (see undo.go), made at its first write.
type markingOwner struct {
	owner
	undo unsafe.Pointer
}

// plainOwner is the token of a writer that marks nothing (a tree without
// summaries): the owner, and the last leaf the writer keeps for appends.
//
// tail is that leaf, or nil, and tailOrigin its origin (a K, in its first
// bytes: see keptOrigin). It is set by the writes that end in the last
// leaf (SpliceLeaf and SpliceLast on the leaf with no bound) once they
// have made every node of the tree's right edge the writer's own, and by
// the uneven split that makes a new last leaf; every other write (writer)
// and Clear clear it. So while it is set and the token is not shared, the
// leaf is the tree's last, and it and every node above it are the
// writer's: the next append finds it with no descent (Tree.LastLeaf) and
// writes it in place with no walk, and there is nothing to mark. A Clone
// shares the token and Freeze drops it, so neither version is written
// through it again.
type plainOwner struct {
	owner
	tail       ptr
	tailOrigin uint64
}

// plain returns the plainOwner of o, a token that does not mark.
func (o *owner) plain() *plainOwner { return (*plainOwner)(unsafe.Pointer(o)) }

// keptTail returns the last leaf the token o (which does not mark) keeps,
// or nil.
func (o *owner) keptTail() ptr { return o.plain().tail }

// keptOrigin returns the origin of the last leaf o keeps, as a K: the
// first bytes of tailOrigin (every Number is at most 8 bytes).
func keptOrigin[K Number](o *owner) *K { return (*K)(unsafe.Pointer(&o.plain().tailOrigin)) }

// keepTail makes o, a token that does not mark, keep the leaf at p, whose
// origin is origin, as its tree's last; nil p keeps nothing.
func keepTail[K Number](o *owner, p ptr, origin K) {
	po := o.plain()
	po.tail = p
	*keptOrigin[K](o) = origin
}

// undoSlot returns where the undo log of the marking writer o is kept.
func (o *owner) undoSlot() *unsafe.Pointer {
	return &(*markingOwner)(unsafe.Pointer(o)).undo // o is the first field of a markingOwner
}

// newOwner returns a fresh writer token for a tree with summaries of type
// M.
func newOwner[M any]() *owner {
	var m M
	if unsafe.Sizeof(m) == 0 {
		po := new(plainOwner)
		po.id = ownerIDs.Add(1)
		return &po.owner
	}
	mo := new(markingOwner)
	mo.id = ownerIDs.Add(1)
	mo.flags.Store(ownerMarks)
	return &mo.owner
}

// kind is what a node holds, stored in its header: values (a leaf,
// node[K, V]) or child slots (an inner node, node[K, slot[M]]). The zero kind
// is no kind, so a node made without one fails the check below.
type kind uint8

const (
	leafKind  kind = 1 + iota // node[K, V]
	innerKind                 // node[K, slot[M]]
)

func (k kind) String() string {
	switch k {
	case leafKind:
		return "leaf"
	case innerKind:
		return "inner"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// header is how every node starts, whatever its kind. It is 16 bytes, as
// the owner and the int count were before the kind was stored: the count
// became an int32 (it is at most maxFanout), and the kind takes one of the
// four bytes that freed, so no node grew (node[int64, int64] is 768 bytes,
// node[int32, int32] 392; TestNode_Size pins them).
type header struct {
	owner uint64 // the id of the token of the writer that made the node
	n     int32  // live entries
	kind  kind
	// dirty marks a node a write changed: its summary (in its parent's
	// slot) is stale until the write settles (see Tree.Settle). Only the
	// writer that owns a node sets or clears it, only in a tree whose
	// summaries have a size (ownerMarks), and package fst settles every
	// write of such a tree before it returns, so no node another version can
	// reach is dirty.
	dirty bool
	// hint says, in a dirty inner node, which of its children may be dirty:
	// none (hintNone), only child hint-1, or any (hintAny), so that a
	// settle reads one child's header instead of every child's. It is set
	// where a child is made writable (markChild) and becomes hintAny
	// whenever the node's slots move.
	hint uint8
}

const (
	hintNone uint8 = 0
	hintAny  uint8 = 0xff
)

// markChild records in the header of a writable inner node that its child
// i is being made writable.
func (h *header) markChild(i int) {
	switch h.hint {
	case hintNone:
		h.hint = uint8(i + 1)
	case uint8(i + 1):
	default:
		h.hint = hintAny
	}
}

// touch marks a node a write is about to change: dirty, and, when it was
// clean, with no dirty child (the children of a clean node are clean).
func (h *header) touch() {
	if !h.dirty {
		h.dirty, h.hint = true, hintNone
	}
}

// node is both node kinds. A leaf is node[K, V]: keys and values. An inner
// node is node[K, slot[M]]: keys[i] is the smallest key below child i,
// p[i].p points to the child (a leaf when the inner node is at height 1, an
// inner node above that) and p[i].m is the child's summary (see Measure; M
// is the empty struct in a tree without summaries, so a slot is just the
// pointer). Writing both kinds as one generic type lets every
// array operation below be written once; the kind in the header says which
// type a pointer to a node may be converted to (asLeaf, asInner), and
// Tree.reshape is the one place that picks the type from it.
//
// Keys are stored relative to the node's origin (see Tree): in relative mode
// the origin of child i is the parent's origin plus keys[i], so keys[0] of
// every non-root node is 0; in absolute mode every origin is 0.
type node[K Number, P any] struct {
	header
	keys [maxFanout]K
	p    [maxFanout]P
}

// head is the part of a node that does not depend on its kind: the header
// and the keys. Every node[K, P] starts with it (the keys follow the
// 16-byte header at the same offset whatever P is), so code that reads or
// moves only keys (separators, normalising) views a node of either kind
// through it without knowing which.
type head[K Number] struct {
	header
	keys [maxFanout]K
}

type ptr = unsafe.Pointer

// slot is an inner node's payload for one child: the child's summary, the
// running summaries of the node's children up to this one (pre: children
// 0..i combined) and from this one on (suf: children i..n-1), and the
// pointer to the child. With pre and suf a walk takes every child left or
// right of its path in one Combine (see fold and Cursor.take). The
// summaries come first: a zero-size M then adds no padding, so a plain
// tree's slot is one pointer, as before summaries.
type slot[M any] struct {
	m, pre, suf M
	p           ptr
}

// asLeaf and asInner give the typed view of a child pointer. The height of
// the level tells which one applies; it is tracked by every walk. Built with
// -tags flatseg_kindcheck (CI's deep and fuzz runs) they check the kind
// stored in the node and panic on a mismatch; in a normal build checkKinds
// is the constant false and the check compiles away.
func asLeaf[K Number, V any](p ptr) *node[K, V] {
	if checkKinds && kindOf(p) != leafKind {
		badKind(p, leafKind)
	}
	return (*node[K, V])(p)
}

func asInner[K Number, M any](p ptr) *node[K, slot[M]] {
	if checkKinds && kindOf(p) != innerKind {
		badKind(p, innerKind)
	}
	return (*node[K, slot[M]])(p)
}

// badKind panics: the node at p was viewed as kind k but is not.
func badKind(p ptr, k kind) {
	panic(fmt.Sprintf("cow: node %p viewed as %v but stored as %v", p, k, kindOf(p)))
}

// kindOf, nodeLen and headOf read any node, whatever its kind.
func kindOf(p ptr) kind               { return (*header)(p).kind }
func nodeLen(p ptr) int               { return int((*header)(p).n) }
func headOf[K Number](p ptr) *head[K] { return (*head[K])(p) }

func (nd *node[K, P]) ptr() ptr       { return ptr(nd) }
func (nd *node[K, P]) head() *head[K] { return (*head[K])(ptr(nd)) }
func (nd *node[K, P]) len() int       { return int(nd.n) }
func (nd *node[K, P]) liveKeys() []K  { return nd.keys[:nd.n] }
func (nd *node[K, P]) livePayload() []P {
	return nd.p[:nd.n]
}

func newNode[K Number, P any](o *owner, k kind) *node[K, P] {
	return &node[K, P]{header: header{owner: o.id, kind: k, dirty: o.marks(), hint: hintAny}}
}

// mutable returns nd itself when o owns it, else a copy owned by o, and
// marks the result dirty: it is about to change. Only
// mutableChild and reshape's stepRoot call it: they store the copy where the
// original was linked, so a copy can never be made and then lost.
func mutable[K Number, P any](nd *node[K, P], o *owner) *node[K, P] {
	if nd.owner == o.id {
		if o.marks() {
			nd.touch()
		}
		return nd
	}
	c := new(node[K, P])
	*c = *nd
	c.owner, c.dirty, c.hint = o.id, o.marks(), hintNone // nd is shared, so clean, and so are its children
	return c
}

// mutableChild makes child i of in (a node of kind P) writable by o,
// copying it when o does not own it, links the result into in, and returns
// it. in must already be writable by o. Every write path goes down the tree
// through it: "make my child writable, then descend".
func mutableChild[K Number, P, M any](in *node[K, slot[M]], i int, o *owner) *node[K, P] {
	c := mutable((*node[K, P])(in.p[i].p), o)
	in.p[i].p = c.ptr()
	if o.marks() {
		in.markChild(i)
	}
	return c
}

// floorIndex returns the index of the last key k with origin+k <= x (or < x
// when strict), or -1. Keys are compared as absolute values because a
// relative key compared with x-origin could wrap around.
func (nd *node[K, P]) floorIndex(origin, x K, strict bool) int {
	if strict {
		var ok bool
		if x, ok = before(x); !ok {
			return -1 // no key is below the least value of K
		}
	}
	return floorLE(&nd.keys, nd.len(), origin, x, x, false)
}

// floorLE returns the index of the last of keys[:n] with origin+k <= x, or
// -1. When bounded, end is an exclusive upper bound of the node's keys that
// the caller knows is above x (the separator after the node in its
// parent); otherwise end is unused and the last key serves as the bound.
//
// It probes first where x would sit if the keys were evenly spread between
// the first key and the bound, and the key after that probe; when the keys
// are close to even (a flat segment tree's boundaries often are) that
// settles the search in two probes of one cache line, and the branches
// that check it are predicted, so the processor goes on to the probed
// child before the check has even loaded. Otherwise the probe has narrowed
// the window, and a binary search finishes it: never more than two probes
// beyond a plain binary search. A bound from the parent saves loading the
// node's last key, a second cache line whose load the probe would wait
// for. An interpolation that wraps around (a span wider than K) only costs
// the shortcut, not correctness.
func floorLE[K Number](keys *[maxFanout]K, n int, origin, x, end K, bounded bool) int {
	if n <= 0 || !(origin+keys[0] <= x) {
		return -1 // keys[0] is above x (or x is NaN), or n is 0
	}
	// The answer is in [0, m), and x < hi.
	m, hi := n, end
	if !bounded {
		hi = origin + keys[n-1]
		if hi <= x {
			return n - 1
		}
		m = n - 1
	}
	first := origin + keys[0]
	g := min(max(int(float64(m)*(float64(x-first)/float64(hi-first))), 0), m-1)
	// keys[a] qualifies; the answer is below b.
	a, b := 0, m
	if origin+keys[g] <= x {
		if g+1 == m || !(origin+keys[g+1] <= x) {
			return g
		}
		a = g + 1
	} else {
		if origin+keys[g-1] <= x { // g > 0: keys[0] qualifies
			return g - 1
		}
		b = g - 1
	}
	for b-a > 1 {
		mid := int(uint(a+b) >> 1)
		if origin+keys[mid] <= x {
			a = mid
		} else {
			b = mid
		}
	}
	return a
}

// before returns the greatest value of K below x, so that k < x is
// k <= before(x); see num.Prev.
func before[K Number](x K) (K, bool) { return num.Prev(x) }

// insertAt puts (k, v) at index i, moving the tail right. The node has room.
func (nd *node[K, P]) insertAt(i int, k K, v P) {
	n := nd.len()
	copy(nd.keys[i+1:n+1], nd.keys[i:n])
	copy(nd.p[i+1:n+1], nd.p[i:n])
	nd.keys[i], nd.p[i] = k, v
	nd.n++
	nd.hint = hintAny
}

// removeRange deletes entries [i, j) and zeroes the vacated slots so the
// garbage collector can free what they referenced.
func (nd *node[K, P]) removeRange(i, j int) {
	if i >= j {
		return
	}
	n := nd.len()
	copy(nd.keys[i:], nd.keys[j:n])
	copy(nd.p[i:], nd.p[j:n])
	m := n - (j - i)
	clear(nd.keys[m:n])
	clear(nd.p[m:n])
	nd.n = int32(m)
	nd.hint = hintAny
}

// addKeys adds d to keys[i:j].
func addKeys[K Number](keys *[maxFanout]K, i, j int, d K) {
	for x := i; x < j; x++ {
		keys[x] += d
	}
}

// splitInto moves the upper half of nd into a new node owned by o and
// returns it. Keys are moved unchanged (the caller rebases).
func (nd *node[K, P]) splitInto(o *owner) *node[K, P] {
	r := newNode[K, P](o, nd.kind)
	n := nd.len()
	mid := n / 2
	r.n = int32(n - mid)
	copy(r.keys[:], nd.keys[mid:n])
	copy(r.p[:], nd.p[mid:n])
	nd.removeRange(mid, n)
	return r
}

// appendFrom moves src's entries [i, j) to the end of nd, adding d to each
// key (d converts src's frame to nd's).
func (nd *node[K, P]) appendFrom(src *node[K, P], i, j int, d K) {
	m := nd.len()
	copy(nd.keys[m:], src.keys[i:j])
	copy(nd.p[m:], src.p[i:j])
	nd.n += int32(j - i)
	nd.hint = hintAny
	addKeys(&nd.keys, m, nd.len(), d)
}

// prependFrom moves src's entries [i, j) to the front of nd, adding d to
// each key.
func (nd *node[K, P]) prependFrom(src *node[K, P], i, j int, d K) {
	c, n := j-i, nd.len()
	copy(nd.keys[c:n+c], nd.keys[:n])
	copy(nd.p[c:n+c], nd.p[:n])
	copy(nd.keys[:c], src.keys[i:j])
	copy(nd.p[:c], src.p[i:j])
	nd.n += int32(c)
	nd.hint = hintAny
	addKeys(&nd.keys, 0, c, d)
}
