package testenv_test

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flatseg/flatseg/internal/testenv"
)

// recorder is a testing.TB whose Fatalf records the message instead of
// stopping the test.
type recorder struct {
	testing.TB
	failed string
}

func (r *recorder) Helper() {}

func (r *recorder) Fatalf(format string, args ...any) { r.failed = fmt.Sprintf(format, args...) }

func TestDeep(t *testing.T) {
	tests := []struct {
		env      string
		deep     bool
		failsFor bool
	}{
		{env: "", deep: false},
		{env: "0", deep: false},
		{env: "false", deep: false},
		{env: "1", deep: true},
		{env: "true", deep: true},
		{env: "yes", failsFor: true},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("env=%q", tc.env), func(t *testing.T) {
			t.Setenv(testenv.DeepVar, tc.env)
			r := &recorder{TB: t}
			assert.Equal(t, tc.deep, testenv.Deep(r))
			assert.Equal(t, tc.failsFor, r.failed != "", "failure: %q", r.failed)
			want := 3
			if tc.deep {
				want = 30
			}
			assert.Equal(t, want, testenv.Pick(r, 3, 30))
		})
	}
}

func TestInt(t *testing.T) {
	const name = "FLATSEG_TESTENV_INT"
	t.Setenv(name, "")
	assert.Equal(t, 7, testenv.Int(t, name, 7), "unset: the default")
	t.Setenv(name, "12")
	assert.Equal(t, 12, testenv.Int(t, name, 7))
	for _, bad := range []string{"0", "-3", "x"} {
		t.Setenv(name, bad)
		r := &recorder{TB: t}
		testenv.Int(r, name, 7)
		assert.Contains(t, r.failed, name, "value %q", bad)
	}
}

func TestDuration(t *testing.T) {
	const name = "FLATSEG_TESTENV_DURATION"
	t.Setenv(name, "")
	assert.Equal(t, time.Second, testenv.Duration(t, name, time.Second), "unset: the default")
	t.Setenv(name, "250ms")
	assert.Equal(t, 250*time.Millisecond, testenv.Duration(t, name, time.Second))
	for _, bad := range []string{"0s", "-1s", "2"} {
		t.Setenv(name, bad)
		r := &recorder{TB: t}
		testenv.Duration(r, name, time.Second)
		assert.Contains(t, r.failed, name, "value %q", bad)
	}
}

// TestNotImportedByLibrary: no package of the module imports testenv from
// a non-test file, so the library never links it.
func TestNotImportedByLibrary(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("the go command is not on PATH: %v", err)
	}
	const self = "github.com/flatseg/flatseg/internal/testenv"
	out, err := exec.Command(goTool, "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "github.com/flatseg/flatseg/...").CombinedOutput()
	require.NoError(t, err, "%s", out)
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	require.Greater(t, len(lines), 3, "go list lists the module's packages:\n%s", out)
	for _, line := range lines {
		pkg, imports, _ := strings.Cut(line, " ")
		if pkg != self {
			assert.NotContains(t, strings.Fields(imports), self, "%s imports testenv outside its tests", pkg)
		}
	}
}
