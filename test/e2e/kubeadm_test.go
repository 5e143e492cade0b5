//go:build e2e

package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientset "k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/sandbox"
)

// e2eToken is the bootstrap token the e2e configurations use.
const e2eToken = "abcdef.0123456789abcdef"

// initConfig returns a kubeadm configuration for a sandbox control plane.
func initConfig(version, extraCluster string) string {
	return sandbox.InitConfig(version, e2eToken, extraCluster)
}

const nodeConfigPath = sandbox.KubeadmConfigPath

// kubeadmCommand returns the project's kubeadm running inside node n, its
// output also saved in the node's log directory.
func kubeadm(t *testing.T, n *sandbox.Node, ctx context.Context, args ...string) (string, error) {
	t.Helper()
	return runKubeadm(t, n, ctx, "kubeadm", args...)
}

// runKubeadm runs a kubeadm binary (this project's "kubeadm", or upstream's
// "kubeadm-upstream") inside node n, its output saved in the node's logs.
func runKubeadm(t *testing.T, n *sandbox.Node, ctx context.Context, bin string, args ...string) (string, error) {
	t.Helper()
	cmd, err := n.Command(ctx, append([]string{bin}, args...)...)
	if err != nil {
		return "", err
	}
	start := time.Now()
	out, err := cmd.CombinedOutput()
	logName := strings.ReplaceAll(fmt.Sprintf("%s-%s-%d.log", filepath.Base(bin), args[0], time.Now().UnixNano()), "/", "_")
	_ = os.WriteFile(filepath.Join(n.LogDir(), logName), out, 0o644)
	t.Logf("%s %s on %s: %s (exit %v)", bin, strings.Join(args, " "), n.Name, time.Since(start).Round(10*time.Millisecond), err)
	return string(out), err
}

func installKubeadm(t *testing.T, n *sandbox.Node, config string) {
	t.Helper()
	must(t, n.InstallBinary(env.kubeadmBinary, "kubeadm"), "install kubeadm on %s", n.Name)
	must(t, n.WriteFile(context.Background(), nodeConfigPath, []byte(config), 0o600), "write kubeadm config on %s", n.Name)
}

// adminClient returns a clientset with the node's admin.conf.
func adminClient(t *testing.T, n *sandbox.Node) clientset.Interface {
	t.Helper()
	return adminClientAt(t, n, "")
}

// adminClientAt is adminClient talking to server instead of the file's
// (as kind rewrites the exported kubeconfig for the host); "" keeps it.
func adminClientAt(t *testing.T, n *sandbox.Node, server string) clientset.Interface {
	t.Helper()
	b, err := n.ReadFile(context.Background(), "/etc/kubernetes/admin.conf")
	must(t, err, "read admin.conf")
	cfg, err := clientcmd.RESTConfigFromKubeConfig(b)
	must(t, err, "parse admin.conf")
	if server != "" {
		cfg.Host = server
	}
	cfg.Timeout = 10 * time.Second
	c, err := clientset.NewForConfig(cfg)
	must(t, err, "client")
	return c
}

// initResult reads the final result event of `kubeadm init -o json`.
type initResult struct {
	WorkerJoinCommand string `json:"workerJoinCommand"`
	CACertHash        string `json:"caCertHash"`
	Token             string `json:"token"`
	APIServerEndpoint string `json:"apiServerEndpoint"`
}

func parseInitResult(t *testing.T, out string) initResult {
	t.Helper()
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var ev struct {
			Event  string     `json:"event"`
			Result initResult `json:"result"`
		}
		if json.Unmarshal(sc.Bytes(), &ev) == nil && ev.Event == "result" {
			return ev.Result
		}
	}
	t.Fatalf("no result event in the init output:\n%s", out)
	return initResult{}
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
			return true
		}
	}
	return false
}

func nodeReady(ctx context.Context, c clientset.Interface, name string) error {
	node, err := c.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	for _, cond := range node.Status.Conditions {
		if cond.Type == corev1.NodeReady {
			if cond.Status == corev1.ConditionTrue {
				return nil
			}
			return fmt.Errorf("node %s: %s", name, cond.Message)
		}
	}
	return fmt.Errorf("node %s has no Ready condition", name)
}
