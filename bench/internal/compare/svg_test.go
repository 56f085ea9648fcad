package compare

import (
	"encoding/xml"
	"errors"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// svgDoc is what the tests read back from an SVG document.
type svgDoc struct {
	root  string
	paths []svgPath
	texts []string
}

// svgPath is one stroked path: its colour, whether it is dashed, its points.
type svgPath struct {
	stroke string
	dashed bool
	pts    [][2]float64
}

func parseSVG(t *testing.T, doc []byte) svgDoc {
	t.Helper()
	var d svgDoc
	dec := xml.NewDecoder(strings.NewReader(string(doc)))
	inText := false
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		switch tok := tok.(type) {
		case xml.StartElement:
			if d.root == "" {
				d.root = tok.Name.Local
			}
			attr := map[string]string{}
			for _, a := range tok.Attr {
				attr[a.Name.Local] = a.Value
			}
			switch tok.Name.Local {
			case "path":
				style := attr["style"]
				if !strings.Contains(style, "fill:none") {
					continue
				}
				p := svgPath{dashed: strings.Contains(style, "stroke-dasharray")}
				for _, kv := range strings.Split(style, ";") {
					if v, ok := strings.CutPrefix(kv, "stroke:"); ok {
						p.stroke = v
					}
				}
				// d is "Mx,yLx,yLx,y..." for a polyline.
				for _, seg := range strings.FieldsFunc(attr["d"], func(r rune) bool { return r == 'M' || r == 'L' }) {
					x, y, ok := strings.Cut(seg, ",")
					require.True(t, ok, "path %q", attr["d"])
					xv, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
					require.NoError(t, err)
					yv, err := strconv.ParseFloat(strings.TrimSpace(y), 64)
					require.NoError(t, err)
					p.pts = append(p.pts, [2]float64{xv, yv})
				}
				d.paths = append(d.paths, p)
			case "text":
				inText = true
			}
		case xml.CharData:
			if inText {
				d.texts = append(d.texts, string(tok))
			}
		case xml.EndElement:
			inText = false
		}
	}
	return d
}

// dataPaths returns the paths of colour stroke that are not legend
// thumbnails (a thumbnail is one horizontal segment).
func (d svgDoc) dataPaths(stroke string) []svgPath {
	var out []svgPath
	for _, p := range d.paths {
		if p.stroke != stroke {
			continue
		}
		if len(p.pts) == 2 && p.pts[0][1] == p.pts[1][1] {
			continue
		}
		out = append(out, p)
	}
	return out
}

func TestChart_WriteSVG(t *testing.T) {
	c := Chart{
		Title: "Search <fast> & slow", XLabel: "n", YLabel: "time", YFormat: TimeDecade,
		Series: []Series{
			{Name: "ours", Color: "#0072B2", Points: []Point{{1e3, 50}, {1e4, 80}, {1e6, 120}}},
			{Name: "theirs", Color: "#D55E00", Dashed: true, Points: []Point{{1e3, 1e3}, {1e5, 0}, {math.NaN(), 4}, {1e6, 1e6}}},
		},
	}
	var b strings.Builder
	require.NoError(t, c.WriteSVG(&b))
	d := parseSVG(t, []byte(b.String()))
	assert.Equal(t, "svg", d.root)
	for _, want := range []string{"Search <fast> & slow", "n", "time", "ours", "theirs", "10³", "10⁶", "10 ns", "1 µs"} {
		assert.Contains(t, d.texts, want, "title escaped and read back, labels, legend, decade ticks")
	}
	assert.Contains(t, b.String(), "font-family:Liberation Sans,Arial,Helvetica,sans-serif;")

	ours := d.dataPaths("#0072B2")
	require.Len(t, ours, 1)
	assert.False(t, ours[0].dashed)
	require.Len(t, ours[0].pts, 3)
	theirs := d.dataPaths("#D55E00")
	require.Len(t, theirs, 1, "zero and NaN points left out, the rest one line")
	assert.True(t, theirs[0].dashed)
	assert.Len(t, theirs[0].pts, 2)

	// Log scale: 10³ -> 10⁴ is one decade, 10⁴ -> 10⁶ two.
	p := ours[0].pts
	assert.InDelta(t, 2*(p[1][0]-p[0][0]), p[2][0]-p[1][0], 0.05)
	// The canvas's y grows upwards: 50 < 80 < 120.
	assert.Less(t, p[0][1], p[1][1])
	assert.Less(t, p[1][1], p[2][1])
}

func TestWriteGrid(t *testing.T) {
	charts := []Chart{
		{Title: "a", Series: []Series{{Name: "s", Color: "#123456", Points: []Point{{1, 1}, {10, 10}}}}},
		{Title: "b", Series: []Series{{Name: "s", Color: "#123456", Points: []Point{{1, 1}, {10, 10}}}}},
		{Title: "c"}, // no data: axes only
	}
	var b strings.Builder
	require.NoError(t, WriteGrid(&b, charts, 2))
	d := parseSVG(t, []byte(b.String()))
	for _, title := range []string{"a", "b", "c"} {
		assert.Contains(t, d.texts, title)
	}
	assert.Len(t, d.dataPaths("#123456"), 2, "one line per chart with data")
	assert.Contains(t, b.String(), `viewBox="0 0 1280 600"`, "two panels wide, two high")

	bad := []Chart{{Title: "x", Series: []Series{{Name: "s", Color: "blue", Points: []Point{{1, 1}}}}}}
	assert.ErrorContains(t, WriteGrid(io.Discard, bad, 1), `colour "blue"`)
}

func TestDecadeTicks(t *testing.T) {
	lo, hi := decadeBounds([]float64{37, 2e5})
	assert.Equal(t, 10.0, lo)
	assert.Equal(t, 1e6, hi)
	lo, hi = decadeBounds(nil)
	assert.Equal(t, [2]float64{1, 10}, [2]float64{lo, hi})
	lo, hi = decadeBounds([]float64{100, 100})
	assert.Equal(t, [2]float64{100, 1000}, [2]float64{lo, hi}, "one value: one decade")

	var labels []string
	minor := 0
	for _, tk := range decadeTicks(decade).Ticks(10, 1e4) {
		assert.True(t, tk.Value >= 10 && tk.Value <= 1e4, "%v", tk.Value)
		if tk.Label == "" {
			minor++
		} else {
			labels = append(labels, tk.Label)
		}
	}
	assert.Equal(t, []string{"10", "100", "10³", "10⁴"}, labels)
	assert.Equal(t, 3*8, minor, "2..9 in each of three decades")
}

func TestDecade(t *testing.T) {
	for v, want := range map[float64]string{1: "1", 10: "10", 100: "100", 1e3: "10³", 1e12: "10¹²", 1e-3: "10⁻³"} {
		assert.Equal(t, want, decade(v), "%v", v)
	}
}
