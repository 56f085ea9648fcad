package replica

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when a goroutine outlives its test: every
// node the tests open is closed, and a closed node leaves nothing running.
//
// The child process of TestReplica_KillAndReopen (FLATSEG_REPLICA_CHILD
// set) writes until it is killed with SIGKILL and never reaches the
// check, so it runs the tests plainly.
//
// The tests mostly wait (elections, heartbeats, histories of a fixed
// length), so unless -test.parallel is given, twice as many parallel
// tests run at once as there are CPUs.
func TestMain(m *testing.M) {
	flag.Parse()
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "test.parallel" })
	if !given {
		_ = flag.Set("test.parallel", fmt.Sprint(2*runtime.GOMAXPROCS(0)))
	}
	if os.Getenv("FLATSEG_REPLICA_CHILD") != "" {
		os.Exit(m.Run())
	}
	goleak.VerifyTestMain(m)
}
