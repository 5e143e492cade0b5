//go:build e2e && benchmarks

package e2e

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientset "k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/report"
	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/sandbox"
)

// benchInit runs init on a fresh node per run, and follows each run's
// milestones until the node and CoreDNS are Ready.
func benchInit(t *testing.T, r *report.Report, tl *timelines, runs int) {
	r.Figure("init command", "s").Goal = 0.65
	r.Figure("init → node + CoreDNS Ready", "s").Goal = 0.6
	r.Figure("init CPU", "s").Goal = 0.7
	f := r.Figure("init peak RSS", "MiB")
	f.Notes = append(f.Notes, "goal for ours: median ≤ 64 MiB")
	for i := 0; i < runs; i++ {
		for _, tool := range order(benchTools, i) {
			c, err := sandbox.Create(context.Background(), sandbox.CreateOptions{
				Name: "benchinit", Nodes: []sandbox.NodeOptions{{Name: "cp1", Version: "v1.37.1"}}, BenchBinary: env.benchBinary,
				CacheRoot: env.cache.Root, ExtraImages: []string{env.toolsImage},
			})
			must(t, err, "create node")
			n := c.Nodes[0]
			installKubeadm(t, n, initConfig("v1.37.1", ""))
			w := startWatch(n)
			cst := timedKubeadm(t, n, tool.binary, "init", "--config", nodeConfigPath, "--ignore-preflight-errors=SystemVerification")
			w.mark("init command returned", cst.wall)
			ready := w.wait(t, 3*time.Minute)
			w.manifestTimes(t)
			tl.add(tool.name, w.milestones())
			t.Logf("init %d %-8s command %6.2fs  Ready %6.2fs  cpu %5.2fs  rss %5.1f MiB", i+1, tool.name, cst.wall.Seconds(), ready.Seconds(), cst.cpu.Seconds(), cst.rssMiB)
			addCost(r, "init", tool.name, cst)
			r.Add("init → node + CoreDNS Ready", "s", tool.name, ready.Seconds())
			must(t, c.Delete(context.Background()), "delete node")
		}
	}
}

// watch follows one init from outside, every 100 ms: the API server's
// answers, each static Pod's readiness, kube-controller-manager's leader
// Lease, kube-root-ca.crt, kube-proxy (started, then its rules programmed:
// its /healthz on the node answers 200), CoreDNS (scheduled, started,
// Ready) and the Node's readiness. Times are from the command's start.
type watch struct {
	n     *sandbox.Node
	start time.Time
	mu    sync.Mutex
	at    map[string]time.Duration
	done  chan struct{}
	ready chan time.Duration
}

func startWatch(n *sandbox.Node) *watch {
	w := &watch{n: n, start: time.Now(), at: map[string]time.Duration{}, done: make(chan struct{}), ready: make(chan time.Duration, 1)}
	go w.loop()
	return w
}

// mark records a milestone the first time it is seen.
func (w *watch) mark(name string, at time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, ok := w.at[name]; !ok {
		w.at[name] = at
	}
}

func (w *watch) seen(name string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	_, ok := w.at[name]
	return ok
}

func (w *watch) loop() {
	var client clientset.Interface
	hc := &http.Client{Timeout: time.Second}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-w.done:
			return
		case <-tick.C:
		}
		now := time.Since(w.start)
		if client == nil {
			// super-admin.conf (system:masters) answers before init
			// has bound admin.conf's group to cluster-admin.
			b, err := w.n.ReadFile(context.Background(), "/etc/kubernetes/super-admin.conf")
			if err != nil {
				continue
			}
			cfg, err := clientcmd.RESTConfigFromKubeConfig(b)
			if err != nil {
				continue
			}
			cfg.Timeout = 2 * time.Second
			if client, err = clientset.NewForConfig(cfg); err != nil {
				client = nil
				continue
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		w.observe(ctx, client, hc, now)
		cancel()
	}
}

