package cow

import "fmt"

// MaxFanout is the capacity node arrays are sized by: the most entries a
// leaf holds and the most children an inner node has, so that copying a
// node is one allocation. 47 makes a node of 8-byte keys and values exactly
// 768 bytes (a 16-byte header and 47 pairs), a malloc size class for a
// leaf of numbers, which holds no pointer (an inner node holds child
// pointers, so the allocator adds an 8-byte header and it takes 896), and
// keeps a million segments within four levels even with nodes three quarters
// full. Against 31 (512 bytes, five levels) it measured Search 11% faster
// and a write to a fresh clone one allocation cheaper, for 25% more bytes
// copied per node (BenchmarkSearch, BenchmarkCloneWrite at n=1e6).
const MaxFanout = 47

const maxFanout = MaxFanout

// SetFanout caps t's nodes at n entries, 4 <= n <= MaxFanout, so that a
// few dozen keys build a tree several levels deep. Only this module's tests
// call it (package fst's through its export_test.go). t must be empty or a
// single leaf of at most n entries; a bad call panics, as a broken test
// should.
func (t *Tree[K, V, M]) SetFanout(n int) {
	if t.levels > 0 || t.length > n {
		panic(fmt.Sprintf("cow: fanout %d set on a tree of %d entries at height %d", n, t.length, t.levels))
	}
	t.slack = slackFor(n)
}

// SetFanout caps the nodes of the tree b builds at n entries, as
// Tree.SetFanout. Nothing may have been added yet. Besides the tests,
// package fst's Merge calls it with the Fanout of a tree it merges.
func (b *Builder[K, V, M]) SetFanout(n int) {
	if b.o != nil || b.spent {
		panic("cow: fanout set on a Builder in use")
	}
	b.slack = slackFor(n)
}

// Fanout returns the most entries t's nodes hold: MaxFanout but in this
// module's tests. A Builder given it with SetFanout builds nodes of t's
// size (package fst's Merge does, so that a merge of the tests' small-node
// trees is deep too). O(1).
func (t *Tree[K, V, M]) Fanout() int { return t.fanout() }

// slackFor returns the slack of a fanout of n, panicking outside
// [4, maxFanout].
func slackFor(n int) uint8 {
	if n < 4 || n > maxFanout {
		panic(fmt.Sprintf("cow: fanout %d outside [4, %d]", n, maxFanout))
	}
	return uint8(maxFanout - n)
}
