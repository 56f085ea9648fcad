package fst

import "github.com/flatseg/flatseg/internal/cow"

// Apply maps every key of [start, end) to f of its old value, merging equal
// neighbours, and reports whether any key's value changed (under the tree's
// equality, as Insert's changed). f is called exactly once per segment that
// shares a key with [start, end), whole segments as [Measured.Overlapping]
// yields them, in increasing key order; a segment that reaches outside the
// range is split, and only its part inside takes f's result. The range rule
// is Insert's (see [NewMeasured]): ErrNaN, ErrInvalidRange, ErrOutOfSpan,
// and a range partly outside the span is clipped to it. On an error f is
// not called and nothing changes.
//
// Apply is all or nothing. It first calls f for every segment, compares
// each result with the old value (and with the result before it, so that
// touching segments that take equal values are written as one Insert) and
// with the neighbours each write meets, without writing; then it makes the
// writes, which compare nothing. If f or the equality panics, the panic
// propagates and t is as it was; a Measure that panics while the
// summaries are recomputed puts t back as it was too (see
// [Measured.Insert]). When no value changes, Apply writes and copies
// nothing: besides f, it allocates only what iterating the segments costs.
//
// It costs O(log n + k) to read the k segments in the range, k calls of f,
// up to 3k comparisons, and the writes. When the range's segments and the
// entries around them lie in one B+tree leaf and are at most 16 (hiding a
// run of rows), that is one descent: the leaf's new entries are worked out
// with equal neighbours merged and written in place, with no allocation.
// Otherwise each run of changed segments that take equal values is written
// as one Insert, O(log n) each, so O(k log n) in all, and the decisions are
// held in a slice of up to k runs until they are written. The writes go to
// t in place, like Insert's: nodes t owns are not copied again.
//
// f must not write to t. A [Batch] cannot hold f: to record an Apply,
// record the Inserts that make the difference, for example from
// [Diff](before, t) with before an O(1) Clone of t taken first (package
// flatseg's Txn.Apply records this way).
func (t *Measured[K, V, M]) Apply(start, end K, f func(V) V) (changed bool, err error) {
	if err := t.checkRange(start, end); err != nil {
		return false, err
	}
	s, e := max(start, t.min), min(end, t.max)
	var got [applyLeafMax]V
	changed, done, n := t.applyInLeaf(s, e, f, &got)
	if done {
		if changed {
			t.settle()
		}
		return changed, nil
	}
	if n > 0 {
		// applyInLeaf called f and could not write in its leaf: the
		// general way takes f's results from it, so that f is still
		// called once per segment. The tree is unchanged, so its
		// segments come in the same order.
		i := 0
		f = func(V) V { i++; return got[i-1] }
	}
	// Every call of f and every comparison happens in this first phase,
	// before the first write: the runs to write, each with what its
	// Insert would decide.
	runs := t.applyRuns(s, e, f)
	if len(runs) == 0 {
		return false, nil
	}
	// The writes, as each Insert would make them, with no comparison left
	// to panic; one settle at the end (a Measure that panics there puts
	// the tree back as it was).
	for _, r := range runs {
		t.writeRun(r)
	}
	t.settle()
	return true, nil
}

// applyLeafMax is the most segments applyInLeaf takes: a write of more
// costs enough that a second descent does not matter.
const applyLeafMax = 16

// applyInLeaf is Apply of [s, e), clipped to the span, in one descent when
// the segments it touches and the entries that bound them lie in the leaf
// holding s, as Insert's insertInLeaf: it calls f for each segment, works
// out the leaf's new entries (equal neighbours merged) and rewrites the
// run of them in place, with no other search. It reports done false when
// the write does not stay in that leaf or takes more than applyLeafMax
// segments; n is then the number of segments whose f results it left in
// got (0 when it called f for none), having written nothing. Every call of
// f and every comparison happens before the write.
func (t *Measured[K, V, M]) applyInLeaf(s, e K, f func(V) V, got *[applyLeafMax]V) (changed, done bool, n int) {
	var c cow.Cursor[K, V, M]
	c.Reset(&t.b)
	c.Seek(s) // min is a boundary and s >= min: the leaf holds an entry <= s
	l := c.Leaf()
	ls := t.segmentsOf(&l)
	ln, bounded, end := ls.n, ls.bounded, ls.end
	i := c.Index()
	j := i // the entry whose segment holds the last key below e
	for j+1 < ln && end(j) < e {
		j++
	}
	ej := end(j)
	if ej < e || j-i >= applyLeafMax || e == ej && bounded && j+1 == ln {
		// e lies past the leaf, the segments are many, or the segment
		// after the range (which a new value may merge with) is in the
		// leaf after.
		return false, false, 0
	}
	ki, vi := l.EntryAt(i)
	// The value before the range, which the first new value may continue.
	var left V
	hasLeft := true
	switch {
	case s > ki:
		left = vi
	case i > 0:
		_, left = l.EntryAt(i - 1)
	case s == t.min:
		hasLeft = false
	default:
		if left, hasLeft = leftValue(&c); !hasLeft {
			return false, false, 0
		}
	}
	k := j - i + 1
	for x := range k {
		_, v := l.EntryAt(i + x)
		got[x] = f(v)
	}
	// The new entries of [ki, ej), and the one after when it merges.
	var keys [applyLeafMax + 2]K
	var vals [applyLeafMax + 2]V
	m := 0
	prev, havePrev := left, hasLeft
	put := func(key K, v V) {
		if havePrev && t.same(prev, v) {
			return // continues the segment before
		}
		keys[m], vals[m], m = key, v, m+1
		prev, havePrev = v, true
	}
	if s > ki {
		keys[0], vals[0], m = ki, vi, 1 // the part of entry i before s keeps its value
	}
	for x := range k {
		key, old := l.EntryAt(i + x)
		v := got[x]
		if t.same(old, v) {
			v = old // unchanged: it keeps its value, as Insert would leave it
		} else {
			changed = true
		}
		put(max(key, s), v)
	}
	if !changed {
		return false, true, k
	}
	b := j + 1 // the entries [i, b) are replaced
	if e < ej {
		_, vj := l.EntryAt(j)
		put(e, vj) // the part of entry j from e on keeps its value
	} else if e < t.max {
		key, v := l.EntryAt(j + 1) // e is its key: it stays unless the value before continues
		put(key, v)
		if m == 0 || keys[m-1] != key {
			b = j + 2 // merged into the segment before: its entry goes
		} else {
			m-- // it stays as it is
		}
	}
	if !t.b.SpliceLeaf(&c, i, b, keys[:m], vals[:m]) {
		return false, false, k // the leaf's first key or its fill would change
	}
	return true, true, k
}

