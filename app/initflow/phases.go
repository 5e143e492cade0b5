package initflow

import (
	"slices"
	"strings"

	"github.com/kubeadm-cleanroom/kubeadm/app/progress"
	"github.com/kubeadm-cleanroom/kubeadm/app/workflow"
)

// Phase is a phase of init.
type Phase = workflow.Phase[*Data]

// Phases returns init's phases in upstream's names and order.
func Phases() []Phase {
	return []Phase{
		{Name: "preflight", Short: "Run pre-flight checks", Long: preflightLong, Example: preflightExample, Run: runPreflight},
		certsPhase(),
		kubeconfigPhase(),
		{Name: "etcd", Short: "Generate static Pod manifest file for local etcd", Children: []Phase{
			{Name: "local", Short: "Generate the static Pod manifest file for a local, single-node local etcd instance", Long: etcdLocalLong, Example: etcdLocalExample, Run: runEtcdLocal,
				Skip: func(d *Data) string {
					if d.cfg.Cluster.Etcd.External != nil {
						return "external etcd"
					}
					return ""
				}},
		}},
		{Name: "control-plane", Short: "Generate all static Pod manifest files necessary to establish the control plane", Children: []Phase{
			{Name: "apiserver", Short: "Generates the kube-apiserver static Pod manifest", Run: runControlPlane("apiserver")},
			{Name: "controller-manager", Short: "Generates the kube-controller-manager static Pod manifest", Run: runControlPlane("controller-manager")},
			{Name: "scheduler", Short: "Generates the kube-scheduler static Pod manifest", Run: runControlPlane("scheduler")},
		}},
		{Name: "kubelet-start", Short: "Write kubelet settings and (re)start the kubelet", Long: kubeletStartLong, Example: kubeletStartExample, Run: runKubeletStart},
		{Name: "wait-control-plane", Short: "Wait for the control plane to start", Run: runWaitControlPlane},
		{Name: "upload-config", Aliases: []string{"uploadconfig"}, Short: "Upload the kubeadm and kubelet configuration to a ConfigMap", Children: []Phase{
			{Name: "kubeadm", Short: "Upload the kubeadm ClusterConfiguration to a ConfigMap", Long: uploadKubeadmLong, Example: uploadKubeadmExample, Run: runUploadKubeadmConfig},
			{Name: "kubelet", Short: "Upload the kubelet component config to a ConfigMap", Long: uploadKubeletLong, Example: uploadKubeletExample, Run: runUploadKubeletConfig},
		}},
		{Name: "upload-certs", Short: "Upload certificates to kubeadm-certs", Long: uploadCertsLong, Example: uploadCertsExample, Run: runUploadCerts, Skip: func(d *Data) string {
			if !d.UploadCerts {
				return "pass --upload-certs to share the control-plane certificates with joining control planes"
			}
			return ""
		}},
		{Name: "mark-control-plane", Short: "Mark a node as a control-plane", Long: markControlPlaneLong, Example: markControlPlaneExample, Run: runMarkControlPlane},
		{Name: "bootstrap-token", Aliases: []string{"bootstraptoken"}, Short: "Generates bootstrap tokens used to join a node to a cluster", Long: bootstrapTokenLong, Example: bootstrapTokenExample, Run: runBootstrapToken},
		{Name: "kubelet-finalize", Short: "Updates settings relevant to the kubelet after TLS bootstrap", Long: kubeletFinalizeLong, Example: kubeletFinalizeExample, Children: []Phase{
			{Name: "enable-client-cert-rotation", Short: "Enable kubelet client certificate rotation", Run: runKubeletFinalize},
		}},
		{Name: "addon", Short: "Install required addons for passing conformance tests", Children: []Phase{
			{Name: "coredns", Short: "Install the CoreDNS addon to a Kubernetes cluster", Run: runCoreDNS, Skip: func(d *Data) string {
				if d.cfg.Cluster.DNS.Disabled {
					return "dns.disabled is set in the ClusterConfiguration"
				}
				return ""
			}},
			{Name: "kube-proxy", Short: "Install the kube-proxy addon to a Kubernetes cluster", Run: runKubeProxy, Skip: func(d *Data) string {
				if d.cfg.Cluster.Proxy.Disabled {
					return "proxy.disabled is set in the ClusterConfiguration"
				}
				return ""
			}},
		}},
		{Name: "show-join-command", Short: "Show the join command for control-plane and worker node", Long: showJoinCommandLong, Run: runShowJoinCommand},
	}
}

// Runner returns the phase runner of init.
func Runner(out progress.Reporter) *workflow.Runner[*Data] {
	return &workflow.Runner[*Data]{Phases: Phases(), Out: out}
}

// runtimeFreePhases are init phases that only write files: run alone, they
// need no container runtime, so none is detected (as upstream skips CRI
// detection for them).
var runtimeFreePhases = []string{"certs", "kubeconfig", "etcd", "control-plane", "upload-config", "upload-certs", "mark-control-plane", "bootstrap-token", "addon", "show-join-command"}

// NeedsRuntime reports whether running phase ("" for all of init) can use
// the container runtime.
func NeedsRuntime(phase string, dryRun bool) bool {
	if dryRun {
		return false
	}
	if phase == "" {
		return true
	}
	top, _, _ := strings.Cut(phase, "/")
	return !slices.Contains(runtimeFreePhases, top)
}
