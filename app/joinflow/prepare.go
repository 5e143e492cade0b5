package joinflow

import (
	"context"
	"path/filepath"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/certs"
	phkubeconfig "github.com/kubeadm-cleanroom/kubeadm/app/phases/kubeconfig"
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/uploadcerts"
	"github.com/kubeadm-cleanroom/kubeadm/app/pki"
	"github.com/kubeadm-cleanroom/kubeadm/app/progress"
	"github.com/kubeadm-cleanroom/kubeadm/app/staticpod"
	"github.com/kubeadm-cleanroom/kubeadm/app/users"
	"github.com/kubeadm-cleanroom/kubeadm/manifests"
)

// certsDirOut is where this run writes certificates.
func (d *Data) certsDirOut() string {
	if d.DryRun {
		return filepath.Join(d.DryRunDir, "pki")
	}
	return d.cluster.CertificatesDir
}

func runDownloadCerts(ctx context.Context, out progress.Phase, d *Data) error {
	if d.sharedCerts == nil && d.join().ControlPlane.CertificateKey != "" {
		// preflight, which fetches them, was skipped
		if err := d.fetchSharedCerts(ctx, out); err != nil {
			return err
		}
	}
	if d.sharedCerts == nil {
		out.Infof("no --certificate-key: using the shared certificates already in %s", d.cluster.CertificatesDir)
		return nil
	}
	files := d.sharedCerts
	if d.DryRun { // external etcd's absolute paths go into the dry-run directory too
		files = map[string][]byte{}
		for f, b := range d.sharedCerts {
			files[strings.TrimPrefix(f, "/")] = b
		}
	}
	if err := uploadcerts.WriteFiles(d.certsDirOut(), files); err != nil {
		return err
	}
	out.Infof("wrote the shared certificates into %s", d.certsDirOut())
	return nil
}

func runCerts(_ context.Context, out progress.Phase, d *Data) error {
	results, err := certs.Run(certs.Inputs{Cluster: d.cluster, NodeName: d.join().NodeRegistration.Name,
		AdvertiseAddress: d.localEndpoint().AdvertiseAddress, Dir: d.certsDirOut(), Now: d.Now})
	if err != nil {
		return err
	}
	for _, r := range results {
		if r.Action == certs.Generated {
			out.Infof("generated %s", r.Name)
		}
	}
	return nil
}

func runKubeconfig(_ context.Context, out progress.Phase, d *Data) error {
	dir := d.certsDirOut()
	caCert, chain, err := pki.ReadCertChain(dir, constants.CACertAndKeyBaseName)
	if err != nil {
		return err
	}
	caKey, err := pki.ReadKey(dir, constants.CACertAndKeyBaseName)
	if err != nil {
		return err
	}
	in := phkubeconfig.Input{Cluster: d.cluster, NodeName: d.join().NodeRegistration.Name, LocalAPIEndpoint: d.localEndpoint(),
		CACert: caCert, CAIntermediates: chain, CAKey: caKey, OutDir: d.kubeDir, Now: d.Now}
	results, err := phkubeconfig.RunFiles(in, phkubeconfig.JoinControlPlaneFiles()...)
	if err != nil {
		return err
	}
	for _, r := range results {
		out.Infof("%s %s", r.Action, r.Path)
	}
	return nil
}

func runControlPlaneManifests(ctx context.Context, out progress.Phase, d *Data) error {
	builders := []struct {
		name  string
		build func(manifests.Options) (*corev1.Pod, error)
	}{
		{constants.KubeAPIServer, func(o manifests.Options) (*corev1.Pod, error) { return o.APIServer(d.cluster, d.localEndpoint()) }},
		{constants.KubeControllerManager, func(o manifests.Options) (*corev1.Pod, error) { return o.ControllerManager(d.cluster) }},
		{constants.KubeScheduler, func(o manifests.Options) (*corev1.Pod, error) { return o.Scheduler(d.cluster) }},
	}
	for _, b := range builders {
		opts, err := d.manifestOptions(ctx, out, b.name)
		if err != nil {
			return err
		}
		pod, err := b.build(opts)
		if err != nil {
			return err
		}
		if err := d.writeManifest(out, b.name, pod); err != nil {
			return err
		}
	}
	return nil
}

// manifestOptions are the manifest inputs of component beyond the cluster
// configuration: with RootlessControlPlane, its user's IDs, once its files
// were handed to that user.
func (d *Data) manifestOptions(ctx context.Context, out progress.Phase, component string) (manifests.Options, error) {
	if d.rootless == nil {
		d.rootless = &users.Rootless{Files: d.Users, Owner: d.Owner, DryRun: d.DryRun}
	}
	return d.rootless.Options(ctx, out, d.cluster, component, users.PathsOf(d.cluster, d.certsDirOut(), d.kubeDir))
}

// writeManifest writes a static Pod manifest, with the user's patches,
// unless an identical one is there.
func (d *Data) writeManifest(out progress.Phase, name string, pod *corev1.Pod) error {
	return staticpod.WriteReported(out, d.manifestsDir, name, pod, d.patches)
}
