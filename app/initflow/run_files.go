package initflow

import (
	"context"
	"fmt"
	"os"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/certs"
	phkubeconfig "github.com/kubeadm-cleanroom/kubeadm/app/phases/kubeconfig"
	"github.com/kubeadm-cleanroom/kubeadm/app/pki"
	"github.com/kubeadm-cleanroom/kubeadm/app/progress"
	"github.com/kubeadm-cleanroom/kubeadm/app/staticpod"
	"github.com/kubeadm-cleanroom/kubeadm/app/users"
	"github.com/kubeadm-cleanroom/kubeadm/manifests"
)

func (d *Data) certInputs() certs.Inputs {
	return certs.Inputs{Cluster: d.cfg.Cluster, NodeName: d.cfg.Init.NodeRegistration.Name,
		AdvertiseAddress: d.cfg.Init.LocalAPIEndpoint.AdvertiseAddress, Dir: d.certsDir, Now: d.Now, Keys: d.keys}
}

func certsPhase() Phase {
	p := Phase{Name: "certs", Short: "Certificate generation"}
	for _, sp := range certs.SubPhases() {
		sp := sp
		p.Children = append(p.Children, Phase{Name: sp.Name, Short: sp.Short, Run: func(_ context.Context, out progress.Phase, d *Data) error {
			r, err := sp.Run(d.certInputs())
			if err != nil {
				return err
			}
			for _, w := range r.Warnings {
				out.Warnf("%s", w)
			}
			switch {
			case r.Action == certs.Skipped:
				out.Infof("skipped: %s", r.Reason)
			case r.External:
				out.Infof("using the external %s certificate authority", sp.Name)
			default:
				out.Infof("%s %v", r.Action, r.Files)
			}
			return nil
		}})
	}
	return p
}

func (d *Data) kubeconfigInput() (phkubeconfig.Input, error) {
	dir := d.certsDirFor(constants.CACertAndKeyBaseName)
	caCert, chain, err := pki.ReadCertChain(dir, constants.CACertAndKeyBaseName)
	if err != nil {
		return phkubeconfig.Input{}, err
	}
	in := phkubeconfig.Input{Cluster: d.cfg.Cluster, NodeName: d.cfg.Init.NodeRegistration.Name,
		LocalAPIEndpoint: d.cfg.Init.LocalAPIEndpoint, CACert: caCert, CAIntermediates: chain, OutDir: d.kubeconfigDir(), Now: d.Now, Keys: d.keys}
	if _, err := os.Stat(pki.KeyPath(dir, constants.CACertAndKeyBaseName)); err == nil {
		if in.CAKey, err = pki.ReadKey(dir, constants.CACertAndKeyBaseName); err != nil {
			return in, err
		}
	}
	return in, nil
}

func kubeconfigPhase() Phase {
	p := Phase{Name: "kubeconfig", Short: "Generate all kubeconfig files necessary to establish the control plane and the admin kubeconfig file"}
	for _, sp := range phkubeconfig.SubPhases() {
		sp := sp
		p.Children = append(p.Children, Phase{Name: sp.Name, Short: "Generate the kubeconfig file " + sp.File, Run: func(_ context.Context, out progress.Phase, d *Data) error {
			in, err := d.kubeconfigInput()
			if err != nil {
				return err
			}
			r, err := phkubeconfig.RunPhase(in, sp.Name)
			if err != nil {
				return err
			}
			for _, w := range r.Warnings {
				out.Warnf("%v", w)
			}
			out.Infof("%s %s (server %s)", r.Action, r.Path, r.Server)
			return nil
		}})
	}
	return p
}

// writeManifest writes a static Pod manifest, with the user's patches,
// unless an identical one is there.
func (d *Data) writeManifest(out progress.Phase, name string, pod *corev1.Pod) error {
	return staticpod.WriteReported(out, d.manifestsDir, name, pod, d.patches)
}

func runEtcdLocal(ctx context.Context, out progress.Phase, d *Data) error {
	node := manifests.EtcdNode{Name: d.cfg.Init.NodeRegistration.Name, AdvertiseAddress: d.cfg.Init.LocalAPIEndpoint.AdvertiseAddress}
	if !d.DryRun {
		if err := os.MkdirAll(d.cfg.Cluster.Etcd.Local.DataDir, 0o700); err != nil {
			return fmt.Errorf("create etcd data directory: %w", err)
		}
	}
	opts, err := d.manifestOptions(ctx, out, constants.Etcd)
	if err != nil {
		return err
	}
	pod, err := opts.Etcd(d.cfg.Cluster, node)
	if err != nil {
		return err
	}
	return d.writeManifest(out, constants.Etcd, pod)
}

func runControlPlane(component string) func(context.Context, progress.Phase, *Data) error {
	return func(ctx context.Context, out progress.Phase, d *Data) error {
		name := map[string]string{"apiserver": constants.KubeAPIServer, "controller-manager": constants.KubeControllerManager}[component]
		if name == "" {
			name = constants.KubeScheduler
		}
		opts, err := d.manifestOptions(ctx, out, name)
		if err != nil {
			return err
		}
		var pod *corev1.Pod
		switch name {
		case constants.KubeAPIServer:
			pod, err = opts.APIServer(d.cfg.Cluster, d.cfg.Init.LocalAPIEndpoint)
		case constants.KubeControllerManager:
			pod, err = opts.ControllerManager(d.cfg.Cluster)
		default:
			pod, err = opts.Scheduler(d.cfg.Cluster)
		}
		if err != nil {
			return err
		}
		if d.holdComponents && name != constants.KubeAPIServer {
			d.heldManifests = append(d.heldManifests, heldManifest{name: name, pod: pod})
			out.Infof("the %s manifest is written once the API server is live (wait-control-plane)", name)
			return nil
		}
		return d.writeManifest(out, name, pod)
	}
}

// writeHeldManifests writes the manifests held back for the API server.
func (d *Data) writeHeldManifests(out progress.Phase) error {
	for _, m := range d.heldManifests {
		if err := d.writeManifest(out, m.name, m.pod); err != nil {
			return err
		}
	}
	d.heldManifests = nil
	return nil
}

// manifestOptions are the manifest inputs of component beyond the cluster
// configuration: with RootlessControlPlane, its user's IDs, once its files
// were handed to that user.
func (d *Data) manifestOptions(ctx context.Context, out progress.Phase, component string) (manifests.Options, error) {
	if d.rootless == nil {
		d.rootless = &users.Rootless{Files: d.Users, Owner: d.Owner, DryRun: d.DryRun}
	}
	return d.rootless.Options(ctx, out, d.cfg.Cluster, component, users.PathsOf(d.cfg.Cluster, d.certsDir, d.kubeDir))
}
