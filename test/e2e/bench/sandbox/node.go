package sandbox

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/artifacts"
	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/images"
	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/supervisor"
)

// prepare writes the node's directories and configuration files on the host.
func (n *Node) prepare() error {
	dir := n.Dir()
	for _, b := range binds {
		if err := os.MkdirAll(filepath.Join(dir, b.src), 0o755); err != nil {
			return fmt.Errorf("node %s: %w", n.Name, err)
		}
	}
	for _, d := range []string{"logs", "certs.d/_default", "etc-kubernetes/manifests"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return fmt.Errorf("node %s: %w", n.Name, err)
		}
	}
	r, err := artifacts.Lookup(n.Version)
	if err != nil {
		return err
	}
	conflist, err := cniConflist(n.PodCIDR, n.PodCIDR6)
	if err != nil {
		return err
	}
	sup, err := json.MarshalIndent(supervisorConfig(dir, n.CgroupRoot(), n.HasContainerd(), n.HasCRIO()), "", "  ")
	if err != nil {
		return err
	}
	files := map[string]string{
		"containerd.toml":                 containerdConfig(filepath.Join(dir, "certs.d"), images.Registry+"/pause:"+r.Pause),
		"certs.d/_default/hosts.toml":     registryHostsTOML(),
		"etc-cni-net.d/10-bench.conflist": conflist,
		"hosts":                           hostsFile(n.Name, n.Address),
		"resolv.conf":                     resolvConf(),
		SupervisorConfigFile:              string(sup),
	}
	if n.HasCRIO() {
		files[crioConfigPath] = crioConfig(images.Registry + "/pause:" + r.Pause)
		files[crioStorageConf] = crioStorageConfig
		files[crioPolicy] = crioPolicyJSON
		files[crioRegistriesCfg] = crioRegistries
	}
	for name, content := range files {
		if err := writeFileAtomic(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			return fmt.Errorf("node %s: %w", n.Name, err)
		}
	}
	for _, u := range usersDatabase {
		dst := filepath.Join(dir, u.dst)
		if _, err := os.Stat(dst); err == nil {
			continue // the node's users outlive its restarts
		}
		b, err := os.ReadFile(u.src)
		if err != nil {
			return fmt.Errorf("node %s: %w", n.Name, err)
		}
		if err := writeFileAtomic(dst, b, 0o644); err != nil {
			return fmt.Errorf("node %s: %w", n.Name, err)
		}
	}
	return n.linkBinaries(n.Version)
}

// linkBinaries points the node's /usr/local/bin at the cached binaries of a
// Kubernetes version and at containerd. Upstream kubeadm is installed as
// kubeadm-upstream so that the project's own kubeadm can take the plain name.
func (n *Node) linkBinaries(version string) error {
	cache := n.cluster.cache()
	bin := filepath.Join(n.Dir(), "bin")
	links := map[string]string{}
	for _, b := range []string{"kubelet", "kubectl"} {
		links[b] = filepath.Join(cache.KubernetesDir(version), b)
	}
	links["kubeadm-upstream"] = filepath.Join(cache.KubernetesDir(version), "kubeadm")
	for _, b := range []string{"containerd", "ctr", "containerd-shim-runc-v2"} {
		links[b] = filepath.Join(cache.ContainerdDir(), b)
	}
	if n.HasCRIO() {
		for _, b := range []string{"crio", "pinns", "crio-image-import"} {
			links[b] = filepath.Join(cache.CRIODir(), b)
		}
		bench, err := filepath.Abs(n.cluster.BenchBinary)
		if err != nil {
			return fmt.Errorf("node %s: %w", n.Name, err)
		}
		links[supervisor.OCIRuntimeName] = bench
	}
	for name, target := range links {
		tmp := filepath.Join(bin, "."+name+".tmp")
		_ = os.Remove(tmp)
		if err := os.Symlink(target, tmp); err != nil {
			return fmt.Errorf("node %s: link %s: %w", n.Name, name, err)
		}
		if err := os.Rename(tmp, filepath.Join(bin, name)); err != nil {
			return fmt.Errorf("node %s: link %s: %w", n.Name, name, err)
		}
	}
	return nil
}

