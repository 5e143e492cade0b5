//go:build e2e && benchmarks

package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestBenchUpgrade times `upgrade apply v1.37.1` of this project's kubeadm
// and of upstream kubeadm v1.37.1, alternately, each on a fresh
// single-control-plane cluster initialised at v1.36.3 by this project's
// kubeadm and settled (node, control plane and CoreDNS Ready), and prints
// the medians and their ratio.
func TestBenchUpgrade(t *testing.T) {
	runs := 3
	if v, err := strconv.Atoi(os.Getenv("BENCH_RUNS")); err == nil && v > 0 {
		runs = v
	}
	// The nodes start at v1.36.3, so their kubeadm-upstream is v1.36.3:
	// upstream's v1.37.1 is installed beside it. Upstream's preflight
	// fails on the sandbox's cgroup v1 (SystemVerification), which
	// this kubeadm's upgrade does not check.
	tools := []struct {
		name, binary string
		extra        []string
	}{{"ours", "kubeadm", nil}, {"upstream", "kubeadm-upstream-" + toVersion, []string{"--ignore-preflight-errors=SystemVerification"}}}
	walls := map[string][]float64{}
	for i := 0; i < runs; i++ {
		for _, tool := range order(tools, i) {
			c := newUpgradeCluster(t, "cp1")
			cp1 := c.Nodes[0]
			initOld(t, c, []string{"cp1"})
			client := adminClient(t, cp1)
			controlPlaneAt(t, client, "cp1", fromVersion, "3.6.8-0")
			settle(t, cp1)
			must(t, cp1.InstallBinary(filepath.Join(env.cache.KubernetesDir(toVersion), "kubeadm"), "kubeadm-upstream-"+toVersion), "install upstream kubeadm")
			cmd, err := cp1.Command(context.Background(), append([]string{tool.binary, "upgrade", "apply", toVersion, "--yes"}, tool.extra...)...)
			must(t, err, "command")
			start := time.Now()
			out, err := cmd.CombinedOutput()
			d := time.Since(start)
			if err != nil {
				t.Fatalf("%s upgrade apply: %v\n%s", tool.name, err, out)
			}
			controlPlaneAt(t, client, "cp1", toVersion, "3.7.0-0")
			t.Logf("upgrade apply %d %-8s %6.2fs", i+1, tool.name, d.Seconds())
			if tool.name == "ours" {
				for _, l := range strings.Split(string(out), "\n") {
					if strings.Contains(l, " after ") || strings.Contains(l, "done in") {
						t.Logf("  %s", l)
					}
				}
			}
			walls[tool.name] = append(walls[tool.name], d.Seconds())
			must(t, c.Delete(context.Background()), "delete the cluster")
		}
	}
	var b strings.Builder
	o, u := median(walls["ours"]), median(walls["upstream"])
	fmt.Fprintf(&b, "\nupgrade apply %s -> %s benchmark, %d runs each\n", fromVersion, toVersion, runs)
	fmt.Fprintf(&b, "ours:     %v\nupstream: %v\nmedian wall time: ours %.2fs, upstream %.2fs, ratio %.2f\n", walls["ours"], walls["upstream"], o, u, o/u)
	fmt.Print(b.String())
	t.Log(b.String())
}
