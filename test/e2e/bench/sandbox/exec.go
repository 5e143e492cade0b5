package sandbox

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"

	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/hostexec"
)

// joinCgroupScript moves the shell into every cgroup given in
// $BENCH_CGROUP_PROCS, then execs its arguments.
const joinCgroupScript = `for f in $BENCH_CGROUP_PROCS; do echo $$ > "$f" || exit 125; done; exec "$@"`

// inCgroup returns a command that runs argv inside the cgroup rel.
func inCgroup(ctx context.Context, rel string, argv ...string) (*exec.Cmd, error) {
	files, err := cgroupProcsFiles(rel)
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, "/bin/sh", append([]string{"-c", joinCgroupScript, "sh"}, argv...)...)
	cmd.Env = append(cmd.Environ(), "BENCH_CGROUP_PROCS="+strings.Join(files, " "))
	return cmd, nil
}

// nodePath is the PATH of commands run inside a node.
const nodePath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// Command returns a command that runs argv inside the node: in its mount,
// UTS and network namespaces and in its cgroup, so that stopping the node
// stops whatever the command left behind.
func (n *Node) Command(ctx context.Context, argv ...string) (*exec.Cmd, error) {
	if n.HolderPID == 0 {
		return nil, fmt.Errorf("node %s is stopped", n.Name)
	}
	args := append([]string{"nsenter", "-t", strconv.Itoa(n.HolderPID), "-m", "-u", "-n", "--"}, argv...)
	cmd, err := inCgroup(ctx, n.cgroup()+"/system", args...)
	if err != nil {
		return nil, err
	}
	cmd.Env = append(cmd.Env, nodePath, "KUBECONFIG=/etc/kubernetes/admin.conf")
	return cmd, nil
}

// Exec runs argv inside the node with the given streams.
func (n *Node) Exec(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer, argv ...string) error {
	cmd, err := n.Command(ctx, argv...)
	if err != nil {
		return err
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, stdout, stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("on node %s: %s: %w", n.Name, strings.Join(argv, " "), err)
	}
	return nil
}

// Run runs argv inside the node and returns its combined output; an error
// quotes the end of that output.
func (n *Node) Run(ctx context.Context, argv ...string) (string, error) {
	var out bytes.Buffer
	err := n.Exec(ctx, nil, &out, &out, argv...)
	if err != nil {
		return out.String(), fmt.Errorf("%w: %s", err, hostexec.Tail(out.String(), 15))
	}
	return out.String(), nil
}

// WriteFile writes content to path inside the node, creating its directory.
func (n *Node) WriteFile(ctx context.Context, path string, content []byte, mode uint32) error {
	script := fmt.Sprintf(`set -e; mkdir -p "$(dirname %[1]q)"; cat > %[1]q.bench-tmp; chmod %[2]o %[1]q.bench-tmp; mv %[1]q.bench-tmp %[1]q`, path, mode)
	var out bytes.Buffer
	if err := n.Exec(ctx, bytes.NewReader(content), &out, &out, "/bin/sh", "-c", script); err != nil {
		return fmt.Errorf("write %s: %w: %s", path, err, out.String())
	}
	return nil
}

// ReadFile returns the content of path inside the node.
func (n *Node) ReadFile(ctx context.Context, path string) ([]byte, error) {
	var out, errb bytes.Buffer
	if err := n.Exec(ctx, nil, &out, &errb, "cat", path); err != nil {
		return nil, fmt.Errorf("read %s: %w: %s", path, err, errb.String())
	}
	return out.Bytes(), nil
}

// Processes returns the PIDs of the node's processes whose command name is
// comm (e.g. "kubelet").
func (n *Node) Processes(comm string) ([]int, error) {
	pids, err := cgroupPIDs(n.cgroup())
	if err != nil {
		return nil, err
	}
	var out []int
	for _, p := range pids {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", p))
		if err == nil && strings.TrimSpace(string(b)) == comm {
			out = append(out, p)
		}
	}
	return out, nil
}
