// Package num holds the facts about key types that packages cow and fst
// both need, written once. Each function is constant or O(1) per
// instantiation and inlines.
package num

import (
	"math"
	"unsafe"
)

// Number is the set of key types: every integer and float type, including
// named types built on them.
type Number interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64 | ~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~float32 | ~float64
}

// IsFloat reports whether K is a float type.
func IsFloat[K Number]() bool {
	var half K = 1
	half /= 2
	return half != 0
}

// IsNaN reports whether k is a float NaN.
func IsNaN[K Number](k K) bool { return k != k }

// IsInf reports whether k is an infinite float (or NaN); never for
// integers.
func IsInf[K Number](k K) bool { return k-k != 0 }

// Next returns the least value of K above x: x+1 for integers, the next
// float towards +Inf for floats. x must not be K's greatest value (nor
// +Inf or NaN).
func Next[K Number](x K) K {
	if !IsFloat[K]() {
		return x + 1
	}
	if is32[K]() {
		return K(math.Nextafter32(float32(x), float32(math.Inf(1))))
	}
	return K(math.Nextafter(float64(x), math.Inf(1)))
}

// Prev returns the greatest value of K below x, and whether there is one
// (none below K's least integer, or below -Inf): x-1 for integers, the
// next float towards -Inf for floats.
func Prev[K Number](x K) (K, bool) {
	if !IsFloat[K]() {
		return x - 1, x-1 < x
	}
	var p K
	if is32[K]() {
		p = K(math.Nextafter32(float32(x), float32(math.Inf(-1))))
	} else {
		p = K(math.Nextafter(float64(x), math.Inf(-1)))
	}
	return p, p < x
}

// is32 reports whether K is a 4-byte type.
func is32[K Number]() bool {
	var x K
	return unsafe.Sizeof(x) == 4
}
