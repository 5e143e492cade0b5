package sandbox

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/hostexec"
)

// benchProcessNames are the programs a node runs; any of them alive on the
// host after a delete is a leak.
var benchProcessNames = map[string]bool{
	"containerd": true, "containerd-shim": true, "containerd-shim-runc-v2": true, "kubelet": true,
	"etcd": true, "kube-apiserver": true, "kube-controller": true, "kube-scheduler": true,
	"kube-proxy": true, "coredns": true, "pause": true, "haproxy": true,
}

// HostSnapshot describes the parts of the host the bench touches: links,
// routes, iptables rules, mounts, cgroups under the bench's parent, the
// existence of every path a node mounts over, the state directory, and live
// processes that look like a node's. Two snapshots taken before creating a
// cluster and after deleting it must be equal.
func HostSnapshot(ctx context.Context) ([]string, error) {
	var items []string
	ifaces, err := net.Interfaces()
	if err != nil {
		return nil, err
	}
	for _, i := range ifaces {
		items = append(items, "link "+i.Name)
	}
	routes, err := hostexec.Run(ctx, "ip", "-o", "route", "show", "table", "all")
	if err != nil {
		return nil, err
	}
	items = appendLines(items, "route ", routes)
	for _, bin := range []string{"iptables-save", "ip6tables-save"} {
		if rules, err := hostexec.Run(ctx, bin); err == nil {
			for _, l := range strings.Split(rules, "\n") {
				if !strings.HasPrefix(l, "#") && !strings.HasPrefix(l, ":") { // comments and counters change
					items = append(items, bin+" "+l)
				}
			}
		}
	}
	mounts, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	for _, l := range strings.Split(string(mounts), "\n") {
		if f := strings.Fields(l); len(f) > 4 {
			items = append(items, "mount "+f[4])
		}
	}
	dirs, err := cgroupTree(cgroupParent)
	if err != nil {
		return nil, err
	}
	for _, d := range dirs {
		items = append(items, "cgroup "+d)
	}
	paths := []string{StateRoot()}
	for _, b := range binds {
		paths = append(paths, b.dst)
	}
	paths = append(paths, tmpfsMounts...)
	for _, p := range paths {
		for d := p; d != "/"; d = filepath.Dir(d) {
			if _, err := os.Lstat(d); err == nil {
				items = append(items, "path "+d)
			}
		}
	}
	procs, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	for _, p := range procs {
		comm, err := os.ReadFile(filepath.Join("/proc", p.Name(), "comm"))
		if err != nil {
			continue
		}
		name := strings.TrimSpace(string(comm))
		if isZombie(p.Name()) { // exited; waits only for init to collect its status
			continue
		}
		cmdline, _ := os.ReadFile(filepath.Join("/proc", p.Name(), "cmdline"))
		if benchProcessNames[name] || strings.Contains(string(cmdline), StateRoot()) {
			items = append(items, fmt.Sprintf("process %s %s", p.Name(), name))
		}
	}
	sort.Strings(items)
	return dedupe(items), nil
}

func appendLines(items []string, prefix, text string) []string {
	for _, l := range strings.Split(text, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			items = append(items, prefix+strings.Join(strings.Fields(l), " "))
		}
	}
	return items
}

func dedupe(sorted []string) []string {
	var out []string
	for i, s := range sorted {
		if i == 0 || s != sorted[i-1] {
			out = append(out, s)
		}
	}
	return out
}

// DiffSnapshots returns the items only in a ("-") and only in b ("+").
func DiffSnapshots(a, b []string) []string {
	inA, inB := map[string]bool{}, map[string]bool{}
	for _, x := range a {
		inA[x] = true
	}
	for _, x := range b {
		inB[x] = true
	}
	var d []string
	for _, x := range a {
		if !inB[x] {
			d = append(d, "- "+x)
		}
	}
	for _, x := range b {
		if !inA[x] {
			d = append(d, "+ "+x)
		}
	}
	return d
}

// isZombie reports whether /proc/pid is a process that has exited.
func isZombie(pid string) bool {
	stat, err := os.ReadFile(filepath.Join("/proc", pid, "stat"))
	if err != nil {
		return true
	}
	// The state follows the command name, which is in parentheses.
	i := strings.LastIndexByte(string(stat), ')')
	return i < 0 || i+2 >= len(stat) || stat[i+2] == 'Z' || stat[i+2] == 'X'
}
