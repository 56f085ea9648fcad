// Package span holds the rule every key-range argument follows against a
// tree's span [min, max), and the errors it returns, so that package fst
// (which exports the errors) and package flatseg (whose WaitRange takes a
// range) apply one rule.
package span

import (
	"errors"
	"fmt"

	"github.com/flatseg/flatseg/internal/num"
)

// The errors of the rule, exported by package fst under the same names.
var (
	ErrInvalidRange = errors.New("fst: invalid range")
	ErrOutOfSpan    = errors.New("fst: outside the tree's span")
	ErrNaN          = errors.New("fst: NaN key")
)

// Check returns the error a write returns for the range [start, end) on a
// tree over [min, max): ErrNaN for a NaN bound, ErrInvalidRange unless
// start < end, ErrOutOfSpan when the range shares no key with the span (or
// the span is empty); nil for a valid range, which may reach outside the
// span (writes clip it). O(1).
func Check[K num.Number](min, max, start, end K) error {
	switch {
	case num.IsNaN(start) || num.IsNaN(end):
		return fmt.Errorf("%w: range [%v, %v)", ErrNaN, start, end)
	case !(start < end):
		return fmt.Errorf("%w: range [%v, %v): start must be below end", ErrInvalidRange, start, end)
	case !(min < max) || !(start < max) || !(min < end):
		return fmt.Errorf("%w: range [%v, %v) shares no key with [%v, %v)", ErrOutOfSpan, start, end, min, max)
	}
	return nil
}
