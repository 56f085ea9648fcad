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
// up to 3k comparisons, and per run of changed segments that take equal
// values the writes of one Insert, O(log n) each, so O(k log n) in all.
// The writes go to t in place, like Insert's: nodes t owns are not copied
// again. The decisions are held in a slice of up to k runs until they are
// written.
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
