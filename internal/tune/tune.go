// Package tune holds the knobs tests turn to exercise the B+tree in cow with
// small nodes. Only tests change them, before they build any tree.
package tune

// MaxFanout is the capacity node arrays are sized by.
const MaxFanout = 32

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
