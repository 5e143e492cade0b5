//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientset "k8s.io/client-go/kubernetes"

	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/sandbox"
)

// swapConfig is the bench's init configuration with the kubelet's swap
// settings replaced by kubelet (KubeletConfiguration lines).
func swapConfig(t *testing.T, kubelet string) string {
	t.Helper()
	cfg := initConfig("v1.37.1", "")
	if !strings.Contains(cfg, "failSwapOn: false\n") {
		t.Fatal("the bench's KubeletConfiguration no longer sets failSwapOn: false")
	}
	return strings.Replace(cfg, "failSwapOn: false\n", kubelet, 1)
}

// turnSwapOn activates a 64 MiB swap file on the host (swap is the
// kernel's, so every node sees it) until the test ends. It returns the
// reason when this machine cannot, and "" when swap is on.
func turnSwapOn(t *testing.T) (bytes int64, reason string) {
	t.Helper()
	dir, err := os.MkdirTemp("/var/tmp", "kubeadm-e2e-swap-")
	must(t, err, "make the swap file's directory")
	t.Cleanup(func() { os.RemoveAll(dir) })
	file := filepath.Join(dir, "swap")
	for _, argv := range [][]string{
		{"dd", "if=/dev/zero", "of=" + file, "bs=1M", "count=64", "status=none"},
		{"chmod", "600", file},
		{"mkswap", file},
		{"swapon", file},
	} {
		if out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput(); err != nil {
			return 0, fmt.Sprintf("%s: %v: %s", strings.Join(argv, " "), err, strings.TrimSpace(string(out)))
		}
	}
	t.Cleanup(func() {
		if out, err := exec.Command("swapoff", file).CombinedOutput(); err != nil {
			t.Errorf("swapoff %s: %v: %s", file, err, out)
		}
	})
	b, err := os.ReadFile("/proc/meminfo")
	must(t, err, "read /proc/meminfo")
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "SwapTotal:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb * 1024, ""
		}
	}
	return 0, "/proc/meminfo has no SwapTotal"
}

// kubeletConfigz reads the running kubelet's configuration through the API
// server's node proxy.
func kubeletConfigz(ctx context.Context, client clientset.Interface, node string) (map[string]any, error) {
	raw, err := client.CoreV1().RESTClient().Get().AbsPath("/api/v1/nodes", node, "proxy", "configz").DoRaw(ctx)
	if err != nil {
		return nil, err
	}
	var z struct {
		KubeletConfig map[string]any `json:"kubeletconfig"`
	}
	if err := json.Unmarshal(raw, &z); err != nil {
		return nil, fmt.Errorf("decode configz of %s: %w", node, err)
	}
	return z.KubeletConfig, nil
}

// checkKubeletSwap checks what node's kubelet runs with and reports: the
// swap settings it read from kubeadm's configuration (configz), and, with
// swap on, the swap capacity in the Node's status.
func checkKubeletSwap(t *testing.T, client clientset.Interface, node string, swapBytes int64) {
	t.Helper()
	eventually(t, time.Minute, "the kubelet of "+node+" runs with failSwapOn false and swapBehavior NoSwap", func(ctx context.Context) error {
		kc, err := kubeletConfigz(ctx, client, node)
		if err != nil {
			return err
		}
		ms, _ := kc["memorySwap"].(map[string]any)
		if kc["failSwapOn"] != false || ms["swapBehavior"] != "NoSwap" {
			return fmt.Errorf("configz: failSwapOn %v, memorySwap %v", kc["failSwapOn"], kc["memorySwap"])
		}
		return nil
	})
	n, err := client.CoreV1().Nodes().Get(context.Background(), node, metav1.GetOptions{})
	must(t, err, "get Node %s", node)
	if swapBytes == 0 {
		return
	}
	if s := n.Status.NodeInfo.Swap; s == nil || s.Capacity == nil || *s.Capacity != swapBytes {
		t.Errorf("Node %s reports swap %+v, want a capacity of %d bytes (the host's SwapTotal)", node, s, swapBytes)
	} else {
		t.Logf("Node %s reports swap capacity %d bytes", node, *s.Capacity)
	}
}

