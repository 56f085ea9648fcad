package flatseg

import (
	"context"
	"fmt"

	"github.com/flatseg/flatseg/fst"
	"github.com/flatseg/flatseg/internal/span"
)

// Wait returns the head as soon as its version is greater than after,
// blocking until a commit publishes one or ctx is done, in which case it
// returns nil and ctx.Err(). It does not poll: it sleeps on the
// [MeasuredSnapshot.Stale] channel of the head, which each publish closes, and a
// slow or abandoned waiter never delays a writer. If a newer version
// already exists, Wait returns it at once, even if ctx is done. Versions
// published in between are skipped: Wait returns the latest one. Wait is
// safe for concurrent use and costs O(1) per wake-up.
func (s *MeasuredStore[K, V, M]) Wait(ctx context.Context, after uint64) (*MeasuredSnapshot[K, V, M], error) {
	for {
		head := s.Snapshot()
		if head.version > after {
			return head, nil
		}
		select {
		case <-head.stale:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// WaitFor returns the head as soon as its version is at least version:
// at once when it already is (WaitFor(ctx, 0) never waits), otherwise as
// [MeasuredStore.Wait] does, or nil and ctx.Err() when ctx is done first. It is the
// read-your-writes wait: given the snapshot sn a write returned, possibly
// on another node of package replica, WaitFor(ctx, sn.Version()) returns a
// snapshot that holds the write.
func (s *MeasuredStore[K, V, M]) WaitFor(ctx context.Context, version uint64) (*MeasuredSnapshot[K, V, M], error) {
	if version == 0 {
		return s.Snapshot(), nil
	}
	return s.Wait(ctx, version-1)
}

// WaitRange returns the first head it sees whose contents over
// [start, end) differ from those of held, blocking until a commit publishes
// one or ctx is done, in which case it returns nil and ctx.Err(). Commits
// that change only keys outside [start, end) do not wake the caller; a
// range whose values change and then change back before WaitRange looks is
// not reported. held must be a snapshot of s.
//
// Like [MeasuredStore.Wait] it does not poll and never delays a writer.
// Writers do no extra work for it: on each wake-up WaitRange compares the
// last version it checked with the new head over [start, end) only, with
// [fst.DiffRange], which reaches start in O(log n), skips the subtrees the
// two versions share there and merges the segments of the rest. So a
// wake-up costs O(k + log n) at most, for k segments in the range, whatever
// the commits in between did elsewhere (a shift before the range moves
// every segment in it: then all k are read, up to the first that
// changed), and O(log n) when the range's subtrees are shared. When the
// range is unchanged, the new head becomes the base of the next check.
//
// WaitRange returns an error wrapping [ErrForeignSnapshot] if held is nil
// or a snapshot of another store (it would never be overtaken by this
// store's versions), and the error [fst.Measured.Insert] would return for the
// range: [fst.ErrNaN] if start or end is NaN, [fst.ErrInvalidRange] unless
// start < end, and [fst.ErrOutOfSpan] if [start, end) shares no key with
// the span of the store.
func (s *MeasuredStore[K, V, M]) WaitRange(ctx context.Context, held *MeasuredSnapshot[K, V, M], start, end K) (*MeasuredSnapshot[K, V, M], error) {
	if held == nil || held.store != s {
		return nil, fmt.Errorf("%w: WaitRange", ErrForeignSnapshot)
	}
	if err := span.Check(held.MinKey(), held.MaxKey(), start, end); err != nil {
		return nil, fmt.Errorf("flatseg: WaitRange: %w", err)
	}
	base := held
	for {
		head := s.Snapshot()
		if head.version > base.version {
			if changedWithin(base, head, start, end) {
				return head, nil
			}
			base = head
		}
		select {
		case <-head.stale:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// changedWithin reports whether a and b differ somewhere in [start, end):
// the first range [fst.DiffRange] yields, which walks only that range.
func changedWithin[K fst.Key, V, M any](a, b *MeasuredSnapshot[K, V, M], start, end K) bool {
	for range fst.DiffRange(a.tree, b.tree, start, end) {
		return true
	}
	return false
}
