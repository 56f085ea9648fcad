package cow

// A Folder is a Measure that also does in one call what the tree would
// otherwise do with one call per entry or per child: summarise a leaf's
// run of segments, and the running summaries of a node's children. A
// Measure is asked once per Settle or query whether it is a Folder; each
// method must agree with Of and Combine (Verify recomputes every stored
// summary with those two alone).
type Folder[K Number, V, M any] interface {
	Measure[K, V, M]
	// Fold returns the Combine, in order, of Of(vals[i], n) over every i,
	// n being the run's length: starts[i+1]-starts[i], and end-starts[i]
	// for the last. len(vals) == len(starts) > 0, and the starts and end
	// rise. They are keys as the leaf stores them: integer keys relative
	// to an origin, so only their differences mean anything.
	Fold(vals []V, starts []K, end K) M
	// Prefixes replaces every ms[i] by the Combine of ms[0..i], in order.
	Prefixes(ms []M)
	// Suffixes replaces every ms[i] by the Combine of ms[i..len(ms)-1], in
	// order.
	Suffixes(ms []M)
}

// folderOf returns m as a Folder, or nil when it is none.
func folderOf[K Number, V, M any](m Measure[K, V, M]) Folder[K, V, M] {
	f, _ := m.(Folder[K, V, M])
	return f
}

// foldSlots returns the Combine, in order, of acc (when have) and the
// summaries of the slots s, and sets run[i] to the running Combine up to
// and including slot i (run must be at least len(s)+1 long; run[len(s)] is
// the total). One Prefixes call.
func foldSlots[K Number, V, M any](f Folder[K, V, M], s []slot[M], acc M, have bool, run []M) []M {
	k := 0
	if have {
		run[0] = acc
		k = 1
	}
	for i := range s {
		run[k+i] = s[i].m
	}
	out := run[:k+len(s)]
	f.Prefixes(out)
	return out[k:]
}

// foldSlotsBack returns the running Combines, in order, of the summaries
// of the slots s followed by acc (when have): r[i] is the Combine of s[i:]
// and acc. One Suffixes call; run must be at least len(s)+1 long.
func foldSlotsBack[K Number, V, M any](f Folder[K, V, M], s []slot[M], acc M, have bool, run []M) []M {
	for i := range s {
		run[i] = s[i].m
	}
	n := len(s)
	if have {
		run[n] = acc
		n++
	}
	f.Suffixes(run[:n])
	return run[:len(s)]
}

// bulk is a Folder with the scratch space its Prefixes and Suffixes work
// in (slots interleave their summaries with pointers), or no Folder.
type bulk[K Number, V, M any] struct {
	f   Folder[K, V, M]
	run []M // maxFanout+1 summaries
}

// bulk returns m's Folder, if it is one, with scratch space: the undo
// log's when lg is not nil (made once per writer), else new.
func (t *Tree[K, V, M]) bulk(m Measure[K, V, M], lg *undoLog[K, V, M]) bulk[K, V, M] {
	f := folderOf(m)
	if f == nil {
		return bulk[K, V, M]{}
	}
	if lg == nil {
		return bulk[K, V, M]{f, make([]M, maxFanout+1)}
	}
	if lg.run == nil {
		lg.run = make([]M, maxFanout+1)
	}
	return bulk[K, V, M]{f, lg.run}
}
