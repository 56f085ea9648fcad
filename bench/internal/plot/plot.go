// Package plot writes small log-log line charts as standalone SVG, for the
// results of bench/cmd/compare. It has no dependencies beyond the standard
// library: a chart is a title, two axis labels and a few named series.
package plot

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strings"
)

// Point is one (x, y) sample. Points with a non-positive or non-finite
// coordinate cannot be drawn on a log scale and are skipped.
type Point struct{ X, Y float64 }

// Series is one line of a chart.
type Series struct {
	Name   string
	Points []Point
	Dashed bool
	// Color is any SVG color; empty picks one from the palette by index.
	Color string
}

// Chart is a log-log line chart.
type Chart struct {
	Title          string
	XLabel, YLabel string
	// XFormat and YFormat label the decade ticks; nil uses [Decade].
	XFormat, YFormat func(float64) string
	Series           []Series
}

// Palette is the default series colors (colour-blind-safe, Okabe-Ito).
var Palette = []string{"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442", "#999999"}

// Size of one chart panel, in SVG user units.
const (
	panelW = 720
	panelH = 360
	left   = 72  // room for y tick labels
	right  = 270 // room for the legend
	top    = 34
	bottom = 48
)

// Decade formats a power of ten as 10ⁿ (or 1, 10, 100).
func Decade(v float64) string {
	e := int(math.Round(math.Log10(v)))
	switch e {
	case 0:
		return "1"
	case 1:
		return "10"
	case 2:
		return "100"
	}
	return "10" + superscript(e)
}

func superscript(n int) string {
	const digits = "⁰¹²³⁴⁵⁶⁷⁸⁹"
	var b strings.Builder
	if n < 0 {
		b.WriteString("⁻")
		n = -n
	}
	s := fmt.Sprint(n)
	for _, c := range s {
		b.WriteString(string([]rune(digits)[c-'0']))
	}
	return b.String()
}

// WriteSVG writes c as a standalone SVG document.
func (c Chart) WriteSVG(w io.Writer) error {
	return Grid(w, []Chart{c}, 1)
}

// Grid writes charts as one SVG document, cols panels per row.
func Grid(w io.Writer, charts []Chart, cols int) error {
	if cols < 1 {
		cols = 1
	}
	rows := (len(charts) + cols - 1) / cols
	bw := bufio.NewWriter(w)
	W, H := cols*panelW, max(rows, 1)*panelH
	fmt.Fprintf(bw, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="Helvetica, Arial, sans-serif" font-size="12">`+"\n", W, H, W, H)
	fmt.Fprintf(bw, `<rect x="0" y="0" width="%d" height="%d" fill="white"/>`+"\n", W, H)
	for i, c := range charts {
		fmt.Fprintf(bw, `<g transform="translate(%d,%d)">`+"\n", (i%cols)*panelW, (i/cols)*panelH)
		c.panel(bw)
		fmt.Fprintln(bw, `</g>`)
	}
	fmt.Fprintln(bw, `</svg>`)
	return bw.Flush()
}

// bounds returns the decade-aligned log10 range covering vals.
func bounds(vals []float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, v := range vals {
		l := math.Log10(v)
		lo, hi = min(lo, l), max(hi, l)
	}
	if math.IsInf(lo, 0) {
		return 0, 1
	}
	lo, hi = math.Floor(lo), math.Ceil(hi)
	if hi <= lo {
		hi = lo + 1
	}
	return lo, hi
}

func drawable(p Point) bool {
	ok := func(v float64) bool { return v > 0 && !math.IsInf(v, 0) && !math.IsNaN(v) }
	return ok(p.X) && ok(p.Y)
}

func (c Chart) panel(w *bufio.Writer) {
	var xs, ys []float64
	for _, s := range c.Series {
		for _, p := range s.Points {
			if drawable(p) {
				xs, ys = append(xs, p.X), append(ys, p.Y)
			}
		}
	}
	x0, x1 := bounds(xs)
	y0, y1 := bounds(ys)
	pw, ph := float64(panelW-left-right), float64(panelH-top-bottom)
	px := func(x float64) float64 { return left + (math.Log10(x)-x0)/(x1-x0)*pw }
	py := func(y float64) float64 { return top + (1-(math.Log10(y)-y0)/(y1-y0))*ph }
	xf, yf := c.XFormat, c.YFormat
	if xf == nil {
		xf = Decade
	}
	if yf == nil {
		yf = Decade
	}

	fmt.Fprintf(w, `<text x="%d" y="20" font-size="14" font-weight="bold">%s</text>`+"\n", left, esc(c.Title))
	// Grid lines and ticks at every decade; faint minor lines at 2..9.
	for e := x0; e <= x1; e++ {
		x := px(math.Pow(10, e))
		fmt.Fprintf(w, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%.1f" stroke="#ddd"/>`+"\n", x, top, x, top+ph)
		fmt.Fprintf(w, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`+"\n", x, top+ph+16, esc(xf(math.Pow(10, e))))
	}
	for e := y0; e <= y1; e++ {
		y := py(math.Pow(10, e))
		fmt.Fprintf(w, `<line x1="%d" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#ddd"/>`+"\n", left, y, left+pw, y)
		fmt.Fprintf(w, `<text x="%d" y="%.1f" text-anchor="end" dominant-baseline="middle">%s</text>`+"\n", left-6, y, esc(yf(math.Pow(10, e))))
		if e < y1 {
			for m := 2.0; m < 10; m++ {
				ym := py(m * math.Pow(10, e))
				fmt.Fprintf(w, `<line x1="%d" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#f2f2f2"/>`+"\n", left, ym, left+pw, ym)
			}
		}
	}
	fmt.Fprintf(w, `<rect x="%d" y="%d" width="%.1f" height="%.1f" fill="none" stroke="#888"/>`+"\n", left, top, pw, ph)
	fmt.Fprintf(w, `<text x="%.1f" y="%d" text-anchor="middle">%s</text>`+"\n", left+pw/2, panelH-12, esc(c.XLabel))
	fmt.Fprintf(w, `<text transform="translate(16,%.1f) rotate(-90)" text-anchor="middle">%s</text>`+"\n", top+ph/2, esc(c.YLabel))

	for i, s := range c.Series {
		color := s.Color
		if color == "" {
			color = Palette[i%len(Palette)]
		}
		dash := ""
		if s.Dashed {
			dash = ` stroke-dasharray="6,4"`
		}
		var pts []string
		for _, p := range s.Points {
			if drawable(p) {
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", px(p.X), py(p.Y)))
			}
		}
		if len(pts) > 0 {
			fmt.Fprintf(w, `<polyline fill="none" stroke="%s" stroke-width="2"%s points="%s"/>`+"\n", color, dash, strings.Join(pts, " "))
			for _, p := range pts {
				xy := strings.SplitN(p, ",", 2)
				fmt.Fprintf(w, `<circle cx="%s" cy="%s" r="3" fill="%s"/>`+"\n", xy[0], xy[1], color)
			}
		}
		// Legend entry.
		ly := float64(top + 8 + 18*i)
		lx := left + pw + 12
		fmt.Fprintf(w, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="2"%s/>`+"\n", lx, ly, lx+22, ly, color, dash)
		fmt.Fprintf(w, `<text x="%.1f" y="%.1f" dominant-baseline="middle" font-size="11">%s</text>`+"\n", lx+28, ly, esc(s.Name))
	}
}

func esc(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '"':
			b.WriteString("&quot;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
