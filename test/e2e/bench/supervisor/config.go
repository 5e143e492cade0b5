// Package supervisor plays systemd for a sandbox node: it runs containerd,
// CRI-O or both, and runs the kubelet the way kubeadm's kubelet.service
// drop-in does (with the flags kubeadm writes to kubeadm-flags.env),
// restarting it when it exits, when its configuration files or binary
// change, and on SIGHUP.
package supervisor

import (
	"encoding/json"
	"fmt"
	"os"
)

// Config is the supervisor's configuration, written by the bench into the
// node's directory.
type Config struct {
	// ContainerdConfig, when set, runs containerd with this configuration.
	ContainerdConfig string `json:"containerdConfig,omitempty"`
	// CRIOConfig, when set, runs CRI-O with this configuration file.
	CRIOConfig       string   `json:"crioConfig,omitempty"`
	KubeletExtraArgs []string `json:"kubeletExtraArgs"`
	LogDir           string   `json:"logDir"`
	PIDFile          string   `json:"pidFile"`
}

// Load reads a Config from path.
func Load(path string) (Config, error) {
	var c Config
	b, err := os.ReadFile(path)
	if err != nil {
		return c, fmt.Errorf("read supervisor config: %w", err)
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return c, fmt.Errorf("parse supervisor config %s: %w", path, err)
	}
	return c, nil
}

// Paths the kubelet unit of kubeadm reads, as seen inside the node.
const (
	KubeletBinary       = "/usr/local/bin/kubelet"
	KubeletConfig       = "/var/lib/kubelet/config.yaml"
	KubeadmFlagsEnv     = "/var/lib/kubelet/kubeadm-flags.env"
	DefaultsEnv         = "/etc/default/kubelet"
	BootstrapKubeconfig = "/etc/kubernetes/bootstrap-kubelet.conf"
	Kubeconfig          = "/etc/kubernetes/kubelet.conf"
	ContainerdSocket    = "/run/containerd/containerd.sock"
	CRIOBinary          = "/usr/local/bin/crio"
	CRIOSocket          = "/run/crio/crio.sock"
)
