package workflow

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kubeadm-cleanroom/kubeadm/app/progress"
)

type data struct{ ran []string }

func record(name string) func(context.Context, progress.Phase, *data) error {
	return func(_ context.Context, out progress.Phase, d *data) error {
		d.ran = append(d.ran, name)
		out.Infof("ran %s", name)
		return nil
	}
}

func table() []Phase[*data] {
	return []Phase[*data]{
		{Name: "preflight", Run: record("preflight")},
		{Name: "certs", Children: []Phase[*data]{
			{Name: "ca", Run: record("certs/ca")},
			{Name: "apiserver", Run: record("certs/apiserver")},
		}},
		{Name: "addon", Children: []Phase[*data]{
			{Name: "coredns", Run: record("addon/coredns"), Skip: func(*data) string { return "disabled in the configuration" }},
			{Name: "kube-proxy", Run: record("addon/kube-proxy")},
		}},
	}
}

type quiet struct{ events []string }

func (q *quiet) PhaseStart(p string) { q.events = append(q.events, "start "+p) }
func (q *quiet) PhaseEnd(p string, _ time.Duration, e error) {
	q.events = append(q.events, fmt.Sprintf("end %s %v", p, e))
}
func (q *quiet) PhaseSkipped(p, r string) { q.events = append(q.events, "skip "+p+": "+r) }
func (q *quiet) Info(p, m string)         {}
func (q *quiet) Warn(p, m string)         {}
func (q *quiet) Result(any)               {}

func TestRun(t *testing.T) {
	cases := []struct {
		name string
		skip []string
		want []string
	}{
		{"all", nil, []string{"preflight", "certs/ca", "certs/apiserver", "addon/kube-proxy"}},
		{"skip a leaf", []string{"certs/ca"}, []string{"preflight", "certs/apiserver", "addon/kube-proxy"}},
		{"skip a parent", []string{"certs", "addon"}, []string{"preflight"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := &data{}
			r := &Runner[*data]{Phases: table(), Out: &quiet{}}
			if err := r.Run(context.Background(), d, c.skip); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(d.ran, c.want) {
				t.Errorf("ran %v, want %v", d.ran, c.want)
			}
		})
	}
}

func TestRunUnknownSkip(t *testing.T) {
	r := &Runner[*data]{Phases: table(), Out: &quiet{}}
	err := r.Run(context.Background(), &data{}, []string{"certs/nope"})
	if err == nil || !strings.Contains(err.Error(), "unknown phase certs/nope") || !strings.Contains(err.Error(), "certs/ca") {
		t.Fatalf("err = %v", err)
	}
}

func TestRunStopsAtError(t *testing.T) {
	phases := table()
	phases[1].Children[0].Run = func(context.Context, progress.Phase, *data) error { return errors.New("disk full") }
	q := &quiet{}
	d := &data{}
	err := (&Runner[*data]{Phases: phases, Out: q}).Run(context.Background(), d, nil)
	if err == nil || err.Error() != "phase certs/ca: disk full" {
		t.Fatalf("err = %v", err)
	}
	if !reflect.DeepEqual(d.ran, []string{"preflight"}) {
		t.Errorf("ran %v after the failure", d.ran)
	}
	if q.events[len(q.events)-1] != "end certs/ca disk full" {
		t.Errorf("events %v", q.events)
	}
}

func TestRunOnly(t *testing.T) {
	for path, want := range map[string][]string{
		"certs":            {"certs/ca", "certs/apiserver"},
		"certs/apiserver":  {"certs/apiserver"},
		"addon/kube-proxy": {"addon/kube-proxy"},
	} {
		d := &data{}
		if err := (&Runner[*data]{Phases: table(), Out: &quiet{}}).RunOnly(context.Background(), d, path); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(d.ran, want) {
			t.Errorf("RunOnly(%s) ran %v, want %v", path, d.ran, want)
		}
	}
}

func TestNamesAndFind(t *testing.T) {
	r := &Runner[*data]{Phases: table()}
	want := []string{"preflight", "certs", "certs/ca", "certs/apiserver", "addon", "addon/coredns", "addon/kube-proxy"}
	if got := r.Names(); !reflect.DeepEqual(got, want) {
		t.Errorf("Names = %v", got)
	}
	if p, ok := r.Find("addon/kube-proxy"); !ok || p.Name != "kube-proxy" {
		t.Errorf("Find = %v, %v", p, ok)
	}
	if _, ok := r.Find("addon/nope"); ok {
		t.Error("Find found a missing phase")
	}
}

func ExampleRunner() {
	var buf bytes.Buffer
	r := &Runner[*data]{Phases: table(), Out: &progress.Human{W: &buf}}
	_ = r.Run(context.Background(), &data{}, []string{"certs"})
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		// Elapsed times vary; show each line up to them.
		if i := strings.Index(line, " done in "); i > 0 {
			line = line[:i] + " done in <elapsed>"
		}
		fmt.Fprintln(os.Stdout, line)
	}
	// Output:
	// [preflight] ran preflight
	// [preflight] done in <elapsed>
	// [addon/coredns] skipped: disabled in the configuration
	// [addon/kube-proxy] ran addon/kube-proxy
	// [addon/kube-proxy] done in <elapsed>
}
