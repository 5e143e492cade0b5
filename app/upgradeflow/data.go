// Package upgradeflow is `kubeadm upgrade apply` and `kubeadm upgrade
// node`: the data their phases share, the phase tables in upstream's names
// and order, and the parts that touch the node and the cluster (etcd
// backups, the static Pod watcher, the configuration uploads). The version
// policy, plan, diff and rollback state machine are in package upgrade.
package upgradeflow

import (
	"context"
	"fmt"
	"io"
	kubeletv1beta1 "k8s.io/kubelet/config/v1beta1"
	"path/filepath"
	"time"

	clientset "k8s.io/client-go/kubernetes"

	"github.com/kubeadm-cleanroom/kubeadm/app/apiclient"
	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/nodeenv"
	"github.com/kubeadm-cleanroom/kubeadm/app/progress"
)

// The two commands this package runs.
const (
	Apply = "apply"
	Node  = "node"
)

// Settings are the effective choices of one run, from the
// UpgradeConfiguration with the command-line flags laid over it.
type Settings struct {
	CertificateRenewal    bool
	EtcdUpgrade           bool
	DryRun                bool
	Force                 bool
	AllowExperimental     bool
	AllowRC               bool
	PrintConfig           bool
	IgnorePreflightErrors []string
	SkipPhases            []string
	Patches               *kubeadm.Patches
}

// Options are what the command layer passes in.
type Options struct {
	Command string // Apply or Node
	// Target is apply's version argument; node takes the cluster's.
	Target   string
	Settings Settings
	Timeouts *kubeadm.Timeouts // defaulted
	// Kubeconfig is the credential to talk to the cluster with; "" picks
	// admin.conf, or kubelet.conf on a node that has no admin.conf.
	Kubeconfig string
	// Yes skips the confirmation apply asks for.
	Yes bool
	In  io.Reader
	Out progress.Reporter
	// Deps are injected for tests; zero fields mean this machine's.
	Deps
}

// Data is what the phases share.
type Data struct {
	Options
	run     nodeenv.Run
	client  clientset.Interface
	cluster *kubeadm.ClusterConfiguration // at the target version
	current string                        // the newest API server's version before the upgrade
	target  string
	node    string // this node's name
	lcp     LocalControlPlane
	isCP    bool
	stamp   string // names this run's backup directories
	// SnapshotPath is the etcd backup this run took, if any.
	SnapshotPath string
	// DryRunDir is where a dry run writes the files it would change.
	DryRunDir string
	// addonsMay caches whether every control plane runs the target.
	addonsMay *bool
	// kubeletCfg is the cluster's kubelet configuration at the target,
	// once upload-config/kubelet made it.
	kubeletCfg *kubeletv1beta1.KubeletConfiguration
}

// NewData prepares a run: the node's directories and patches.
func NewData(o Options) (*Data, error) {
	o.Deps.defaults()
	if o.Timeouts == nil {
		o.Timeouts = kubeadm.SetTimeoutDefaults(nil)
	}
	run, err := o.Machine.Prepare("upgrade", false, o.Settings.Patches)
	if err != nil {
		return nil, err
	}
	d := &Data{Options: o, run: run, stamp: o.Now().UTC().Format("2006-01-02-15-04-05")}
	if o.Settings.DryRun {
		if d.DryRunDir, err = nodeenv.DryRunDirNamed(nodeenv.DryRunEnv["upgrade"], "kubeadm-upgrade-"+o.Command+"-dryrun", d.KubernetesDir); err != nil {
			return nil, err
		}
	}
	if o.Out != nil {
		if err := d.putBackInterrupted(progress.Phase{R: o.Out, Name: "preflight"}); err != nil {
			return nil, err
		}
	}
	d.lcp, d.isCP, err = ReadLocalControlPlane(run.ManifestsDir)
	if err != nil {
		return nil, err
	}
	return d, nil
}

// TargetVersion is the version this run upgrades to, once preflight has set it.
func (d *Data) TargetVersion() string { return d.target }

func (d *Data) kubeconfigPath() string {
	if d.Kubeconfig != "" {
		return d.Kubeconfig
	}
	if d.isCP {
		return filepath.Join(d.KubernetesDir, constants.AdminKubeConfig)
	}
	return filepath.Join(d.KubernetesDir, constants.KubeletKubeConfig)
}

func (d *Data) apiClient() (clientset.Interface, error) {
	if d.client != nil {
		return d.client, nil
	}
	if d.Client != nil {
		d.client = d.Client
		return d.client, nil
	}
	c, err := apiclient.FromKubeconfig(d.kubeconfigPath())
	if err != nil {
		return nil, err
	}
	d.client = c
	return c, nil
}

func (d *Data) apiTimeout() time.Duration { return d.Timeouts.KubernetesAPICall.Duration }

func (d *Data) withAPITimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, d.apiTimeout())
}

// backupDir is where this run keeps what it replaces.
func (d *Data) backupDir(kind string) string {
	return filepath.Join(d.KubernetesDir, "tmp", fmt.Sprintf("kubeadm-backup-%s-%s", kind, d.stamp))
}

func (d *Data) certsDir() string {
	if d.cluster != nil && d.cluster.CertificatesDir != "" {
		return d.cluster.CertificatesDir
	}
	return filepath.Join(d.KubernetesDir, "pki")
}
