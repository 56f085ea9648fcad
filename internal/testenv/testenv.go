// Package testenv holds the switches the module's tests share: how deep the
// randomized tests run, and reading a knob from the environment.
//
// By default every randomized test runs each kind of check (every model,
// fanout and key type) over a few seeds, so that README's
//
//	go test -race ./...
//
// answers in about half a minute. With FLATSEG_DEEP=1 they run the full
// seed and operation counts; CI runs both:
//
//	FLATSEG_DEEP=1 go test -race ./...
//
// Only _test.go files import this package (TestNotImportedByLibrary checks
// it); it imports package testing.
package testenv

import (
	"os"
	"strconv"
	"testing"
	"time"
)

// DeepVar is the environment variable that selects the deep runs.
const DeepVar = "FLATSEG_DEEP"

// Deep reports whether $FLATSEG_DEEP asks for the deep runs: any value
// strconv.ParseBool accepts as true ("1", "true"). An unset or empty
// variable means false; a value ParseBool rejects fails tb.
func Deep(tb testing.TB) bool {
	tb.Helper()
	s := os.Getenv(DeepVar)
	if s == "" {
		return false
	}
	deep, err := strconv.ParseBool(s)
	if err != nil {
		tb.Fatalf("%s=%q: want 1 or 0 (or true, false)", DeepVar, s)
	}
	return deep
}

// Pick returns deep when [Deep] reports true and quick otherwise: a seed
// count, an operation count, a duration.
func Pick[T any](tb testing.TB, quick, deep T) T {
	tb.Helper()
	if Deep(tb) {
		return deep
	}
	return quick
}

// Int returns the positive integer in the environment variable name when it
// is set, and def otherwise. A value that is not a positive integer fails tb.
func Int(tb testing.TB, name string, def int) int {
	tb.Helper()
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		tb.Fatalf("%s=%q: want a positive integer", name, s)
	}
	return n
}

// Duration returns the duration in the environment variable name when it is
// set (time.ParseDuration's syntax: "2s", "500ms"), and def otherwise. A
// value that is not a positive duration fails tb.
func Duration(tb testing.TB, name string, def time.Duration) time.Duration {
	tb.Helper()
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		tb.Fatalf("%s=%q: want a positive duration such as 2s", name, s)
	}
	return d
}
