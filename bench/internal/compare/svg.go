package compare

import (
	"bytes"
	"fmt"
	"image/color"
	"io"
	"math"
	"strconv"

	xfont "golang.org/x/image/font"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// The charts are drawn with gonum.org/v1/plot: its log scale, tick layout,
// legend and SVG canvas replace a hand-written SVG writer. Each panel is a
// plot with its legend beside it, to the right, so that a legend of eleven
// lines never hides data.

// Size of one chart panel.
const (
	panelW = 640 * vg.Inch / 72
	panelH = 300 * vg.Inch / 72
	// gap between the plot and its legend, and the legend's margin
	legendGap = 8 * vg.Inch / 72
	// margin around each panel
	margin = 6 * vg.Inch / 72
)

var (
	sans     = font.Font{Typeface: "Liberation", Variant: "Sans"}
	sansBold = font.Font{Typeface: "Liberation", Variant: "Sans", Weight: xfont.WeightBold}

	gridStyle = draw.LineStyle{Color: color.Gray{Y: 0xdd}, Width: vg.Points(0.5)}
	dashes    = []vg.Length{vg.Points(5), vg.Points(3)}
)

// WriteSVG writes c as a standalone SVG document.
func (c Chart) WriteSVG(w io.Writer) error {
	return WriteGrid(w, []Chart{c}, 1)
}

// WriteGrid writes charts as one SVG document, cols panels per row.
func WriteGrid(w io.Writer, charts []Chart, cols int) error {
	cols = max(cols, 1)
	rows := max((len(charts)+cols-1)/cols, 1)
	canvas := vgsvg.New(vg.Length(cols)*panelW, vg.Length(rows)*panelH)
	dc := draw.New(canvas)
	r := dc.Rectangle
	dc.FillPolygon(color.White, []vg.Point{r.Min, {X: r.Max.X, Y: r.Min.Y}, r.Max, {X: r.Min.X, Y: r.Max.Y}})
	tiles := draw.Tiles{Rows: rows, Cols: cols}
	for i, c := range charts {
		if err := c.draw(tiles.At(dc, i%cols, i/cols)); err != nil {
			return fmt.Errorf("chart %q: %w", c.Title, err)
		}
	}
	var b bytes.Buffer
	if _, err := canvas.WriteTo(&b); err != nil {
		return err
	}
	// The canvas names the font whose metrics laid the text out (Liberation
	// Sans) and nothing else; a viewer without it would fall back to a serif
	// font. Arial and Helvetica have the same metrics.
	svg := bytes.ReplaceAll(b.Bytes(), []byte("font-family:Liberation Sans;"), []byte("font-family:Liberation Sans,Arial,Helvetica,sans-serif;"))
	_, err := w.Write(svg)
	return err
}

// draw draws the chart, its legend to the right of the plot, on dc.
func (c Chart) draw(dc draw.Canvas) error {
	dc = draw.Crop(dc, margin, -margin, margin, -margin)
	p := plot.New()
	p.Title.Text = c.Title
	p.Title.TextStyle.Font = font.From(sansBold, 11)
	p.X.Label.Text, p.Y.Label.Text = c.XLabel, c.YLabel
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = font.From(sans, 10)
		a.Tick.Label.Font = font.From(sans, 9)
		a.Scale = plot.LogScale{}
	}
	yf := c.YFormat
	if yf == nil {
		yf = decade
	}
	var xs, ys []float64
	for _, s := range c.Series {
		for _, pt := range s.Points {
			if drawable(pt) {
				xs, ys = append(xs, pt.X), append(ys, pt.Y)
			}
		}
	}
	p.X.Min, p.X.Max = decadeBounds(xs)
	p.Y.Min, p.Y.Max = decadeBounds(ys)
	p.X.Tick.Marker = decadeTicks(decade)
	p.Y.Tick.Marker = decadeTicks(yf)
	p.Add(&plotter.Grid{Vertical: gridStyle, Horizontal: gridStyle})

	legend := plot.NewLegend()
	legend.TextStyle.Font = font.From(sans, 9)
	legend.Top, legend.Left = true, true
	legend.Padding = vg.Points(2.5)
	for _, s := range c.Series {
		style, err := lineStyle(s)
		if err != nil {
			return err
		}
		var xys plotter.XYs
		for _, pt := range s.Points {
			if drawable(pt) {
				xys = append(xys, plotter.XY{X: pt.X, Y: pt.Y})
			}
		}
		if len(xys) > 0 {
			line, dots, err := plotter.NewLinePoints(xys)
			if err != nil {
				return fmt.Errorf("series %q: %w", s.Name, err)
			}
			line.LineStyle = style
			dots.GlyphStyle = draw.GlyphStyle{Color: style.Color, Radius: vg.Points(2.2), Shape: draw.CircleGlyph{}}
			p.Add(line, dots)
		}
		legend.Add(s.Name, &plotter.Line{LineStyle: style})
	}

	lr := legend.Rectangle(dc)
	legendW := lr.Max.X - lr.Min.X + 2*legendGap
	p.Draw(draw.Crop(dc, 0, -legendW, 0, 0))
	// The legend's first line sits level with the top of the plot area,
	// below the title.
	top := p.Title.TextStyle.Height(c.Title) + p.Title.Padding + vg.Points(4)
	legend.Draw(draw.Crop(dc, dc.Max.X-dc.Min.X-legendW+legendGap, -legendGap, 0, -top))
	return nil
}

