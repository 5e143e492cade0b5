package joinflow

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/preflight"
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/uploadcerts"
	"github.com/kubeadm-cleanroom/kubeadm/app/pki"
	"github.com/kubeadm-cleanroom/kubeadm/app/progress"
)

// preflightChecks are the checks of every joining node.
func (d *Data) preflightChecks() []preflight.Check {
	h := d.Host
	j := d.join()
	checks := []preflight.Check{
		preflight.IsPrivilegedUser(h),
		preflight.SystemVerification(h),
		preflight.Swap(h, preflight.KubeletSwap{}), // the kubelet's configuration comes from the cluster later
		preflight.FileContent(h, "/proc/sys/net/ipv4/ip_forward", "1"),
		preflight.InPath(h, "iptables", true),
		preflight.InPath(h, "mount", true),
		preflight.InPath(h, "nsenter", true),
		preflight.Port(h, "", 10250),
		preflight.FileAvailable(h, filepath.Join(d.KubernetesDir, constants.KubeletKubeConfig)),
		preflight.FileAvailable(h, filepath.Join(d.KubernetesDir, constants.KubeletBootstrapKubeConfig)),
		preflight.CRIWith(j.NodeRegistration.CRISocket, d.RuntimeAnswers),
		preflight.ContainerRuntimeVersionWith(j.NodeRegistration.CRISocket, func(ctx context.Context, socket string) (preflight.RuntimeConfigAsker, error) {
			return d.Runtime(ctx, socket)
		}),
	}
	if !d.controlPlane() {
		return append(checks, preflight.FileAvailable(h, j.CACertPath))
	}
	return checks
}

// controlPlaneChecks are the further checks of a joining control plane.
// They need the discovered cluster configuration: its components' bind
// addresses decide where the ports are checked, and only a local etcd
// needs its ports and data directory.
func (d *Data) controlPlaneChecks() []preflight.Check {
	h := d.Host
	checks := []preflight.Check{preflight.NumCPU(h, 2), preflight.Mem(h, 1700)}
	checks = append(checks, preflight.ControlPlanePorts(h, d.cluster, d.localEndpoint())...)
	for _, c := range []string{constants.KubeAPIServer, constants.KubeControllerManager, constants.KubeScheduler, constants.Etcd} {
		checks = append(checks, preflight.FileAvailable(h, filepath.Join(d.KubernetesDir, constants.ManifestsSubDir, c+".yaml")))
	}
	if local := d.cluster.Etcd.Local; local != nil {
		dir := local.DataDir
		if dir == "" {
			dir = constants.EtcdDataDir
		}
		checks = append(checks, preflight.DirAvailable(h, dir))
	}
	return checks
}

// leaveOutOwn drops, when an interrupted join continues, the checks that
// its own earlier run fails: files it wrote, ports its components listen
// on and the data directory its etcd member fills.
func (d *Data) leaveOutOwn(checks []preflight.Check) []preflight.Check {
	if !d.resuming {
		return checks
	}
	var kept []preflight.Check
	for _, c := range checks {
		if strings.HasPrefix(c.Name, "FileAvailable-") || strings.HasPrefix(c.Name, "Port-") || strings.HasPrefix(c.Name, "DirAvailable-") {
			continue
		}
		kept = append(kept, c)
	}
	return kept
}

// runChecks runs checks with ctx, reports their warnings and returns their
// failures.
func runChecks(ctx context.Context, out progress.Phase, checks []preflight.Check, ignore []string) error {
	r := preflight.Run(ctx, checks, ignore)
	for _, w := range r.Warnings {
		out.Warnf("%s", w)
	}
	for _, i := range r.Ignored {
		out.Warnf("ignored: %s", i)
	}
	return r.Err()
}

// fetchSharedCerts downloads and decrypts the kubeadm-certs Secret.
func (d *Data) fetchSharedCerts(ctx context.Context, out progress.Phase) error {
	ctx, cancel := withTimeout(ctx, d.apiTimeout())
	defer cancel()
	files, err := uploadcerts.Fetch(ctx, d.bootstrap, d.cluster.Etcd, d.join().ControlPlane.CertificateKey)
	if err != nil {
		return err
	}
	d.sharedCerts = files
	out.Infof("fetched and decrypted the control-plane certificates from Secret kube-system/%s", constants.KubeadmCertsSecret)
	return nil
}

// runPreflight checks the node, then discovers the cluster and checks what
// the cluster can refuse, so that a refused join leaves nothing behind.
func runPreflight(ctx context.Context, out progress.Phase, d *Data) error {
	j := d.join()
	ignore := append(append([]string{}, d.IgnorePreflightErrors...), j.NodeRegistration.IgnorePreflightErrors...)
	if d.resuming {
		out.Infof("continuing a join of this node that stopped part-way; checks of its own files, ports and Node name are left out")
	}
	if err := runChecks(ctx, out, d.leaveOutOwn(d.preflightChecks()), ignore); err != nil {
		return err
	}
	if err := d.discover(ctx); err != nil {
		return err
	}
	out.Infof("discovered cluster %s (Kubernetes %s) and checked its CA", d.tlsBootstrap.Clusters[constants.DefaultClusterName].Server, d.cluster.KubernetesVersion)
	apiCtx, cancel := withTimeout(ctx, d.apiTimeout())
	defer cancel()
	if !d.resuming {
		if err := d.nameTaken(apiCtx); err != nil {
			return err
		}
	}
	if !d.controlPlane() {
		return nil
	}
	if d.cluster.ControlPlaneEndpoint == "" {
		return fmt.Errorf("the cluster has no controlPlaneEndpoint, so it cannot have more than one control plane: it must be initialised with --control-plane-endpoint (a load balancer or DNS name in front of the API servers)")
	}
	if err := runChecks(ctx, out, d.leaveOutOwn(d.controlPlaneChecks()), ignore); err != nil {
		return err
	}
	if j.ControlPlane.CertificateKey != "" {
		return d.fetchSharedCerts(apiCtx, out)
	}
	for _, f := range uploadcerts.Files(d.cluster.Etcd.Local != nil) {
		if !pki.Exists(filepath.Join(d.cluster.CertificatesDir, f)) {
			return fmt.Errorf("%s is missing: copy the shared certificates from a control plane, or pass --certificate-key to download them", filepath.Join(d.cluster.CertificatesDir, f))
		}
	}
	return nil
}
