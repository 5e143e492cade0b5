package report

import (
	"fmt"
	"image/color"
	"io"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

var toolColor = map[string]color.Color{
	Ours:     color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff},
	Upstream: color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff},
}

// chartColumns is the number of panels per row.
const chartColumns = 3

// panel plots one figure: every run of each tool as a point in its own
// column (spread sideways in run order), and each tool's median as a bar.
func panel(f *Figure) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = f.Name
	p.Title.TextStyle.Font.Size = vg.Points(9)
	p.Y.Label.Text = f.Unit
	p.Y.Min = 0
	p.X.Min, p.X.Max = 0.4, 2.6
	p.NominalX("", Ours, Upstream)
	p.Add(plotter.NewGrid())
	top := 0.0
	for i, tool := range []string{Ours, Upstream} {
		runs := f.Runs[tool]
		if len(runs) == 0 {
			continue
		}
		pts := make(plotter.XYs, len(runs))
		for j, v := range runs {
			off := 0.0
			if len(runs) > 1 {
				off = -0.25 + 0.5*float64(j)/float64(len(runs)-1)
			}
			pts[j] = plotter.XY{X: float64(i+1) + off, Y: v}
			top = max(top, v)
		}
		s, err := plotter.NewScatter(pts)
		if err != nil {
			return nil, fmt.Errorf("chart %s: %w", f.Name, err)
		}
		s.GlyphStyle.Color = toolColor[tool]
		s.GlyphStyle.Radius = vg.Points(2.5)
		s.GlyphStyle.Shape = draw.CircleGlyph{}
		med := Summary(runs).Median
		l, err := plotter.NewLine(plotter.XYs{{X: float64(i+1) - 0.35, Y: med}, {X: float64(i+1) + 0.35, Y: med}})
		if err != nil {
			return nil, fmt.Errorf("chart %s: %w", f.Name, err)
		}
		l.LineStyle.Color = toolColor[tool]
		l.LineStyle.Width = vg.Points(1.5)
		p.Add(s, l)
	}
	p.Y.Max = top * 1.15
	if p.Y.Max == 0 {
		p.Y.Max = 1
	}
	return p, nil
}

// Chart draws every figure's runs, a panel each, as PNG (format "png") or
// SVG ("svg").
func (r *Report) Chart(w io.Writer, format string) error {
	if len(r.Figures) == 0 {
		return fmt.Errorf("chart: no figures")
	}
	rows := (len(r.Figures) + chartColumns - 1) / chartColumns
	plots := make([][]*plot.Plot, rows)
	for i := range plots {
		plots[i] = make([]*plot.Plot, chartColumns)
	}
	for i, f := range r.Figures {
		p, err := panel(f)
		if err != nil {
			return err
		}
		plots[i/chartColumns][i%chartColumns] = p
	}
	width, height := 4*vg.Inch*chartColumns, 3*vg.Inch*vg.Length(rows)
	var c vg.CanvasWriterTo
	switch format {
	case "png":
		c = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(width, height), vgimg.UseDPI(96))}
	case "svg":
		c = vgsvg.New(width, height)
	default:
		return fmt.Errorf("chart: format %q: want png or svg", format)
	}
	dc := draw.New(c)
	tiles := draw.Tiles{Rows: rows, Cols: chartColumns, PadX: vg.Millimeter * 4, PadY: vg.Millimeter * 4,
		PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 2}
	canvases := plot.Align(plots, tiles, dc)
	for i := range plots {
		for j, p := range plots[i] {
			if p != nil {
				p.Draw(canvases[i][j])
			}
		}
	}
	_, err := c.WriteTo(w)
	return err
}
