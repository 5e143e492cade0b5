package sandbox

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/lithammer/dedent"

	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/supervisor"
)

// containerdConfig is the node's containerd configuration: CRI with the
// cgroupfs driver, oom_score_adj kept at or above containerd's own (the bench
// cannot lower it), the local pause image, CNI from Debian's plugins, and
// every registry pointed at a dead loopback address through certsDir.
func containerdConfig(certsDir, pauseImage string) string {
	return strings.TrimLeft(fmt.Sprintf(dedent.Dedent(`
		version = 3
		root = "/var/lib/containerd"
		state = "/run/containerd"

		[grpc]
		  address = "/run/containerd/containerd.sock"

		[plugins.'io.containerd.cri.v1.images']
		  snapshotter = "overlayfs"
		  [plugins.'io.containerd.cri.v1.images'.pinned_images]
		    sandbox = %q
		  [plugins.'io.containerd.cri.v1.images'.registry]
		    config_path = %q

		[plugins.'io.containerd.cri.v1.runtime']
		  restrict_oom_score_adj = true
		  disable_apparmor = true
		  [plugins.'io.containerd.cri.v1.runtime'.cni]
		    bin_dirs = ["/usr/lib/cni"]
		    conf_dir = "/etc/cni/net.d"
		  [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
		    runtime_type = "io.containerd.runc.v2"
		    [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
		      BinaryName = "/usr/sbin/runc"
		      SystemdCgroup = false
		`), pauseImage, certsDir), "\n")
}

// deadRegistry is where every image pull goes: nothing listens there, so a
// missing image fails at once, on this machine, naming the image.
const deadRegistry = "http://127.0.0.1:1"

// registryHostsTOML is the _default/hosts.toml that catches every registry.
func registryHostsTOML() string {
	return fmt.Sprintf("server = %q\n\n[host.%q]\n  capabilities = [\"pull\", \"resolve\"]\n", deadRegistry, deadRegistry)
}

// cniConflist is the node's pod network: a bridge with a per-node subnet
// (and an IPv6 one when podCIDR6 is set). Pods keep their addresses across
// nodes (no masquerade); nodes route each other's pod subnets.
func cniConflist(podCIDR, podCIDR6 string) (string, error) {
	ranges := [][]map[string]string{{{"subnet": podCIDR}}}
	routes := []map[string]string{{"dst": "0.0.0.0/0"}}
	if podCIDR6 != "" {
		ranges = append(ranges, []map[string]string{{"subnet": podCIDR6}})
		routes = append(routes, map[string]string{"dst": "::/0"})
	}
	conf := map[string]any{
		"cniVersion": "1.0.0",
		"name":       "bench",
		"plugins": []any{
			map[string]any{
				"type": "bridge", "bridge": "cni0", "isGateway": true, "ipMasq": false, "hairpinMode": true,
				"ipam": map[string]any{
					"type":   "host-local",
					"ranges": ranges,
					"routes": routes,
				},
			},
			map[string]any{"type": "portmap", "capabilities": map[string]bool{"portMappings": true}},
		},
	}
	b, err := json.MarshalIndent(conf, "", "  ")
	return string(b) + "\n", err
}

// hostsFile is the node's /etc/hosts: its own name resolves to its address.
func hostsFile(name, address string) string {
	return fmt.Sprintf("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n%s\t%s\n", address, name)
}

// resolvConf sends DNS to the host bridge, where nothing answers: pods and
// CoreDNS never query a server off this machine.
func resolvConf() string { return "nameserver " + HostAddress + "\noptions timeout:1 attempts:1\n" }

// SupervisorConfigFile is the name of the supervisor's config in a node dir.
const SupervisorConfigFile = "supervisor.json"

func supervisorConfig(dir, cgroupRoot string, containerd, crio bool) supervisor.Config {
	c := supervisor.Config{
		KubeletExtraArgs: []string{"--cgroup-root=" + cgroupRoot},
		LogDir:           filepath.Join(dir, "logs"),
		PIDFile:          filepath.Join(dir, "supervisor.pid"),
	}
	if containerd {
		c.ContainerdConfig = filepath.Join(dir, "containerd.toml")
	}
	if crio {
		c.CRIOConfig = filepath.Join(dir, crioConfigPath)
	}
	return c
}