// InstallBinary copies a host file into the node's /usr/local/bin, as cp
// does: io.Copy between two files is copy_file_range, done in the kernel.
// A binary written in one large write(2) is cached in larger folios, and a
// process that runs it maps more of it: `kubeadm version` peaks at 64 MiB
// of RSS against 40 MiB for the same bytes copied with cp. Upstream's
// kubeadm runs from the file its build wrote, so both tools' peak RSS are
// measured on binaries cached alike.
func (n *Node) InstallBinary(src, name string) error {
	dst := filepath.Join(n.Dir(), "bin", name)
	if err := copyFileAtomic(src, dst, 0o755); err != nil {
		return fmt.Errorf("node %s: install %s: %w", n.Name, name, err)
	}
	return nil
}

// copyFileAtomic copies src to path through a temporary file and a rename.
func copyFileAtomic(src, path string, mode os.FileMode) error {
	tmp := path + ".tmp"
	if err := copyFile(src, tmp); err != nil {
		return err
	}
	if err := os.Chmod(tmp, mode); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// boot starts the node: cgroups, the namespace holder, mounts, hostname,
// network, then the supervisor (containerd and kubelet), and imports images
// on the first boot.
func (n *Node) boot(ctx context.Context) error {
	if n.HolderPID != 0 && processAlive(n.HolderPID) {
		return fmt.Errorf("node %s is already running (holder PID %d)", n.Name, n.HolderPID)
	}
	if _, err := cgroupCreate(n.cgroup() + "/system"); err != nil {
		return fmt.Errorf("node %s: %w", n.Name, err)
	}
	if err := ensureMountpoints(); err != nil {
		return err
	}
	holder, err := inCgroup(context.Background(), n.cgroup()+"/system",
		"unshare", "--mount", "--uts", "--net", "--propagation", "private", "sleep", "infinity")
	if err != nil {
		return err
	}
	holder.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := holder.Start(); err != nil {
		return fmt.Errorf("node %s: start namespace holder: %w", n.Name, err)
	}
	go holder.Wait() //nolint:errcheck // reaped here while this process lives
	n.HolderPID = holder.Process.Pid
	if err := n.cluster.save(); err != nil {
		return err
	}
	if err := waitNamespaces(ctx, n.HolderPID); err != nil {
		return fmt.Errorf("node %s: %w", n.Name, err)
	}
	if _, err := n.Run(ctx, "/bin/sh", "-c", n.mountScript()); err != nil {
		return fmt.Errorf("node %s: set up mounts: %w", n.Name, err)
	}
	if err := n.plugNetwork(ctx); err != nil {
		return err
	}
	if n.Cut {
		if err := n.setLink(ctx, false); err != nil {
			return err
		}
	}
	if err := n.startSupervisor(ctx); err != nil {
		return err
	}
	return n.importImages(ctx)
}

// mountScript bind-mounts the node's private directories and files over the
// host paths, mounts fresh tmpfs where a host has /run, and sets the hostname.
func (n *Node) mountScript() string {
	dir := n.Dir()
	lines := []string{"set -e"}
	for _, b := range binds {
		lines = append(lines, fmt.Sprintf("mount --bind %q %q", filepath.Join(dir, b.src), b.dst))
	}
	for _, f := range fileBinds {
		lines = append(lines, fmt.Sprintf("mount --bind %q %q", filepath.Join(dir, f.src), f.dst))
	}
	for _, t := range tmpfsMounts {
		lines = append(lines, fmt.Sprintf("mount -t tmpfs -o mode=0755 tmpfs %q", t))
	}
	lines = append(lines, "hostname "+n.Name)
	return strings.Join(lines, "\n")
}

// startSupervisor starts `bench supervise` inside the node, detached, and
// waits until its container runtimes answer.
func (n *Node) startSupervisor(ctx context.Context) error {
	logFile, err := os.OpenFile(filepath.Join(n.LogDir(), "supervisor.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("node %s: %w", n.Name, err)
	}
	defer logFile.Close()
	cmd, err := n.Command(context.Background(), n.cluster.BenchBinary, "supervise", "--config", filepath.Join(n.Dir(), SupervisorConfigFile))
	if err != nil {
		return err
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("node %s: start supervisor: %w", n.Name, err)
	}
	go cmd.Wait() //nolint:errcheck // reaped here while this process lives
	if n.HasContainerd() {
		if err := n.waitRuntime(ctx, "containerd", "ctr", "--timeout", "2s", "version"); err != nil {
			return err
		}
	}
	if n.HasCRIO() {
		// CRI-O listens once it has finished starting.
		if err := n.waitRuntime(ctx, "crio", "socat", "-u", "OPEN:/dev/null", "UNIX-CONNECT:"+supervisor.CRIOSocket); err != nil {
			return err
		}
	}
	return nil
}

// waitRuntime waits up to a minute for a runtime's check command to pass
// inside the node.
func (n *Node) waitRuntime(ctx context.Context, name string, check ...string) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	var last error
	for {
		if _, last = n.Run(ctx, check...); last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("node %s: %s did not answer within 60s (see %s/%s.log): %w", n.Name, name, n.LogDir(), name, last)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// importImages imports the image tarballs of the cluster's versions into
// the node's containerd and CRI-O store, once per node.
func (n *Node) importImages(ctx context.Context) error {
	marker := filepath.Join(n.Dir(), "images-imported")
	want := strings.Join(append(append([]string{}, n.cluster.Versions...), n.cluster.ExtraImages...), ",")
	if b, err := os.ReadFile(marker); err == nil && string(b) == want {
		return nil
	}
	cache := n.cluster.cache()
	var tarballs []string
	for _, v := range n.cluster.Versions {
		r, err := artifacts.Lookup(v)
		if err != nil {
			return err
		}
		tarball, err := images.EnsureRelease(ctx, cache, r)
		if err != nil {
			return err
		}
		tarballs = append(tarballs, tarball)
	}
	tarballs = append(tarballs, n.cluster.ExtraImages...)
	for _, tarball := range tarballs {
		if n.HasContainerd() {
			if _, err := n.Run(ctx, "ctr", "-n", "k8s.io", "images", "import", "--local", tarball); err != nil {
				return fmt.Errorf("node %s: import %s into containerd: %w", n.Name, tarball, err)
			}
		}
	}
	if n.HasCRIO() {
		if _, err := n.Run(ctx, append([]string{"crio-image-import"}, tarballs...)...); err != nil {
			return fmt.Errorf("node %s: import %s into CRI-O's store: %w", n.Name, strings.Join(tarballs, ", "), err)
		}
	}
	return writeFileAtomic(marker, []byte(want), 0o644)
}

// shutdown kills every process of the node (holder, supervisor, containerd,
// kubelet, containers) by cgroup, which ends its namespaces and mounts, and
// removes its cgroups and host network pieces.
func (n *Node) shutdown(ctx context.Context) error {
	if err := cgroupKill(n.cgroup(), 30*time.Second); err != nil {
		return fmt.Errorf("node %s: %w", n.Name, err)
	}
	// A rebooted host starts with no cgroups of its old containers; stale
	// ones would slow the next kubelet down.
	if err := cgroupRemove(n.cgroup()); err != nil {
		return fmt.Errorf("node %s: %w", n.Name, err)
	}
	n.HolderPID = 0
	if err := n.cluster.save(); err != nil {
		return err
	}
	return n.unplugNetwork(ctx)
}

func waitNamespaces(ctx context.Context, pid int) error {
	self, _ := os.Readlink("/proc/self/ns/mnt")
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for {
		mnt, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/mnt", pid))
		comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
		if err == nil && mnt != self && strings.TrimSpace(string(comm)) == "sleep" {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("namespace holder %d did not start", pid)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func processAlive(pid int) bool {
	return syscall.Kill(pid, 0) == nil
}

func writeFileAtomic(path string, content []byte, mode os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, content, mode); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Chmod(tmp, mode); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
