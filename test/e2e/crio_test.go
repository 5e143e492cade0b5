//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientset "k8s.io/client-go/kubernetes"

	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/sandbox"
)

// crioSocket is CRI-O's endpoint as kubeadm names it.
const crioSocket = "unix:///var/run/crio/crio.sock"

// TestCRIO: kubeadm with CRI-O, built from its release in the module proxy
// (v1.36.3: the proxy serves no v1.37), with conmon and runc from Debian.
// cp1 runs CRI-O alone: init finds it with no --cri-socket, records it in
// the kubelet's instance configuration, and the node works through it.
// w1 runs containerd and CRI-O side by side: join refuses in one line
// naming both sockets and --cri-socket, writes nothing, then joins with
// --cri-socket naming CRI-O. w2 runs containerd: the cluster mixes both
// runtimes, and a Service whose Pods run on w1 (CRI-O) and w2 (containerd)
// answers from every node. config images pull and reset then work against
// CRI-O.
func TestCRIO(t *testing.T) {
	ctx := context.Background()
	must(t, env.cache.EnsureCRIO(ctx), "build CRI-O")
	c := newCluster(t,
		sandbox.NodeOptions{Name: "cp1", Runtime: sandbox.RuntimeCRIO},
		sandbox.NodeOptions{Name: "w1", Runtime: sandbox.RuntimeBoth},
		sandbox.NodeOptions{Name: "w2"},
	)
	cp1, w1, w2 := c.Nodes[0], c.Nodes[1], c.Nodes[2]

	r := haInit(t, c, []string{"cp1"}) // no criSocket in the configuration: detection
	checkInstanceSocket(t, cp1, crioSocket)
	client := adminClient(t, cp1)
	eventually(t, 3*time.Minute, "node cp1 Ready", func(ctx context.Context) error { return nodeReady(ctx, client, "cp1") })
	checkRuntimeOf(t, client, "cp1", "cri-o://")

	// Both runtimes answer on w1: refused before anything is written.
	installKubeadm(t, w1, "")
	out, err := kubeadm(t, w1, ctx, joinArgs(c, r, false)...)
	if err == nil || !strings.Contains(out, "unix:///var/run/containerd/containerd.sock") || !strings.Contains(out, crioSocket) ||
		!strings.Contains(out, "--cri-socket") || len(strings.Split(strings.TrimSpace(out), "\n")) != 1 {
		t.Fatalf("join with containerd and CRI-O answering: want one line naming both sockets and --cri-socket, got %v:\n%s", err, out)
	}
	checkNothingWritten(t, w1)
	out, err = kubeadm(t, w1, ctx, append(joinArgs(c, r, false), "--cri-socket", crioSocket)...)
	must(t, err, "join of w1 with --cri-socket %s: %s", crioSocket, out)
	joinNode(t, w2, c, r, false)
	for _, n := range []string{"w1", "w2"} {
		eventually(t, 3*time.Minute, "node "+n+" Ready", func(ctx context.Context) error { return nodeReady(ctx, client, n) })
	}
	checkRuntimeOf(t, client, "w1", "cri-o://")
	checkRuntimeOf(t, client, "w2", "containerd://")
	checkInstanceSocket(t, w1, crioSocket)
	checkInstanceSocket(t, w2, "unix:///var/run/containerd/containerd.sock")

	checkWorkingDNS(t, client)                                         // CoreDNS (on cp1: CRI-O) answers a Pod
	checkServiceFromEveryNode(t, client, []*sandbox.Node{cp1, w1, w2}) // Pods on w1 (CRI-O) and w2 (containerd)

	out, err = kubeadm(t, cp1, ctx, "config", "images", "pull")
	must(t, err, "config images pull on cp1 (CRI-O detected): %s", out)
	t.Logf("config images pull on cp1:\n%s", out)

	// reset of w1 finds CRI-O through the node's recorded socket.
	before := crioContainers(t, w1)
	if before == 0 {
		t.Fatal("CRI-O's store on w1 holds no container before reset: the Pods did not run through it")
	}
	out, err = kubeadm(t, w1, ctx, "reset", "--force")
	must(t, err, "reset of w1: %s", out)
	if !strings.Contains(out, "through "+crioSocket) {
		t.Errorf("reset did not remove w1's Pods through CRI-O's socket:\n%s", out)
	}
	eventually(t, time.Minute, "CRI-O's store on w1 empty after reset", func(ctx context.Context) error {
		if n := crioContainers(t, w1); n != 0 {
			return fmt.Errorf("%d containers left", n)
		}
		return nil
	})
	t.Logf("reset of w1 removed %d CRI-O containers (sandboxes included)", before)
}

// checkRuntimeOf checks the runtime a Node reports, e.g. "cri-o://1.36.3".
func checkRuntimeOf(t *testing.T, client clientset.Interface, node, prefix string) {
	t.Helper()
	n, err := client.CoreV1().Nodes().Get(context.Background(), node, metav1.GetOptions{})
	must(t, err, "get Node %s", node)
	got := n.Status.NodeInfo.ContainerRuntimeVersion
	if !strings.HasPrefix(got, prefix) {
		t.Errorf("node %s runs on %q, want %s…", node, got, prefix)
	}
	t.Logf("node %s runs on %s", node, got)
}

// checkInstanceSocket checks the CRI endpoint kubeadm recorded for a
// node's kubelet.
func checkInstanceSocket(t *testing.T, n *sandbox.Node, socket string) {
	t.Helper()
	inst, err := n.ReadFile(context.Background(), "/var/lib/kubelet/instance-config.yaml")
	must(t, err, "read %s's kubelet instance configuration", n.Name)
	if !strings.Contains(string(inst), `containerRuntimeEndpoint: "`+socket+`"`) {
		t.Errorf("%s's kubelet is not told to use %s:\n%s", n.Name, socket, inst)
	}
}

// crioContainers counts the containers (sandboxes included) in a node's
// CRI-O store, read from the store's own record.
func crioContainers(t *testing.T, n *sandbox.Node) int {
	t.Helper()
	// containers-storage keeps durable containers under the graph root and
	// volatile ones under the run root, each in a *containers.json record;
	// a record that was never written holds none.
	list, err := n.Run(context.Background(), "find", "/var/lib/containers/storage", "/run/containers/storage", "-name", "*containers.json")
	must(t, err, "find CRI-O's container records on %s", n.Name)
	total := 0
	for _, p := range strings.Fields(list) {
		b, err := n.ReadFile(context.Background(), p)
		must(t, err, "read CRI-O's container record %s on %s", p, n.Name)
		var cs []json.RawMessage
		must(t, json.Unmarshal(b, &cs), "parse CRI-O's container record %s on %s", p, n.Name)
		t.Logf("%s: %s holds %d containers", n.Name, p, len(cs))
		total += len(cs)
	}
	return total
}
