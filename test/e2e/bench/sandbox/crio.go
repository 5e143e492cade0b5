package sandbox

import (
	"fmt"
	"strings"

	"github.com/lithammer/dedent"

	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/supervisor"
)

// Container runtimes a node can run (NodeOptions.Runtime).
const (
	RuntimeContainerd = "containerd"
	RuntimeCRIO       = "crio"
	// RuntimeBoth runs containerd and CRI-O side by side, as a host with
	// both packages installed does.
	RuntimeBoth = "containerd+crio"
)

// checkRuntime refuses a runtime the bench cannot give a node.
func checkRuntime(r string) error {
	switch r {
	case RuntimeContainerd, RuntimeCRIO, RuntimeBoth:
		return nil
	}
	return fmt.Errorf("container runtime %q is unknown: use %s, %s or %s", r, RuntimeContainerd, RuntimeCRIO, RuntimeBoth)
}

// HasContainerd reports whether the node runs containerd.
func (n *Node) HasContainerd() bool { return n.runtime() != RuntimeCRIO }

// HasCRIO reports whether the node runs CRI-O.
func (n *Node) HasCRIO() bool { return n.runtime() != RuntimeContainerd }

func (n *Node) runtime() string {
	if n.Runtime == "" {
		return RuntimeContainerd
	}
	return n.Runtime
}

// The files of a CRI-O node, where the cri-o package and containers-common
// put them on a host (node-private through binds).
const (
	crioConfigPath = "etc-crio/crio.conf"
	// crioStorageConf is read by CRI-O and by crio-image-import alike.
	crioStorageConf   = "etc-containers/storage.conf"
	crioPolicy        = "etc-containers/policy.json"
	crioRegistriesCfg = "etc-containers/registries.conf"
)

// crioConfig is the node's /etc/crio/crio.conf: runc through the bench's
// oom_score_adj clamp with conmon from Debian, the cgroupfs driver,
// pinned namespaces and runc state on the node's own /run, the local pause
// image, CNI from Debian's plugins, and neither NRI nor metrics (their
// sockets and ports would collide between nodes).
func crioConfig(pauseImage string) string {
	return strings.TrimLeft(fmt.Sprintf(dedent.Dedent(`
		[crio]
		storage_driver = "overlay"
		log_dir = "/var/log/crio/pods"
		version_file = "/run/crio/version"
		version_file_persist = "/var/lib/crio/version"
		# The store holds preloaded images that no registry can give back:
		# no wipe after a power cut.
		clean_shutdown_file = ""

		[crio.api]
		listen = %q
		stream_address = "127.0.0.1"
		stream_port = "0"

		[crio.runtime]
		default_runtime = "runc"
		cgroup_manager = "cgroupfs"
		namespaces_dir = "/run/crio/ns"
		pinns_path = "/usr/local/bin/pinns"
		container_exits_dir = "/run/crio/exits"
		container_attach_socket_dir = "/run/crio"
		irqbalance_config_restore_file = ""
		hooks_dir = []

		[crio.runtime.runtimes.runc]
		runtime_path = "/usr/local/bin/%s"
		runtime_type = "oci"
		runtime_root = "/run/runc"
		monitor_path = "/usr/bin/conmon"
		monitor_cgroup = "pod"

		[crio.image]
		pause_image = %q
		signature_policy = "/etc/containers/policy.json"
		short_name_mode = "disabled"

		[crio.network]
		network_dir = "/etc/cni/net.d/"
		plugin_dirs = ["/usr/lib/cni"]

		[crio.metrics]
		enable_metrics = false

		[crio.nri]
		enable_nri = false
		`), supervisor.CRIOSocket, supervisor.OCIRuntimeName, pauseImage), "\n")
}

// crioStorageConfig is /etc/containers/storage.conf: overlay on the node's
// own /var/lib/containers and /run/containers.
const crioStorageConfig = `[storage]
driver = "overlay"
graphroot = "/var/lib/containers/storage"
runroot = "/run/containers/storage"
`

// crioPolicyJSON accepts the bench's unsigned local images.
const crioPolicyJSON = `{"default":[{"type":"insecureAcceptAnything"}]}` + "\n"

// crioRegistries blocks the registries kubeadm's images and the tests'
// images are named after, so that a missing image fails at once, on this
// machine, naming the image (containerd's nodes use a dead mirror).
const crioRegistries = `unqualified-search-registries = []

[[registry]]
prefix = "registry.k8s.io"
location = "registry.k8s.io"
blocked = true

[[registry]]
prefix = "docker.io"
location = "docker.io"
blocked = true
`
