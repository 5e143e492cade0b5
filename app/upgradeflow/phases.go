package upgradeflow

import (
	"context"

	"github.com/kubeadm-cleanroom/kubeadm/app/progress"
	"github.com/kubeadm-cleanroom/kubeadm/app/workflow"
)

// Phase is a phase of upgrade apply or upgrade node.
type Phase = workflow.Phase[*Data]

func onlyControlPlane(d *Data) string {
	if !d.isCP {
		return "not a control-plane node"
	}
	return ""
}

func addonPhase() Phase {
	return Phase{Name: "addon", Short: "Upgrade the default kubeadm addons", Skip: onlyControlPlane, Children: []Phase{
		{Name: "coredns", Short: "Upgrade the CoreDNS addon", Run: runCoreDNS},
		{Name: "kube-proxy", Short: "Upgrade the kube-proxy addon", Run: runKubeProxy},
	}}
}

// ApplyPhases are upgrade apply's phases in upstream's names and order.
func ApplyPhases() []Phase {
	return []Phase{
		{Name: "preflight", Short: "Run preflight checks before upgrade", Run: runPreflight},
		{Name: "control-plane", Short: "Upgrade the control plane", Run: runControlPlane},
		{Name: "upload-config", Aliases: []string{"uploadconfig"}, Short: "Upload the kubeadm and kubelet configurations to ConfigMaps", Children: []Phase{
			{Name: "kubeadm", Short: "Upload the kubeadm ClusterConfiguration to a ConfigMap", Run: runUploadConfig},
			{Name: "kubelet", Short: "Upload the kubelet configuration to a ConfigMap", Run: runUploadKubeletConfig},
		}},
		{Name: "kubeconfig", Short: "Upgrade kubeconfig files for this node", Run: runKubeconfig, Hidden: true},
		{Name: "kubelet-config", Short: "Upgrade the kubelet configuration for this node", Run: runKubeletConfig},
		{Name: "bootstrap-token", Short: "Configures bootstrap token and cluster-info RBAC rules", Run: runBootstrapToken},
		addonPhase(),
		{Name: "post-upgrade", Short: "Run post upgrade tasks", Run: runPostUpgrade},
	}
}

// NodePhases are upgrade node's phases in upstream's names and order.
func NodePhases() []Phase {
	return []Phase{
		{Name: "preflight", Short: "Run upgrade node pre-flight checks", Run: runPreflight},
		{Name: "control-plane", Short: "Upgrade the control plane instance deployed on this node, if any", Run: runControlPlane, Skip: onlyControlPlane},
		{Name: "kubeconfig", Short: "Upgrade kubeconfig files for this node", Run: runKubeconfig, Hidden: true, Skip: onlyControlPlane},
		{Name: "kubelet-config", Short: "Upgrade the kubelet configuration for this node", Run: runKubeletConfig},
		addonPhase(),
		{Name: "post-upgrade", Short: "Run post upgrade tasks", Run: runPostUpgrade},
	}
}

// Runner returns the phase runner of command (Apply or Node).
func Runner(command string, out progress.Reporter) *workflow.Runner[*Data] {
	if command == Node {
		return &workflow.Runner[*Data]{Phases: NodePhases(), Out: out}
	}
	return &workflow.Runner[*Data]{Phases: ApplyPhases(), Out: out}
}

// Run runs every phase of o.Command except the skipped ones.
func Run(ctx context.Context, o Options) (*Data, error) {
	d, err := NewData(o)
	if err != nil {
		return nil, err
	}
	return d, Runner(o.Command, o.Out).Run(ctx, d, o.Settings.SkipPhases)
}

// RunPhase runs one phase (and its children) of o.Command. Phases after
// preflight need what preflight learns, so it runs first, quietly.
func RunPhase(ctx context.Context, o Options, path string) (*Data, error) {
	d, err := NewData(o)
	if err != nil {
		return nil, err
	}
	r := Runner(o.Command, o.Out)
	if path != "preflight" {
		if err := runPreflight(ctx, progress.Phase{R: o.Out, Name: "preflight"}, d); err != nil {
			return d, err
		}
	}
	return d, r.RunOnly(ctx, d, path)
}
