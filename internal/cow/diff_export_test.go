package cow

// DiffIntervalsWork runs DiffIntervals(a, b, from, to, equal) to the end
// and returns what it yielded and the number of nodes it entered, so that
// tests can count the work of a walk instead of timing it.
func DiffIntervalsWork[K Number, V, M any](a, b *Tree[K, V, M], from, to K, equal func(x, y V) bool) (changes []IntervalChange[K, V], nodes int) {
	for c := range DiffIntervalsCounted(a, b, from, to, equal, &nodes) {
		changes = append(changes, c)
	}
	return changes, nodes
}
