// Package workflow runs a command's phases, declared as data. The same
// table gives the `phase` subcommands, the names --skip-phases accepts and
// the progress output, so they never disagree.
package workflow

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/kubeadm-cleanroom/kubeadm/app/progress"
)

// Phase is one step of a command, possibly with sub-phases. T is the
// command's data, typed: phases take what they need from it.
type Phase[T any] struct {
	Name string
	// Aliases are other names of the phase's subcommand, as upstream's.
	Aliases []string
	Short   string
	Long    string
	// Example is the usage example of the phase's subcommand (--help).
	Example string
	// Run does the phase's work. Phases with Children may leave it nil.
	Run func(ctx context.Context, out progress.Phase, data T) error
	// Skip, when set and returning a reason, skips the phase (and children).
	Skip     func(data T) string
	Children []Phase[T]
	// Hidden phases run but are not offered as subcommands.
	Hidden bool
}

// Runner runs a table of phases in order.
type Runner[T any] struct {
	Phases []Phase[T]
	Out    progress.Reporter
}

// Names returns every phase path ("certs", "certs/ca", ...) in order.
func (r *Runner[T]) Names() []string {
	var names []string
	var walk func(prefix string, ps []Phase[T])
	walk = func(prefix string, ps []Phase[T]) {
		for _, p := range ps {
			names = append(names, prefix+p.Name)
			walk(prefix+p.Name+"/", p.Children)
		}
	}
	walk("", r.Phases)
	return names
}

// CheckNames refuses phase names the table does not have.
func (r *Runner[T]) CheckNames(names []string) error {
	known := map[string]bool{}
	for _, n := range r.Names() {
		known[n] = true
	}
	var bad []string
	for _, n := range names {
		if !known[n] {
			bad = append(bad, n)
		}
	}
	if len(bad) > 0 {
		all := r.Names()
		sort.Strings(all)
		return fmt.Errorf("unknown phase %s; phases are: %s", strings.Join(bad, ", "), strings.Join(all, ", "))
	}
	return nil
}

// Run runs every phase in order except those named in skip (a skipped
// parent skips its children). It stops at the first error, which names the
// phase.
func (r *Runner[T]) Run(ctx context.Context, data T, skip []string) error {
	if err := r.CheckNames(skip); err != nil {
		return err
	}
	skipped := map[string]bool{}
	for _, s := range skip {
		skipped[s] = true
	}
	return r.runAll(ctx, data, "", r.Phases, func(path string) bool { return skipped[path] })
}

// RunOnly runs the phase at path (and its children) alone, as `phase <name>` does.
func (r *Runner[T]) RunOnly(ctx context.Context, data T, path string) error {
	if err := r.CheckNames([]string{path}); err != nil {
		return err
	}
	selected := func(p string) bool {
		return !(p == path || strings.HasPrefix(p, path+"/") || strings.HasPrefix(path, p+"/"))
	}
	return r.runAll(ctx, data, "", r.Phases, selected)
}

func (r *Runner[T]) runAll(ctx context.Context, data T, prefix string, phases []Phase[T], skip func(string) bool) error {
	for _, p := range phases {
		path := prefix + p.Name
		if skip(path) {
			continue
		}
		if p.Skip != nil {
			if reason := p.Skip(data); reason != "" {
				r.Out.PhaseSkipped(path, reason)
				continue
			}
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if p.Run != nil {
			start := time.Now()
			r.Out.PhaseStart(path)
			err := p.Run(ctx, progress.Phase{R: r.Out, Name: path}, data)
			r.Out.PhaseEnd(path, time.Since(start), err)
			if err != nil {
				return fmt.Errorf("phase %s: %w", path, err)
			}
		}
		if err := r.runAll(ctx, data, path+"/", p.Children, skip); err != nil {
			return err
		}
	}
	return nil
}

// Find returns the phase at path.
func (r *Runner[T]) Find(path string) (*Phase[T], bool) {
	parts := strings.Split(path, "/")
	ps := r.Phases
	var found *Phase[T]
	for _, part := range parts {
		found = nil
		for i := range ps {
			if ps[i].Name == part {
				found = &ps[i]
				break
			}
		}
		if found == nil {
			return nil, false
		}
		ps = found.Children
	}
	return found, true
}
