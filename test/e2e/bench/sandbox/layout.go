// Package sandbox runs the bench's nodes: each node is a mount, UTS and
// network namespace on this machine with its own hostname, address on a host
// bridge, containerd or CRI-O (or both), state directories, kubelet cgroup root and a
// supervisor that plays systemd's kubelet.service. It also owns the cluster
// record, the host-side haproxy load balancer, log collection, and the
// clean-up that puts the host back as it was.
package sandbox

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
)

const (
	// BridgeName is the host bridge every node's veth is attached to.
	BridgeName = "kbench0"
	// BridgeCIDR is the host's address on the bridge.
	BridgeCIDR = "10.200.0.1/24"
	// HostAddress is the host's address as nodes see it (the load balancer's).
	HostAddress = "10.200.0.1"
	// NodeNetwork is the range nodes take addresses from.
	NodeNetwork = "10.200.0.0/24"
	// PodNetwork is the range of all per-node pod subnets.
	PodNetwork = "10.244.0.0/16"
	// ServiceNetwork is the Service range tests should configure.
	ServiceNetwork = "10.96.0.0/12"
	// vethPrefix starts the host-side name of every node's veth.
	vethPrefix = "kbench-v"
	// cgroupParent is the cgroup (in every hierarchy) under which all bench
	// processes run.
	cgroupParent = "kubeadm-bench"
	// DefaultStateRoot holds clusters and nodes unless BENCH_STATE says otherwise.
	DefaultStateRoot = "/var/lib/kubeadm-bench"
)

// StateRoot returns the directory holding every cluster's state.
func StateRoot() string {
	if d := os.Getenv("BENCH_STATE"); d != "" {
		return d
	}
	return DefaultStateRoot
}

var validName = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$`)

// checkName refuses names that could not be a hostname or a path element.
func checkName(kind, name string) error {
	if !validName.MatchString(name) {
		return fmt.Errorf("%s name %q is invalid: use 1-32 lower-case letters, digits and '-', starting and ending with a letter or digit", kind, name)
	}
	return nil
}

// NodeAddress returns the bridge address of the node with index i (1-based).
func NodeAddress(i int) string { return fmt.Sprintf("10.200.0.%d", 10+i) }

// PodCIDR returns the pod subnet of the node with index i.
func PodCIDR(i int) string { return fmt.Sprintf("10.244.%d.0/24", i) }

// The IPv6 side of a dual-stack cluster (CreateOptions.DualStack): unique
// local addresses on the same bridge.
const (
	// BridgeCIDR6 is the host's IPv6 address on the bridge.
	BridgeCIDR6 = "fd00:200::1/64"
	// HostAddress6 is the host's IPv6 address as nodes see it.
	HostAddress6 = "fd00:200::1"
	// PodNetwork6 is the range of all per-node IPv6 pod subnets.
	PodNetwork6 = "fd00:10:244::/56"
	// ServiceNetwork6 is the IPv6 Service range tests should configure.
	ServiceNetwork6 = "fd00:10:96::/112"
)

// NodeAddress6 returns the IPv6 bridge address of the node with index i.
func NodeAddress6(i int) string { return fmt.Sprintf("fd00:200::%d", 10+i) }

// PodCIDR6 returns the IPv6 pod subnet of the node with index i.
func PodCIDR6(i int) string { return fmt.Sprintf("fd00:10:244:%d::/64", i) }

func vethName(i int) string { return fmt.Sprintf("%s%d", vethPrefix, i) }

// binds are the node-private directories bind-mounted inside a node over the
// host paths of the same name (relative names are under the node's dir).
var binds = []struct{ src, dst string }{
	{"etc-kubernetes", "/etc/kubernetes"},
	{"var-lib-kubelet", "/var/lib/kubelet"},
	{"var-lib-etcd", "/var/lib/etcd"},
	{"var-lib-containerd", "/var/lib/containerd"},
	{"etc-cni-net.d", "/etc/cni/net.d"},
	{"var-lib-cni", "/var/lib/cni"},
	{"var-log-pods", "/var/log/pods"},
	{"var-log-containers", "/var/log/containers"},
	{"bin", "/usr/local/bin"},
	// CRI-O's configuration and state, and containers-common's.
	{"etc-crio", "/etc/crio"},
	{"etc-containers", "/etc/containers"},
	{"var-lib-crio", "/var/lib/crio"},
	{"var-lib-containers", "/var/lib/containers"},
	{"var-log-crio", "/var/log/crio"},
}

// fileBinds are node-private files mounted over host files. The users
// database is the node's own, so that kubeadm's RootlessControlPlane users
// are created on the node, never on the host.
var fileBinds = []struct{ src, dst string }{
	{"hosts", "/etc/hosts"},
	{"resolv.conf", "/etc/resolv.conf"},
	{"passwd", "/etc/passwd"},
	{"group", "/etc/group"},
}

// usersDatabase are the host files a node starts its own users database
// from, copied once when the node is made.
var usersDatabase = []struct{ src, dst string }{
	{"/etc/passwd", "passwd"},
	{"/etc/group", "group"},
}

// tmpfsMounts are fresh at every boot of a node, as /run is on a real host.
var tmpfsMounts = []string{"/run/containerd", "/run/netns", "/run/crio", "/run/containers", "/run/runc"}

func clusterDir(cluster string) string    { return filepath.Join(StateRoot(), cluster) }
func nodeDir(cluster, node string) string { return filepath.Join(clusterDir(cluster), "nodes", node) }
