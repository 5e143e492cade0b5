//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/sandbox"
)

// upgradePoint is where an upgrade is killed: after a phase, or at a
// progress message inside a component's step.
type upgradePoint struct{ name, phase, message string }

// upgradePoints are the kill points of an upgrade: inside the steps of etcd
// and kube-apiserver (after the backup, after the old Pod stopped, after the
// new manifest was written), then after the given phases; every component
// with FAULT_POINTS=all, and only those matching FAULT_ONLY when it is set.
func upgradePoints(phases []string) []upgradePoint {
	components := []string{"etcd", "kube-apiserver"}
	if os.Getenv("FAULT_POINTS") == "all" {
		components = append(components, "kube-controller-manager", "kube-scheduler")
	}
	var points []upgradePoint
	for _, comp := range components {
		for _, step := range []struct{ name, message string }{
			{"backup of", ": previous manifest kept in"},
			{"old Pod of", ": stopped after"},
			{"new manifest of", ": wrote the new manifest"},
		} {
			points = append(points, upgradePoint{name: step.name + " " + comp, message: comp + step.message})
		}
	}
	for _, p := range phases {
		points = append(points, upgradePoint{name: "phase " + p, phase: p})
	}
	if only := os.Getenv("FAULT_ONLY"); only != "" { // one point, e.g. to check a fix
		var kept []upgradePoint
		for _, p := range points {
			if strings.Contains(p.name, only) {
				kept = append(kept, p)
			}
		}
		points = kept
	}
	return points
}

// killUpgrade runs args on n and kills it at p; it fails the test when the
// command ended first.
func killUpgrade(t *testing.T, n *sandbox.Node, args []string, p upgradePoint) bool {
	t.Helper()
	var killed bool
	if p.phase != "" {
		killed = killAfter(t, n, args, p.phase)
	} else {
		killed = killOnMessage(t, n, args, p.message)
	}
	if !killed {
		t.Errorf("%s ended before %s", strings.Join(args[:2], " "), p.name)
	}
	return killed
}

// upgradedAt checks that node's four control-plane Pods run toVersion
// (etcd 3.7.0-0) and are Ready, asking through a fresh admin client of via.
func upgradedAt(via *sandbox.Node, node string) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		client, err := freshAdminClient(ctx, via)
		if err != nil {
			return err
		}
		for comp, tag := range map[string]string{"etcd": "3.7.0-0", "kube-apiserver": toVersion, "kube-controller-manager": toVersion, "kube-scheduler": toVersion} {
			pod, err := client.CoreV1().Pods("kube-system").Get(ctx, comp+"-"+node, metav1.GetOptions{})
			if err != nil {
				return err
			}
			if img := pod.Spec.Containers[0].Image; !strings.HasSuffix(img, ":"+tag) || !podReady(pod) {
				return fmt.Errorf("%s runs %s (Ready %v)", pod.Name, img, podReady(pod))
			}
		}
		return nil
	}
}

// TestFaultMatrixUpgrade kills `upgrade apply` of a one-node v1.36.3
// cluster made by upstream kubeadm at the upgradePoints (after its
// control-plane phase; every phase with FAULT_POINTS=all), runs the same
// command again and requires the control plane at v1.37.1 and Ready. Each
// kill point starts from a new v1.36.3 cluster (reset, then upstream's
// init).
func TestFaultMatrixUpgrade(t *testing.T) {
	c := newUpgradeCluster(t, "cp1")
	cp1 := c.Nodes[0]
	args := []string{"upgrade", "apply", toVersion, "--yes", "--ignore-preflight-errors=SystemVerification"}
	phases := []string{"control-plane"}
	if os.Getenv("FAULT_POINTS") == "all" {
		phases = []string{"preflight", "control-plane", "upload-config/kubeadm", "upload-config/kubelet", "kubelet-config", "bootstrap-token", "addon/coredns"}
	}
	m := &faultMatrix{}
	for i, p := range upgradePoints(phases) {
		if i > 0 {
			if out, err := kubeadm(t, cp1, context.Background(), "reset", "--force", "--cleanup-tmp-dir"); err != nil {
				t.Fatalf("reset: %v\n%s", err, out)
			}
		}
		initOld(t, c, []string{"cp1"})
		client := adminClient(t, cp1)
		controlPlaneAt(t, client, "cp1", fromVersion, "3.6.8-0")
		if !killUpgrade(t, cp1, args, p) {
			continue
		}
		rerun(t, m, "upgrade apply", p.name, cp1, args, upgradedAt(cp1, "cp1"))
	}
	m.print(t)
}

