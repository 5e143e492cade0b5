package initflow

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/kubeadm-cleanroom/kubeadm/app/apiclient"
	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/controllersa"
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/kubeletfinalize"
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/kubeletstart"
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/waitcontrolplane"
	"github.com/kubeadm-cleanroom/kubeadm/app/progress"
)

// clusterKubeletConfig builds (once) the cluster-wide KubeletConfiguration.
func (d *Data) clusterKubeletConfig(out progress.Phase) error {
	if d.kubeletCfg != nil {
		return nil
	}
	cfg, warnings, err := kubeletstart.ClusterKubeletConfig(d.cfg.Cluster, d.cfg.Kubelet)
	if err != nil {
		return err
	}
	for _, w := range warnings {
		out.Warnf("%s", w)
	}
	d.kubeletCfg = cfg
	return nil
}

func runKubeletStart(ctx context.Context, out progress.Phase, d *Data) error {
	if err := d.clusterKubeletConfig(out); err != nil {
		return err
	}
	return kubeletstart.Start(ctx, out, kubeletstart.StartOptions{
		ClusterConfig: d.kubeletCfg, NodeRegistration: &d.cfg.Init.NodeRegistration, Patches: d.patches,
		Dir: d.kubeletDir, InitSystem: d.InitSystem, DryRun: d.DryRun,
	})
}

func runWaitControlPlane(ctx context.Context, out progress.Phase, d *Data) error {
	t := d.cfg.Init.Timeouts
	ep := d.cfg.Init.LocalAPIEndpoint
	if d.DryRun {
		out.Infof("would wait for the kubelet and the control-plane components")
		return nil
	}
	report := func(c waitcontrolplane.Check, after time.Duration) {
		out.Infof("%s is healthy after %s", c.Name, after.Round(10*time.Millisecond))
	}
	if err := waitcontrolplane.WaitAll(ctx, d.HTTPGet, []waitcontrolplane.Check{waitcontrolplane.KubeletCheck()},
		t.KubeletHealthCheck.Duration, waitcontrolplane.PollInterval, report); err != nil {
		return fmt.Errorf("the kubelet is not running or not healthy (check its log): %w", err)
	}
	checks := waitcontrolplane.ComponentChecks(ep.AdvertiseAddress, ep.BindPort)
	deadline := d.Now().Add(t.ControlPlaneComponentHealthCheck.Duration)
	waitFor := func(ctx context.Context, checks []waitcontrolplane.Check) error {
		if err := waitcontrolplane.WaitAll(ctx, d.HTTPGet, checks, deadline.Sub(d.Now()), waitcontrolplane.PollInterval, report); err != nil {
			return fmt.Errorf("the control plane did not come up (check the static Pods' logs in /var/log/pods): %w", err)
		}
		return nil
	}
	if len(d.heldManifests) == 0 {
		if err := waitFor(ctx, checks); err != nil {
			return err
		}
		return d.ensureAdminBinding(ctx, out)
	}
	live := func(ctx context.Context) error { return waitFor(ctx, checks[:1]) }
	if err := d.waitComponentRights(ctx, out, live); err != nil {
		return err
	}
	if err := d.writeHeldManifests(out); err != nil {
		return err
	}
	// While the controller manager and the scheduler start, the API
	// server finishes its start; then admin.conf gets its rights and the
	// controllers' accounts are made ahead of the controller manager.
	return apiclient.Parallel(ctx,
		func(ctx context.Context) error { return waitFor(ctx, checks[1:]) },
		func(ctx context.Context) error {
			if err := live(ctx); err != nil {
				return err
			}
			if err := d.ensureAdminBinding(ctx, out); err != nil {
				return err
			}
			return d.createControllerAccounts(ctx, out)
		})
}

// createControllerAccounts creates ahead the service accounts the
// controller manager gives its controllers (see package controllersa).
func (d *Data) createControllerAccounts(ctx context.Context, out progress.Phase) error {
	if !controllersa.Applies(d.cfg.Cluster) {
		return nil
	}
	client, err := d.Client(out)
	if err != nil {
		return err
	}
	ctx, cancel := withTimeout(ctx, d.apiTimeout())
	defer cancel()
	if err := controllersa.Create(ctx, client); err != nil {
		return err
	}
	out.Infof("created the service accounts of %d controllers of %s in %s", len(controllersa.Names), constants.KubeControllerManager, constants.KubeSystemNamespace)
	return nil
}

func runKubeletFinalize(_ context.Context, out progress.Phase, d *Data) error {
	kubeconfig := filepath.Join(d.kubeDir, constants.KubeletKubeConfig)
	pem := constants.KubeletClientCurrent
	for _, a := range d.cfg.Init.NodeRegistration.KubeletExtraArgs {
		if a.Name == "cert-dir" {
			pem = filepath.Join(a.Value, "kubelet-client-current.pem")
		}
	}
	if d.DryRun {
		out.Infof("would point %s at %s", kubeconfig, pem)
		return nil
	}
	r, err := kubeletfinalize.EnableClientCertRotation(kubeconfig, pem)
	if err != nil {
		return err
	}
	out.Infof("%s: %s", kubeconfig, strings.TrimSpace(string(r)))
	return nil
}
