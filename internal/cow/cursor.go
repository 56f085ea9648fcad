package cow

import (
	"fmt"

	"github.com/flatseg/flatseg/internal/num"
)

// A Cursor is a root-to-leaf path to one entry of a tree: the frame of
// every node on the way down, each with the index taken there. It is the
// one descent of the package: Seek positions it (climbing from where it is
// only as far as the new key needs), Next and Prev step it, and the
// queries (Measure, Seek and SeekBackward of a Tree) walk summaries from
// it (scanForward, scanBackward).
//
// A Cursor reads the nodes of the tree it was made from as they were then:
// it holds the root, not the tree, so it must be made from a tree nobody
// writes while the cursor is in use (a frozen or cloned tree: package fst
// clones first). The zero Cursor is unpositioned and reads an empty tree.
// A Cursor is a value of a few hundred bytes, meant to live on the stack or
// inside one allocation; it must not be used by several goroutines at once.
type Cursor[K Number, V, M any] struct {
	root   ptr
	base   K
	levels int // inner levels above the leaves
	depth  int // frames in use: levels+1 once positioned, 0 before
	f      [maxDepth]frame[K]
}

// maxDepth is the most levels a Cursor follows. A tree of the default
// fanout (nodes at least 23 full) never comes near it; a tree whose fanout
// a test lowered to 4 would need more than 2^23 entries.
const maxDepth = 24

// frame is one node of a cursor's path: the node, its origin and the upper
// bound of its keys (none when open: the node is on the tree's right
// edge), and the index of the child (inner node) or entry (leaf) the path
// takes there.
type frame[K Number] struct {
	p      ptr
	origin K
	up     K
	i      int32
	open   bool
}

// Cursor returns an unpositioned cursor over t's current nodes. O(1); t
// must not be written while the cursor is used (see Cursor).
func (t *Tree[K, V, M]) Cursor() Cursor[K, V, M] {
	var c Cursor[K, V, M]
	c.Reset(t)
	return c
}

// Reset makes c an unpositioned cursor over t's current nodes, as
// t.Cursor() does, without copying a cursor. O(1).
func (c *Cursor[K, V, M]) Reset(t *Tree[K, V, M]) {
	if int(t.levels) >= maxDepth {
		panic(fmt.Sprintf("cow: a tree of %d levels is deeper than a Cursor follows", t.levels+1))
	}
	c.root, c.base, c.levels, c.depth = t.root, t.base, int(t.levels), 0
}

// Seek positions the cursor at the entry with the greatest key <= k and
// reports true, or reports false when every key is above k (or k is NaN,
// or the tree is empty). A positioned cursor climbs only to the lowest
// node whose keys span k, so a Seek near the last one costs O(1) node
// visits; from the root it is O(log n). No allocation.
func (c *Cursor[K, V, M]) Seek(k K) bool {
	if c.root == nil {
		return false
	}
	h := 0
	if c.depth > 0 {
		// The lowest node on the path whose key range holds k: a node
		// holds keys from its first key up to its upper bound.
		for h = c.levels; h > 0; h-- {
			f := &c.f[h]
			if f.origin+headOf[K](f.p).keys[0] <= k && (f.open || k < f.up) {
				break
			}
		}
	} else {
		c.f[0] = frame[K]{p: c.root, origin: c.base, open: true}
		c.depth = c.levels + 1
	}
	for ; h < c.levels; h++ {
		f := &c.f[h]
		in := asInner[K, M](f.p)
		i := floorLE(&in.keys, in.len(), f.origin, k, f.up, !f.open)
		if i < 0 {
			c.first(h)
			return false
		}
		// c.enter(h, in, i), written out: enter is over the inlining
		// budget, and this is every write's descent.
		f.i = int32(i)
		cf := &c.f[h+1]
		cf.p, cf.origin = in.p[i].p, childOrigin(f.origin, in.keys[i])
		if i+1 < in.len() {
			cf.up, cf.open = f.origin+in.keys[i+1], false
		} else {
			cf.up, cf.open = f.up, f.open
		}
	}
	f := &c.f[h]
	lf := asLeaf[K, V](f.p)
	i := floorLE(&lf.keys, lf.len(), f.origin, k, f.up, !f.open)
	f.i = int32(max(i, 0))
	return i >= 0
}

