// Package preflight checks that a node can run a kubeadm command before
// anything is changed: every check runs, every failure is reported at once
// with the --ignore-preflight-errors name that skips it, and checks named
// there (or "all") turn from errors into warnings.
package preflight

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

// Check is one named precondition.
type Check struct {
	// Name is what --ignore-preflight-errors takes, e.g. "Port-6443".
	Name string
	// Run returns warnings (never fatal) and an error (fatal unless
	// ignored); what it asks of the host and the runtime ends with ctx.
	Run func(ctx context.Context) (warnings []string, err error)
}

// Result is the outcome of a set of checks.
type Result struct {
	Warnings []string
	Ignored  []string // failures turned into warnings by --ignore-preflight-errors
	Failures []Failure
}

// Failure is a check that failed and was not ignored.
type Failure struct {
	Name string
	Err  error
}

// Run runs every check with ctx; ignore holds check names
// (case-insensitive) or "all".
func Run(ctx context.Context, checks []Check, ignore []string) Result {
	ignored := map[string]bool{}
	for _, n := range ignore {
		ignored[strings.ToLower(n)] = true
	}
	var r Result
	for _, c := range checks {
		warnings, err := c.Run(ctx)
		for _, w := range warnings {
			r.Warnings = append(r.Warnings, fmt.Sprintf("[%s]: %s", c.Name, w))
		}
		if err == nil {
			continue
		}
		if ignored["all"] || ignored[strings.ToLower(c.Name)] {
			r.Ignored = append(r.Ignored, fmt.Sprintf("[%s]: %v", c.Name, err))
			continue
		}
		r.Failures = append(r.Failures, Failure{c.Name, err})
	}
	return r
}

// Err returns nil when nothing failed, or one error listing every failure
// with its name and how to skip it.
func (r Result) Err() error {
	if len(r.Failures) == 0 {
		return nil
	}
	var parts, names []string
	for _, f := range r.Failures {
		parts = append(parts, fmt.Sprintf("[%s] %v", f.Name, f.Err))
		names = append(names, f.Name)
	}
	sort.Strings(names)
	return fmt.Errorf("%d preflight check(s) failed: %s; to skip them (at your own risk) pass --ignore-preflight-errors=%s",
		len(r.Failures), strings.Join(parts, "; "), strings.Join(names, ","))
}
