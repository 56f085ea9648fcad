package fst_test

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"

	"github.com/flatseg/flatseg/fst"
)

// A tree saved to a file and loaded back. Encode streams (it never holds the
// whole tree) and Decode verifies every frame's checksum as it reads: a
// damaged or truncated file gives an error wrapping ErrCorrupt, never a
// wrong tree.
func Example_saveAndLoad() {
	t, _ := fst.New[int64, int64](0, 500, 0)
	t.Insert(10, 20, 10)
	t.Insert(50, 70, 15)
	t.Insert(60, 65, 5)

	dir, err := os.MkdirTemp("", "fst-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "tree.fst")

	// Save: write a temporary file, sync it, rename it into place.
	f, err := os.CreateTemp(dir, "tree-*.tmp")
	if err != nil {
		panic(err)
	}
	n, err := fst.Encode(f, t, fst.NumberCodec[int64]())
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		panic(err)
	}
	fmt.Println("saved", n, "bytes")

	// Load.
	f, err = os.Open(path)
	if err != nil {
		panic(err)
	}
	loaded, err := fst.Decode[int64](f, fst.NumberCodec[int64]())
	f.Close()
	if err != nil {
		panic(err)
	}
	fmt.Println("equal:", loaded.Equal(t))
	for seg := range loaded.Segments() {
		fmt.Printf("[%d, %d): %d\n", seg.Start, seg.End, seg.Value)
	}

	// A damaged file is refused.
	data, _ := os.ReadFile(path)
	data[30] ^= 1
	_ = os.WriteFile(path, data, 0o644)
	f, _ = os.Open(path)
	defer f.Close()
	_, err = fst.Decode[int64](f, fst.NumberCodec[int64]())
	fmt.Println("damaged:", errors.Is(err, fst.ErrCorrupt))
	// Output:
	// saved 46 bytes
	// equal: true
	// [0, 10): 0
	// [10, 20): 10
	// [20, 50): 0
	// [50, 60): 15
	// [60, 65): 5
	// [65, 70): 15
	// [70, 500): 0
	// damaged: true
}

// A batch records writes; Apply runs them all or none, and AppendBatch and
// DecodeBatch carry them to another tree, which ends up identical.
func ExampleBatch() {
	primary, _ := fst.New(0, 100, "free")
	replica := primary.Clone()

	var b fst.Batch[int, string]
	b.Insert(10, 20, "alice")
	b.ShiftRight(0, 5, false)
	if err := b.Apply(primary); err != nil {
		panic(err)
	}
	entry, err := fst.AppendBatch(nil, &b, fst.StringCodec[string]())
	if err != nil {
		panic(err)
	}

	got, err := fst.DecodeBatch[int](entry, fst.StringCodec[string]())
	if err != nil {
		panic(err)
	}
	for i, op := range got.All() {
		fmt.Println(i, op)
	}
	if err := got.Apply(replica); err != nil {
		panic(err)
	}
	fmt.Println("identical:", replica.Equal(primary))

	// All or nothing: the second write fails, so the first is not applied.
	var bad fst.Batch[int, string]
	bad.Insert(0, 5, "bob")
	bad.ShiftLeft(50, 500)
	err = bad.Apply(replica)
	fmt.Println(errors.Is(err, fst.ErrOutOfSpan), replica.Equal(primary))
	// Output:
	// 0 Insert(10, 20, alice)
	// 1 ShiftRight(0, 5, false)
	// identical: true
	// true true
}

// BinaryCodec encodes any value with MarshalBinary and UnmarshalBinary, such
// as netip.Addr.
func ExampleBinaryCodec() {
	owners, _ := fst.New[uint16](0, 1024, netip.Addr{})
	owners.Insert(80, 90, netip.MustParseAddr("10.0.0.7"))

	f, err := os.CreateTemp("", "ports-*.fst")
	if err != nil {
		panic(err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	if _, err := fst.Encode(f, owners, fst.BinaryCodec[netip.Addr]()); err != nil {
		panic(err)
	}
	if _, err := f.Seek(0, 0); err != nil {
		panic(err)
	}
	loaded, err := fst.Decode[uint16](f, fst.BinaryCodec[netip.Addr]())
	if err != nil {
		panic(err)
	}
	seg, _ := loaded.Search(85)
	fmt.Printf("port 85: [%d, %d) %v\n", seg.Start, seg.End, seg.Value)
	// Output:
	// port 85: [80, 90) 10.0.0.7
}
