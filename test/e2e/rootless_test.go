//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/sandbox"
)

// nodeUID returns the UID of user name in node n's own users database.
func nodeUID(t *testing.T, n *sandbox.Node, name string) (int, bool) {
	t.Helper()
	b, err := n.ReadFile(context.Background(), "/etc/passwd")
	must(t, err, "read /etc/passwd on %s", n.Name)
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Split(line, ":")
		if len(f) == 7 && f[0] == name {
			uid, err := strconv.Atoi(f[2])
			must(t, err, "UID of %s on %s", name, n.Name)
			return uid, true
		}
	}
	return 0, false
}

// processUID is the real UID of the node's process of the binary name.
func processUID(n *sandbox.Node, name string) (int, error) {
	comm := name
	if len(comm) > 15 {
		comm = comm[:15] // the kernel keeps 15 bytes of a command name
	}
	pids, err := n.Processes(comm)
	if err != nil || len(pids) != 1 {
		return 0, fmt.Errorf("%d %s processes on %s: %v", len(pids), name, n.Name, err)
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pids[0]))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "Uid:"); ok {
			return strconv.Atoi(strings.Fields(rest)[0])
		}
	}
	return 0, fmt.Errorf("no Uid in /proc/%d/status", pids[0])
}

// TestRootlessControlPlane builds a cluster with the RootlessControlPlane
// feature gate: two control planes whose etcd, kube-apiserver,
// kube-controller-manager and kube-scheduler run as the users kubeadm
// created in each node's own users database. Renewed certificates and
// kubeconfigs keep their owners, `upgrade apply` keeps the components
// running as their users, reset removes the users of the node it cleans,
// and the host's users database is never touched.
func TestRootlessControlPlane(t *testing.T) {
	hostPasswd, err := os.ReadFile("/etc/passwd")
	must(t, err, "read the host's /etc/passwd")
	hostGroup, err := os.ReadFile("/etc/group")
	must(t, err, "read the host's /etc/group")
	c := newCluster(t, sandbox.NodeOptions{Name: "cp1", Version: "v1.37.1"}, sandbox.NodeOptions{Name: "cp2", Version: "v1.37.1"})
	cp1, cp2 := c.Nodes[0], c.Nodes[1]
	r := haInitWith(t, c, []string{"cp1", "cp2"}, "featureGates:\n  RootlessControlPlane: true\n")
	joinNode(t, cp2, c, r, true)
	client := adminClient(t, cp1)
	for _, n := range c.Nodes {
		eventually(t, 3*time.Minute, "node "+n.Name+" Ready", func(ctx context.Context) error { return nodeReady(ctx, client, n.Name) })
	}
	checkEtcdVoters(t, cp1, etcdEndpoints(cp1, cp2), 2)

	components := map[string]string{"etcd": "kubeadm-etcd", "kube-apiserver": "kubeadm-kas", "kube-controller-manager": "kubeadm-kcm", "kube-scheduler": "kubeadm-ks"}
	for _, n := range c.Nodes {
		for comp, user := range components {
			uid, ok := nodeUID(t, n, user)
			if !ok || uid == 0 {
				t.Fatalf("%s has no user %s (UID %d)", n.Name, user, uid)
			}
			eventually(t, 2*time.Minute, fmt.Sprintf("%s on %s Ready and running as %s (%d)", comp, n.Name, user, uid), func(ctx context.Context) error {
				pod, err := client.CoreV1().Pods("kube-system").Get(ctx, comp+"-"+n.Name, metav1.GetOptions{})
				if err != nil {
					return err
				}
				if !podReady(pod) {
					return fmt.Errorf("pod %s not Ready", pod.Name)
				}
				if sc := pod.Spec.SecurityContext; sc == nil || sc.RunAsUser == nil || *sc.RunAsUser != int64(uid) {
					return fmt.Errorf("pod %s security context %+v", pod.Name, sc)
				}
				got, err := processUID(n, comp)
				if err != nil {
					return err
				}
				if got != uid {
					return fmt.Errorf("%s runs as UID %d", comp, got)
				}
				return nil
			})
		}
		t.Logf("%s: etcd, kube-apiserver, kube-controller-manager and kube-scheduler run as their kubeadm users", n.Name)
	}
	eventually(t, time.Minute, "a write through the load balancer", func(ctx context.Context) error {
		_, err := client.CoreV1().ConfigMaps("default").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{GenerateName: "rootless-"}}, metav1.CreateOptions{})
		return err
	})

	// Renewed files keep their owners; an upgrade re-applies the users.
	out, err := kubeadm(t, cp1, context.Background(), "certs", "renew", "all")
	if err != nil {
		t.Fatalf("certs renew all failed: %v\n%s", err, out)
	}
	ksUID, _ := nodeUID(t, cp1, "kubeadm-ks")
	var owner bytes.Buffer
	must(t, cp1.Exec(context.Background(), nil, &owner, os.Stderr, "stat", "-c", "%u", "/etc/kubernetes/scheduler.conf"), "stat scheduler.conf")
	if strings.TrimSpace(owner.String()) != strconv.Itoa(ksUID) {
		t.Errorf("scheduler.conf belongs to UID %s after renewal, want kubeadm-ks (%d)", strings.TrimSpace(owner.String()), ksUID)
	}
	out, err = kubeadm(t, cp1, context.Background(), "upgrade", "apply", "v1.37.1", "--yes", "--ignore-preflight-errors=SystemVerification")
	if err != nil {
		t.Fatalf("upgrade apply failed: %v\n%s", err, out)
	}
	if !strings.Contains(out, "every control-plane manifest of this node is already at v1.37.1") {
		t.Errorf("the upgrade rendered other manifests than init wrote:\n%s", out)
	}
	// A patch changes the scheduler's manifest: the rollout restarts it,
	// still as its user.
	patches := "/etc/kubernetes/rootless-patches"
	must(t, cp1.WriteFile(context.Background(), patches+"/kube-scheduler+strategic.yaml", []byte("metadata:\n  annotations:\n    e2e/rootless: upgraded\n"), 0o600), "write the patch")
	out, err = kubeadm(t, cp1, context.Background(), "upgrade", "apply", "v1.37.1", "--yes", "--ignore-preflight-errors=SystemVerification", "--patches", patches)
	if err != nil {
		t.Fatalf("upgrade apply --patches failed: %v\n%s", err, out)
	}
	eventually(t, 2*time.Minute, "the patched kube-scheduler runs", func(ctx context.Context) error {
		pod, err := client.CoreV1().Pods("kube-system").Get(ctx, "kube-scheduler-cp1", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if pod.Annotations["e2e/rootless"] != "upgraded" {
			return fmt.Errorf("kube-scheduler-cp1 is not the patched one yet")
		}
		return nil
	})
	for comp, user := range components {
		uid, _ := nodeUID(t, cp1, user)
		eventually(t, 2*time.Minute, fmt.Sprintf("after the upgrade, %s on cp1 runs as %s", comp, user), func(ctx context.Context) error {
			pod, err := client.CoreV1().Pods("kube-system").Get(ctx, comp+"-cp1", metav1.GetOptions{})
			if err != nil {
				return err
			}
			if !podReady(pod) {
				return fmt.Errorf("pod %s not Ready", pod.Name)
			}
			got, err := processUID(cp1, comp)
			if err == nil && got != uid {
				err = fmt.Errorf("%s runs as UID %d", comp, got)
			}
			return err
		})
	}

	out, err = kubeadm(t, cp2, context.Background(), "reset", "--force")
	if err != nil {
		t.Fatalf("reset of cp2 failed: %v\n%s", err, out)
	}
	if !strings.Contains(out, "removed the 9 users and groups created for the RootlessControlPlane feature gate") {
		t.Errorf("reset did not say it removed the users:\n%s", out)
	}
	for _, user := range components {
		if _, ok := nodeUID(t, cp2, user); ok {
			t.Errorf("cp2 still has the user %s after reset", user)
		}
	}
	if _, ok := nodeUID(t, cp1, "kubeadm-kas"); !ok {
		t.Error("cp1 lost its users when cp2 was reset")
	}
	checkEtcdVoters(t, cp1, etcdEndpoints(cp1), 1)
	afterPasswd, _ := os.ReadFile("/etc/passwd")
	afterGroup, _ := os.ReadFile("/etc/group")
	if !bytes.Equal(afterPasswd, hostPasswd) || !bytes.Equal(afterGroup, hostGroup) {
		t.Error("the host's /etc/passwd or /etc/group changed")
	}
}
