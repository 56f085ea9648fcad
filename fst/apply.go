package fst

// Apply maps every key of [start, end) to f of its old value, merging equal
// neighbours, and reports whether any key's value changed (under the tree's
// equality, as Insert's changed). f is called exactly once per segment that
// shares a key with [start, end), whole segments as [Measured.Overlapping]
// yields them, in increasing key order; a segment that reaches outside the
// range is split, and only its part inside takes f's result. The range rule
// is Insert's (see [Measured.Insert]): ErrNaN, ErrInvalidRange, ErrOutOfSpan,
// and a range partly outside the span is clipped to it. On an error f is
// not called and nothing changes.
//
// Apply is all or nothing. It first calls f for every segment and compares
// each result with the old value (and with the result before it, so that
// touching segments that take equal values are written as one Insert),
// without writing; then it runs those Inserts on an O(1) [Measured.Clone] and
// makes t hold the clone only when all of them returned. If f or the
// equality panics, the panic propagates and t is as it was. When no value
// changes, Apply writes and copies nothing: besides f, it allocates only
// what iterating the segments costs.
//
// It costs O(log n + k) to read the k segments in the range, k calls of f,
// up to 2k comparisons, and at most k Inserts (one per run of changed
// segments that take equal values), each costing what Insert costs:
// O(log n) within one leaf, so O(k log n) in all. Because the writes go to a
// clone, an Apply that changes something costs what [Batch.Apply] costs: the
// paths it changes are copied even when t owns its nodes, and t's later
// writes copy the nodes they touch once, as after a Clone. The new values
// are held in a slice of up to k segments until they are written.
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
	// Every call of f and every comparison of this phase happens before
	// the first write.
	var writes []Segment[K, V] // the Inserts to make, in key order, not touching unless their values differ
	for seg := range t.Overlapping(s, e) {
		v := f(seg.Value)
		if t.same(seg.Value, v) {
			continue
		}
		from, to := max(seg.Start, s), min(seg.End, e)
		if n := len(writes); n > 0 && writes[n-1].End == from && t.same(writes[n-1].Value, v) {
			writes[n-1].End = to
			continue
		}
		writes = append(writes, Segment[K, V]{Start: from, End: to, Value: v})
	}
	if len(writes) == 0 {
		return false, nil
	}
	// Insert compares values too (with the neighbours, to merge): an
	// equality that panics there leaves only the clone half written.
	c := t.Clone()
	for _, w := range writes {
		if _, err := c.Insert(w.Start, w.End, w.Value); err != nil {
			return false, err // unreachable: every range is inside [s, e), which is valid
		}
	}
	*t = *c
	return true, nil
}
