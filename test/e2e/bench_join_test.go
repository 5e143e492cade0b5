//go:build e2e && benchmarks

package e2e

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/sandbox"
)

// TestBenchJoin times worker joins and control-plane joins of this
// project's kubeadm and upstream kubeadm v1.37.1, alternately, against the
// same kind of cluster (initialised by this project's kubeadm behind the
// host load balancer), and prints the medians and ratios.
func TestBenchJoin(t *testing.T) {
	runs := 3
	if v, err := strconv.Atoi(os.Getenv("BENCH_RUNS")); err == nil && v > 0 {
		runs = v
	}
	tools := []struct{ name, binary string }{{"ours", "kubeadm"}, {"upstream", "kubeadm-upstream"}}
	worker, cp := map[string][]float64{}, map[string][]float64{}

	// Workers: one cluster, a fresh node per join.
	c := newBenchCluster(t, "benchjoin")
	r := haInit(t, c, []string{"cp1"})
	settle(t, c.Nodes[0])
	for i := 0; i < runs; i++ {
		for _, tool := range order(tools, i) {
			n, err := c.AddNode(context.Background(), sandbox.NodeOptions{Name: fmt.Sprintf("w-%s-%d", tool.name, i+1), Version: "v1.37.1"})
			must(t, err, "add a worker")
			d := timeJoin(t, n, tool.binary, joinArgs(c, r, false))
			t.Logf("worker join %d %-8s %6.2fs", i+1, tool.name, d.Seconds())
			worker[tool.name] = append(worker[tool.name], d.Seconds())
		}
	}
	must(t, c.Delete(context.Background()), "delete the worker cluster")

	// Control planes: a fresh cluster per join, so that every join meets a
	// one-member etcd.
	for i := 0; i < runs; i++ {
		for _, tool := range order(tools, i) {
			c := newBenchCluster(t, "benchjoin", "cp2")
			r := haInit(t, c, []string{"cp1", "cp2"})
			settle(t, c.Nodes[0])
			d := timeJoin(t, c.Nodes[1], tool.binary, joinArgs(c, r, true))
			t.Logf("control-plane join %d %-8s %6.2fs", i+1, tool.name, d.Seconds())
			cp[tool.name] = append(cp[tool.name], d.Seconds())
			must(t, c.Delete(context.Background()), "delete the control-plane cluster")
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\njoin benchmark, %d runs each, median wall time:\n%-22s %10s %10s %8s\n", runs, "join", "ours", "upstream", "ratio")
	for _, m := range []struct {
		name string
		s    map[string][]float64
	}{{"worker", worker}, {"control plane", cp}} {
		o, u := median(m.s["ours"]), median(m.s["upstream"])
		fmt.Fprintf(&b, "%-22s %9.2fs %9.2fs %8.2f\n", m.name, o, u, o/u)
	}
	fmt.Print(b.String())
	t.Log(b.String())
}

// order alternates which tool goes first from one run to the next.
func order[T any](tools []T, run int) []T {
	if run%2 == 0 {
		return tools
	}
	out := append([]T(nil), tools...)
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return s[len(s)/2]
}

// newBenchCluster creates cp1 (and the named extra nodes) for a benchmark.
func newBenchCluster(t *testing.T, name string, extra ...string) *sandbox.Cluster {
	t.Helper()
	nodes := []sandbox.NodeOptions{{Name: "cp1", Version: "v1.37.1"}}
	for _, e := range extra {
		nodes = append(nodes, sandbox.NodeOptions{Name: e, Version: "v1.37.1"})
	}
	c, err := sandbox.Create(context.Background(), sandbox.CreateOptions{Name: name, Nodes: nodes, BenchBinary: env.benchBinary,
		CacheRoot: env.cache.Root, ExtraImages: []string{env.toolsImage}})
	must(t, err, "create cluster")
	return c
}

// timeJoin runs binary join args on n and returns its wall time.
func timeJoin(t *testing.T, n *sandbox.Node, binary string, args []string) time.Duration {
	t.Helper()
	installKubeadm(t, n, "")
	cmd, err := n.Command(context.Background(), append([]string{binary}, args...)...)
	must(t, err, "command")
	start := time.Now()
	out, err := cmd.CombinedOutput()
	d := time.Since(start)
	if err != nil {
		t.Fatalf("%s join on %s: %v\n%s", binary, n.Name, err, out)
	}
	return d
}
