//go:build e2e

package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/sandbox"
)

// kindClusterConfig is a kind cluster configuration (kind.x-k8s.io/v1alpha4)
// as a kind user writes it for one control plane and one worker. The only
// patch is what these nodes need (cgroupfs and cgroup v1, as kind's
// cgroup v1 hosts need): kind's own kubeadmConfigPatches mechanism carries it.
const kindClusterConfig = `kind: Cluster
apiVersion: kind.x-k8s.io/v1alpha4
name: kind
nodes:
- role: control-plane
- role: worker
kubeadmConfigPatches:
- |
  kind: KubeletConfiguration
  cgroupDriver: cgroupfs
  failCgroupV1: false
`

// kindConfigPath is where kind writes each node's kubeadm configuration.
const kindConfigPath = "/kind/kubeadm.conf"

// renderKindConfig renders a node's /kind/kubeadm.conf with kind's own code
// (kind-render, built from sigs.k8s.io/kind by the bench).
func renderKindConfig(t *testing.T, clusterConfig string, n *sandbox.Node, endpoint string) string {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "kind.yaml")
	must(t, os.WriteFile(path, []byte(clusterConfig), 0o600), "write the kind config")
	out, err := exec.Command(filepath.Join(env.cache.KindRenderDir(), "kind-render"), path, n.Name, n.Address, "v1.37.1", endpoint).Output()
	must(t, err, "render kind's kubeadm config for %s", n.Name)
	return string(out)
}

// resolveNodeNames makes every node's name resolve on every node, as
// docker's embedded DNS does for kind's node containers.
func resolveNodeNames(t *testing.T, c *sandbox.Cluster) {
	t.Helper()
	argv := []string{"/bin/sh", "-c", `printf '%s\t%s\n' "$@" >> /etc/hosts`, "sh"}
	for _, n := range c.Nodes {
		argv = append(argv, n.Address, n.Name)
	}
	for _, n := range c.Nodes {
		_, err := n.Run(context.Background(), argv...)
		must(t, err, "add the node names to /etc/hosts of %s", n.Name)
	}
}

// TestKindDrivesKubeadm builds a cluster exactly as kind v0.33 does with
// this kubeadm: kind's rendered configuration (preflight skipped through
// skipPhases, patches applied, metadata removed) written to
// /kind/kubeadm.conf on each node, then kind's init and join command lines
// verbatim. kind's own CNI and storage manifests are not applied: the bench
// nodes already have their CNI, and kind's images are not built here.
func TestKindDrivesKubeadm(t *testing.T) {
	c := newCluster(t, sandbox.NodeOptions{Name: "kind-control-plane", Version: "v1.37.1"}, sandbox.NodeOptions{Name: "kind-worker", Version: "v1.37.1"})
	t.Cleanup(func() { _ = os.RemoveAll("/kind") }) // the nodes share the host's root file system
	cp, worker := c.Nodes[0], c.Nodes[1]
	resolveNodeNames(t, c)
	endpoint := cp.Name + ":6443"
	ctx := context.Background()

	installKubeadm(t, cp, "")
	must(t, cp.WriteFile(ctx, kindConfigPath, []byte(renderKindConfig(t, kindClusterConfig, cp, endpoint)), 0o644), "write %s", kindConfigPath)
	// kind: pkg/cluster/internal/create/actions/kubeadminit
	out, err := kubeadm(t, cp, ctx, "init", "--config=/kind/kubeadm.conf", "--skip-token-print", "--v=6")
	if err != nil {
		t.Fatalf("kind's kubeadm init failed: %v\n%s", err, out)
	}
	for _, want := range []string{"skipped", "wrote /etc/kubernetes/pki/ca.crt"} {
		if !strings.Contains(out, want) {
			t.Errorf("init --v=6 output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "--token") {
		t.Errorf("--skip-token-print printed a token:\n%s", out)
	}

	installKubeadm(t, worker, "")
	must(t, worker.WriteFile(ctx, kindConfigPath, []byte(renderKindConfig(t, kindClusterConfig, worker, endpoint)), 0o644), "write %s", kindConfigPath)
	// kind: pkg/cluster/internal/create/actions/kubeadmjoin
	out, err = kubeadm(t, worker, ctx, "join", "--config", "/kind/kubeadm.conf", "--v=6")
	if err != nil {
		t.Fatalf("kind's kubeadm join failed: %v\n%s", err, out)
	}
	if strings.Contains(out, "[preflight]") {
		t.Errorf("join ran preflight, which kind skips through skipPhases:\n%s", out)
	}

	// kind exports admin.conf with the server rewritten to an address the
	// host reaches; the node name resolves only inside the nodes here.
	client := adminClientAt(t, cp, "https://"+cp.Address+":6443")
	for _, n := range c.Nodes {
		name := n.Name
		eventually(t, 3*time.Minute, "node "+name+" is Ready", func(ctx context.Context) error { return nodeReady(ctx, client, name) })
	}
	checkDNSFromPod(t, client)
}
