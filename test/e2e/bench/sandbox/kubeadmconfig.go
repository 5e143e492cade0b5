package sandbox

import "fmt"

// KubeletAndProxyConfig are the component settings kubelets and kube-proxy
// need on bench nodes: the cgroupfs driver, cgroup v1 allowed, swap
// tolerated, no conntrack tuning (the sysctl is read-only in a node), and
// disk eviction only when the disk is nearly full: every node sees the
// host's one disk, which the host's own work (Go caches, artifacts) fills,
// so the default thresholds (10-15% free) would taint the nodes with
// disk-pressure for reasons that are not theirs.
const KubeletAndProxyConfig = `---
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: cgroupfs
failCgroupV1: false
failSwapOn: false
evictionHard:
  memory.available: 100Mi
  nodefs.available: 1%
  nodefs.inodesFree: 1%
  imagefs.available: 1%
---
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
conntrack:
  maxPerCore: 0
`

// InitConfig returns a kubeadm configuration for a bench control plane of
// the given version with the given bootstrap token; extraCluster is added
// to the ClusterConfiguration (YAML lines at its top level).
func InitConfig(version, token, extraCluster string) string {
	return fmt.Sprintf(`apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
bootstrapTokens:
- token: %s
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
kubernetesVersion: %s
networking:
  podSubnet: %s
%s`, token, version, PodNetwork, extraCluster) + KubeletAndProxyConfig
}

// KubeadmConfigPath is where the bench writes a node's kubeadm configuration.
const KubeadmConfigPath = "/etc/kubernetes/kubeadm-bench.yaml"
