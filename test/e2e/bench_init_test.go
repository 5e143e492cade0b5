//go:build e2e && benchmarks

package e2e

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/sandbox"
)

// initSample is one measured init.
type initSample struct {
	wall, ready, cpu time.Duration
}

// TestBenchInit runs, alternately, this project's kubeadm init and upstream
// kubeadm v1.37.1 init with the same configuration, each on a freshly
// created sandbox node (a stronger reset than `kubeadm reset`: nothing of
// the previous run is left), and prints the medians and ratios of: the
// command's wall time, the time until the node and CoreDNS are Ready, and
// the command's CPU time.
func TestBenchInit(t *testing.T) {
	runs := 5
	if v, err := strconv.Atoi(os.Getenv("BENCH_RUNS")); err == nil && v > 0 {
		runs = v
	}
	tools := []struct{ name, binary string }{{"ours", "kubeadm"}, {"upstream", "kubeadm-upstream"}}
	samples := map[string][]initSample{}
	for i := 0; i < runs; i++ {
		for _, tool := range tools {
			s := measureInit(t, tool.binary)
			t.Logf("run %d %-8s wall %6.2fs  ready %6.2fs  cpu %6.2fs", i+1, tool.name, s.wall.Seconds(), s.ready.Seconds(), s.cpu.Seconds())
			samples[tool.name] = append(samples[tool.name], s)
		}
	}
	med := func(name string, f func(initSample) time.Duration) float64 {
		var xs []float64
		for _, s := range samples[name] {
			xs = append(xs, f(s).Seconds())
		}
		sort.Float64s(xs)
		return xs[len(xs)/2]
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\ninit benchmark, %d runs each, medians:\n%-34s %10s %10s %8s\n", runs, "measure", "ours", "upstream", "ratio")
	for _, m := range []struct {
		name string
		f    func(initSample) time.Duration
	}{
		{"(a) init wall time", func(s initSample) time.Duration { return s.wall }},
		{"(b) until node and CoreDNS Ready", func(s initSample) time.Duration { return s.ready }},
		{"(c) init CPU time", func(s initSample) time.Duration { return s.cpu }},
	} {
		o, u := med("ours", m.f), med("upstream", m.f)
		fmt.Fprintf(&b, "%-34s %9.2fs %9.2fs %8.2f\n", m.name, o, u, o/u)
	}
	fmt.Print(b.String())
	t.Log(b.String())
}

func measureInit(t *testing.T, binary string) initSample {
	t.Helper()
	ctx := context.Background()
	c, err := sandbox.Create(ctx, sandbox.CreateOptions{
		Name: "benchinit", Nodes: []sandbox.NodeOptions{{Name: "cp1", Version: "v1.37.1"}}, BenchBinary: env.benchBinary,
		CacheRoot: env.cache.Root, ExtraImages: []string{env.toolsImage},
	})
	must(t, err, "create node")
	defer func() { must(t, c.Delete(context.Background()), "delete node") }()
	n := c.Nodes[0]
	installKubeadm(t, n, initConfig("v1.37.1", ""))
	cmd, err := n.Command(ctx, binary, "init", "--config", nodeConfigPath, "--ignore-preflight-errors=SystemVerification")
	must(t, err, "command")
	start := time.Now()
	out, err := cmd.CombinedOutput()
	wall := time.Since(start)
	if err != nil {
		t.Fatalf("%s init: %v\n%s", binary, err, out)
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	client := adminClient(t, n)
	deadline := time.Now().Add(3 * time.Minute)
	for {
		callCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := nodeReady(callCtx, client, n.Name)
		if err == nil {
			d, derr := client.AppsV1().Deployments("kube-system").Get(callCtx, "coredns", metav1.GetOptions{})
			if derr != nil || d.Status.ReadyReplicas < 1 {
				err = fmt.Errorf("coredns not ready: %v", derr)
			}
		}
		cancel()
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: node and CoreDNS not Ready within 3m: %v", binary, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return initSample{wall: wall, ready: time.Since(start), cpu: cpu}
}
