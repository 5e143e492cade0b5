package joinflow

import (
	"context"
	"time"

	"github.com/kubeadm-cleanroom/kubeadm/app/phases/markcontrolplane"
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/waitcontrolplane"
	"github.com/kubeadm-cleanroom/kubeadm/app/progress"
)

func runMarkControlPlane(ctx context.Context, out progress.Phase, d *Data) error {
	if d.DryRun {
		out.Infof("would label and taint node %s as a control plane", d.join().NodeRegistration.Name)
		return nil
	}
	c, err := d.adminClient()
	if err != nil {
		return err
	}
	ctx, cancel := withTimeout(ctx, d.apiTimeout())
	defer cancel()
	nr := d.join().NodeRegistration
	if err := markcontrolplane.Mark(ctx, c, nr.Name, nr.Taints); err != nil {
		return err
	}
	out.Infof("node %s is labelled and tainted as a control plane", nr.Name)
	return nil
}

func runWaitControlPlane(ctx context.Context, out progress.Phase, d *Data) error {
	if d.DryRun {
		out.Infof("would wait for the control-plane components")
		return nil
	}
	ep := d.localEndpoint()
	return waitcontrolplane.WaitAll(ctx, d.HTTPGet, waitcontrolplane.ComponentChecks(ep.AdvertiseAddress, ep.BindPort),
		d.join().Timeouts.ControlPlaneComponentHealthCheck.Duration, waitcontrolplane.PollInterval, func(c waitcontrolplane.Check, after time.Duration) {
			out.Infof("%s is healthy after %s", c.Name, after.Round(10*time.Millisecond))
		})
}
