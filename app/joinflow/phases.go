package joinflow

import (
	"context"

	"github.com/kubeadm-cleanroom/kubeadm/app/progress"
	"github.com/kubeadm-cleanroom/kubeadm/app/workflow"
)

// Phase is a phase of join.
type Phase = workflow.Phase[*Data]

func onlyControlPlane(d *Data) string {
	if !d.controlPlane() {
		return "not a control-plane join"
	}
	return ""
}

func onlyLocalEtcd(d *Data) string {
	if r := onlyControlPlane(d); r != "" {
		return r
	}
	if d.cluster != nil && d.cluster.Etcd.External != nil {
		return "external etcd"
	}
	return ""
}

// localEtcdPhase wraps an etcd phase: once the cluster is discovered (the
// phase's Skip may have run before discovery, when preflight was skipped),
// a cluster on external etcd has nothing for it to do.
func localEtcdPhase(run func(context.Context, progress.Phase, *Data) error) func(context.Context, progress.Phase, *Data) error {
	return needsCluster(func(ctx context.Context, out progress.Phase, d *Data) error {
		if d.cluster.Etcd.External != nil {
			out.Infof("nothing to do: the cluster uses external etcd")
			return nil
		}
		return run(ctx, out, d)
	})
}

// Phases returns join's phases in upstream's names and order.
func Phases() []Phase {
	return []Phase{
		{Name: "preflight", Short: "Run join pre-flight checks", Long: preflightLong, Example: preflightExample, Run: runPreflight},
		{Name: "control-plane-prepare", Short: "Prepare the machine for serving a control plane", Long: controlPlanePrepareLong, Example: controlPlanePrepareExample, Skip: onlyControlPlane, Children: []Phase{
			{Name: "download-certs", Short: "Download certificates shared among control-plane nodes from the kubeadm-certs Secret", Run: needsCluster(runDownloadCerts)},
			{Name: "certs", Short: "Generate the certificates for the new control plane components", Run: needsCluster(runCerts)},
			{Name: "kubeconfig", Short: "Generate the kubeconfig for the new control plane components", Run: needsCluster(runKubeconfig)},
			{Name: "control-plane", Short: "Generate the manifests for the new control plane components", Run: needsCluster(runControlPlaneManifests)},
		}},
		{Name: "check-etcd", Short: "Check that the local etcd cluster is healthy before a control plane joins it", Run: localEtcdPhase(runCheckEtcd), Skip: onlyLocalEtcd, Hidden: true},
		{Name: "kubelet-start", Short: "Write kubelet settings, certificates and (re)start the kubelet", Long: kubeletStartLong, Run: needsCluster(runKubeletStart)},
		{Name: "etcd-join", Short: "Join etcd for control plane nodes", Long: etcdJoinLong, Example: etcdJoinExample, Run: localEtcdPhase(runEtcdJoin), Skip: onlyLocalEtcd},
		{Name: "kubelet-wait-bootstrap", Short: "Wait for the kubelet to bootstrap itself", Run: runKubeletWaitBootstrap},
		{Name: "control-plane-join", Short: "Join a machine as a control plane instance", Long: controlPlaneJoinLong, Example: controlPlaneJoinExample, Skip: onlyControlPlane, Children: []Phase{
			{Name: "mark-control-plane", Short: "Mark a node as a control-plane", Run: runMarkControlPlane},
		}},
		{Name: "wait-control-plane", Short: "Wait for the control plane to start", Run: runWaitControlPlane, Skip: onlyControlPlane},
	}
}

// Runner returns the phase runner of join.
func Runner(out progress.Reporter) *workflow.Runner[*Data] {
	return &workflow.Runner[*Data]{Phases: Phases(), Out: out}
}

// Run runs join: every phase except the skipped ones.
func Run(ctx context.Context, o Options) (*Data, error) {
	d, err := NewData(o)
	if err != nil {
		return nil, err
	}
	d.fullRun = true
	if err := d.checkState(); err != nil {
		return d, err
	}
	skip := append(append([]string{}, o.SkipPhases...), o.Config.Join.SkipPhases...)
	if err := Runner(o.Out).Run(ctx, d, skip); err != nil {
		return d, d.rollBack(ctx, err)
	}
	return d, d.markCompleted()
}

// RunPhase runs one phase; a phase that needs the cluster discovers it.
func RunPhase(ctx context.Context, o Options, path string) (*Data, error) {
	d, err := NewData(o)
	if err != nil {
		return nil, err
	}
	return d, Runner(o.Out).RunOnly(ctx, d, path)
}
