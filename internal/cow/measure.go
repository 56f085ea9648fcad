package cow

import (
	"fmt"
	"math"
	"reflect"
	"unsafe"

	"github.com/flatseg/flatseg/internal/num"
)

// A Measure summarises runs of keys. A Tree with summaries reads its
// entries as segments: the entry k -> v stands for every key from k up to the next
// entry's key (the last entry, up to an end its queries are given), and
// the summary of the keys [a, b) is the Combine, in key order, of Of(v, n)
// over the parts of those segments inside [a, b), n being each part's
// length.
//
// Of returns the summary of n > 0 consecutive keys that all hold v. Combine
// returns the summary of a run followed by the run after it. Combine must
// be associative, the zero M must be its identity, and Of(v, a+b) must equal
// Combine(Of(v, a), Of(v, b)): the tree groups the same keys differently
// from one version to the next. Combine need not be commutative. Of and
// Combine must not write to the tree; they may run on several goroutines at
// once when several goroutines query one tree.
//
// Lengths are computed in K's arithmetic: a span wider than K can hold
// (int8 keys from -128 to 127) wraps.
type Measure[K Number, V, M any] interface {
	Of(v V, n K) M
	Combine(a, b M) M
}

// Settle recomputes the summaries of the nodes the writes since the last
// Settle changed, bottom up, and clears their dirty marks: O(B) Of and
// Combine calls per such node, and nothing when there is none or m is nil
// (a tree without a Measure keeps no summaries).
//
// Settle ends the writes' undo log: should m panic, Settle first puts the
// tree back as it was before the writes since the last Settle (undo.go),
// then lets the panic go on; the tree is then settled and unchanged.
func (t *Tree[K, V, M]) Settle(m Measure[K, V, M]) {
	lg := t.log()
	if m == nil || t.root == nil || !(*header)(t.root).dirty {
		if lg != nil {
			lg.forget()
		}
		return
	}
	settled := false
	defer func() {
		if !settled && lg != nil {
			t.undo(lg) // m panicked
		}
	}()
	settleIn[K, V](m, t.bulk(m, lg), t.root, int(t.levels), t.base, bound[K]{})
	settled = true
	if lg != nil {
		lg.forget()
	}
}

func settleIn[K Number, V, M any](m Measure[K, V, M], fo bulk[K, V, M], p ptr, h int, origin K, up bound[K]) {
	hd := (*header)(p)
	hint := hd.hint
	hd.dirty, hd.hint = false, hintNone
	if h == 0 || hint == hintNone {
		return
	}
	in := asInner[K, M](p)
	i, j := 0, in.len() // the children that may be dirty: all, or the one the hint names
	if hint != hintAny {
		i, j = int(hint)-1, min(int(hint), j)
	}
	lo, hi := i, j-1 // the slots whose summary may change: all when the slots moved (hintAny)
	for ; i < j; i++ {
		c := in.p[i].p
		if !(*header)(c).dirty {
			continue
		}
		co, cu := childOrigin(origin, in.keys[i]), upOf(in, i, origin, up)
		settleIn[K, V](m, fo, c, h-1, co, cu)
		in.p[i].m = summarize[K, V](m, fo.f, c, h-1, co, cu)
	}
	fold(m, fo, in, lo, hi)
}

// fold recomputes the running summaries of in's slots after the summaries
// of the children [lo, hi] changed: pre from lo on, suf up to hi. O(B)
// Combine calls (n-lo+hi+1, so n after one child changed), or two calls
// of a Folder's Prefixes and Suffixes.
func fold[K Number, V, M any](m Measure[K, V, M], fo bulk[K, V, M], in *node[K, slot[M]], lo, hi int) {
	n := in.len()
	if n == 0 {
		return
	}
	s := in.p[:n]
	if fo.f != nil {
		var acc M
		if lo > 0 {
			acc = s[lo-1].pre
		}
		for i, x := range foldSlots(fo.f, s[lo:], acc, lo > 0, fo.run) {
			s[lo+i].pre = x
		}
		hi = min(hi, n-1)
		if hi+1 < n {
			acc = s[hi+1].suf
		}
		for i, x := range foldSlotsBack(fo.f, s[:hi+1], acc, hi+1 < n, fo.run) {
			s[i].suf = x
		}
		return
	}
	for i := lo; i < n; i++ {
		if i == 0 {
			s[0].pre = s[0].m
		} else {
			s[i].pre = m.Combine(s[i-1].pre, s[i].m)
		}
	}
	for i := min(hi, n-1); i >= 0; i-- {
		if i == n-1 {
			s[i].suf = s[i].m
		} else {
			s[i].suf = m.Combine(s[i].m, s[i+1].suf)
		}
	}
}

