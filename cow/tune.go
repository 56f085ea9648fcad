package cow

import (
	"fmt"

	"github.com/flatseg/flatseg/internal/tune"
)

// Node size for this module's tests. Importers get nodes of maxFanout
// entries; tests lower the logical fanout to 4..8 to build deep trees from
// a few dozen keys. The hooks reach the unexported methods below through
// internal/tune (for package fst's tests) and cow's export_test.go, so the
// knob appears in no exported signature.

func init() {
	tune.SetFanout = func(x any, n int) {
		s, ok := x.(fanoutSetter)
		if !ok {
			panic(fmt.Sprintf("tune.SetFanout: %T is not a *cow.Tree or *cow.Builder", x))
		}
		s.setFanout(n)
	}
}

// fanoutSetter is implemented by *Tree and *Builder of every instantiation.
type fanoutSetter interface{ setFanout(n int) }

// slackFor returns the slack of a fanout of n, panicking outside
// [4, maxFanout].
func slackFor(n int) uint8 {
	if n < 4 || n > maxFanout {
		panic(fmt.Sprintf("cow: fanout %d outside [4, %d]", n, maxFanout))
	}
	return uint8(maxFanout - n)
}

// setFanout caps t's nodes at n entries. t must be empty or a single leaf
// holding at most n entries.
func (t *tree[K, V, M]) setFanout(n int) {
	if t.levels > 0 || t.length > n {
		panic(fmt.Sprintf("cow: fanout %d set on a tree of %d entries at height %d", n, t.length, t.levels))
	}
	t.slack = slackFor(n)
}

// setFanout caps the nodes of the tree b builds at n entries. Nothing may
// have been added yet.
func (b *builder[K, V, M]) setFanout(n int) {
	if b.o != nil || b.spent {
		panic("cow: fanout set on a Builder in use")
	}
	b.slack = slackFor(n)
}
