package sandbox

import "fmt"

// KubeletAndProxyConfig are the component settings kubelets and kube-proxy
// need on bench nodes: the cgroupfs driver, cgroup v1 allowed, swap
// tolerated, and no conntrack tuning (the sysctl is read-only in a node).
const KubeletAndProxyConfig = `---
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: cgroupfs
failCgroupV1: false
failSwapOn: false
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