// upOf returns the exclusive upper bound of child i's keys: the next
// separator, or the node's own bound for its last child.
func upOf[K Number, M any](in *node[K, slot[M]], i int, origin K, up bound[K]) bound[K] {
	if i+1 < in.len() {
		return bound[K]{origin + in.keys[i+1], true}
	}
	return up
}

// summarize returns the summary of the node at p, at height h, whose keys
// end at up (or which is on the right edge, when !up.ok). An inner node's
// summary combines its slots; a leaf's is computed from its entries.
func summarize[K Number, V, M any](m Measure[K, V, M], fo Folder[K, V, M], p ptr, h int, origin K, up bound[K]) M {
	if h > 0 {
		in := asInner[K, M](p)
		return in.p[in.len()-1].pre // settled (fold) before its parent reads it
	}
	lf := asLeaf[K, V](p)
	n := lf.len()
	if fo != nil {
		switch {
		case up.ok:
			return fo.Fold(lf.p[:n], lf.keys[:n], up.key-origin)
		case n > 1:
			return fo.Fold(lf.p[:n-1], lf.keys[:n-1], lf.keys[n-1])
		}
		var zero M
		return zero
	}
	var acc M
	for j := 0; j+1 < n; j++ {
		s := m.Of(lf.p[j], lf.keys[j+1]-lf.keys[j])
		if j == 0 {
			acc = s
		} else {
			acc = m.Combine(acc, s)
		}
	}
	if up.ok {
		s := m.Of(lf.p[n-1], up.key-(origin+lf.keys[n-1]))
		if n == 1 {
			return s
		}
		acc = m.Combine(acc, s)
	}
	return acc
}

// reach marks child j of the writable node in for the next Settle: its
// upper bound moved without the child being written, so the last segment
// below it now ends elsewhere. It makes every node on the child's right
// edge writable (copying the shared ones), which marks them dirty. A tree
// whose summaries have no size keeps nothing to refresh.
func (t *Tree[K, V, M]) reach(in *node[K, slot[M]], j int, o *owner) {
	var zero M
	if unsafe.Sizeof(zero) == 0 {
		return
	}
	for {
		c := t.reshape(stepChild, in, j, o)
		if kindOf(c) == leafKind {
			return
		}
		in = asInner[K, M](c)
		j = in.len() - 1
	}
}

// combine appends x to the running summary acc (when have).
func combine[K Number, V, M any](m Measure[K, V, M], acc M, have bool, x M) M {
	if !have {
		return x
	}
	return m.Combine(acc, x)
}

// Measure returns the summary of the keys [start, stop), reading the last
// entry as the segment [last key, end). Keys below the first entry's key
// are in no segment and count for nothing. It returns the zero M when
// start >= stop or the tree is empty. One descent to start, which walks
// the path to the range's last key in the same loop so that the two
// paths' cache misses overlap (Cursor.seekAlong), then a walk
// that takes the children wholly inside the range by their stored
// summaries (see Cursor.scanForward): O(log n) node visits, O(log n +
// B) Combine calls (one per level but at the node where the two edges
// part) and O(B) Of calls in the two leaves. From the first key (start at
// or below it) the walk is one descent from the root, the prefix's
// children taken by their pre summaries: one Combine per level. No
// allocation.
func (t *Tree[K, V, M]) Measure(m Measure[K, V, M], start, stop, end K) M {
	var acc M
	if t.root == nil || !(start < stop) {
		return acc
	}
	var c Cursor[K, V, M]
	c.Reset(t)
	if start > t.firstKey() {
		last, _ := before(stop)
		c.seekAlong(start, last)
	} // else unpositioned: scanForward goes down from the root
	acc, _, _ = c.scanForward(m, start, stop, end, nil)
	return acc
}