// seekAlong is Seek(k) from the root on an unpositioned cursor, which
// walks the path to k2 in the same loop, reading the node it holds there
// at every level and the entry of the leaf it reaches: the loads of the
// two paths are independent, so the processor overlaps their misses. It
// prepares a walk from k to k2 (Measure), whose way down to k2 then reads
// what is in the cache already. It reports Seek's result for k, and the
// value of the entry at or below k2, which it reads for the walk.
func (c *Cursor[K, V, M]) seekAlong(k, k2 K) (found bool, v2 V) {
	if c.root == nil {
		return false, v2
	}
	c.f[0] = frame[K]{p: c.root, origin: c.base, open: true}
	c.depth = c.levels + 1
	p2, o2, up2, open2 := c.root, c.base, c.base, true
	for h := 0; h < c.levels; h++ {
		f := &c.f[h]
		in := asInner[K, M](f.p)
		i := floorLE(&in.keys, in.len(), f.origin, k, f.up, !f.open)
		if i < 0 {
			c.first(h)
			return false, v2
		}
		c.enter(h, in, i)
		in2 := asInner[K, M](p2)
		if j := floorLE(&in2.keys, in2.len(), o2, k2, up2, !open2); j >= 0 {
			if j+1 < in2.len() {
				up2, open2 = o2+in2.keys[j+1], false
			}
			p2, o2 = in2.p[j].p, childOrigin(o2, in2.keys[j])
		}
	}
	f := &c.f[c.levels]
	lf := asLeaf[K, V](f.p)
	i := floorLE(&lf.keys, lf.len(), f.origin, k, f.up, !f.open)
	f.i = int32(max(i, 0))
	lf2 := asLeaf[K, V](p2)
	if j := floorLE(&lf2.keys, lf2.len(), o2, k2, up2, !open2); j >= 0 {
		v2 = lf2.p[j]
	}
	return i >= 0, v2
}

// first fills the frames from h down with the leftmost path.
func (c *Cursor[K, V, M]) first(h int) {
	for ; h < c.levels; h++ {
		c.enter(h, asInner[K, M](c.f[h].p), 0)
	}
	c.f[h].i = 0
}

// last fills the frames from h down with the rightmost path.
func (c *Cursor[K, V, M]) last(h int) {
	for ; h < c.levels; h++ {
		in := asInner[K, M](c.f[h].p)
		c.enter(h, in, in.len()-1)
	}
	c.f[h].i = int32(nodeLen(c.f[h].p) - 1)
}

// Entry returns the entry the cursor is at: its key and value, and the key
// of the entry after it (next false at the last entry). The cursor must be
// positioned. O(1).
func (c *Cursor[K, V, M]) Entry() (key K, v V, next K, ok bool) {
	f := &c.f[c.levels]
	lf := asLeaf[K, V](f.p)
	i := int(f.i)
	key, v = f.origin+lf.keys[i], lf.p[i]
	if i+1 < lf.len() {
		return key, v, f.origin + lf.keys[i+1], true
	}
	return key, v, f.up, !f.open
}

// Next moves the cursor to the next entry and reports true, or reports
// false and stays where it is at the last entry. O(1) amortised over a
// walk.
func (c *Cursor[K, V, M]) Next() bool {
	if c.depth == 0 {
		return false
	}
	if f := &c.f[c.levels]; int(f.i)+1 < nodeLen(f.p) {
		f.i++
		return true
	}
	h := c.levels - 1
	for ; h >= 0 && int(c.f[h].i)+1 >= nodeLen(c.f[h].p); h-- {
	}
	if h < 0 {
		return false
	}
	c.enter(h, asInner[K, M](c.f[h].p), int(c.f[h].i)+1)
	c.first(h + 1)
	return true
}

// Prev moves the cursor to the entry before and reports true, or reports
// false and stays where it is at the first entry. O(1) amortised.
func (c *Cursor[K, V, M]) Prev() bool {
	if c.depth == 0 {
		return false
	}
	if f := &c.f[c.levels]; f.i > 0 {
		f.i--
		return true
	}
	h := c.levels - 1
	for ; h >= 0 && c.f[h].i == 0; h-- {
	}
	if h < 0 {
		return false
	}
	c.enter(h, asInner[K, M](c.f[h].p), int(c.f[h].i)-1)
	c.last(h + 1)
	return true
}

