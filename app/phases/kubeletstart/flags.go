package kubeletstart

import (
	"fmt"
	"sort"
	"strings"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
)

// flagsEnvVariable is the variable of kubeadm-flags.env that the kubelet
// systemd drop-in expands on the kubelet command line.
const flagsEnvVariable = "KUBELET_KUBEADM_ARGS"

// FlagsEnv returns /var/lib/kubelet/kubeadm-flags.env for this node.
//
// kubeadm's own flags are --register-with-taints (only when registerTaints
// is true and taints are set: join of a worker; init and control-plane
// joins taint the Node later instead) and --hostname-override (only when
// the node name differs from hostname). They are sorted by name, then
// value. nodeReg.KubeletExtraArgs follow: an extra argument whose name
// matches one of kubeadm's replaces it, and every extra argument is
// appended in the order given. hostname is the machine's hostname as
// os.Hostname reports it; it is trimmed and lower-cased as kubeadm does.
func FlagsEnv(nodeReg *kubeadm.NodeRegistrationOptions, hostname string, registerTaints bool) []byte {
	if nodeReg == nil {
		nodeReg = &kubeadm.NodeRegistrationOptions{}
	}
	args := joinArgs(kubeadmKubeletArgs(nodeReg, hostname, registerTaints), nodeReg.KubeletExtraArgs)
	return fmt.Appendf(nil, "%s=%q\n", flagsEnvVariable, strings.Join(args, " "))
}

// NodeName returns the name the node registers with: the hostname,
// overridden by nodeReg.Name, overridden in turn by the last
// hostname-override in nodeReg.KubeletExtraArgs.
func NodeName(nodeReg *kubeadm.NodeRegistrationOptions, hostname string) string {
	name := normalizeHostname(hostname)
	if nodeReg == nil {
		return name
	}
	if nodeReg.Name != "" {
		name = nodeReg.Name
	}
	for _, a := range nodeReg.KubeletExtraArgs {
		if a.Name == "hostname-override" {
			name = a.Value
		}
	}
	return name
}

// normalizeHostname mirrors the kubelet's own hostname handling.
func normalizeHostname(h string) string {
	return strings.ToLower(strings.TrimSpace(h))
}

// kubeadmKubeletArgs returns the flags kubeadm itself passes to the
// kubelet, before the user's extra arguments are merged in.
func kubeadmKubeletArgs(nodeReg *kubeadm.NodeRegistrationOptions, hostname string, registerTaints bool) []kubeadm.Arg {
	var args []kubeadm.Arg
	if registerTaints && len(nodeReg.Taints) > 0 {
		taints := make([]string, 0, len(nodeReg.Taints))
		for _, t := range nodeReg.Taints {
			taints = append(taints, t.ToString())
		}
		args = append(args, kubeadm.Arg{Name: "register-with-taints", Value: strings.Join(taints, ",")})
	}
	if name := NodeName(nodeReg, hostname); name != normalizeHostname(hostname) {
		args = append(args, kubeadm.Arg{Name: "hostname-override", Value: name})
	}
	return args
}

// joinArgs renders base sorted by name then value, drops every base
// argument that overrides names, and appends overrides in their order.
func joinArgs(base, overrides []kubeadm.Arg) []string {
	sorted := append([]kubeadm.Arg(nil), base...)
	sort.Slice(sorted, func(i, j int) bool {
		if sorted[i].Name != sorted[j].Name {
			return sorted[i].Name < sorted[j].Name
		}
		return sorted[i].Value < sorted[j].Value
	})
	replaced := make(map[string]bool, len(overrides))
	for _, o := range overrides {
		replaced[o.Name] = true
	}
	out := make([]string, 0, len(sorted)+len(overrides))
	for _, a := range sorted {
		if !replaced[a.Name] {
			out = append(out, "--"+a.Name+"="+a.Value)
		}
	}
	for _, o := range overrides {
		out = append(out, "--"+o.Name+"="+o.Value)
	}
	return out
}
