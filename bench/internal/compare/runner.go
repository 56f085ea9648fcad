package compare

import (
	"fmt"
	"iter"
	"time"

	"github.com/flatseg/flatseg/fst"
)

// mix folds x into the running checksum h. The C++ driver computes the same
// checksum, so implementations that ran the same ops must agree.
func mix(h uint64, x int64) uint64 { return (h ^ uint64(x)) * 0x100000001b3 }

func mixSeg(h uint64, s, e Key, v Val) uint64 { return mix(h, s^(e<<21)^(v<<42)) }

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// fingerprint hashes a sequence of segments; the driver's matches it.
func fingerprint(segs iter.Seq[fst.Segment[Key, Val]]) uint64 {
	var h uint64
	for s := range segs {
		h = mixSeg(h, s.Start, s.End, s.Value)
	}
	return h
}

// sink keeps clones alive past the op that made them, so that the compiler
// cannot drop the work. It is only written, which is its point.
//
//lint:ignore U1000 written only, so that timed clones escape and stay
var sink structure

// runner applies op streams to one structure and folds the results into a
// checksum, the same for every implementation (the C++ driver included)
// that ran the same ops. It is the one op loop of the comparison.
type runner struct {
	x   structure
	h   uint64
	err error // the first failed op
}

func (r *runner) run(ops []Op) {
	for i := range ops {
		op := &ops[i]
		var (
			changed bool
			err     error
		)
		switch op.Kind {
		case OpSearch:
			if s, ok := r.x.Search(op.A); ok {
				r.h = mixSeg(r.h, s.Start, s.End, s.Value)
			}
		case OpInsert, OpAppend:
			changed, err = r.x.Insert(op.A, op.B, op.C)
			r.h = mix(r.h, b2i(changed))
		case OpShiftLeft:
			err = r.x.ShiftLeft(op.A, op.B)
		case OpShiftRight:
			err = r.x.ShiftRight(op.A, op.B, op.C != 0)
		case OpClone:
			sink = r.x.Clone()
		case OpCloneInsert:
			c := r.x.Clone()
			changed, err = c.Insert(op.A, op.B, op.C)
			r.h = mix(r.h, b2i(changed))
			sink = c
		case OpIterate:
			var acc int64
			for s := range r.x.Segments() {
				acc += s.Start ^ s.Value
			}
			r.h = mix(r.h, acc)
		}
		if err != nil && r.err == nil {
			r.err = errorf(op, err)
		}
	}
}

// errorf wraps the error of op for a cell's report.
func errorf(op *Op, err error) error {
	return fmt.Errorf("%v %d %d %d: %w", op.Kind, op.A, op.B, op.C, err)
}

// finish completes pending writes (the batched Store's last commit).
func (r *runner) finish() {
	if f, ok := r.x.(flusher); ok {
		if err := f.flush(); err != nil && r.err == nil {
			r.err = err
		}
	}
}

// state fingerprints the segments the structure holds (untimed, after
// finish).
func (r *runner) state() uint64 { return fingerprint(r.x.Segments()) }

// measure runs ops on r in chunks of doubling size until the stream ends or
// budget has passed, and returns how many ops ran and how long they took,
// finish included.
func measure(r *runner, ops []Op, budget time.Duration) (int, time.Duration) {
	done, chunk := 0, 1
	start := time.Now()
	for done < len(ops) {
		end := min(len(ops), done+chunk)
		r.run(ops[done:end])
		done = end
		if time.Since(start) >= budget {
			break
		}
		chunk *= 2
	}
	r.finish()
	return done, time.Since(start)
}
