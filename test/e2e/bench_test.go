//go:build e2e && benchmarks

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/report"
	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/sandbox"
)

// benchTool is one side of the benchmark: a kubeadm binary on the nodes.
type benchTool struct{ name, binary string }

var benchTools = []benchTool{{report.Ours, "kubeadm"}, {report.Upstream, upstreamKubeadm}}

// TestBench is `make bench`: every side-by-side benchmark of this kubeadm
// and upstream kubeadm v1.37.1, alternating which goes first, each run on
// fresh sandbox nodes, BENCH_RUNS runs per tool (default 5). Its sections
// are subtests (`make bench BENCH_ONLY=init`). It prints one table and
// writes it, every run and the chart to _artifacts/bench/ (BENCH_OUT).
func TestBench(t *testing.T) {
	runs := 5
	if v, err := strconv.Atoi(os.Getenv("BENCH_RUNS")); err == nil && v > 0 {
		runs = v
	}
	// The upgrades and the parallel joins take minutes a run:
	// BENCH_RUNS_HEAVY gives them fewer runs (default BENCH_RUNS).
	heavy := runs
	if v, err := strconv.Atoi(os.Getenv("BENCH_RUNS_HEAVY")); err == nil && v > 0 {
		heavy = v
	}
	r := &report.Report{Date: time.Now().UTC().Format("2006-01-02"), Machine: machineName(), Runs: runs, HeavyRuns: heavy}
	tl := &timelines{}
	start := time.Now()
	sections := []struct {
		name  string
		run   func(*testing.T, *report.Report, int)
		heavy bool
	}{
		{"init", func(t *testing.T, r *report.Report, runs int) { benchInit(t, r, tl, runs) }, false},
		{"worker-join", benchWorkerJoin, false},
		{"control-plane-join", benchControlPlaneJoin, false},
		{"init-then-join", benchInitThenJoin, false},
		{"upgrade", benchUpgrade, true},
		{"ha-upgrade", benchHAUpgrade, true},
		{"parallel-joins", benchParallelJoins, true},
	}
	for _, s := range sections {
		t.Run(s.name, func(t *testing.T) {
			begin := time.Now()
			n := runs
			if s.heavy {
				n = heavy
			}
			s.run(t, r, n)
			t.Logf("section %s took %s", s.name, time.Since(begin).Round(time.Second))
		})
	}
	text := r.Table() + tl.table()
	fmt.Print("\n" + text)
	t.Logf("benchmark took %s\n%s", time.Since(start).Round(time.Second), text)
	writeBenchReport(t, r, tl)
}

// machineName describes this machine for the report.
func machineName() string {
	host, _ := os.Hostname()
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "model name"); ok {
				model = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	return fmt.Sprintf("%s (%d cores, %s)", host, runtime.NumCPU(), model)
}

func writeBenchReport(t *testing.T, r *report.Report, tl *timelines) {
	t.Helper()
	dir := os.Getenv("BENCH_OUT")
	if dir == "" {
		dir = filepath.Join("..", "..", "_artifacts", "bench")
	}
	must(t, os.MkdirAll(dir, 0o755), "create %s", dir)
	b, err := r.JSON()
	must(t, err, "render JSON")
	must(t, os.WriteFile(filepath.Join(dir, "bench.json"), b, 0o644), "write bench.json")
	must(t, os.WriteFile(filepath.Join(dir, "bench.md"), []byte(r.Markdown()+"\n"+tl.markdown()), 0o644), "write bench.md")
	for _, format := range []string{"png", "svg"} {
		f, err := os.Create(filepath.Join(dir, "bench."+format))
		must(t, err, "create chart")
		must(t, r.Chart(f, format), "draw chart")
		must(t, f.Close(), "write chart")
	}
	abs, _ := filepath.Abs(dir)
	t.Logf("wrote bench.json, bench.md, bench.png and bench.svg to %s", abs)
}

// cost is what one kubeadm command took: wall time, CPU time (user +
// system) and peak resident set, from the kernel's accounting of the
// process (wait4's rusage, taken by `bench rusage`, which starts the tool:
// a process the test binary starts itself would inherit the test's own
// high-water mark).
type cost struct {
	wall, cpu time.Duration
	rssMiB    float64
}

