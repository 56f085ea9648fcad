package compare

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// Chart is one log-log line chart of the report: n on the x axis, a time,
// size or rate on the y axis. svg.go draws it.
type Chart struct {
	Title, XLabel, YLabel string
	// YFormat labels the decades of the y axis; nil writes 10ⁿ.
	YFormat func(float64) string
	Series  []Series
}

// Series is one line of a [Chart]. Points with a non-positive or non-finite
// coordinate cannot sit on a log scale and are left out.
type Series struct {
	Name   string
	Color  string // #rrggbb
	Dashed bool
	Points []Point // in increasing X
}

// Point is one (x, y) sample of a [Series].
type Point struct{ X, Y float64 }

// TimeDecade labels a power of ten of nanoseconds.
func TimeDecade(ns float64) string {
	e := int(math.Round(math.Log10(ns)))
	units := []string{"ns", "µs", "ms", "s"}
	u := min(max(e/3, 0), len(units)-1)
	return fmt.Sprintf("%g %s", math.Pow(10, float64(e-3*u)), units[u])
}

func rateDecade(v float64) string {
	e := int(math.Round(math.Log10(v)))
	switch {
	case e >= 6:
		return fmt.Sprintf("%gM", math.Pow(10, float64(e-6)))
	case e >= 3:
		return fmt.Sprintf("%gk", math.Pow(10, float64(e-3)))
	}
	return fmt.Sprintf("%g", math.Pow(10, float64(e)))
}

// series returns the line of implementation id in context, with the
// colour of its entry in [Impls]; other implementations' lines are dashed.
func (r *Results) series(context, id string, points []Point) Series {
	im, _ := implByID(id)
	slices.SortFunc(points, func(a, b Point) int { return cmp.Compare(a.X, b.X) })
	return Series{Name: LabelIn(context, id, r.Meta.Batch), Color: im.Color, Dashed: !im.Ours, Points: points}
}

// Charts returns the plots: one per workload, memory and throughput.
func (r *Results) Charts() map[string]Chart {
	out := map[string]Chart{}
	for _, wl := range Workloads {
		ids := r.implsOf(wl.Name)
		if len(ids) == 0 {
			continue
		}
		c := Chart{Title: wl.Title, XLabel: "n (segments)", YLabel: "time per " + wl.Unit, YFormat: TimeDecade}
		for _, id := range ids {
			var ps []Point
			for _, cl := range r.Cells {
				if cl.Workload == wl.Name && cl.Impl == id && cl.ok() {
					ps = append(ps, Point{X: float64(cl.N), Y: cl.Ns})
				}
			}
			c.Series = append(c.Series, r.series(wl.Name, id, ps))
		}
		out[wl.Name] = c
	}
	mem := Chart{Title: "Memory per segment", XLabel: "n (segments)", YLabel: "bytes per segment"}
	for _, id := range r.memImpls() {
		var ps []Point
		for _, m := range r.Memory {
			if m.Impl == id {
				ps = append(ps, Point{X: float64(m.N), Y: m.PerSegment})
			}
		}
		mem.Series = append(mem.Series, r.series(InMemory, id, ps))
	}
	out["memory"] = mem
	title := fmt.Sprintf("Reader throughput, %d reader(s); dashed: with a writer", r.Meta.Readers)
	if r.Meta.WriteRate > 0 {
		title += fmt.Sprintf(" (≤%s writes/s)", rate(r.Meta.WriteRate))
	}
	tp := Chart{Title: title, XLabel: "n (segments)", YLabel: "reads per second", YFormat: rateDecade}
	for _, id := range r.tputImpls() {
		for _, writer := range []bool{false, true} {
			var ps []Point
			for _, t := range r.Throughput {
				if t.Impl == id && t.Writer == writer {
					ps = append(ps, Point{X: float64(t.N), Y: t.Reads})
				}
			}
			if len(ps) == 0 {
				continue
			}
			s := r.series(InThroughput, id, ps)
			if s.Dashed = writer; writer {
				s.Name += " + writer"
			}
			tp.Series = append(tp.Series, s)
		}
	}
	out["throughput"] = tp
	return out
}
