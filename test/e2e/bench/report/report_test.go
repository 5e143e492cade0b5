package report

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func sample() *Report {
	r := &Report{Date: "2026-12-04", Machine: "test", Runs: 3}
	for _, v := range []float64{5.2, 5.0, 9.0} {
		r.Add("init command", "s", Ours, v)
	}
	for _, v := range []float64{7.0, 6.8, 7.2} {
		r.Add("init command", "s", Upstream, v)
	}
	r.Figure("init command", "s").Goal = 0.65
	r.Add("one join", "s", Ours, 2)
	r.Add("10 joins at once", "s", Ours, 3)
	f := r.Figure("10 joins at once", "s")
	f.Against, f.Goal = "one join", 2
	f.Notes = append(f.Notes, "upstream not run")
	return r
}

func TestSummary(t *testing.T) {
	cases := []struct {
		in                    []float64
		min, med, max, spread float64
	}{
		{[]float64{3, 1, 2}, 1, 2, 3, 3},
		{[]float64{4, 1, 2, 3}, 1, 2.5, 4, 4},
		{[]float64{5}, 5, 5, 5, 1},
	}
	for _, c := range cases {
		s := Summary(c.in)
		if s.Min != c.min || s.Median != c.med || s.Max != c.max || s.MaxOverMin != c.spread {
			t.Errorf("Summary(%v) = %+v", c.in, s)
		}
	}
	if Summary(nil).N != 0 {
		t.Error("an empty summary has runs")
	}
}

func TestRatioAndTable(t *testing.T) {
	r := sample()
	if got := r.Ratio(r.Figure("init command", "s")); math.Abs(got-5.2/7.0) > 1e-9 {
		t.Errorf("ratio %v", got)
	}
	if got := r.Ratio(r.Figure("10 joins at once", "s")); got != 1.5 {
		t.Errorf("ratio against one join %v", got)
	}
	if got := r.Ratio(r.Figure("one join", "s")); !math.IsNaN(got) {
		t.Errorf("a figure without upstream runs has ratio %v", got)
	}
	table := r.Table()
	for _, want := range []string{"5.00 / 5.20 / 9.00", "6.80 / 7.00 / 7.20", "0.74", "≤ 0.65", "no", "1.50 (vs one join)", "yes", "upstream not run"} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
	md := r.Markdown()
	if !strings.Contains(md, "|---|---|") || !strings.Contains(md, "| init command | s |") {
		t.Errorf("markdown:\n%s", md)
	}
	b, err := r.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(b, &back); err != nil || len(back.Figures) != 3 || len(back.Figures[0].Runs[Upstream]) != 3 {
		t.Errorf("JSON round trip: %v %+v", err, back)
	}
}

func TestChart(t *testing.T) {
	for _, format := range []string{"png", "svg"} {
		var b bytes.Buffer
		if err := sample().Chart(&b, format); err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		if b.Len() < 1000 {
			t.Errorf("%s chart of %d bytes", format, b.Len())
		}
	}
	if err := sample().Chart(&bytes.Buffer{}, "gif"); err == nil {
		t.Error("gif accepted")
	}
	if err := (&Report{}).Chart(&bytes.Buffer{}, "png"); err == nil {
		t.Error("an empty report charted")
	}
}