// The summary walks. A tree with summaries reads its entries as segments:
// entry k -> v stands for the keys from k up to the next entry's key, the
// last entry up to end, the end of the span that the caller gives. Stored
// summaries of children on the tree's right edge leave the last segment
// out (see Measure), so a walk never takes them whole.

// scanForward combines, in key order, the summaries of the keys from x on,
// x being in the segment of the cursor's entry, until to (exclusive) or
// until pred (when not nil) holds on the running summary. It returns the
// running summary and to, or, when pred turned true, the least y <= to
// such that pred holds for the keys [x, y), the summary of the keys
// [x, y') before it (y' the greatest key below y, the key at which pred
// turns), and found. The cursor is left at the entry whose segment holds
// the last key walked. An unpositioned cursor walks from the tree's first
// key (x at or below it): down from the root, taking the children before
// the one where to lies, or where pred turns, by their pre summaries (a
// binary search of them for pred), so that a running total or the key
// where one passes a threshold costs one descent.
//
// It walks the cursor's leaf from its entry on, then climbs to the first
// sibling right of the path that it cannot take whole (one that reaches
// past to, lies on the right edge, or turns pred true), and descends into
// it, taking whole the children it can on the way down; then walks that
// leaf, and so on. Below the node where the range's two edges part, each
// level costs one Combine (a stored pre or suf summary, see takeForward)
// and a binary search of the separators; the parting node and the node
// where pred turns cost O(B) Combine calls, and the two leaves O(B) Of
// calls. Should a node's children all be
// taken whole on the way down (a float summary whose parts round otherwise
// than their whole), the walk climbs on from that node rather than end.
func (c *Cursor[K, V, M]) scanForward(m Measure[K, V, M], x, to, end K, pred func(M) bool) (acc M, y K, found bool) {
	have := false
	var fo Folder[K, V, M] // m as a Folder, asked when first needed
	asked := false
	h := -1 // the level to climb from; below 0, the cursor's leaf first
	if c.depth == 0 {
		// Unpositioned: from the tree's first key, down from the root,
		// taking whole what can be by the pre summaries.
		c.f[0] = frame[K]{p: c.root, origin: c.base, open: true, i: -1}
		c.depth = c.levels + 1
		if h = 0; c.levels == 0 {
			c.f[0].i, h = 0, -1
		}
	}
	for {
		if h < 0 {
			// The cursor's leaf, from its entry on.
			f := &c.f[c.levels]
			lf := asLeaf[K, V](f.p)
			n := lf.len()
			first := int(f.i)
			bulkAt := first + 1 // the first entry whose segment starts at or after x
			if f.origin+lf.keys[first] >= x {
				bulkAt = first
			}
			chunk := n // a Seek's first chunk is small: its pred may turn at once
			if pred != nil {
				chunk, bulkAt = 4, first+2 // and it walks two entries one by one first
			}
			for j := first; j < n; j++ {
				if j == bulkAt && !asked {
					fo, asked = folderOf(m), true
				}
				if fo != nil && j == bulkAt {
					// A Folder takes the whole segments from here on in one
					// call, unless pred turns true within them: a Seek in
					// chunks of 4, 8, 16... entries, so that a pred that turns
					// early costs a short Fold.
					k, e := c.wholeRun(lf, j, min(j+chunk, n), to)
					if k-j >= 2 {
						full := combine(m, acc, have, fo.Fold(lf.p[j:k], lf.keys[j:k], e-f.origin))
						if pred == nil || !pred(full) {
							acc, have = full, true
							f.i = int32(k - 1)
							if e >= to {
								return acc, to, false
							}
							j, bulkAt, chunk = k-1, k, 2*chunk
							continue
						}
						// pred turns within [j, k): narrow the run down to
						// two entries, walked one by one below.
						acc, have, j = narrowForward(m, fo, lf, j, k, acc, have, pred)
					}
				}
				s := max(f.origin+lf.keys[j], x)
				if !(s < to) {
					return acc, to, false
				}
				e, closed := end, false
				if j+1 < n {
					e, closed = f.origin+lf.keys[j+1], true
				} else if !f.open {
					e, closed = f.up, true
				}
				e = min(e, to)
				f.i = int32(j)
				if s < e {
					full := combine(m, acc, have, m.Of(lf.p[j], e-s))
					if pred != nil && pred(full) {
						y := c.bisect(m, lf.p[j], s, e, acc, have, pred)
						if last, _ := num.Prev(y); last > s {
							return combine(m, acc, have, m.Of(lf.p[j], last-s)), y, true
						}
						return acc, y, true // zero M when have is false
					}
					acc, have = full, true
				}
				if !closed || e >= to {
					return acc, to, false
				}
			}
			h = c.levels - 1
		}
	climb:
		// The first sibling right of the path not taken whole.
		for ; h >= 0; h-- {
			f := &c.f[h]
			in := asInner[K, M](f.p)
			n := in.len()
			j := c.takeForward(m, f, in, int(f.i)+1, to, pred, &acc, &have)
			if j < n {
				if !(f.origin+in.keys[j] < to) {
					return acc, to, false
				}
				c.enter(h, in, j)
				break
			}
		}
		if h < 0 {
			return acc, to, false
		}
		// Down that child, taking whole what can be, to a leaf.
		for h++; h < c.levels; h++ {
			f := &c.f[h]
			in := asInner[K, M](f.p)
			j := c.takeForward(m, f, in, 0, to, pred, &acc, &have)
			if j == in.len() { // all taken whole: go on from this node's parent
				f.i = int32(j - 1)
				h--
				goto climb
			}
			c.enter(h, in, j)
		}
		c.f[c.levels].i = 0
		h = -1
	}
}

