package initflow

import (
	"context"
	"slices"
	"strings"
)

// Run runs init: every phase except the skipped ones, then records that
// init finished. A node whose init finished is refused; one whose init of
// this tool stopped part-way is continued.
func Run(ctx context.Context, o Options) (*Data, error) {
	d, err := NewData(o)
	if err != nil {
		return nil, err
	}
	if err := d.refuseCompleted(); err != nil {
		return d, err
	}
	if !d.resuming() {
		d.startKeyPool()
	}
	skip := append(append([]string{}, o.SkipPhases...), o.Config.Init.SkipPhases...)
	for _, s := range skip {
		if s == "preflight" && !d.DryRun {
			// Preflight marks the init as started; without it, mark it here.
			if err := d.markInProgress(); err != nil {
				return d, err
			}
		}
	}
	d.holdComponents = !d.DryRun && !slices.ContainsFunc(skip, func(s string) bool {
		return s == "wait-control-plane" || s == "control-plane" || strings.HasPrefix(s, "control-plane/")
	})
	if err := Runner(o.Out).Run(ctx, d, skip); err != nil {
		return d, err
	}
	if !d.DryRun {
		if err := d.markCompleted(); err != nil {
			return d, err
		}
	}
	return d, nil
}

// RunPhase runs one phase (and its sub-phases), as `init phase <name>` does.
func RunPhase(ctx context.Context, o Options, path string) (*Data, error) {
	d, err := NewData(o)
	if err != nil {
		return nil, err
	}
	return d, Runner(o.Out).RunOnly(ctx, d, path)
}
