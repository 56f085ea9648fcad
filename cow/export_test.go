package cow

// SetFanout lowers the logical node capacity for the duration of a test, so
// that a few dozen keys build a tree several levels deep. It returns a
// function that restores the previous capacity.
func SetFanout(n int) (restore func()) {
	if n < 4 || n > MaxFanout {
		panic("cow: test fanout out of range")
	}
	old := fanout
	fanout = n
	return func() { fanout = old }
}