// narrowForward halves the run of leaf entries [j, k), within which pred
// turns true after acc, by Folds of its first half, until at most two
// entries are left: it returns the running summary before them and the
// first of them. O(log(k-j)) Fold and pred calls instead of k-j Of calls.
func narrowForward[K Number, V, M any](m Measure[K, V, M], fo Folder[K, V, M], lf *node[K, V], j, k int, acc M, have bool, pred func(M) bool) (M, bool, int) {
	for k-j > 2 {
		mid := j + (k-j)/2
		part := combine(m, acc, have, fo.Fold(lf.p[j:mid], lf.keys[j:mid], lf.keys[mid]))
		if pred(part) {
			k = mid
		} else {
			acc, have, j = part, true, mid
		}
	}
	return acc, have, j
}

// narrowBackward is narrowForward's mirror for the entries [lo, j] before
// acc: it folds the upper half first, next to acc, and returns the running
// summary after what is left and the last entry left.
func narrowBackward[K Number, V, M any](m Measure[K, V, M], fo Folder[K, V, M], lf *node[K, V], lo, j int, acc M, have bool, pred func(M) bool) (M, bool, int) {
	for j-lo+1 > 2 {
		mid := lo + (j-lo+1)/2
		part := fo.Fold(lf.p[mid:j+1], lf.keys[mid:j+1], lf.keys[j+1])
		if have {
			part = m.Combine(part, acc)
		}
		if pred(part) {
			lo = mid
		} else {
			acc, have, j = part, true, mid-1
		}
	}
	return acc, have, j
}

// wholeRun returns the end of the run of the cursor's leaf entries from j
// on, and before lim, whose segments end by to (their ends are known: an
// open leaf's last entry's is not), and that run's last end.
func (c *Cursor[K, V, M]) wholeRun(lf *node[K, V], j, lim int, to K) (int, K) {
	f := &c.f[c.levels]
	n := lf.len()
	var last K
	for ; j < lim; j++ {
		var e K
		switch {
		case j+1 < n:
			e = f.origin + lf.keys[j+1]
		case !f.open:
			e = f.up
		default:
			return j, last
		}
		if e > to {
			break
		}
		last = e
	}
	return j, last
}