// TestSwap: a node with swap active. init refuses, in one line and before
// writing anything, a kubelet configuration the kubelet would refuse to
// start with (failSwapOn true, and LimitedSwap on cgroup v1, which the
// kubelet itself is shown to refuse); with failSwapOn: false and NoSwap
// given through kubeadm's configuration, preflight warns as upstream does
// and init and a worker join build a working cluster whose kubelets run
// with those settings and report the node's swap.
func TestSwap(t *testing.T) {
	swapBytes, reason := turnSwapOn(t)
	if reason != "" {
		t.Logf("swap cannot be turned on here (%s): only the configuration path is checked", reason)
	} else {
		t.Logf("swap on: %d bytes", swapBytes)
	}
	cgroupV2 := false
	if _, err := os.Stat("/sys/fs/cgroup/cgroup.controllers"); err == nil {
		cgroupV2 = true
	}
	c := newCluster(t, sandbox.NodeOptions{Name: "cp1", Version: "v1.37.1"}, sandbox.NodeOptions{Name: "w1", Version: "v1.37.1"})
	cp1, w1 := c.Nodes[0], c.Nodes[1]
	ctx := context.Background()
	initArgs := []string{"init", "--config", nodeConfigPath, "--ignore-preflight-errors=SystemVerification"}

	if swapBytes > 0 {
		installKubeadm(t, cp1, swapConfig(t, "failSwapOn: true\n"))
		out, err := kubeadm(t, cp1, ctx, initArgs...)
		if err == nil || !strings.Contains(out, "swap is on and the kubelet's failSwapOn is true") {
			t.Fatalf("init with swap on and failSwapOn true: want a refusal naming failSwapOn, got %v:\n%s", err, out)
		}
		checkNothingWritten(t, cp1)
	}

	limited := swapConfig(t, "failSwapOn: false\nmemorySwap:\n  swapBehavior: LimitedSwap\n")
	if !cgroupV2 {
		installKubeadm(t, cp1, limited)
		out, err := kubeadm(t, cp1, ctx, initArgs...)
		if err == nil || !strings.Contains(out, "LimitedSwap, which the kubelet supports on cgroup v2 only") {
			t.Fatalf("init with LimitedSwap on cgroup v1: want a refusal naming LimitedSwap, got %v:\n%s", err, out)
		}
		checkNothingWritten(t, cp1)
		// The refusal is the kubelet's own: the same configuration written
		// by the kubelet-start phase alone (no preflight) stops it.
		// (The kubelet reads its client CA before its swap settings.)
		out, err = kubeadm(t, cp1, ctx, "init", "phase", "certs", "ca", "--config", nodeConfigPath)
		must(t, err, "init phase certs ca: %s", out)
		out, err = kubeadm(t, cp1, ctx, "init", "phase", "kubelet-start", "--config", nodeConfigPath)
		must(t, err, "init phase kubelet-start: %s", out)
		// The kubelet on the configuration kubeadm wrote, standalone (no
		// API server to authenticate against yet, so without webhooks).
		kctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		klog, kerr := cp1.Run(kctx, "kubelet", "--config=/var/lib/kubelet/config.yaml", "--authentication-token-webhook=false", "--authorization-mode=AlwaysAllow")
		cancel()
		if kerr == nil || !strings.Contains(klog, "LimitedSwap but it is only supported with cgroupv2") {
			t.Fatalf("the kubelet on kubeadm's LimitedSwap configuration: want its cgroup v1 refusal, got %v:\n%s", kerr, lastLines(klog, 20))
		}
		t.Logf("LimitedSwap cannot run on this host: it has cgroup v1, and the kubelet refuses LimitedSwap there (its log: \"swap feature is enabled and LimitedSwap but it is only supported with cgroupv2\"); the cluster below runs NoSwap")
		out, err = kubeadm(t, cp1, ctx, "reset", "--force")
		must(t, err, "reset: %s", out)
	} else {
		t.Logf("the host has cgroup v2: LimitedSwap is not refused here")
	}

	installKubeadm(t, cp1, swapConfig(t, "failSwapOn: false\nmemorySwap:\n  swapBehavior: NoSwap\n"))
	out, err := kubeadm(t, cp1, ctx, initArgs...)
	must(t, err, "init with failSwapOn false and NoSwap: %s", out)
	if swapBytes > 0 && !strings.Contains(out, "[Swap]: swap is supported for cgroup v2 only") {
		t.Errorf("init's preflight does not warn about swap as upstream does:\n%s", out)
	}
	client := adminClient(t, cp1)
	eventually(t, 3*time.Minute, "node cp1 Ready", func(ctx context.Context) error { return nodeReady(ctx, client, "cp1") })

	ca, err := cp1.ReadFile(ctx, "/etc/kubernetes/pki/ca.crt")
	must(t, err, "read ca.crt")
	installKubeadm(t, w1, "")
	out, err = kubeadm(t, w1, ctx, "join", cp1.Address+":6443", "--token", e2eToken, "--discovery-token-ca-cert-hash", caHashOf(t, ca), "--ignore-preflight-errors=SystemVerification")
	must(t, err, "worker join with swap on: %s", out)
	if swapBytes > 0 && !strings.Contains(out, "[Swap]: swap is supported for cgroup v2 only") {
		t.Errorf("join's preflight does not warn about swap as upstream does:\n%s", out)
	}
	eventually(t, 3*time.Minute, "node w1 Ready", func(ctx context.Context) error { return nodeReady(ctx, client, "w1") })
	for _, n := range []string{"cp1", "w1"} {
		checkKubeletSwap(t, client, n, swapBytes)
	}
	checkWorkingDNS(t, client) // CoreDNS Ready; a Pod resolves through the kube-dns Service
}
