package cow

// DiffIntervalsWork runs DiffIntervals(a, b, from, to, equal) to the end
// and returns what it yielded and the number of nodes it entered, so that
// tests can count the work of a walk instead of timing it.
func DiffIntervalsWork[K Number, V, M any](a, b *Tree[K, V, M], from, to K, equal func(x, y V) bool) (changes []IntervalChange[K, V], nodes int) {
	if !(from < to) {
		return nil, 0
	}
	w := intervalWalk[K, V, M]{from: from, to: to, equal: equal, pos: from, quiet: true}
	w.yield = func(c IntervalChange[K, V]) bool { changes = append(changes, c); return true }
	w.ca.reset(a)
	w.cb.reset(b)
	w.run()
	return changes, w.nodes
}
