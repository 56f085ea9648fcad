// Package tune holds the knobs tests turn to exercise the B+tree in cow with
// small nodes. Only tests change them, before they build any tree.
package tune

// MaxFanout is the capacity node arrays are sized by. 47 makes a node of
// 8-byte keys and values exactly 768 bytes (a 16-byte header and 47 pairs),
// a malloc size class, and keeps a million segments within four levels even
// with nodes three quarters full. Against 31 (512 bytes, five levels) it
// measured Search 11% faster and a write to a fresh clone one allocation
// cheaper, for 25% more bytes copied per node (BenchmarkSearch,
// BenchmarkCloneWrite at n=1e6).
const MaxFanout = 47

// Fanout is the logical node capacity in force, 4..MaxFanout.
var Fanout = MaxFanout

// SetFanout sets Fanout for the duration of a test and returns a function
// that restores it. It panics outside 4..MaxFanout: that is a broken test.
func SetFanout(n int) (restore func()) {
	if n < 4 || n > MaxFanout {
		panic("tune: fanout out of range")
	}
	old := Fanout
	Fanout = n
	return func() { Fanout = old }
}
