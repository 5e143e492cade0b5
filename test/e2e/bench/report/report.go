// Package report collects the side-by-side benchmark's samples (each
// figure's runs for this kubeadm and for upstream kubeadm) and renders them:
// a text table, JSON, Markdown and a chart of every run.
package report

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
)

// The tools a figure compares.
const (
	Ours     = "ours"
	Upstream = "upstream"
)

// Figure is one measured quantity and its runs per tool.
type Figure struct {
	Name string `json:"name"`
	Unit string `json:"unit"` // "s" or "MiB"
	// Goal is the target for the ratio of medians (ours /
	// upstream, or ours / Against's median when Against is set); 0 when
	// none.
	Goal float64 `json:"goal,omitempty"`
	// Against names another figure of ours that this one is compared
	// with (10 joins at once against one join), instead of upstream.
	Against string               `json:"against,omitempty"`
	Runs    map[string][]float64 `json:"runs"`
	// Notes say why a tool has no runs, or what a figure leaves out.
	Notes []string `json:"notes,omitempty"`
}

// Report is one benchmark run.
type Report struct {
	Date    string `json:"date"`
	Machine string `json:"machine"`
	Runs    int    `json:"runsPerTool"`
	// HeavyRuns is the runs per tool of the upgrades and parallel joins.
	HeavyRuns int       `json:"heavyRunsPerTool,omitempty"`
	Figures   []*Figure `json:"figures"`
}

// Figure returns the figure called name, adding it (with unit) if new.
func (r *Report) Figure(name, unit string) *Figure {
	for _, f := range r.Figures {
		if f.Name == name {
			return f
		}
	}
	f := &Figure{Name: name, Unit: unit, Runs: map[string][]float64{}}
	r.Figures = append(r.Figures, f)
	return f
}

// Add records one run of tool.
func (r *Report) Add(name, unit, tool string, v float64) {
	f := r.Figure(name, unit)
	f.Runs[tool] = append(f.Runs[tool], v)
}

// Stats are a tool's summary of a figure.
type Stats struct {
	N                int
	Min, Median, Max float64
	MaxOverMin       float64
	present          bool
}

// Summary returns the min, median and max of xs.
func Summary(xs []float64) Stats {
	if len(xs) == 0 {
		return Stats{}
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	med := s[len(s)/2]
	if len(s)%2 == 0 {
		med = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	st := Stats{N: len(s), Min: s[0], Median: med, Max: s[len(s)-1], present: true}
	if st.Min > 0 {
		st.MaxOverMin = st.Max / st.Min
	}
	return st
}

// Ratio is ours' median over the figure's reference median (upstream's,
// or Against's); NaN when either is missing.
func (r *Report) Ratio(f *Figure) float64 {
	o := Summary(f.Runs[Ours])
	var ref Stats
	if f.Against != "" {
		ref = Summary(r.Figure(f.Against, f.Unit).Runs[Ours])
	} else {
		ref = Summary(f.Runs[Upstream])
	}
	if !o.present || !ref.present || ref.Median == 0 {
		return math.NaN()
	}
	return o.Median / ref.Median
}

func (s Stats) cell() string {
	if !s.present {
		return "-"
	}
	return fmt.Sprintf("%s / %s / %s", num(s.Min), num(s.Median), num(s.Max))
}

func num(v float64) string {
	if v >= 100 {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

// rows are the table's cells, header first.
func (r *Report) rows() [][]string {
	rows := [][]string{{"figure", "unit", "ours min / median / max", "upstream min / median / max", "ratio of medians", "goal", "met"}}
	for _, f := range r.Figures {
		ratio := r.Ratio(f)
		rs, goal, met := "-", "-", "-"
		if !math.IsNaN(ratio) {
			rs = fmt.Sprintf("%.2f", ratio)
		}
		if f.Against != "" {
			rs += " (vs " + f.Against + ")"
		}
		if f.Goal > 0 {
			goal = fmt.Sprintf("≤ %.2f", f.Goal)
			if !math.IsNaN(ratio) {
				met = map[bool]string{true: "yes", false: "no"}[ratio <= f.Goal]
			}
		}
		rows = append(rows, []string{f.Name, f.Unit, Summary(f.Runs[Ours]).cell(), Summary(f.Runs[Upstream]).cell(), rs, goal, met})
	}
	return rows
}

// Table renders the report as aligned text.
func (r *Report) Table() string {
	rows := r.rows()
	width := make([]int, len(rows[0]))
	for _, row := range rows {
		for i, c := range row {
			width[i] = max(width[i], len([]rune(c)))
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "benchmark %s on %s, %s (ours = this kubeadm, upstream = kubeadm v1.37.1)\n", r.Date, r.Machine, r.runsText())
	for _, row := range rows {
		for i, c := range row {
			fmt.Fprintf(&b, "%-*s  ", width[i], c)
		}
		b.WriteString("\n")
	}
	for _, f := range r.Figures {
		for _, n := range f.Notes {
			fmt.Fprintf(&b, "* %s: %s\n", f.Name, n)
		}
	}
	return b.String()
}

// Markdown renders the report as a Markdown table.
func (r *Report) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Benchmark of %s on %s, %s (ours = this kubeadm, upstream = kubeadm v1.37.1).\n\n", r.Date, r.Machine, r.runsText())
	for i, row := range r.rows() {
		b.WriteString("| " + strings.Join(row, " | ") + " |\n")
		if i == 0 {
			b.WriteString(strings.Repeat("|---", len(row)) + "|\n")
		}
	}
	notes := false
	for _, f := range r.Figures {
		for _, n := range f.Notes {
			if !notes {
				b.WriteString("\n")
				notes = true
			}
			fmt.Fprintf(&b, "- %s: %s\n", f.Name, n)
		}
	}
	return b.String()
}

func (r *Report) runsText() string {
	if r.HeavyRuns == 0 || r.HeavyRuns == r.Runs {
		return fmt.Sprintf("%d runs per tool", r.Runs)
	}
	return fmt.Sprintf("%d runs per tool (%d for the upgrades and parallel joins)", r.Runs, r.HeavyRuns)
}

// JSON renders the report, every run included.
func (r *Report) JSON() ([]byte, error) {
	return json.MarshalIndent(r, "", "  ")
}
