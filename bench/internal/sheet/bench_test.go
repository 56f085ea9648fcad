package sheet

import (
	"fmt"
	"testing"
)

// BenchmarkAsk times one question of each kind on the first round's
// questions of a seeded script, for each Go way: the cells of
// cmd/sheet's tables under go test's profilers (-cpuprofile). For
// example:
//
//	go -C bench test ./internal/sheet -run '^$' -bench 'Ask/way=fst-measured/.*/rows=1000000' -cpuprofile cpu.out
func BenchmarkAsk(b *testing.B) {
	for _, rows := range []Row{10_000, 1_000_000} {
		s, err := Generate(NewSize(rows), 1)
		if err != nil {
			b.Fatal(err)
		}
		for _, w := range GoWays() {
			sh := w.New(s)
			for _, q := range Questions {
				qs := s.Rounds[0].Questions[q]
				out := make([]int64, len(qs))
				b.Run(fmt.Sprintf("way=%s/q=%s/rows=%d", w.ID, q.ID(), rows), func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						ask(sh, q, qs, out)
					}
					b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(qs)), "ns/answer")
				})
			}
		}
	}
}