// timedKubeadm runs binary args on n and returns its cost.
func timedKubeadm(t *testing.T, n *sandbox.Node, binary string, args ...string) cost {
	t.Helper()
	cmd, err := n.Command(context.Background(), append([]string{env.benchBinary, "rusage", "--", binary}, args...)...)
	must(t, err, "command")
	pr, pw, err := os.Pipe()
	must(t, err, "pipe")
	defer pr.Close()
	cmd.ExtraFiles = []*os.File{pw}
	var report []byte
	read := make(chan struct{})
	go func() { report, _ = io.ReadAll(pr); close(read) }()
	start := time.Now()
	out, err := cmd.CombinedOutput()
	wall := time.Since(start)
	pw.Close()
	<-read
	if err != nil {
		t.Fatalf("%s %s on %s: %v\n%s", binary, strings.Join(args, " "), n.Name, err, out)
	}
	if binary == "kubeadm" && os.Getenv("BENCH_PHASES") != "" {
		for _, l := range strings.Split(string(out), "\n") {
			if strings.Contains(l, "done in") || strings.Contains(l, " after ") {
				t.Logf("  %s: %s", n.Name, l)
			}
		}
	}
	var ru struct {
		UserNs, SystemNs, MaxRSSKiB int64
	}
	must(t, json.Unmarshal(report, &ru), "read bench rusage's report %q", report)
	return cost{wall: wall, cpu: time.Duration(ru.UserNs + ru.SystemNs), rssMiB: float64(ru.MaxRSSKiB) / 1024}
}