// lineStyle returns the stroke of series s: its colour, dashed if s.Dashed.
func lineStyle(s Series) (draw.LineStyle, error) {
	clr, err := parseHex(s.Color)
	if err != nil {
		return draw.LineStyle{}, fmt.Errorf("series %q: %w", s.Name, err)
	}
	st := draw.LineStyle{Color: clr, Width: vg.Points(1.5)}
	if s.Dashed {
		st.Dashes = dashes
	}
	return st, nil
}

// parseHex parses a #rrggbb colour; "" is black.
func parseHex(s string) (color.Color, error) {
	if s == "" {
		return color.Black, nil
	}
	if len(s) != 7 || s[0] != '#' {
		return nil, fmt.Errorf("colour %q: want #rrggbb", s)
	}
	v, err := strconv.ParseUint(s[1:], 16, 32)
	if err != nil {
		return nil, fmt.Errorf("colour %q: want #rrggbb", s)
	}
	return color.RGBA{R: uint8(v >> 16), G: uint8(v >> 8), B: uint8(v), A: 0xff}, nil
}

// drawable reports whether p can sit on a log-log plot.
func drawable(p Point) bool {
	ok := func(v float64) bool { return v > 0 && !math.IsInf(v, 0) && !math.IsNaN(v) }
	return ok(p.X) && ok(p.Y)
}

// decadeBounds returns the powers of ten just below and above vals (1 and
// 10 for none).
func decadeBounds(vals []float64) (lo, hi float64) {
	if len(vals) == 0 {
		return 1, 10
	}
	l, h := math.Inf(1), math.Inf(-1)
	for _, v := range vals {
		l, h = min(l, math.Log10(v)), max(h, math.Log10(v))
	}
	l, h = math.Floor(l), math.Ceil(h)
	if h <= l {
		h = l + 1
	}
	return math.Pow(10, l), math.Pow(10, h)
}

// decadeTicks marks every power of ten in the axis's range with a label
// from format, and 2..9 times each with a minor tick.
func decadeTicks(format func(float64) string) plot.Ticker {
	return plot.TickerFunc(func(lo, hi float64) []plot.Tick {
		var ticks []plot.Tick
		for e := math.Floor(math.Log10(lo)); e <= math.Ceil(math.Log10(hi)); e++ {
			v := math.Pow(10, e)
			if v >= lo*(1-1e-9) && v <= hi*(1+1e-9) {
				ticks = append(ticks, plot.Tick{Value: v, Label: format(v)})
			}
			for m := 2.0; m < 10; m++ {
				if mv := m * v; mv > lo && mv < hi {
					ticks = append(ticks, plot.Tick{Value: mv})
				}
			}
		}
		return ticks
	})
}
