package reset

import (
	"context"
	"errors"
	"path/filepath"
	"time"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/cri"
	"github.com/kubeadm-cleanroom/kubeadm/app/etcd"
	"github.com/kubeadm-cleanroom/kubeadm/app/nodeenv"
	"github.com/kubeadm-cleanroom/kubeadm/app/progress"
	"github.com/kubeadm-cleanroom/kubeadm/app/workflow"
)

// ManualCleanup is what reset leaves to the user; the command prints it
// after a reset.
const ManualCleanup = `
The reset process does not clean up everything on this host:
  - CNI configuration: remove the files in /etc/cni/net.d that the pod
    network add-on installed.
  - Network filtering rules: iptables (and ip6tables) rules made by
    kube-proxy and the network add-on are left in place; flush them with
    the "iptables" commands. If the cluster used IPVS, clear its tables
    with "ipvsadm --clear".
  - kubeconfig files: check $HOME/.kube/config and any copies of
    admin.conf you made; they point at a cluster that no longer exists.
For more, see https://k8s.io/docs/reference/setup-tools/kubeadm/kubeadm-reset/
`

// Options are what the reset command passes in.
type Options struct {
	// Config is defaulted and validated, with the flags merged in.
	Config *kubeadm.ResetConfiguration
	// KubeconfigPath is used only to find etcd's endpoints when the local
	// etcd member does not answer.
	KubeconfigPath string
	Out            progress.Reporter
	Deps
}

// Deps are the host and cluster accesses of reset; zero fields mean this
// machine's (tests inject fakes).
type Deps struct {
	// Machine gives the Kubernetes and kubelet directories and the init
	// system that stops the kubelet.
	nodeenv.Machine
	// EtcdDataDir is cleaned when no etcd manifest names one.
	EtcdDataDir string
	// Confirm asks the question and reports a yes; required unless the
	// reset is forced or a dry run.
	Confirm func(question string) (bool, error)
	// Runtime connects to the container runtime.
	Runtime func(ctx context.Context, endpoint string) (Runtime, error)
	// Etcd connects to etcd at endpoints with the client certificates of
	// the certificates directory pkiDir.
	Etcd func(ctx context.Context, endpoints []string, pkiDir string) (EtcdClient, error)
	// EtcdEndpoints finds the etcd members' client URLs through the API
	// server, for when the local member does not answer; nil skips it.
	EtcdEndpoints func(ctx context.Context) ([]string, error)
	// Mounts lists and unmounts mounts.
	Mounts Mounter
	// KubeletAnswers reports whether a kubelet answers on its healthz URL.
	KubeletAnswers func(ctx context.Context, url string) bool
	// KubeletStopWait bounds the wait for a kubelet without init system
	// to stop; zero means 20s.
	KubeletStopWait time.Duration
}

// Runtime is what reset needs of the container runtime.
type Runtime interface {
	ListPodSandboxes(ctx context.Context) ([]cri.Sandbox, error)
	StopPodSandbox(ctx context.Context, id string) error
	RemovePodSandbox(ctx context.Context, id string) error
	Close() error
}

// EtcdClient is what reset needs of the etcd cluster.
type EtcdClient interface {
	Members(ctx context.Context) ([]etcd.Member, error)
	Remove(ctx context.Context, id uint64, force bool) error
	Close() error
}

// ErrNotConfirmed means the user did not answer yes.
var ErrNotConfirmed = errors.New("reset aborted: the answer was not 'y' or 'yes'; nothing was changed (pass --force to reset without the question)")

func (d *Deps) defaults(kubeconfig string) {
	d.Machine.Default()
	if d.EtcdDataDir == "" {
		d.EtcdDataDir = constants.EtcdDataDir
	}
	if d.Runtime == nil {
		d.Runtime = func(ctx context.Context, ep string) (Runtime, error) { return cri.Dial(ctx, ep) }
	}
	if d.Etcd == nil {
		d.Etcd = DialEtcd
	}
	if d.EtcdEndpoints == nil && kubeconfig != "" {
		d.EtcdEndpoints = func(ctx context.Context) ([]string, error) { return EtcdEndpointsFromAPI(ctx, kubeconfig) }
	}
	if d.Mounts == nil {
		d.Mounts = LocalMounts{}
	}
	if d.KubeletAnswers == nil {
		d.KubeletAnswers = httpAnswers
	}
	if d.KubeletStopWait == 0 {
		d.KubeletStopWait = 20 * time.Second
	}
}

// Data is what reset's phases share.
type Data struct {
	Options
	cfg *kubeadm.ResetConfiguration
}

// NewData fills the injected defaults.
func NewData(o Options) *Data {
	o.Deps.defaults(o.KubeconfigPath)
	return &Data{Options: o, cfg: o.Config}
}

func (d *Data) manifestsDir() string {
	return filepath.Join(d.KubernetesDir, constants.ManifestsSubDir)
}

func (d *Data) etcdManifest() string { return filepath.Join(d.manifestsDir(), constants.Etcd+".yaml") }

// Phases is reset's phase table, in upstream's order.
func Phases() []workflow.Phase[*Data] {
	return []workflow.Phase[*Data]{
		{Name: "preflight", Aliases: []string{"pre-flight"}, Short: "Run reset pre-flight checks", Long: "Run pre-flight checks for kubeadm reset.", Run: runPreflight},
		{Name: "remove-etcd-member", Short: "Remove a local etcd member.", Long: "Remove a local etcd member for a control plane node.",
			Run: runRemoveEtcdMember, Skip: skipRemoveEtcdMember},
		{Name: "cleanup-node", Aliases: []string{"cleanupnode"}, Short: "Run cleanup node.", Run: runCleanupNode},
	}
}

// Runner returns the runner of the phase table reporting to out.
func Runner(out progress.Reporter) *workflow.Runner[*Data] {
	return &workflow.Runner[*Data]{Phases: Phases(), Out: out}
}

// Run runs every phase except the skipped ones (the configuration's
// skipPhases, where the flag is merged in).
func Run(ctx context.Context, o Options) error {
	d := NewData(o)
	return Runner(o.Out).Run(ctx, d, d.cfg.SkipPhases)
}

// RunPhase runs one phase, as `reset phase <name>` does.
func RunPhase(ctx context.Context, o Options, path string) error {
	d := NewData(o)
	return Runner(o.Out).RunOnly(ctx, d, path)
}
