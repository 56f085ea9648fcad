// Package tune holds what this module's tests may change in package cow
// without it showing in cow's exported API: the node size (a tree with small
// logical nodes grows several levels deep from a few dozen keys). The node
// kind assertion is a build tag instead (flatseg_kindcheck; see
// cow/kindcheck_on.go), so that it costs normal builds nothing. Importers of cow get fixed nodes of MaxFanout
// entries; only test files (export_test.go of cow and fst) use this package.
//
// Package cow fills in SetFanout when it is initialised: tune cannot import
// cow (cow imports tune for MaxFanout), and a hook reached through an
// internal package keeps the knob out of every exported signature.
package tune

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
