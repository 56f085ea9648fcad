//go:build flatseg_kindcheck

package cow

// checkKinds: built with -tags flatseg_kindcheck (CI's deep and fuzz runs),
// every typed view of a node checks the node's kind.
const checkKinds = true