// addCost records a command's three figures under prefix.
func addCost(r *report.Report, prefix, tool string, c cost) {
	r.Add(prefix+" command", "s", tool, c.wall.Seconds())
	r.Add(prefix+" CPU", "s", tool, c.cpu.Seconds())
	r.Add(prefix+" peak RSS", "MiB", tool, c.rssMiB)
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

// newBenchCluster creates cp1 (and the named extra nodes) at v1.37.1.
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

// waitReady polls until every named node is Ready and returns when.
func waitReady(t *testing.T, cp1 *sandbox.Node, names ...string) time.Time {
	t.Helper()
	client := adminClient(t, cp1)
	deadline := time.Now().Add(5 * time.Minute)
	pending := map[string]bool{}
	for _, n := range names {
		pending[n] = true
	}
	for {
		for n := range pending {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			if nodeReady(ctx, client, n) == nil {
				delete(pending, n)
			}
			cancel()
		}
		if len(pending) == 0 {
			return time.Now()
		}
		if time.Now().After(deadline) {
			t.Fatalf("nodes not Ready within 5m: %v", pending)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// benchWorkerJoin joins a fresh worker per run to one cluster initialised
// by this kubeadm: the command, and the time until its Node is Ready.
func benchWorkerJoin(t *testing.T, r *report.Report, runs int) {
	r.Figure("worker join command", "s").Goal = 0.5
	r.Figure("worker join → node Ready", "s").Goal = 0.6
	c := newBenchCluster(t, "benchjoin")
	defer func() { must(t, c.Delete(context.Background()), "delete the cluster") }()
	res := haInit(t, c, []string{"cp1"})
	settle(t, c.Nodes[0])
	for i := 0; i < runs; i++ {
		for _, tool := range order(benchTools, i) {
			n, err := c.AddNode(context.Background(), sandbox.NodeOptions{Name: fmt.Sprintf("w-%s-%d", tool.name, i+1), Version: "v1.37.1"})
			must(t, err, "add a worker")
			installKubeadm(t, n, "")
			start := time.Now()
			cst := timedKubeadm(t, n, tool.binary, joinArgs(c, res, false)...)
			ready := waitReady(t, c.Nodes[0], n.Name).Sub(start)
			t.Logf("worker join %d %-8s command %6.2fs  Ready %6.2fs  cpu %5.2fs  rss %5.1f MiB", i+1, tool.name, cst.wall.Seconds(), ready.Seconds(), cst.cpu.Seconds(), cst.rssMiB)
			addCost(r, "worker join", tool.name, cst)
			r.Add("worker join → node Ready", "s", tool.name, ready.Seconds())
		}
	}
}

// benchControlPlaneJoin joins cp2 to a fresh one-member cluster per run.
func benchControlPlaneJoin(t *testing.T, r *report.Report, runs int) {
	r.Figure("control-plane join command", "s").Goal = 0.5
	for i := 0; i < runs; i++ {
		for _, tool := range order(benchTools, i) {
			c := newBenchCluster(t, "benchjoin", "cp2")
			res := haInit(t, c, []string{"cp1", "cp2"})
			settle(t, c.Nodes[0])
			installKubeadm(t, c.Nodes[1], "")
			cst := timedKubeadm(t, c.Nodes[1], tool.binary, joinArgs(c, res, true)...)
			t.Logf("control-plane join %d %-8s %6.2fs  cpu %5.2fs  rss %5.1f MiB", i+1, tool.name, cst.wall.Seconds(), cst.cpu.Seconds(), cst.rssMiB)
			addCost(r, "control-plane join", tool.name, cst)
			must(t, c.Delete(context.Background()), "delete the cluster")
		}
	}
	f := r.Figure("control-plane join command", "s")
	for _, tool := range benchTools {
		s := report.Summary(f.Runs[tool.name])
		f.Notes = append(f.Notes, fmt.Sprintf("%s max over min %.2f (goal for ours ≤ 1.30)", tool.name, s.MaxOverMin))
	}
}

// upgradeTools are the upgrade's two sides. The nodes start at v1.36.3, so
// upstream's v1.37.1 is installed beside their v1.36.3 kubeadm-upstream;
// upstream's preflight fails on the sandbox's cgroup v1
// (SystemVerification), which this kubeadm's upgrade does not check.
var upgradeTools = []struct {
	benchTool
	extra []string
}{{benchTool{report.Ours, "kubeadm"}, nil}, {benchTool{report.Upstream, upstreamKubeadm + "-" + toVersion}, []string{"--ignore-preflight-errors=SystemVerification"}}}

// benchUpgrade runs `upgrade apply v1.37.1` on a fresh single control
// plane at v1.36.3 (initialised by upstream v1.36.3 and settled).
func benchUpgrade(t *testing.T, r *report.Report, runs int) {
	r.Figure("upgrade apply (1 node) command", "s").Goal = 0.15
	for i := 0; i < runs; i++ {
		for _, tool := range order(upgradeTools, i) {
			c := newUpgradeCluster(t, "cp1")
			cp1 := c.Nodes[0]
			initOld(t, c, []string{"cp1"})
			client := adminClient(t, cp1)
			controlPlaneAt(t, client, "cp1", fromVersion, "3.6.8-0")
			settle(t, cp1)
			must(t, cp1.InstallBinary(filepath.Join(env.cache.KubernetesDir(toVersion), "kubeadm"), upstreamKubeadm+"-"+toVersion), "install upstream kubeadm")
			cst := timedKubeadm(t, cp1, tool.binary, append([]string{"upgrade", "apply", toVersion, "--yes"}, tool.extra...)...)
			controlPlaneAt(t, client, "cp1", toVersion, "3.7.0-0")
			t.Logf("upgrade apply %d %-8s %6.2fs  cpu %5.2fs  rss %5.1f MiB", i+1, tool.name, cst.wall.Seconds(), cst.cpu.Seconds(), cst.rssMiB)
			addCost(r, "upgrade apply (1 node)", tool.name, cst)
			must(t, c.Delete(context.Background()), "delete the cluster")
		}
	}
}

// benchHAUpgrade upgrades three control planes behind haproxy from
// v1.36.3: `upgrade apply` on cp1, then `upgrade node` on cp2 and cp3, the
// whole timed until every control plane runs v1.37.1 and is Ready.
func benchHAUpgrade(t *testing.T, r *report.Report, runs int) {
	for i := 0; i < runs; i++ {
		for _, tool := range order(upgradeTools, i) {
			c := newUpgradeCluster(t, "cp1", "cp2", "cp3")
			cps := c.Nodes
			res := initOld(t, c, []string{"cp1", "cp2", "cp3"})
			for _, n := range cps[1:] {
				joinWith(t, c, n, upstreamKubeadm, res, true)
			}
			client := adminClient(t, cps[0])
			for _, n := range cps {
				controlPlaneAt(t, client, n.Name, fromVersion, "3.6.8-0")
			}
			settle(t, cps[0])
			for _, n := range cps {
				must(t, n.InstallBinary(filepath.Join(env.cache.KubernetesDir(toVersion), "kubeadm"), upstreamKubeadm+"-"+toVersion), "install upstream kubeadm")
			}
			start := time.Now()
			var cpu time.Duration
			rss := 0.0
			for j, n := range cps {
				args := []string{"upgrade", "node"}
				if j == 0 {
					args = []string{"upgrade", "apply", toVersion, "--yes"}
				}
				cst := timedKubeadm(t, n, tool.binary, append(args, tool.extra...)...)
				cpu += cst.cpu
				rss = max(rss, cst.rssMiB)
			}
			for _, n := range cps {
				controlPlaneAt(t, client, n.Name, toVersion, "3.7.0-0")
			}
			wall := time.Since(start)
			t.Logf("HA upgrade %d %-8s %6.2fs  cpu %5.2fs  rss %5.1f MiB", i+1, tool.name, wall.Seconds(), cpu.Seconds(), rss)
			addCost(r, "HA upgrade (apply + 2 × node)", tool.name, cost{wall: wall, cpu: cpu, rssMiB: rss})
			must(t, c.Delete(context.Background()), "delete the cluster")
		}
	}
}

// parallelWorkers is how many workers join at once.
const parallelWorkers = 10

// benchParallelJoins joins 10 workers at once to one control plane (each
// tool, a fresh cluster each run), and this kubeadm's 2 control planes at
// once; each is timed until every joined node is Ready and compared with
// one join alone.
func benchParallelJoins(t *testing.T, r *report.Report, runs int) {
	workers := fmt.Sprintf("%d worker joins at once → all Ready", parallelWorkers)
	f := r.Figure(workers, "s")
	f.Against, f.Goal = "worker join → node Ready", 2
	for i := 0; i < runs; i++ {
		for _, tool := range order(benchTools, i) {
			var names []string
			for k := 1; k <= parallelWorkers; k++ {
				names = append(names, fmt.Sprintf("w%d", k))
			}
			c := newBenchCluster(t, "benchpar", names...)
			res := haInit(t, c, []string{"cp1"})
			settle(t, c.Nodes[0])
			for _, n := range c.Nodes[1:] {
				installKubeadm(t, n, "")
			}
			start := time.Now()
			joinAll(t, c.Nodes[1:], tool.binary, joinArgs(c, res, false))
			d := waitReady(t, c.Nodes[0], names...).Sub(start)
			t.Logf("%d workers at once %d %-8s all Ready %6.2fs", parallelWorkers, i+1, tool.name, d.Seconds())
			r.Add(workers, "s", tool.name, d.Seconds())
			must(t, c.Delete(context.Background()), "delete the cluster")
		}
	}
	cps := "2 control-plane joins at once → both Ready"
	f = r.Figure(cps, "s")
	f.Against = "control-plane join command"
	f.Notes = append(f.Notes, "upstream not run: upstream kubeadm joins control planes one at a time (concurrent joins race on etcd's one learner slot)")
	for i := 0; i < runs; i++ {
		c := newBenchCluster(t, "benchpar", "cp2", "cp3")
		res := haInit(t, c, []string{"cp1", "cp2", "cp3"})
		settle(t, c.Nodes[0])
		for _, n := range c.Nodes[1:] {
			installKubeadm(t, n, "")
		}
		start := time.Now()
		joinAll(t, c.Nodes[1:], "kubeadm", joinArgs(c, res, true))
		d := waitReady(t, c.Nodes[0], "cp2", "cp3").Sub(start)
		t.Logf("2 control planes at once %d ours both Ready %6.2fs", i+1, d.Seconds())
		r.Add(cps, "s", report.Ours, d.Seconds())
		must(t, c.Delete(context.Background()), "delete the cluster")
	}
}

// joinAll runs the same join on every node at once.
func joinAll(t *testing.T, nodes []*sandbox.Node, binary string, args []string) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make([]error, len(nodes))
	outs := make([][]byte, len(nodes))
	for i, n := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd, err := n.Command(context.Background(), append([]string{binary}, args...)...)
			if err != nil {
				errs[i] = err
				return
			}
			outs[i], errs[i] = cmd.CombinedOutput()
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("%s join on %s: %v\n%s", binary, nodes[i].Name, err, outs[i])
		}
	}
}
