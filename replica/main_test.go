package replica

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when a goroutine outlives its test: every
// node the tests open is closed, and a closed node leaves nothing running.
//
// The child process of TestReplica_KillAndReopen (FLATSEG_REPLICA_CHILD
// set) writes until it is killed with SIGKILL and never reaches the
// check, so it runs the tests plainly.
func TestMain(m *testing.M) {
	if os.Getenv("FLATSEG_REPLICA_CHILD") != "" {
		os.Exit(m.Run())
	}
	goleak.VerifyTestMain(m)
}
