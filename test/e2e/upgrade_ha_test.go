//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientset "k8s.io/client-go/kubernetes"

	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/sandbox"
)

// TestUpgradeHACluster upgrades three control planes and a worker from
// fromVersion to toVersion node by node while a workload is probed once a
// second through its Service: apply on cp1, node on the others, then each
// kubelet swapped. Afterwards everything reports toVersion, etcd runs
// 3.7.0 with three voters, the addons are at the new versions, and the
// probe counted no failure. Before cp2's upgrade, one with a kube-apiserver
// that cannot start is rolled back on cp2 while the others serve. No API
// request through the load balancer may fail while kubeadm works: an API
// server behind it leaves its pool before it stops and joins it only once
// ready. The kubelet swaps that follow may each cut one (checkAPIFailures).
func TestUpgradeHACluster(t *testing.T) {
	c := newUpgradeCluster(t, "cp1", "cp2", "cp3", "w1")
	cps, worker := c.Nodes[:3], c.Nodes[3]
	r := initOld(t, c, []string{"cp1", "cp2", "cp3"})
	for _, n := range cps[1:] { // a v1.36.3 cluster made by upstream v1.36.3 throughout
		joinWith(t, c, n, upstreamKubeadm, r, true)
	}
	joinWith(t, c, worker, upstreamKubeadm, r, false)
	client := adminClient(t, cps[0]) // through the load balancer
	for _, n := range c.Nodes {
		eventually(t, 3*time.Minute, "node "+n.Name+" Ready", func(ctx context.Context) error { return nodeReady(ctx, client, n.Name) })
	}
	for _, n := range cps {
		controlPlaneAt(t, client, n.Name, fromVersion, "3.6.8-0")
	}
	startWorkload(t, client, worker)
	api := startAPIProber(client)
	ctx := context.Background()
	start := time.Now()

	out, err := kubeadm(t, cps[0], ctx, "upgrade", "apply", toVersion, "--yes")
	if err != nil {
		api.Stop()
		t.Fatalf("upgrade apply failed: %v\n%s", err, out)
	}
	t.Logf("upgrade apply:\n%s", out)
	if !strings.Contains(out, "skipped: the control planes cp2, cp3 do not run kube-apiserver "+toVersion) {
		t.Errorf("apply upgraded the addons before every control plane was upgraded")
	}
	rollBackOnSecond(t, cps, ctx)
	for _, n := range append(cps[1:], worker) {
		out, err := kubeadm(t, n, ctx, "upgrade", "node")
		if err != nil {
			api.Stop()
			t.Fatalf("upgrade node on %s failed: %v\n%s", n.Name, err, out)
		}
		t.Logf("upgrade node on %s:\n%s", n.Name, out)
	}
	for i, n := range c.Nodes {
		var apiServer string // the kube-apiserver container before the swap
		if i < len(cps) {
			apiServer = apiServerContainer(t, client, n.Name)
		}
		api.Doing(kubeletSwapOf + n.Name)
		must(t, n.SwapKubelet(ctx, toVersion), "swap the kubelet of %s", n.Name)
		if apiServer != "" {
			apiServerBack(t, client, n.Name, apiServer)
		}
		eventually(t, 2*time.Minute, n.Name+"'s kubelet at "+toVersion+" and Ready", func(ctx context.Context) error {
			node, err := client.CoreV1().Nodes().Get(ctx, n.Name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			if v := node.Status.NodeInfo.KubeletVersion; v != toVersion {
				return fmt.Errorf("kubelet %s", v)
			}
			return nodeReady(ctx, client, n.Name)
		})
	}
	upgradeTook := time.Since(start)
	for _, n := range cps {
		controlPlaneAt(t, client, n.Name, toVersion, "3.7.0-0")
	}
	checkEtcdVoters(t, cps[0], etcdEndpoints(cps...), 3)
	checkAddonsAt(t, client, "v1.14.6", toVersion)
	api.Stop()
	ok, failed, err := probeCounts(ctx, client)
	if err != nil {
		t.Errorf("the workload probe: %v", err)
	}
	t.Logf("upgrade of 4 nodes (and one rolled back) took %s; workload probe through the Service: %d ok, %d failed; API requests through the load balancer: %d ok, %d failed",
		upgradeTook.Round(time.Second), ok, failed, api.ok.Load(), api.failed.Load())
	logLBChanges(t, c)
	checkAPIFailures(t, api.errors, cps)
	if ok == 0 || api.ok.Load() == 0 {
		t.Errorf("nothing was probed: %d workload probes and %d API requests succeeded", ok, api.ok.Load())
	}
	cfg, err := client.CoreV1().ConfigMaps("kube-system").Get(ctx, "kubeadm-config", metav1.GetOptions{})
	must(t, err, "read kubeadm-config")
	if !strings.Contains(cfg.Data["ClusterConfiguration"], "kubernetesVersion: "+toVersion) {
		t.Errorf("kubeadm-config does not say %s", toVersion)
	}
}

// rollBackOnSecond runs `upgrade node` on the second control plane with a
// kube-apiserver patch the new version rejects: the upgrade puts cp2's etcd
// and API server back by itself (etcd's data stays, its peers hold it),
// while the other control planes keep serving, and etcd keeps 3 voters.
func rollBackOnSecond(t *testing.T, cps []*sandbox.Node, ctx context.Context) {
	t.Helper()
	cp2 := cps[1]
	out := upgradeWithBrokenAPIServer(t, cp2, "upgrade", "node")
	if strings.Contains(out, "etcd data restored") {
		t.Errorf("cp2 restored etcd data from a snapshot although its peers hold the data")
	}
	client := adminClient(t, cps[0])
	controlPlaneAt(t, client, cp2.Name, fromVersion, "3.6.8-0")
	checkEtcdVoters(t, cps[0], etcdEndpoints(cps...), 3)
	_, err := cp2.Run(ctx, "rm", "-rf", "/root/patches")
	must(t, err, "remove the patch")
}

// apiServerContainer is the ID of the container node's kube-apiserver mirror
// Pod reports.
func apiServerContainer(t *testing.T, client clientset.Interface, node string) string {
	t.Helper()
	p, err := client.CoreV1().Pods("kube-system").Get(context.Background(), "kube-apiserver-"+node, metav1.GetOptions{})
	must(t, err, "read kube-apiserver-%s", node)
	if len(p.Status.ContainerStatuses) == 0 {
		t.Fatalf("kube-apiserver-%s reports no container", node)
	}
	return p.Status.ContainerStatuses[0].ContainerID
}

// apiServerBack waits, after node's kubelet was swapped, as an operator
// upgrading kubelets one node at a time does, until the node's API server
// serves again before the next kubelet is swapped: a v1.37 kubelet that
// takes over from v1.36 replaces every static Pod container (stopping the
// old ones with a 2 s timeout), so swapping the next kubelet at once would
// stop every API server together. It waits for a new container that is
// Ready, or for 30 s without a replacement.
func apiServerBack(t *testing.T, client clientset.Interface, node, before string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	eventually(t, 3*time.Minute, "kube-apiserver-"+node+" serving after the kubelet swap", func(ctx context.Context) error {
		p, err := client.CoreV1().Pods("kube-system").Get(ctx, "kube-apiserver-"+node, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if len(p.Status.ContainerStatuses) == 0 {
			return fmt.Errorf("no container reported")
		}
		cs := p.Status.ContainerStatuses[0]
		switch {
		case cs.ContainerID == before && time.Now().Before(deadline):
			return fmt.Errorf("still the container from before the swap")
		case !podReady(p) || !cs.Ready:
			return fmt.Errorf("not Ready")
		}
		return nil
	})
}

// logLBChanges prints the load balancer's record of backends going DOWN
// and UP, the timeline against which failed requests are read.
func logLBChanges(t *testing.T, c *sandbox.Cluster) {
	t.Helper()
	b, err := os.ReadFile(c.LBLog())
	if err != nil {
		t.Logf("no load balancer log: %v", err)
		return
	}
	var changes []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, " is DOWN") || strings.Contains(l, " is UP") {
			changes = append(changes, l)
		}
	}
	t.Logf("load balancer backend changes (%d):\n%s", len(changes), strings.Join(changes, "\n"))
}

