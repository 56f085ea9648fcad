package flatseg_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/flatseg/flatseg"
	"github.com/flatseg/flatseg/fst"
)

// A snapshot saved to a file and loaded into a new store: Snapshot.Encode,
// then fst.Decode and NewFrom. The file is written beside its final name,
// synced and renamed, so a crash never leaves half a snapshot under that
// name.
func ExampleMeasuredSnapshot_Encode() {
	s, _ := flatseg.New(0, 100, "free")
	_ = s.Update(func(tx *flatseg.Txn[int, string]) error {
		_, err := tx.Insert(10, 20, "alice")
		return err
	})

	dir, err := os.MkdirTemp("", "flatseg-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "bookings.fst")

	// Save.
	f, err := os.CreateTemp(dir, "bookings-*.tmp")
	if err != nil {
		panic(err)
	}
	n, err := s.Snapshot().Encode(f, fst.StringCodec[string]())
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
	defer f.Close()
	t, err := fst.Decode[int](f, fst.StringCodec[string]())
	if err != nil {
		panic(err) // errors.Is(err, fst.ErrCorrupt) for a damaged file
	}
	loaded, err := flatseg.NewFrom(t)
	if err != nil {
		panic(err)
	}
	sn := loaded.Snapshot()
	fmt.Println("loaded version", sn.Version())
	for seg := range sn.Segments() {
		fmt.Printf("[%d, %d) %s\n", seg.Start, seg.End, seg.Value)
	}
	// Output:
	// saved 55 bytes
	// loaded version 0
	// [0, 10) free
	// [10, 20) alice
	// [20, 100) free
}

// Replication: the leader commits a batch of writes and ships its encoding;
// a replica at the same version decodes and applies it, and ends up with the
// same version.
func ExampleMeasuredStore_Apply() {
	leader, _ := flatseg.New(0, 100, "free")
	replica, _ := flatseg.New(0, 100, "free")

	var b fst.Batch[int, string]
	b.Insert(10, 20, "alice")
	b.ShiftRight(0, 5, false)
	sn, err := leader.Apply(&b)
	if err != nil {
		panic(err)
	}
	entry, err := fst.AppendBatch(nil, &b, fst.StringCodec[string]())
	if err != nil {
		panic(err)
	}

	// On the replica, entry arrives from the log or the network.
	got, err := fst.DecodeBatch[int](entry, fst.StringCodec[string]())
	if err != nil {
		panic(err) // errors.Is(err, fst.ErrCorrupt) for a damaged entry
	}
	rsn, err := replica.Apply(got)
	if err != nil {
		panic(err)
	}
	fmt.Println("leader version", sn.Version(), "replica version", rsn.Version(),
		"identical:", sn.Tree().Equal(rsn.Tree()))
	for seg := range rsn.Segments() {
		fmt.Printf("[%d, %d) %s\n", seg.Start, seg.End, seg.Value)
	}
	// Output:
	// leader version 1 replica version 1 identical: true
	// [0, 15) free
	// [15, 25) alice
	// [25, 100) free
}