// takeForward combines into the running summary the children of in, the
// node of frame f, from j on, while each ends by to, is not on the tree's
// right edge, and leaves pred false (pred nil: never true), and returns
// the index of the first child it did not take (in.len() when it took
// them all). The children it may take are found by a binary search of the
// separators; when they run from the first child or to the last, one
// stored running summary (pre or suf) takes them all at once, and when
// pred turns true within a run from the first child, a binary search of
// the pre summaries finds where: O(log B) comparisons and Combine calls.
// Only a run strictly inside the node (where the walk's two edges part)
// or a pred turning within one is walked child by child.
func (c *Cursor[K, V, M]) takeForward(m Measure[K, V, M], f *frame[K], in *node[K, slot[M]], j int, to K, pred func(M) bool, acc *M, have *bool) int {
	n := in.len()
	if j >= n {
		return n
	}
	s := in.p[:n]
	// The children [j, k) end by to and are closed.
	k := n
	if f.open || f.up > to {
		lo, hi := j+1, n // the first separator above to, or n
		for lo < hi {
			mid := int(uint(lo+hi) >> 1)
			if f.origin+in.keys[mid] > to {
				hi = mid
			} else {
				lo = mid + 1
			}
		}
		k = lo - 1
	}
	if k > j && (j == 0 || k == n) {
		whole := s[j].suf
		if j == 0 {
			whole = s[k-1].pre
		}
		full := combine(m, *acc, *have, whole)
		if pred == nil || !pred(full) {
			*acc, *have = full, true
			return k
		}
		if j == 0 { // the least i < k at which pred turns, by the pre summaries
			lo, hi := 0, k-1
			for lo < hi {
				mid := int(uint(lo+hi) >> 1)
				if pred(combine(m, *acc, *have, s[mid].pre)) {
					hi = mid
				} else {
					lo = mid + 1
				}
			}
			if lo > 0 {
				*acc, *have = combine(m, *acc, *have, s[lo-1].pre), true
			}
			return lo
		}
	}
	for ; j < k; j++ {
		full := combine(m, *acc, *have, s[j].m)
		if pred != nil && pred(full) {
			break
		}
		*acc, *have = full, true
	}
	return j
}

// NextWhere moves the cursor to the first entry after its own whose
// segment's keys below to pass keep: keep(Of(v, length)) for the length of
// the segment clipped at to, the last entry's segment ending at end. It
// reports false when no such entry starts below to (the cursor is then
// left at an entry at or before to's). keep must fail on a combined
// summary only when it fails on each part (a count above zero, a maximum
// over a threshold): so NextWhere skips, without entering it, every
// subtree whose stored summary fails keep. A subtree on the tree's right
// edge is always entered (its summary leaves the last segment out). Each
// call costs O(log n) node visits and O(B) calls of keep and Of per node
// visited: O(k log n) visits for the k entries found in a walk. The
// cursor must be positioned.
func (c *Cursor[K, V, M]) NextWhere(m Measure[K, V, M], to, end K, keep func(M) bool) bool {
	if c.depth == 0 {
		return false
	}
	for {
		// The rest of the cursor's leaf.
		f := &c.f[c.levels]
		lf := asLeaf[K, V](f.p)
		n := lf.len()
		for j := int(f.i) + 1; j < n; j++ {
			s := f.origin + lf.keys[j]
			if !(s < to) {
				f.i = int32(max(j-1, 0))
				return false
			}
			e := end
			if j+1 < n {
				e = f.origin + lf.keys[j+1]
			} else if !f.open {
				e = f.up
			}
			if keep(m.Of(lf.p[j], min(e, to)-s)) {
				f.i = int32(j)
				return true
			}
		}
		f.i = int32(n - 1)
		h := c.levels - 1
	climb:
		// The first sibling right of the path that may hold one.
		for ; h >= 0; h-- {
			f := &c.f[h]
			in := asInner[K, M](f.p)
			if j := skipFailing(f, in, int(f.i)+1, keep); j < in.len() {
				if !(f.origin+in.keys[j] < to) {
					return false
				}
				c.enter(h, in, j)
				break
			}
		}
		if h < 0 {
			return false
		}
		// Down that child, skipping the children that fail keep.
		for h++; h < c.levels; h++ {
			f := &c.f[h]
			in := asInner[K, M](f.p)
			j := skipFailing(f, in, 0, keep)
			if j == in.len() { // every child fails (a parent whose own summary passed by rounding)
				f.i = int32(j - 1)
				h--
				goto climb
			}
			c.enter(h, in, j)
		}
		c.f[c.levels].i = -1 // the leaf walk starts at its first entry
	}
}

// skipFailing returns the first child of in, the node of frame f, from j
// on, that may hold an entry passing keep: one whose stored summary passes
// it, or the last child of a node on the tree's right edge. It returns
// in.len() when there is none.
func skipFailing[K Number, M any](f *frame[K], in *node[K, slot[M]], j int, keep func(M) bool) int {
	n := in.len()
	for ; j < n; j++ {
		if (j == n-1 && f.open) || keep(in.p[j].m) {
			return j
		}
	}
	return n
}

