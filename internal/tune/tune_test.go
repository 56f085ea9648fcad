package tune

import (
	"os"
	"testing"
)

func TestCheckKindsInTests(t *testing.T) {
	defer func(args []string, was bool) { os.Args, CheckKinds = args, was }(os.Args, CheckKinds)
	for _, tc := range []struct {
		args []string
		want bool
	}{
		{[]string{"x.test", "-test.run=Foo"}, true},
		{[]string{"x.test", "-test.bench=."}, false},
		{[]string{"x.test", "--test.bench=Search"}, false},
		{[]string{"x.test", "-test.bench", "Set"}, false},
		{[]string{"x.test", "-test.bench="}, true},
		{[]string{"x.test", "-test.bench"}, true},
	} {
		os.Args = tc.args
		CheckKinds = !tc.want
		CheckKindsInTests()
		if CheckKinds != tc.want {
			t.Errorf("args %q: CheckKinds = %v, want %v", tc.args, CheckKinds, tc.want)
		}
	}
}