func (w *watch) observe(ctx context.Context, client clientset.Interface, hc *http.Client, now time.Duration) {
	pods, err := client.CoreV1().Pods("kube-system").List(ctx, metav1.ListOptions{})
	if err != nil {
		return
	}
	w.mark("API server answers", now)
	for _, p := range pods.Items {
		comp := p.Labels["component"]
		switch {
		case comp != "":
			if podReady(&p) {
				w.mark(comp+" Pod Ready", now)
			}
		case p.Labels["k8s-app"] == "kube-proxy":
			if running(&p) {
				w.mark("kube-proxy started", now)
			}
		case p.Labels["k8s-app"] == "kube-dns":
			if p.Spec.NodeName != "" {
				w.mark("CoreDNS scheduled", now)
			}
			if running(&p) {
				w.mark("CoreDNS started", now)
			}
			if podReady(&p) {
				w.mark("CoreDNS Ready", now)
			}
		}
	}
	if !w.seen("kube-controller-manager leader elected") {
		if l, err := client.CoordinationV1().Leases("kube-system").Get(ctx, "kube-controller-manager", metav1.GetOptions{}); err == nil && l.Spec.HolderIdentity != nil {
			w.mark("kube-controller-manager leader elected", now)
		}
	}
	if !w.seen("kube-root-ca.crt published") {
		if _, err := client.CoreV1().ConfigMaps("kube-system").Get(ctx, "kube-root-ca.crt", metav1.GetOptions{}); err == nil {
			w.mark("kube-root-ca.crt published", now)
		}
	}
	if w.seen("kube-proxy started") && !w.seen("kube-proxy rules programmed") {
		if resp, err := hc.Get("http://" + w.n.Address + ":10256/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				w.mark("kube-proxy rules programmed", now)
			}
		}
	}
	if !w.seen("node Ready") && nodeReady(ctx, client, w.n.Name) == nil {
		w.mark("node Ready", now)
	}
	if w.seen("node Ready") && w.seen("CoreDNS Ready") {
		select {
		case w.ready <- now:
		default:
		}
	}
}

// wait returns when the node and CoreDNS were both first seen Ready.
func (w *watch) wait(t *testing.T, timeout time.Duration) time.Duration {
	t.Helper()
	defer close(w.done)
	select {
	case d := <-w.ready:
		return d
	case <-time.After(timeout):
		t.Fatalf("node and CoreDNS not Ready within %s; seen: %v", timeout, w.milestones())
		return 0
	}
}

// manifestTimes adds when each static Pod manifest was written, from the
// files' modification times (the node shares the host's clock).
func (w *watch) manifestTimes(t *testing.T) {
	t.Helper()
	out, err := w.n.Run(context.Background(), "sh", "-c", "stat -c '%.9Y %n' /etc/kubernetes/manifests/*.yaml")
	must(t, err, "stat the manifests")
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		sec, path, ok := strings.Cut(l, " ")
		if !ok {
			continue
		}
		f, err := strconv.ParseFloat(sec, 64)
		if err != nil {
			continue
		}
		name := strings.TrimSuffix(path[strings.LastIndex(path, "/")+1:], ".yaml")
		at := time.Unix(0, int64(f*1e9)).Sub(w.start)
		w.mark(name+" manifest written", at)
	}
}

func (w *watch) milestones() map[string]time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := map[string]time.Duration{}
	for k, v := range w.at {
		out[k] = v
	}
	return out
}

func running(p *corev1.Pod) bool {
	for _, s := range p.Status.ContainerStatuses {
		if s.State.Running != nil {
			return true
		}
	}
	return false
}

// timelines gathers every init run's milestones per tool.
type timelines struct {
	runs map[string]map[string][]float64
}

func (tl *timelines) add(tool string, m map[string]time.Duration) {
	if tl.runs == nil {
		tl.runs = map[string]map[string][]float64{}
	}
	if tl.runs[tool] == nil {
		tl.runs[tool] = map[string][]float64{}
	}
	for k, v := range m {
		tl.runs[tool][k] = append(tl.runs[tool][k], v.Seconds())
	}
}

// rows are the milestones in the order of ours' medians, with each tool's
// median time from the command's start.
func (tl *timelines) rows() [][3]string {
	type row struct {
		name string
		o, u float64
	}
	var rs []row
	names := map[string]bool{}
	for _, m := range tl.runs {
		for k := range m {
			names[k] = true
		}
	}
	med := func(tool, k string) float64 {
		xs := tl.runs[tool][k]
		if len(xs) == 0 {
			return -1
		}
		return report.Summary(xs).Median
	}
	for k := range names {
		rs = append(rs, row{k, med(report.Ours, k), med(report.Upstream, k)})
	}
	slices.SortFunc(rs, func(a, b row) int {
		if a.o != b.o {
			if a.o < b.o {
				return -1
			}
			return 1
		}
		return strings.Compare(a.name, b.name)
	})
	cell := func(v float64) string {
		if v < 0 {
			return "-"
		}
		return fmt.Sprintf("%.2f", v)
	}
	var out [][3]string
	for _, r := range rs {
		out = append(out, [3]string{r.name, cell(r.o), cell(r.u)})
	}
	return out
}

func (tl *timelines) table() string {
	if len(tl.runs) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("\ninit timeline, median seconds from the command's start:\n")
	fmt.Fprintf(&b, "%-42s %8s %9s\n", "milestone", "ours", "upstream")
	for _, r := range tl.rows() {
		fmt.Fprintf(&b, "%-42s %8s %9s\n", r[0], r[1], r[2])
	}
	return b.String()
}

func (tl *timelines) markdown() string {
	if len(tl.runs) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("Init timeline, median seconds from the command's start:\n\n| milestone | ours | upstream |\n|---|---|---|\n")
	for _, r := range tl.rows() {
		fmt.Fprintf(&b, "| %s | %s | %s |\n", r[0], r[1], r[2])
	}
	return b.String()
}