// enter moves the cursor's path at frame h to child j of the frame's node
// in, filling frame h+1 with the child, its origin and its bounds.
func (c *Cursor[K, V, M]) enter(h int, in *node[K, slot[M]], j int) {
	f := &c.f[h]
	f.i = int32(j)
	cf := &c.f[h+1]
	cf.p, cf.origin = in.p[j].p, childOrigin(f.origin, in.keys[j])
	if j+1 < in.len() {
		cf.up, cf.open = f.origin+in.keys[j+1], false
	} else {
		cf.up, cf.open = f.up, f.open
	}
}

// bisect returns the least y in (s, e] such that pred holds on the running
// summary acc followed by the keys [s, y) of a segment holding v; pred
// holds at e.
func (c *Cursor[K, V, M]) bisect(m Measure[K, V, M], v V, s, e K, acc M, have bool, pred func(M) bool) K {
	return leastAbove(s, e, func(x K) bool { return pred(combine(m, acc, have, m.Of(v, x-s))) })
}

// scanBackward combines, in reverse key order, the summaries of the keys
// below to, to being above the key of the cursor's entry and at most the
// end of its segment, until pred holds on the running summary of [s, to):
// it returns the greatest such s, the summary of the keys after it,
// [s', to) with s' the least key above s, and found; or false when pred
// fails on the keys from the tree's first key. The mirror of scanForward,
// without its limit: it runs to the first key.
func (c *Cursor[K, V, M]) scanBackward(m Measure[K, V, M], to K, pred func(M) bool) (K, M, bool) {
	var acc M
	have := false
	var fo Folder[K, V, M] // m as a Folder, asked when first needed
	asked := false
	b := to // the end of the entry the leaf walk starts with
	for {
		f := &c.f[c.levels]
		lf := asLeaf[K, V](f.p)
		chunk := 4
		for start, j := int(f.i), int(f.i); j >= 0; j-- {
			if j < start {
				b = f.origin + lf.keys[j+1]
			}
			if j == start-2 && !asked {
				fo, asked = folderOf(m), true
			}
			if fo != nil && j <= start-2 && j >= 1 {
				// After two entries one by one (pred often turns at
				// once), a Folder takes the whole entries before in
				// chunks of 4, 8, 16... in one call each, unless pred
				// turns true within one.
				lo := max(j+1-chunk, 0)
				full := fo.Fold(lf.p[lo:j+1], lf.keys[lo:j+1], lf.keys[j+1])
				if have {
					full = m.Combine(full, acc)
				}
				if !pred(full) {
					acc, have = full, true
					f.i = int32(lo)
					j, chunk = lo, 2*chunk
					continue
				}
				// pred turns within [lo, j]: narrow the run down to two
				// entries, walked one by one from here.
				acc, have, j = narrowBackward(m, fo, lf, lo, j, acc, have, pred)
				b = f.origin + lf.keys[j+1]
				fo = nil
			}
			f.i = int32(j)
			var hit bool
			var x K
			before, had := acc, have
			if acc, have, x, hit = c.partBack(m, lf.p[j], f.origin+lf.keys[j], b, acc, have, pred); hit {
				return x, c.after(m, lf.p[j], x, b, before, had), true
			}
		}
		h := c.levels - 1
	climb:
		// The first sibling left of the path not taken whole.
		for ; h >= 0; h-- {
			f := &c.f[h]
			in := asInner[K, M](f.p)
			j := c.takeBackward(m, in, int(f.i)-1, pred, &acc, &have)
			if j >= 0 {
				c.enter(h, in, j)
				b = c.f[h+1].up // a child with a sibling after it is closed
				break
			}
		}
		if h < 0 {
			var zero M
			return to, zero, false
		}
		// Down that child, from its right, taking whole what can be.
		for h++; h < c.levels; h++ {
			f := &c.f[h]
			in := asInner[K, M](f.p)
			j := c.takeBackward(m, in, in.len()-1, pred, &acc, &have)
			if j < 0 { // all taken whole: go on from this node's parent
				f.i = 0
				h--
				goto climb
			}
			c.enter(h, in, j)
			b = c.f[h+1].up
		}
		c.f[c.levels].i = int32(nodeLen(c.f[c.levels].p) - 1)
	}
}

