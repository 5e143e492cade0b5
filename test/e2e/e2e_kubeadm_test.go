//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/sandbox"
)

// ginkgoReport is the part of a ginkgo v2 JSON report the comparison reads.
type ginkgoReport []struct {
	SpecReports []struct {
		ContainerHierarchyTexts []string
		LeafNodeText            string
		State                   string
	}
}

// runE2EKubeadm runs upstream's e2e_kubeadm suite against the cluster of
// kubeconfig and returns each spec's state by its full name.
func runE2EKubeadm(t *testing.T, kubeconfig, label string) map[string]string {
	t.Helper()
	report := filepath.Join(t.TempDir(), "report.json")
	bin := filepath.Join(env.cache.E2EKubeadmDir("v1.37.1"), "e2e_kubeadm.test")
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--kubeconfig="+kubeconfig, "--ginkgo.json-report="+report, "--ginkgo.no-color", "--report-dir="+t.TempDir())
	out, err := cmd.CombinedOutput()
	_ = os.WriteFile(filepath.Join(env.moduleRoot, "_artifacts", "e2e_kubeadm-"+label+".log"), out, 0o644)
	t.Logf("e2e_kubeadm on %s: exit %v", label, err)
	b, rerr := os.ReadFile(report)
	if rerr != nil {
		t.Fatalf("e2e_kubeadm on %s wrote no report (%v): %s", label, rerr, lastLines(string(out), 30))
	}
	var r ginkgoReport
	must(t, json.Unmarshal(b, &r), "parse the e2e_kubeadm report")
	states := map[string]string{}
	for _, suite := range r {
		for _, s := range suite.SpecReports {
			if s.LeafNodeText == "" {
				continue // suite-level nodes
			}
			states[strings.Join(append(append([]string{}, s.ContainerHierarchyTexts...), s.LeafNodeText), " ")] = s.State
		}
	}
	return states
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// TestUpstreamE2EKubeadmSuite runs upstream kubeadm's own e2e suite
// (k8s.io/kubernetes/test/e2e_kubeadm, compiled from the module the bench
// builds Kubernetes with) against a control plane and a worker made by
// upstream kubeadm v1.37.1, then against the same made by this tool: every
// spec that passes on upstream's cluster must pass on this tool's.
func TestUpstreamE2EKubeadmSuite(t *testing.T) {
	ctx := context.Background()
	must(t, env.cache.EnsureE2EKubeadm(ctx, "v1.37.1"), "build e2e_kubeadm")
	_ = os.MkdirAll(filepath.Join(env.moduleRoot, "_artifacts"), 0o755)
	results := map[string]map[string]string{}
	for _, tool := range []struct{ label, bin string }{{"upstream", upstreamKubeadm}, {"ours", "kubeadm"}} {
		t.Run(tool.label, func(t *testing.T) {
			c := newCluster(t, sandbox.NodeOptions{Name: "cp1", Version: "v1.37.1"}, sandbox.NodeOptions{Name: "w1", Version: "v1.37.1"})
			cp1 := c.Nodes[0]
			installKubeadm(t, cp1, initConfig("v1.37.1", ""))
			out, err := runKubeadm(t, cp1, ctx, tool.bin, "init", "--config", nodeConfigPath, "--ignore-preflight-errors=SystemVerification", "--upload-certs") // as kinder runs it
			if err != nil {
				t.Fatalf("%s init: %v\n%s", tool.bin, err, out)
			}
			ca, err := cp1.ReadFile(ctx, "/etc/kubernetes/pki/ca.crt")
			must(t, err, "read ca.crt")
			installKubeadm(t, c.Nodes[1], "")
			args := []string{"join", cp1.Address + ":6443", "--token", e2eToken, "--discovery-token-ca-cert-hash", caHashOf(t, ca), "--ignore-preflight-errors=SystemVerification"}
			if out, err := runKubeadm(t, c.Nodes[1], ctx, tool.bin, args...); err != nil {
				t.Fatalf("%s join: %v\n%s", tool.bin, err, out)
			}
			client := adminClient(t, cp1)
			for _, n := range c.Nodes {
				name := n.Name
				eventually(t, 3*time.Minute, "node "+name+" is Ready", func(ctx context.Context) error { return nodeReady(ctx, client, name) })
			}
			admin, err := cp1.ReadFile(ctx, "/etc/kubernetes/admin.conf")
			must(t, err, "read admin.conf")
			kc := filepath.Join(t.TempDir(), "admin.conf")
			must(t, os.WriteFile(kc, admin, 0o600), "write admin.conf")
			results[tool.label] = runE2EKubeadm(t, kc, tool.label)
		})
	}
	up, ours := results["upstream"], results["ours"]
	if len(up) == 0 || len(ours) == 0 {
		t.Fatalf("a suite run produced no specs (upstream %d, ours %d)", len(up), len(ours))
	}
	count := func(m map[string]string, state string) int {
		n := 0
		for _, s := range m {
			if s == state {
				n++
			}
		}
		return n
	}
	t.Logf("e2e_kubeadm: upstream's cluster %d passed, %d failed, %d skipped; this tool's %d passed, %d failed, %d skipped",
		count(up, "passed"), count(up, "failed"), count(up, "skipped"), count(ours, "passed"), count(ours, "failed"), count(ours, "skipped"))
	var regressions []string
	for name, s := range up {
		if s == "passed" && ours[name] != "passed" {
			regressions = append(regressions, name+" ("+ours[name]+")")
		}
	}
	sort.Strings(regressions)
	for _, r := range regressions {
		t.Errorf("passes on upstream's cluster, not on this tool's: %s", r)
	}
}