// firstKey returns a key at or below the key of t's first entry: the
// root's first separator. t must not be empty.
func (t *Tree[K, V, M]) firstKey() K { return t.base + headOf[K](t.root).keys[0] }

// Seek returns the least x with from < x <= end such that
// pred(Measure(m, from, x, end)) holds, and true; false when there is none.
// pred must be monotone: once true for some x, true for every greater x.
// For float keys x is the least representable such key. Measure's costs,
// with O(log n · log B) calls of pred on whole subtrees (a binary search
// of the stored running summaries on the way down), plus a bisection of
// the one segment where pred turns true: O(log(length)) calls for integer
// keys, at most 64 for floats.
//
// It also returns the summary of the keys from from up to (not including)
// the key at which pred turns true, the greatest key below x: what a
// caller looking for the row at a pixel offset needs for that row's top.
func (t *Tree[K, V, M]) Seek(m Measure[K, V, M], from, end K, pred func(M) bool) (K, M, bool) {
	var zero M
	if t.root == nil || !(from < end) {
		return from, zero, false
	}
	var c Cursor[K, V, M]
	c.Reset(t)
	if from > t.firstKey() {
		c.Seek(from)
	} // else unpositioned: scanForward goes down from the root
	if before, x, ok := c.scanForward(m, from, end, end, pred); ok {
		return x, before, true
	}
	return from, zero, false
}

// SeekBackward returns the greatest x, at or above the first entry's key
// and below to, such that pred(Measure(m, x, to, end)) holds, and true;
// false when there is none. to must be at most end. pred must be
// monotone: once true for some x, true for every smaller x. Costs are
// Seek's.
//
// It also returns the summary of the keys after x, from the least key
// above x up to to.
func (t *Tree[K, V, M]) SeekBackward(m Measure[K, V, M], to, end K, pred func(M) bool) (K, M, bool) {
	var zero M
	k, ok := before(min(to, end))
	if t.root == nil || !ok {
		return to, zero, false
	}
	var c Cursor[K, V, M]
	c.Reset(t)
	if !c.Seek(k) {
		return to, zero, false // every key is at or above to
	}
	return c.scanBackward(m, min(to, end), pred)
}

// leastAbove returns the least x with a < x <= e such that test(x), which
// holds at e and is monotone (false, then true).
func leastAbove[K Number](a, e K, test func(K) bool) K {
	if num.IsFloat[K]() {
		base := ordered(a) + 1 // the float after a
		return unordered[K](base + search(ordered(e)-base+1, func(i uint64) bool { return test(unordered[K](base + i)) }))
	}
	return a + K(search(uint64(e-a), func(i uint64) bool { return test(a + K(i+1)) })+1)
}

// greatestBelow returns the greatest x with s <= x < b such that test(x),
// which holds at s and, going down, stays true.
func greatestBelow[K Number](s, b K, test func(K) bool) K {
	if num.IsFloat[K]() {
		top := ordered(b) - 1 // the float before b
		return unordered[K](top - search(top-ordered(s)+1, func(i uint64) bool { return test(unordered[K](top - i)) }))
	}
	return b - K(search(uint64(b-s), func(i uint64) bool { return test(b - K(i+1)) })+1)
}

