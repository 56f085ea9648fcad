package fst

// MergeSameNodes is MergeSame, also returning the number of nodes the walk
// of Diff entered.
func MergeSameNodes[K Key, V, M any](a, b *Measured[K, V, M], f func(x, y V) V) (*Measured[K, V, M], int, error) {
	n := 0
	t, err := mergeSame(a, b, f, &n)
	return t, n, err
}
