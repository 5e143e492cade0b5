// Package joinflow is `kubeadm join`: discovery of the cluster, the typed
// data the join phases share, and the phase table in upstream's names and
// order. Everything that can refuse a join (a wrong or expired token, a CA
// that does not match its pin, an unreachable endpoint, a missing or
// expired kubeadm-certs Secret, a wrong certificate key, a node name
// already taken) is checked in preflight, before anything is written.
package joinflow

import (
	"context"
	"path/filepath"
	"time"

	clientset "k8s.io/client-go/kubernetes"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	kubeletv1beta1 "k8s.io/kubelet/config/v1beta1"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/config"
	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/patches"
	"github.com/kubeadm-cleanroom/kubeadm/app/progress"
	"github.com/kubeadm-cleanroom/kubeadm/app/users"
)

// Options are what the join command passes in.
type Options struct {
	Config                *config.Join // defaulted and validated
	DryRun                bool
	IgnorePreflightErrors []string
	SkipPhases            []string
	Out                   progress.Reporter
	// Deps are injected for tests; zero fields mean this machine's.
	Deps
}

// Data is what join's phases share.
type Data struct {
	Options
	cfg *config.Join
	// Filled by discovery (preflight): the cluster and the credentials the
	// kubelet bootstraps with, the cluster's configuration and the
	// kubelet's, and for a control plane the decrypted shared certificates.
	tlsBootstrap *clientcmdapi.Config
	cluster      *kubeadm.ClusterConfiguration
	kubeletCfg   *kubeletv1beta1.KubeletConfiguration
	sharedCerts  map[string][]byte
	bootstrap    clientset.Interface
	admin        clientset.Interface

	kubeDir, certsDir, manifestsDir, kubeletDir, DryRunDir string
	patches                                                *patches.Set

	// discoverFn replaces discovery in tests.
	discoverFn func(context.Context, *Data) error
	// rootless prepares the components' users (RootlessControlPlane).
	rootless *users.Rootless
	// fullRun is a join of every phase (not `join phase`), which records
	// its progress in the state file; resuming continues an interrupted
	// one; marked says the state file says so.
	fullRun, resuming, marked bool
}

// NewData prepares a run.
func NewData(o Options) (*Data, error) {
	o.Deps.defaults()
	run, err := o.Machine.Prepare("join", o.DryRun, o.Config.Join.Patches)
	if err != nil {
		return nil, err
	}
	return &Data{Options: o, cfg: o.Config, kubeDir: run.KubeDir, manifestsDir: run.ManifestsDir, kubeletDir: run.KubeletDir,
		DryRunDir: run.DryRunDir, patches: run.Patches}, nil
}

func (d *Data) join() *kubeadm.JoinConfiguration { return d.cfg.Join }

// controlPlane reports whether this node joins as a control plane.
func (d *Data) controlPlane() bool { return d.cfg.Join.ControlPlane != nil }

func (d *Data) apiTimeout() time.Duration { return d.cfg.Join.Timeouts.KubernetesAPICall.Duration }

// adminClient is the client of a joining control plane, from the admin.conf
// it wrote in control-plane-prepare.
func (d *Data) adminClient() (clientset.Interface, error) {
	if d.admin != nil {
		return d.admin, nil
	}
	c, err := d.clientFromFile(filepath.Join(d.kubeDir, constants.AdminKubeConfig))
	if err != nil {
		return nil, err
	}
	d.admin = c
	return c, nil
}

// localEndpoint is this control plane's API server address.
func (d *Data) localEndpoint() kubeadm.APIEndpoint { return d.cfg.Join.ControlPlane.LocalAPIEndpoint }

func withTimeout(ctx context.Context, t time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, t)
}