// TestFaultMatrixUpgradeNode kills `upgrade node` on the second of three
// v1.36.3 control planes made by upstream kubeadm (behind haproxy, cp1
// upgraded by `upgrade apply` first) at the upgradePoints and after its
// preflight, control-plane and kubelet-config phases, runs it again and
// requires cp2's control plane at v1.37.1 and Ready. After each kill the
// cluster serves writes (etcd keeps quorum on cp1 and cp3), and after the
// re-run etcd has 3 voters. Each kill point starts from a new cluster.
func TestFaultMatrixUpgradeNode(t *testing.T) {
	c := newUpgradeCluster(t, "cp1", "cp2", "cp3")
	cp1, cp2, cp3 := c.Nodes[0], c.Nodes[1], c.Nodes[2]
	args := []string{"upgrade", "node", "--ignore-preflight-errors=SystemVerification"}
	m := &faultMatrix{}
	for i, p := range upgradePoints([]string{"preflight", "control-plane", "kubelet-config"}) {
		if i > 0 {
			for _, n := range []*sandbox.Node{cp3, cp2, cp1} {
				if out, err := kubeadm(t, n, context.Background(), "reset", "--force", "--cleanup-tmp-dir"); err != nil {
					t.Fatalf("reset of %s: %v\n%s", n.Name, err, out)
				}
			}
		}
		r := initOld(t, c, []string{"cp1", "cp2", "cp3"})
		joinWith(t, c, cp2, upstreamKubeadm, r, true)
		joinWith(t, c, cp3, upstreamKubeadm, r, true)
		client := adminClient(t, cp1)
		controlPlaneAt(t, client, "cp2", fromVersion, "3.6.8-0")
		if out, err := kubeadm(t, cp1, context.Background(), "upgrade", "apply", toVersion, "--yes", "--ignore-preflight-errors=SystemVerification"); err != nil {
			t.Fatalf("upgrade apply on cp1: %v\n%s", err, out)
		}
		if !killUpgrade(t, cp2, args, p) {
			continue
		}
		writes := func(ctx context.Context) error {
			_, err := client.CoreV1().ConfigMaps("default").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{GenerateName: "fault-"}}, metav1.CreateOptions{})
			return err
		}
		if err := poll(time.Minute, writes); err != nil {
			t.Errorf("upgrade node killed at %s: the cluster does not serve writes: %v", p.name, err)
		}
		rerun(t, m, "upgrade node (control plane)", p.name, cp2, args, upgradedAt(cp1, "cp2"))
		checkEtcdVoters(t, cp1, etcdEndpoints(cp1, cp2, cp3), 3)
	}
	m.print(t)
}

// TestFaultMatrixPowerCutUpgrade cuts the power of a one-node v1.36.3
// cluster (made by upstream kubeadm) in the middle of its `upgrade apply`:
// the node is stopped (every process of it, the tool included) right after
// etcd's new manifest was written, and started again; the same upgrade
// run again converges to the control plane at v1.37.1 and Ready. Each
// point starts from a new v1.36.3 cluster (reset, then upstream's init).
func TestFaultMatrixPowerCutUpgrade(t *testing.T) {
	c := newUpgradeCluster(t, "cp1")
	cp1 := c.Nodes[0]
	args := []string{"upgrade", "apply", toVersion, "--yes", "--ignore-preflight-errors=SystemVerification"}
	m := &faultMatrix{}
	for i, p := range []upgradePoint{
		{name: "power cut after etcd's new manifest was written", message: "etcd: wrote the new manifest"},
		{name: "power cut after kube-apiserver's new manifest was written", message: "kube-apiserver: wrote the new manifest"},
	} {
		if i > 0 { // each point from a new v1.36.3 cluster
			if out, err := kubeadm(t, cp1, context.Background(), "reset", "--force", "--cleanup-tmp-dir"); err != nil {
				t.Fatalf("reset: %v\n%s", err, out)
			}
		}
		initOld(t, c, []string{"cp1"})
		controlPlaneAt(t, adminClient(t, cp1), "cp1", fromVersion, "3.6.8-0")
		cut := interruptWhen(t, cp1, args, func(ev progressEvent) bool { return ev.Event == "info" && strings.Contains(ev.Message, p.message) },
			func(*exec.Cmd) { must(t, cp1.Stop(context.Background()), "stop node cp1") })
		if !cut {
			t.Errorf("upgrade apply ended before %q", p.message)
			continue
		}
		must(t, cp1.Start(context.Background()), "start node cp1")
		rerun(t, m, "upgrade apply", p.name, cp1, args, upgradedAt(cp1, "cp1"))
	}
	m.print(t)
}