// search returns the least i in [0, n) such that test(i), which holds at
// n-1 and is monotone. It gallops first (test 0, 1, 3, 7, 15, ...), then
// bisects the last step: an answer at i costs O(log i) calls of test, one
// call when it is 0 (a row that is itself visible, a key whose own part
// passes the threshold), and never more than about twice a bisection.
func search(n uint64, test func(uint64) bool) uint64 {
	lo, hi := uint64(0), n-1
	for i, step := uint64(0), uint64(1); i < hi; i, step = i+step, step*2 {
		if test(i) {
			hi = i
			break
		}
		lo = i + 1
		if step > hi-i { // the next probe would pass n-1, which holds
			break
		}
	}
	for lo < hi {
		mid := lo + (hi-lo)/2
		if test(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

// ordered maps a float to an unsigned integer of the same order, so that
// consecutive integers are consecutive floats. -0 and +0 map to one
// integer, +0's: a bisection never returns -0 for a bound of 0.
func ordered[K Number](x K) uint64 {
	if unsafe.Sizeof(x) == 4 {
		b := math.Float32bits(float32(x))
		if b>>31 != 0 {
			return uint64(^b + 1)
		}
		return uint64(b | 1<<31)
	}
	b := math.Float64bits(float64(x))
	if b>>63 != 0 {
		return ^b + 1
	}
	return b | 1<<63
}

// unordered is the inverse of ordered.
func unordered[K Number](u uint64) K {
	var x K
	if unsafe.Sizeof(x) == 4 {
		b := uint32(u)
		if b>>31 != 0 {
			return K(math.Float32frombits(b &^ (1 << 31)))
		}
		return K(math.Float32frombits(^(b - 1)))
	}
	if u>>63 != 0 {
		return K(math.Float64frombits(u &^ (1 << 63)))
	}
	return K(math.Float64frombits(^(u - 1)))
}

// Verify checks every structural invariant (see verify), and with a
// non-nil m also that no node is left dirty and that every stored summary
// equals the one recomputed from the entries below it. Summaries are
// compared with the Measure's Equal(a, b M) bool method when it has one,
// else with reflect.DeepEqual (under which a NaN summary never verifies).
// It returns the first violation, wrapping ErrCorrupt. O(n) and, with m,
// O(n) Of and Combine calls; it only reads.
func (t *Tree[K, V, M]) Verify(m Measure[K, V, M]) error {
	if err := t.verify(); err != nil {
		return err
	}
	if t.root == nil || m == nil {
		return nil
	}
	eq := func(a, b M) bool { return reflect.DeepEqual(a, b) }
	if e, ok := m.(interface{ Equal(a, b M) bool }); ok {
		eq = e.Equal
	}
	_, err := verifySums[K, V](m, eq, t.root, int(t.levels), t.base, bound[K]{})
	return err
}

// verifySums returns the summary of the subtree at p computed from its
// entries, checking every stored summary below p against it.
func verifySums[K Number, V, M any](m Measure[K, V, M], eq func(a, b M) bool, p ptr, h int, origin K, up bound[K]) (M, error) {
	var zero M
	if (*header)(p).dirty {
		return zero, fmt.Errorf("%w: node at height %d left dirty", ErrCorrupt, h)
	}
	if h == 0 {
		return summarize[K, V](m, nil, p, 0, origin, up), nil // Of and Combine alone: checks a Folder too
	}
	in := asInner[K, M](p)
	var acc M
	for i := range in.len() {
		s, err := verifySums[K, V](m, eq, in.p[i].p, h-1, childOrigin(origin, in.keys[i]), upOf(in, i, origin, up))
		if err != nil {
			return zero, err
		}
		if !eq(s, in.p[i].m) {
			return zero, fmt.Errorf("%w: summary of child %d at height %d is %v, its entries give %v", ErrCorrupt, i, h, in.p[i].m, s)
		}
		acc = combine(m, acc, i > 0, s)
		if !eq(acc, in.p[i].pre) {
			return zero, fmt.Errorf("%w: running summary of children 0..%d at height %d is %v, they give %v", ErrCorrupt, i, h, in.p[i].pre, acc)
		}
	}
	var suf M
	for i := in.len() - 1; i >= 0; i-- {
		if i == in.len()-1 {
			suf = in.p[i].m
		} else {
			suf = m.Combine(in.p[i].m, suf)
		}
		if !eq(suf, in.p[i].suf) {
			return zero, fmt.Errorf("%w: running summary of children %d.. at height %d is %v, they give %v", ErrCorrupt, i, h, in.p[i].suf, suf)
		}
	}
	return acc, nil
}
