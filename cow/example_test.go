package cow_test

import (
	"fmt"
	"slices"

	"github.com/flatseg/flatseg/cow"
)

func ExampleNew() {
	t := cow.New[int, string]()
	t.Set(2, "b")
	t.Set(1, "a")
	fmt.Println(t.Len())
	// Output: 2
}

func ExampleBuild() {
	t, err := cow.Build([]int{10, 20, 30}, []string{"x", "y", "z"})
	if err != nil {
		panic(err)
	}
	fmt.Println(t.Len())
	_, err = cow.Build([]int{2, 1}, []string{"a", "b"})
	fmt.Println(err)
	// Output:
	// 3
	// cow: keys not strictly increasing: keys[0]=2, keys[1]=1
}

func ExampleTree_Set() {
	t := cow.New[int, string]()
	t.Set(1, "a")
	t.Set(1, "b") // replaces
	v, _ := t.Get(1)
	fmt.Println(v, t.Len())
	// Output: b 1
}

func ExampleTree_Get() {
	t, _ := cow.Build([]int{1, 2}, []string{"a", "b"})
	v, ok := t.Get(2)
	fmt.Println(v, ok)
	_, ok = t.Get(3)
	fmt.Println(ok)
	// Output:
	// b true
	// false
}

func ExampleTree_Delete() {
	t, _ := cow.Build([]int{1, 2, 3}, []string{"a", "b", "c"})
	fmt.Println(t.Delete(2), t.Delete(2), t.Len())
	// Output: true false 2
}

func ExampleTree_DeleteRange() {
	t, _ := cow.Build([]int{1, 2, 3, 4}, []string{"a", "b", "c", "d"})
	fmt.Println(t.DeleteRange(2, 4)) // removes 2 and 3
	fmt.Println(slices.Collect(func(yield func(int) bool) {
		for k := range t.All() {
			if !yield(k) {
				return
			}
		}
	}))
	// Output:
	// 2
	// [1 4]
}

// Shift moves every key from a position on: O(log n) for integer keys.
func ExampleTree_Shift() {
	t, _ := cow.Build([]int{1, 5, 9}, []string{"a", "b", "c"})
	t.Shift(5, 100)
	for k, v := range t.All() {
		fmt.Print(k, "=", v, " ")
	}
	fmt.Println()
	// Output: 1=a 105=b 109=c
}

// A clone is an independent version: writes to one never show in the other.
func ExampleTree_Clone() {
	v1, _ := cow.Build([]int{1, 2}, []string{"a", "b"})
	v2 := v1.Clone() // O(1): the two share every node until one writes
	v2.Set(3, "c")
	fmt.Println(v1.Len(), v2.Len())
	// Output: 2 3
}

// A frozen tree can be shared with readers: a later write copies what it
// changes instead of writing the shared nodes.
func ExampleTree_Freeze() {
	t, _ := cow.Build([]int{1, 2}, []string{"a", "b"})
	t.Freeze()
	published := t.Clone()
	t.Set(1, "changed")
	v, _ := published.Get(1)
	fmt.Println(v)
	// Output: a
}

func ExampleTree_Clear() {
	t, _ := cow.Build([]int{1, 2}, []string{"a", "b"})
	t.Clear()
	fmt.Println(t.Len())
	// Output: 0
}

func ExampleTree_Floor() {
	t, _ := cow.Build([]int{10, 20}, []string{"a", "b"})
	k, v, ok := t.Floor(15)
	fmt.Println(k, v, ok)
	_, _, ok = t.Floor(5)
	fmt.Println(ok)
	// Output:
	// 10 a true
	// false
}

func ExampleTree_Lower() {
	t, _ := cow.Build([]int{10, 20}, []string{"a", "b"})
	k, v, ok := t.Lower(20) // strictly below 20
	fmt.Println(k, v, ok)
	// Output: 10 a true
}

// Keys read as the starts of consecutive intervals: a range map.
func ExampleTree_Interval() {
	t, _ := cow.Build([]int{0, 10, 20}, []string{"low", "mid", "high"})
	iv, _ := t.Interval(15)
	fmt.Printf("[%d, %d) %s\n", iv.Start, iv.End, iv.Value)
	iv, _ = t.Interval(25)
	fmt.Println(iv.Start, iv.Value, iv.Open)
	// Output:
	// [10, 20) mid
	// 20 high true
}

func ExampleTree_All() {
	t, _ := cow.Build([]int{1, 2, 3}, []string{"a", "b", "c"})
	for k, v := range t.All() {
		fmt.Print(k, v, " ")
	}
	fmt.Println()
	// Output: 1a 2b 3c
}

func ExampleTree_Backward() {
	t, _ := cow.Build([]int{1, 2, 3}, []string{"a", "b", "c"})
	for k, v := range t.Backward() {
		fmt.Print(k, v, " ")
	}
	fmt.Println()
	// Output: 3c 2b 1a
}

func ExampleTree_Ascend() {
	t, _ := cow.Build([]int{1, 2, 3}, []string{"a", "b", "c"})
	for k := range t.Ascend(2) {
		fmt.Print(k, " ")
	}
	fmt.Println()
	// Output: 2 3
}

func ExampleTree_Descend() {
	t, _ := cow.Build([]int{1, 2, 3}, []string{"a", "b", "c"})
	for k := range t.Descend(2) {
		fmt.Print(k, " ")
	}
	fmt.Println()
	// Output: 2 1
}

func ExampleTree_Len() {
	t, _ := cow.Build([]int{1, 2, 3}, []string{"a", "b", "c"})
	fmt.Println(t.Len())
	// Output: 3
}

func ExampleTree_Verify() {
	t, _ := cow.Build([]int{1, 2, 3}, []string{"a", "b", "c"})
	fmt.Println(t.Verify())
	// Output: <nil>
}

// Diff walks two versions together and skips what they share.
func ExampleDiff() {
	v1, _ := cow.Build([]int{1, 2, 3}, []string{"a", "b", "c"})
	v2 := v1.Clone()
	v2.Set(2, "B")
	v2.Delete(3)
	v2.Set(4, "d")
	for c := range cow.Diff(v1, v2, func(a, b string) bool { return a == b }) {
		fmt.Printf("%d: %q(%v) -> %q(%v)\n", c.Key, c.Old, c.InOld, c.New, c.InNew)
	}
	// Output:
	// 2: "b"(true) -> "B"(true)
	// 3: "c"(true) -> ""(false)
	// 4: ""(false) -> "d"(true)
}

// A Builder loads entries that arrive in key order, from a file or a
// network stream, without collecting them first.
func ExampleBuilder() {
	b := cow.NewBuilder[int, string]()
	for i, name := range []string{"a", "b", "c"} {
		if err := b.Add(10*i, name); err != nil {
			panic(err)
		}
	}
	fmt.Println(b.Add(5, "late")) // keys must increase
	t := b.Tree()
	fmt.Println(t.Len(), t.Verify())
	// Output:
	// cow: keys not strictly increasing: key 5 after 20
	// 3 <nil>
}
