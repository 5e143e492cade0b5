//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/sandbox"
)

// criDockerdSocket is cri-dockerd's default endpoint, the third kubeadm
// probes. /var/run is the host's /run on bench nodes (only /run/containerd
// is a node's own), so the test removes the socket when it ends.
const criDockerdSocket = "/var/run/cri-dockerd.sock"

// serveCRIAt makes the real CRI API of n's containerd (at target) answer on
// criDockerdSocket too, through socat, until the returned stop is called.
func serveCRIAt(t *testing.T, n *sandbox.Node, target string) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd, err := n.Command(ctx, "socat", "UNIX-LISTEN:"+criDockerdSocket+",fork,unlink-early,mode=660", "UNIX-CONNECT:"+target)
	must(t, err, "socat command")
	must(t, cmd.Start(), "start socat on %s", n.Name)
	stop = func() { cancel(); _ = cmd.Wait(); _ = os.Remove(criDockerdSocket) }
	t.Cleanup(stop)
	eventually(t, 10*time.Second, "the CRI API answers on "+criDockerdSocket, func(ctx context.Context) error {
		_, err := n.Run(ctx, "socat", "-u", "OPEN:/dev/null", "UNIX-CONNECT:"+criDockerdSocket)
		return err
	})
	return stop
}

// TestCRIDockerdSocket: cri-dockerd's socket among the runtimes kubeadm
// finds by itself. cri-dockerd is not built here: it serves only in front
// of a Docker engine, which this machine cannot run. Its socket is served
// instead by the node's containerd through socat, so what answers there
// is the real CRI API. With containerd's socket and cri-dockerd's both
// answering, init refuses in one line naming both and --cri-socket, and
// writes nothing; with only cri-dockerd's answering, init finds it, the
// kubelet is told to use it, and the node works through it; reset then
// removes the node's Pods through it.
func TestCRIDockerdSocket(t *testing.T) {
	if _, err := os.Stat(criDockerdSocket); err == nil {
		t.Fatalf("%s exists on this host already: a cri-dockerd (or a leftover) would be found by the node too", criDockerdSocket)
	}
	c := newCluster(t, sandbox.NodeOptions{Name: "cp1", Version: "v1.37.1"})
	cp1 := c.Nodes[0]
	ctx := context.Background()
	// The bench's configuration names no CRI socket: init detects one.
	cfg := initConfig("v1.37.1", "")
	if strings.Contains(cfg, "criSocket") {
		t.Fatal("the bench configuration sets a criSocket; this test needs detection")
	}
	installKubeadm(t, cp1, cfg)
	initArgs := []string{"init", "--config", nodeConfigPath, "--ignore-preflight-errors=SystemVerification"}

	stop := serveCRIAt(t, cp1, "/run/containerd/containerd.sock")
	out, err := kubeadm(t, cp1, ctx, initArgs...)
	if err == nil || !strings.Contains(out, "unix:///var/run/containerd/containerd.sock") || !strings.Contains(out, "unix://"+criDockerdSocket) ||
		!strings.Contains(out, "--cri-socket") || len(strings.Split(strings.TrimSpace(out), "\n")) != 1 {
		t.Fatalf("init with containerd and cri-dockerd answering: want one line naming both sockets and --cri-socket, got %v:\n%s", err, out)
	}
	checkNothingWritten(t, cp1)
	stop()

	// Only cri-dockerd's socket answers: containerd's moves aside (a moved
	// unix socket keeps its listener) and socat forwards to its new path.
	const hidden = "/run/containerd/hidden.sock"
	_, err = cp1.Run(ctx, "mv", "/run/containerd/containerd.sock", hidden)
	must(t, err, "move containerd's socket aside")
	t.Cleanup(func() { _, _ = cp1.Run(context.Background(), "mv", hidden, "/run/containerd/containerd.sock") })
	serveCRIAt(t, cp1, hidden)
	out, err = kubeadm(t, cp1, ctx, initArgs...)
	must(t, err, "init with only cri-dockerd's socket answering: %s", out)
	inst, err := cp1.ReadFile(ctx, "/var/lib/kubelet/instance-config.yaml")
	must(t, err, "read the kubelet's instance configuration")
	if !strings.Contains(string(inst), `containerRuntimeEndpoint: "unix://`+criDockerdSocket+`"`) {
		t.Errorf("the kubelet is not told to use cri-dockerd's socket:\n%s", inst)
	}
	client := adminClient(t, cp1)
	eventually(t, 3*time.Minute, "node cp1 Ready", func(ctx context.Context) error { return nodeReady(ctx, client, "cp1") })
	node, err := client.CoreV1().Nodes().Get(ctx, "cp1", metav1.GetOptions{})
	must(t, err, "get Node cp1")
	t.Logf("cp1 runs on %s through %s", node.Status.NodeInfo.ContainerRuntimeVersion, criDockerdSocket)
	checkWorkingDNS(t, client) // CoreDNS Ready; a Pod resolves through the kube-dns Service
	out, err = kubeadm(t, cp1, ctx, "config", "images", "pull", "--cri-socket", "unix://"+criDockerdSocket)
	must(t, err, "config images pull through cri-dockerd's socket: %s", out)

	out, err = kubeadm(t, cp1, ctx, "reset", "--force")
	must(t, err, "reset through cri-dockerd's socket: %s", out)
	if !strings.Contains(out, "pod sandbox(es) through unix://"+criDockerdSocket) {
		t.Errorf("reset did not remove the node's Pods through cri-dockerd's socket:\n%s", out)
	}
	eventually(t, time.Minute, "no container runs after reset", func(ctx context.Context) error {
		tasks, err := cp1.Run(ctx, "ctr", "--address", hidden, "-n", "k8s.io", "tasks", "ls")
		if err != nil {
			return err
		}
		if strings.Contains(tasks, "RUNNING") {
			return fmt.Errorf("containers still run:\n%s", tasks)
		}
		return nil
	})
}
