// Package kubeletstart computes what the kubelet-start phase of kubeadm
// writes and uploads: the cluster-wide KubeletConfiguration with kubeadm's
// defaults, the node-local /var/lib/kubelet/config.yaml and
// instance-config.yaml, the kubeadm-flags.env file, and the kubelet-config
// ConfigMap together with the RBAC objects that let nodes read it.
//
// Every function here is pure: host facts (hostname, whether
// systemd-resolved is running) come in as parameters, and nothing is read
// from or written to disk or the API server. The output is byte-for-byte
// what kubeadm v1.37 produces for the same inputs wherever that is possible.
package kubeletstart