// checkAddonsAt waits for CoreDNS and kube-proxy to be rolled out at the
// given versions.
func checkAddonsAt(t *testing.T, client clientset.Interface, coreDNS, proxy string) {
	t.Helper()
	eventually(t, 3*time.Minute, "CoreDNS "+coreDNS+" and kube-proxy "+proxy+" rolled out", func(ctx context.Context) error {
		d, err := client.AppsV1().Deployments("kube-system").Get(ctx, "coredns", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if img := d.Spec.Template.Spec.Containers[0].Image; !strings.HasSuffix(img, ":"+coreDNS) {
			return fmt.Errorf("CoreDNS image %s", img)
		}
		if d.Status.UpdatedReplicas != *d.Spec.Replicas || d.Status.AvailableReplicas != *d.Spec.Replicas || d.Status.Replicas != *d.Spec.Replicas {
			return fmt.Errorf("CoreDNS rollout: %d updated, %d available of %d", d.Status.UpdatedReplicas, d.Status.AvailableReplicas, *d.Spec.Replicas)
		}
		ds, err := client.AppsV1().DaemonSets("kube-system").Get(ctx, "kube-proxy", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if img := ds.Spec.Template.Spec.Containers[0].Image; !strings.HasSuffix(img, ":"+proxy) {
			return fmt.Errorf("kube-proxy image %s", img)
		}
		if ds.Status.UpdatedNumberScheduled != ds.Status.DesiredNumberScheduled || ds.Status.NumberAvailable != ds.Status.DesiredNumberScheduled {
			return fmt.Errorf("kube-proxy rollout: %d updated, %d available of %d", ds.Status.UpdatedNumberScheduled, ds.Status.NumberAvailable, ds.Status.DesiredNumberScheduled)
		}
		return nil
	})
}

// kubeletSwapOf prefixes what the API prober records while a node's
// kubelet is swapped.
const kubeletSwapOf = "kubelet swap of "

// checkAPIFailures fails the test on every failed API request through the
// load balancer, but one per control plane cut while its kubelet was
// swapped. That one is the kubelet's, not kubeadm's: the v1.37 kubelet
// derives other UIDs for the static Pods than v1.36 did, finds the old
// containers orphaned and stops them with a 1 s grace period (its
// HandlePodCleanups; the runtime raises it to 2 s), well inside the API
// server's shutdown delay, so a request in flight on the prober's
// connection to that API server ends with EOF. The prober sends one
// request at a time, so one such kill cuts at most one.
func checkAPIFailures(t *testing.T, failures []probeFailure, cps []*sandbox.Node) {
	t.Helper()
	cut := map[string]bool{}
	for _, f := range failures {
		swapped := slices.ContainsFunc(cps, func(n *sandbox.Node) bool { return f.doing == kubeletSwapOf+n.Name })
		if swapped && !cut[f.doing] {
			cut[f.doing] = true
			t.Logf("API request cut by the %s (its old static Pod containers stopped within 2 s): %s", f.doing, f)
			continue
		}
		t.Errorf("API request through the load balancer failed: %s", f)
	}
}
