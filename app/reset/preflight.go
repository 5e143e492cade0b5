package reset

import (
	"context"
	"errors"
	"fmt"

	"github.com/kubeadm-cleanroom/kubeadm/app/phases/preflight"
	"github.com/kubeadm-cleanroom/kubeadm/app/progress"
)

// runPreflight asks for confirmation unless the reset is forced or a dry
// run, then checks that reset runs as root. It changes nothing.
func runPreflight(ctx context.Context, out progress.Phase, d *Data) error {
	if !d.cfg.Force && !d.cfg.DryRun {
		out.Warnf("changes made to this host by 'kubeadm init' or 'kubeadm join' will be reverted")
		if d.Confirm == nil {
			return errors.New("reset needs a confirmation and cannot ask for one: pass --force")
		}
		ok, err := d.Confirm("Are you sure you want to proceed?")
		if err != nil {
			return fmt.Errorf("read the confirmation from the standard input: %w", err)
		}
		if !ok {
			return ErrNotConfirmed
		}
	}
	out.Infof("running pre-flight checks")
	r := preflight.Run(ctx, []preflight.Check{preflight.IsPrivilegedUser(d.Host)}, d.cfg.IgnorePreflightErrors)
	for _, w := range r.Warnings {
		out.Warnf("%s", w)
	}
	for _, w := range r.Ignored {
		out.Warnf("ignored: %s", w)
	}
	return r.Err()
}
