package cow_test

import (
	"fmt"
	"maps"
	"testing"

	"github.com/flatseg/flatseg/internal/cow"
	"github.com/flatseg/flatseg/internal/testenv"
)

// appendTo appends to tr through LastLeaf and SpliceLast, as fst's Insert
// at the end does, and makes the same change to model: one or two entries
// after the last key, now and then replacing the last entry (never the
// leaf's first, which SpliceLast refuses to change). It returns the
// operation for the log.
func appendTo(t testing.TB, tr *cow.Plain[int64, int], model map[int64]int, a, b byte) string {
	t.Helper()
	l, ok := tr.LastLeaf()
	if !ok {
		tr.Set(int64(a%8), int(b))
		model[int64(a%8)] = int(b)
		return fmt.Sprintf("Set(%d,%d)", a%8, b)
	}
	n := l.Len()
	last, _ := l.EntryAt(n - 1)
	if k, _, ok := tr.Floor(1 << 40); !ok || k != last {
		t.Fatalf("LastLeaf's last entry is %d, the tree's %d", last, k)
	}
	at := n
	if a&4 != 0 && n > 1 {
		at = n - 1
	}
	k := last + 1 + int64(a%3)
	keys, vals := []int64{k}, []int{int(b)}
	if b&1 == 0 {
		keys, vals = append(keys, k+1+int64(b%4)), append(vals, int(a))
	}
	if !tr.SpliceLast(&l, at, n, keys, vals) {
		t.Fatalf("SpliceLast(%d, %d, %v) refused", at, n, keys)
	}
	if at < n {
		delete(model, last)
	}
	for i, k := range keys {
		model[k] = vals[i]
	}
	return fmt.Sprintf("Append(at %d of %d: %v -> %v)", at, n, keys, vals)
}

// runAppends interleaves runs of appends (half of the operations) with
// every other write of the model harness (Set, Delete, DeleteRange,
// Shift, Clone), Freeze, Clear and appends to the newest clone, checking
// after each what the harness checks: Verify (which checks that a last
// leaf the writer keeps is the tree's last and that the right edge is the
// writer's), the content of the tree and of every clone, and Diff from
// each clone. So an append through a kept last leaf that another write,
// a Clone or a Freeze should have let go of shows as a wrong content, a
// changed clone or a failed Verify.
func runAppends(t testing.TB, fanout int, ops []byte) {
	h := newHarness(t, fanout)
	for i := 0; i+2 < len(ops); i += 3 {
		op, a, b := ops[i], ops[i+1], ops[i+2]
		switch op % 16 {
		case 0, 1, 2, 3, 4, 5, 6, 7:
			h.log = append(h.log, appendTo(t, h.tree, h.model, a, b))
		case 8:
			h.log = append(h.log, "Freeze")
			h.tree.Freeze()
		case 9:
			h.log = append(h.log, "Clear")
			h.tree.Clear()
			clear(h.model)
		case 10:
			if len(h.old) == 0 {
				continue
			}
			j := len(h.old) - 1
			h.log = append(h.log, "to clone "+appendTo(t, h.old[j], h.oldExp[j], a, b))
			if err := h.old[j].Verify(nil); err != nil {
				h.fail("clone: Verify: %v", err)
			}
		default:
			h.step(op, a, b)
			continue
		}
		h.check()
	}
}

func TestTree_AppendsModel(t *testing.T) {
	t.Parallel()
	fanouts := testenv.Pick(t, []int{4, cow.MaxFanout}, []int{4, 5, 8, cow.MaxFanout})
	seededOps(t, fanouts, testenv.Pick(t, 2, 60), 9, 3*600, runAppends)
}

func FuzzTreeAppends(f *testing.F) {
	f.Add([]byte{0, 1, 2, 1, 3, 4, 8, 0, 0, 2, 60, 7, 15, 0, 0, 10, 6, 250, 0, 1, 1})
	f.Fuzz(func(t *testing.T, ops []byte) {
		runAppends(t, 4, ops[:min(len(ops), 3*150)])
	})
}

// TestTree_AppendsAfterClone: a clone taken between appends keeps its
// content whichever of the two trees appends next, and appends to the
// clone never show in the original: the kept last leaf is shared with the
// clone, so neither may write it in place.
func TestTree_AppendsAfterClone(t *testing.T) {
	t.Parallel()
	for _, fan := range []int{4, cow.MaxFanout} {
		tr := cow.NewFanout[int64, int](fan)
		model := map[int64]int{}
		for i := range 300 {
			appendTo(t, tr, model, byte(i), byte(i*7))
			if i%23 != 5 {
				continue
			}
			c, cm := tr.Clone(), maps.Clone(model)
			for j := range 60 { // enough to split the last leaf of either
				if j%2 == 0 {
					appendTo(t, tr, model, byte(j), 1)
				} else {
					appendTo(t, c, cm, byte(j+1), 2)
				}
			}
			for _, x := range []struct {
				tr   *cow.Plain[int64, int]
				want map[int64]int
				what string
			}{{tr, model, "tree"}, {c, cm, "clone"}} {
				if err := x.tr.Verify(nil); err != nil {
					t.Fatalf("fanout %d, append %d: %s: %v", fan, i, x.what, err)
				}
				if got := maps.Collect(x.tr.All()); !maps.Equal(got, x.want) {
					t.Fatalf("fanout %d, append %d: %s holds %v, want %v", fan, i, x.what, got, x.want)
				}
			}
		}
	}
}
