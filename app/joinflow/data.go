// Package joinflow is `kubeadm join`: discovery of the cluster, the typed
// data the join phases share, and the phase table in upstream's names and
// order. Everything that can refuse a join (a wrong or expired token, a CA
// that does not match its pin, an unreachable endpoint, a missing or
// expired kubeadm-certs Secret, a wrong certificate key, a node name
// already taken) is checked in preflight, before anything is written.
package joinflow

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	clientset "k8s.io/client-go/kubernetes"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	kubeletv1beta1 "k8s.io/kubelet/config/v1beta1"

	"github.com/kubeadm-cleanroom/kubeadm/app/apiclient"
	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/config"
	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/patches"
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/kubeletstart"
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/preflight"
	"github.com/kubeadm-cleanroom/kubeadm/app/progress"
)

// Options are what the join command passes in.
type Options struct {
	Config                *config.Join // defaulted and validated
	DryRun                bool
	IgnorePreflightErrors []string
	SkipPhases            []string
	Out                   progress.Reporter
	Host                  preflight.Host
	InitSystem            kubeletstart.InitSystem
	Now                   func() time.Time
	KubernetesDir         string
	KubeletDir            string
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
}

// NewData prepares a run.
func NewData(o Options) (*Data, error) {
	if o.Host == nil {
		o.Host = preflight.LocalHost{}
	}
	if o.InitSystem == nil {
		o.InitSystem = kubeletstart.Systemd{}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.KubernetesDir == "" {
		o.KubernetesDir = constants.KubernetesDir
	}
	if o.KubeletDir == "" {
		o.KubeletDir = constants.KubeletDir
	}
	d := &Data{Options: o, cfg: o.Config, kubeDir: o.KubernetesDir, kubeletDir: o.KubeletDir}
	if o.DryRun {
		dir, err := os.MkdirTemp("", "kubeadm-join-dryrun")
		if err != nil {
			return nil, fmt.Errorf("create dry-run directory: %w", err)
		}
		d.DryRunDir, d.kubeDir, d.kubeletDir = dir, dir, dir
	}
	d.manifestsDir = filepath.Join(d.kubeDir, constants.ManifestsSubDir)
	dir := ""
	if p := o.Config.Join.Patches; p != nil {
		dir = p.Directory
	}
	set, err := patches.Load(dir)
	if err != nil {
		return nil, err
	}
	d.patches = set
	return d, nil
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
	c, err := apiclient.FromKubeconfig(filepath.Join(d.kubeDir, constants.AdminKubeConfig))
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