// takeBackward puts the children of in from j down to the first before
// the running summary while pred stays false on the result, and returns
// the index of the first it did not take (-1 when it took them all). The
// children are never on the tree's right edge: the walk reaches only
// children before the path's. The children [0, j] are taken at once by
// their pre summary; when pred turns within them and j is the last child,
// a binary search of the suf summaries finds where (O(log B) calls);
// otherwise they are walked child by child.
func (c *Cursor[K, V, M]) takeBackward(m Measure[K, V, M], in *node[K, slot[M]], j int, pred func(M) bool, acc *M, have *bool) int {
	if j < 0 {
		return j
	}
	s := in.p[:in.len()]
	before := func(x M) M { // x followed by the running summary
		if *have {
			return m.Combine(x, *acc)
		}
		return x
	}
	if full := before(s[j].pre); !pred(full) {
		*acc, *have = full, true
		return -1
	}
	if j == len(s)-1 { // the greatest i at which pred holds on i.. and what follows
		lo, hi := 0, j
		for lo < hi {
			mid := int(uint(lo+hi+1) >> 1)
			if pred(before(s[mid].suf)) {
				lo = mid
			} else {
				hi = mid - 1
			}
		}
		if lo < j {
			*acc, *have = before(s[lo+1].suf), true
		}
		return lo
	}
	for ; j >= 0; j-- {
		full := before(s[j].m)
		if pred(full) {
			return j
		}
		*acc, *have = full, true
	}
	return j
}

// after returns the summary of the keys from the one after x up to b of a
// segment holding v, followed by the running summary acc (when have).
func (c *Cursor[K, V, M]) after(m Measure[K, V, M], v V, x, b K, acc M, have bool) M {
	if next := num.Next(x); next < b {
		part := m.Of(v, b-next)
		if have {
			part = m.Combine(part, acc)
		}
		return part
	}
	return acc // zero M when have is false
}

// partBack puts the keys [s, b) of a segment holding v before the running
// summary and, when pred holds on the result, finds the greatest x in
// [s, b) at which it holds for the keys [x, b) and what follows.
func (c *Cursor[K, V, M]) partBack(m Measure[K, V, M], v V, s, b K, acc M, have bool, pred func(M) bool) (M, bool, K, bool) {
	full := m.Of(v, b-s)
	if have {
		full = m.Combine(full, acc)
	}
	if pred(full) {
		test := func(x K) bool {
			part := m.Of(v, b-x)
			if have {
				part = m.Combine(part, acc)
			}
			return pred(part)
		}
		return full, true, greatestBelow(s, b, test), true
	}
	return full, true, s, false
}

// Prefix returns the summary of the keys from the tree's first key up to
// the key of the cursor's entry: the stored summaries of the children left
// of the path at every level, then the entries left of the cursor's in its
// leaf. Every part it combines ends at a separator, so none is on the
// tree's right edge. One Combine per level (the stored pre summary of the
// children left of the path), and O(B) Of calls for the leaf's entries. The cursor must be positioned.
func (c *Cursor[K, V, M]) Prefix(m Measure[K, V, M]) M {
	var acc M
	have := false
	for h := 0; h < c.levels; h++ {
		f := &c.f[h]
		if f.i > 0 {
			acc, have = combine(m, acc, have, asInner[K, M](f.p).p[f.i-1].pre), true
		}
	}
	f := &c.f[c.levels]
	lf := asLeaf[K, V](f.p)
	if fo := folderOf(m); fo != nil && f.i > 1 {
		j := int(f.i)
		return combine(m, acc, have, fo.Fold(lf.p[:j], lf.keys[:j], lf.keys[j]))
	}
	for j := range int(f.i) {
		acc, have = combine(m, acc, have, m.Of(lf.p[j], lf.keys[j+1]-lf.keys[j])), true
	}
	return acc
}

// Positioned reports whether the cursor is at an entry.
func (c *Cursor[K, V, M]) Positioned() bool { return c.depth > 0 }

// First positions the cursor at the first entry and reports true, or
// reports false for an empty tree.
func (c *Cursor[K, V, M]) First() bool {
	if c.root == nil {
		return false
	}
	c.f[0] = frame[K]{p: c.root, origin: c.base, open: true}
	c.depth = c.levels + 1
	c.first(0)
	return true
}

// Last positions the cursor at the last entry and reports true, or reports
// false for an empty tree.
func (c *Cursor[K, V, M]) Last() bool {
	if c.root == nil {
		return false
	}
	c.f[0] = frame[K]{p: c.root, origin: c.base, open: true}
	c.depth = c.levels + 1
	c.last(0)
	return true
}