// run is one Insert that Apply makes, decided before any write: the range
// and value, whether the segment before it holds the value already
// (mergeLeft: no boundary at start), and what happens at its end: the
// boundary there goes (veIsV), stays (boundary), or is made with ve.
type run[K Key, V any] struct {
	Segment[K, V]
	mergeLeft bool
	ve        V
	boundary  bool // a boundary is at End already
	veIsV     bool // the keys from End on hold Value: the boundary at End goes
}

// applyRuns returns the Inserts that map [s, e) to f of its values, in key
// order, touching ones with the same value merged, each with the decisions
// Insert would take at that point of the sequence. It calls f once per
// segment overlapping [s, e) and makes every comparison; it writes
// nothing, and allocates nothing but the runs.
func (t *Measured[K, V, M]) applyRuns(s, e K, f func(V) V) []run[K, V] {
	var (
		runs     []run[K, V]
		open     bool          // runs[len-1] may still grow
		last     Segment[K, V] // the last segment the open run covers
		prev     Segment[K, V] // the segment before the current one
		havePrev bool
	)
	// end decides what the open run's Insert does at its end; next is
	// the segment after last, when there is one in the range.
	end := func(next *Segment[K, V]) {
		r := &runs[len(runs)-1]
		if r.End < t.max {
			switch {
			case r.End < last.End:
				r.ve = last.Value
			case next != nil:
				r.ve, r.boundary = next.Value, true
			default:
				r.ve, r.boundary = t.b.Get(r.End)
			}
			r.veIsV = t.same(r.ve, r.Value)
		}
		open = false
	}
	var c cow.Cursor[K, V, M]
	c.Reset(&t.b)
	c.Seek(s)
	for {
		k, val, next, ok := c.Entry()
		if !ok {
			next = t.max
		}
		seg := Segment[K, V]{Start: k, End: next, Value: val}
		if !(seg.Start < e) {
			break
		}
		v := f(seg.Value)
		changed := !t.same(seg.Value, v)
		from, to := max(seg.Start, s), min(seg.End, e)
		if open {
			if r := &runs[len(runs)-1]; changed && r.End == from && t.same(r.Value, v) {
				r.End, last = to, seg
				prev, havePrev = seg, true
				if !c.Next() {
					break
				}
				continue
			}
			end(&seg)
		}
		if changed {
			// The value of the key just below from, when this run is
			// written (the runs before it are).
			var left V
			hasLeft := true
			switch {
			case from > seg.Start:
				left = seg.Value // starts inside a segment: only the first can
			case len(runs) > 0 && runs[len(runs)-1].End == from:
				left = runs[len(runs)-1].Value
			case havePrev:
				left = prev.Value
			case from > t.min:
				_, left, _ = t.b.Lower(from)
			default:
				hasLeft = false
			}
			runs = append(runs, run[K, V]{Segment: Segment[K, V]{Start: from, End: to, Value: v}, mergeLeft: hasLeft && t.same(left, v)})
			open, last = true, seg
		}
		prev, havePrev = seg, true
		if !c.Next() {
			break
		}
	}
	if open {
		end(nil)
	}
	return runs
}

// writeRun makes the writes of one Insert whose decisions r holds: the
// boundaries in the range go, the one at the end goes, stays or is made,
// and the one at the start is made unless the run continues the segment
// before it. It compares no value.
func (t *Measured[K, V, M]) writeRun(r run[K, V]) {
	t.delRange(r.Start, r.End)
	if r.End < t.max {
		switch {
		case r.veIsV:
			t.del(r.End)
		case !r.boundary:
			t.set(r.End, r.ve)
		}
	}
	if !r.mergeLeft {
		t.set(r.Start, r.Value)
	}
}
