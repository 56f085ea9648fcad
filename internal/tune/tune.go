// Package tune holds what this module's tests may change in package cow
// without it showing in cow's exported API: the node size (a tree with small
// logical nodes grows several levels deep from a few dozen keys) and the
// node kind assertion. Importers of cow get fixed nodes of MaxFanout
// entries; only test files (export_test.go of cow and fst) use this package.
//
// Package cow fills in SetFanout when it is initialised: tune cannot import
// cow (cow imports tune for MaxFanout), and a hook reached through an
// internal package keeps the knob out of every exported signature.
package tune

import (
	"os"
	"strings"
)

// MaxFanout is the capacity node arrays are sized by. 47 makes a node of
// 8-byte keys and values exactly 768 bytes (a 16-byte header and 47 pairs),
// a malloc size class, and keeps a million segments within four levels even
// with nodes three quarters full. Against 31 (512 bytes, five levels) it
// measured Search 11% faster and a write to a fresh clone one allocation
// cheaper, for 25% more bytes copied per node (BenchmarkSearch,
// BenchmarkCloneWrite at n=1e6).
const MaxFanout = 47

// SetFanout caps the nodes of x at n entries, 4 <= n <= MaxFanout. x is a
// *cow.Tree (of any key and value type) that is empty or a single leaf of at
// most n entries, or a *cow.Builder to which nothing was added yet. It
// panics otherwise, or for n out of range: only tests call it, and a bad
// call is a broken test. Package cow sets it at initialisation.
var SetFanout func(x any, n int)

// CheckKinds makes package cow check, at every typed view of a node, that
// the node is of the kind the walk expects (a leaf or an inner node), and
// panic when it is not. It is off in normal builds, where the check costs
// one predicted branch; the export_test.go files of cow and fst turn it on
// through CheckKindsInTests, so every model and fuzz run checks every view.
// Set it only while no other goroutine uses a tree.
var CheckKinds bool

// CheckKindsInTests sets CheckKinds unless the test binary was asked to run
// benchmarks (a non-empty -test.bench), so that benchmarks measure the
// build importers get. It is called from init, before the testing flags
// are parsed, so it reads os.Args.
func CheckKindsInTests() {
	CheckKinds = true
	for i, a := range os.Args[1:] {
		a = strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-") // -flag or --flag
		switch {
		case strings.HasPrefix(a, "test.bench="):
			CheckKinds = a == "test.bench="
		case a == "test.bench" && i+2 < len(os.Args):
			CheckKinds = os.Args[i+2] == ""
		}
	}
}
