//go:build !flatseg_kindcheck

package cow

// checkKinds is off in normal builds: the check compiles away. Measured as
// a run-time switch it cost searches about 20% (BenchmarkFloor at n=1e6),
// so the model and fuzz runs that check kinds build with
// -tags flatseg_kindcheck instead.
const checkKinds = false
