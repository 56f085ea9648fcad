// Package tune holds the node-size setting of package cow that only this
// module's tests use: a Tree with small logical nodes grows several levels
// deep from a few dozen keys. It keeps no state: an Option is a value passed
// to the constructor of each tree.
package tune

// MaxFanout is the capacity node arrays are sized by. 47 makes a node of
// 8-byte keys and values exactly 768 bytes (a 16-byte header and 47 pairs),
// a malloc size class, and keeps a million segments within four levels even
// with nodes three quarters full. Against 31 (512 bytes, five levels) it
// measured Search 11% faster and a write to a fresh clone one allocation
// cheaper, for 25% more bytes copied per node (BenchmarkSearch,
// BenchmarkCloneWrite at n=1e6).
const MaxFanout = 47

// Option configures a tree when it is made. The zero Option changes
// nothing.
type Option struct {
	fanout int // 0: MaxFanout
}

// Fanout returns an Option that caps nodes at n entries, 4 <= n <=
// MaxFanout. It panics outside that range: only tests call it, and a bad
// value is a broken test.
func Fanout(n int) Option {
	if n < 4 || n > MaxFanout {
		panic("tune: fanout out of range")
	}
	return Option{fanout: n}
}

// FanoutOf returns the fanout the options ask for: the last one set, or
// MaxFanout.
func FanoutOf(opts []Option) int {
	n := MaxFanout
	for _, o := range opts {
		if o.fanout != 0 {
			n = o.fanout
		}
	}
	return n
}
