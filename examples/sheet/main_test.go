package main

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/flatseg/flatseg/internal/testenv"
)

// dense is the oracle: one entry per row, every question a loop.
type dense []Format

func (d dense) top(r Row) (y int64) {
	for _, f := range d[:r] {
		if !f.Hidden {
			y += int64(f.H)
		}
	}
	return y
}

func (d dense) rowAt(y int64) Row {
	var top int64
	for i, f := range d {
		if f.Hidden {
			continue
		}
		if top += int64(f.H); top > y {
			return Row(i)
		}
	}
	return -1
}

func (d dense) visible(a, b Row) (n int64) {
	for _, f := range d[a:b] {
		if !f.Hidden {
			n++
		}
	}
	return n
}

func (d dense) next(r Row) Row {
	for i := int(r); i < len(d); i++ {
		if !d[i].Hidden {
			return Row(i)
		}
	}
	return -1
}

func (d dense) prev(r Row) Row {
	for i := int(r); i >= 0; i-- {
		if !d[i].Hidden {
			return Row(i)
		}
	}
	return -1
}

// TestSheet applies random resizes, hides, shows, inserts and deletes to a
// Sheet and to a dense model, and checks every question after each edit.
func TestSheet(t *testing.T) {
	const rows = 300
	for seed := range uint64(testenv.Pick(t, 1, 8)) {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(seed, 1))
			s, err := NewSheet(rows)
			if err != nil {
				t.Fatal(err)
			}
			d := make(dense, rows)
			for i := range d {
				d[i] = Format{H: DefaultHeight}
			}
			for step := range 200 {
				a := Row(rng.IntN(rows))
				b := min(a+1+Row(rng.IntN(40)), rows)
				var what string
				switch op := rng.IntN(5); op {
				case 0:
					h := uint16(1 + rng.IntN(50))
					what, err = fmt.Sprintf("Resize(%d, %d, %d)", a, b, h), s.Resize(a, b, h)
					for i := a; i < b; i++ {
						d[i].H = h
					}
				case 1, 2:
					hidden := op == 1
					what, err = fmt.Sprintf("Hide(%d, %d, %t)", a, b, hidden), s.Hide(a, b, hidden)
					for i := a; i < b; i++ {
						d[i].Hidden = hidden
					}
				case 3:
					what, err = fmt.Sprintf("InsertRows(%d, %d)", a, b-a), s.InsertRows(a, b-a)
					copy(d[b:], d[a:])
					for i := a; i < b; i++ {
						d[i] = Format{H: DefaultHeight}
					}
				case 4:
					what, err = fmt.Sprintf("DeleteRows(%d, %d)", a, b), s.DeleteRows(a, b)
					n := copy(d[a:], d[b:])
					for i := int(a) + n; i < rows; i++ {
						d[i] = Format{H: DefaultHeight}
					}
				}
				if err != nil {
					t.Fatalf("step %d: %s: %v", step, what, err)
				}
				if err := s.t.Verify(); err != nil {
					t.Fatalf("step %d: %s: Verify: %v", step, what, err)
				}
				check(t, s, d, fmt.Sprintf("step %d, after %s", step, what))
			}
		})
	}
}

func check(t *testing.T, s *Sheet, d dense, where string) {
	t.Helper()
	if got, want := s.Height(), d.top(Row(len(d))); got != want {
		t.Fatalf("%s: Height() = %d, want %d", where, got, want)
	}
	for r := range Row(len(d)) {
		if got, want := s.Top(r), d.top(r); got != want {
			t.Fatalf("%s: Top(%d) = %d, want %d", where, r, got, want)
		}
		if got, want := s.NextVisible(r), d.next(r); got != want {
			t.Fatalf("%s: NextVisible(%d) = %d, want %d", where, r, got, want)
		}
		if got, want := s.PrevVisible(r), d.prev(r); got != want {
			t.Fatalf("%s: PrevVisible(%d) = %d, want %d", where, r, got, want)
		}
		if y := d.top(r); s.RowAt(y) != d.rowAt(y) {
			t.Fatalf("%s: RowAt(%d) = %d, want %d (the pixel offset of row %d)", where, y, s.RowAt(y), d.rowAt(y), r)
		}
		for _, b := range []Row{r + 1, r + 17, Row(len(d))} {
			if b <= Row(len(d)) {
				if got, want := s.Visible(r, b), d.visible(r, b); got != want {
					t.Fatalf("%s: Visible(%d, %d) = %d, want %d", where, r, b, got, want)
				}
			}
		}
	}
	for y := int64(0); y <= s.Height()+5; y += 7 {
		if got, want := s.RowAt(y), d.rowAt(y); got != want {
			t.Fatalf("%s: RowAt(%d) = %d, want %d", where, y, got, want)
		}
	}
}
