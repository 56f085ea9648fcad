package plot

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

// parsed is what the tests read back from an SVG document.
type parsed struct {
	width, height float64
	polylines     []string // points attributes
	dashed        int
	texts         []string
}

func parse(t *testing.T, doc string) parsed {
	t.Helper()
	var p parsed
	dec := xml.NewDecoder(strings.NewReader(doc))
	inText := false
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		switch tok := tok.(type) {
		case xml.StartElement:
			attr := map[string]string{}
			for _, a := range tok.Attr {
				attr[a.Name.Local] = a.Value
			}
			switch tok.Name.Local {
			case "svg":
				p.width, _ = strconv.ParseFloat(attr["width"], 64)
				p.height, _ = strconv.ParseFloat(attr["height"], 64)
			case "polyline":
				p.polylines = append(p.polylines, attr["points"])
				if attr["stroke-dasharray"] != "" {
					p.dashed++
				}
			case "text":
				inText = true
			}
		case xml.CharData:
			if inText {
				p.texts = append(p.texts, string(tok))
			}
		case xml.EndElement:
			inText = false
		}
	}
	return p
}

func TestChart_WriteSVG(t *testing.T) {
	c := Chart{
		Title: "Search <fast> & slow", XLabel: "n", YLabel: "time",
		Series: []Series{
			{Name: "ours", Points: []Point{{1e3, 50}, {1e4, 80}, {1e6, 120}}},
			{Name: "theirs", Dashed: true, Points: []Point{{1e3, 1e3}, {1e6, 1e6}, {1e5, 0}, {math.NaN(), 4}}},
		},
	}
	var b strings.Builder
	require.NoError(t, c.WriteSVG(&b))
	p := parse(t, b.String())
	assert.Equal(t, float64(panelW), p.width)
	assert.Equal(t, float64(panelH), p.height)
	require.Len(t, p.polylines, 2)
	assert.Equal(t, 1, p.dashed)
	assert.Contains(t, p.texts, "Search <fast> & slow", "title escaped and read back")
	assert.Contains(t, p.texts, "ours")
	assert.Contains(t, p.texts, "theirs")
	assert.Contains(t, p.texts, "10³")
	assert.Contains(t, p.texts, "10⁶")

	// Points: 3 for ours, 2 for theirs (zero and NaN skipped), all inside the plot area.
	counts := []int{3, 2}
	for i, pts := range p.polylines {
		fields := strings.Fields(pts)
		assert.Len(t, fields, counts[i])
		for _, f := range fields {
			x, y, ok := strings.Cut(f, ",")
			require.True(t, ok)
			xv, err := strconv.ParseFloat(x, 64)
			require.NoError(t, err)
			yv, err := strconv.ParseFloat(y, 64)
			require.NoError(t, err)
			assert.True(t, xv >= left && xv <= panelW-right, "x %v", xv)
			assert.True(t, yv >= top && yv <= panelH-bottom, "y %v", yv)
		}
	}
	// Log scale: the line from 10³ to 10⁶ through 10⁴ keeps equal spacing per decade.
	f := strings.Fields(p.polylines[0])
	x := func(s string) float64 { v, _ := strconv.ParseFloat(strings.Split(s, ",")[0], 64); return v }
	assert.InDelta(t, (x(f[2])-x(f[1]))/2, x(f[1])-x(f[0]), 0.2)
}

func TestGrid(t *testing.T) {
	charts := []Chart{
		{Title: "a", Series: []Series{{Name: "s", Points: []Point{{1, 1}, {10, 10}}}}},
		{Title: "b", Series: []Series{{Name: "s", Points: []Point{{1, 1}, {10, 10}}}}},
		{Title: "c"}, // no data: axes only
	}
	var b strings.Builder
	require.NoError(t, Grid(&b, charts, 2))
	p := parse(t, b.String())
	assert.Equal(t, float64(2*panelW), p.width)
	assert.Equal(t, float64(2*panelH), p.height)
	assert.Len(t, p.polylines, 2)
	for _, title := range []string{"a", "b", "c"} {
		assert.Contains(t, p.texts, title)
	}
}

func TestDecade(t *testing.T) {
	for v, want := range map[float64]string{1: "1", 10: "10", 100: "100", 1e3: "10³", 1e12: "10¹²", 1e-3: "10⁻³"} {
		assert.Equal(t, want, Decade(v), "%v", v)
	}
}
