// Package num holds the facts about key types that packages cow and fst
// both need, written once. Each function is constant or O(1) per
// instantiation and inlines.
package num

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
