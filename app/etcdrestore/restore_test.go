package etcdrestore

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientset "k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/kubeadm-cleanroom/kubeadm/app/etcd"
	"github.com/kubeadm-cleanroom/kubeadm/app/etcd/etcdtest"
	"github.com/kubeadm-cleanroom/kubeadm/app/nodeenv"
	"github.com/kubeadm-cleanroom/kubeadm/app/progress"
)

const etcdManifest = `apiVersion: v1
kind: Pod
metadata:
  name: etcd
  namespace: kube-system
spec:
  containers:
  - name: etcd
    image: registry.k8s.io/etcd:3.6.8-0
    command:
    - etcd
    - --name=cp1
    - --data-dir=DATA
    - --initial-advertise-peer-urls=https://10.0.0.1:2380
    - --advertise-client-urls=https://10.0.0.1:2379
    - --listen-client-urls=https://127.0.0.1:2379,https://10.0.0.1:2379
    - --initial-cluster=cp1=https://10.0.0.1:2380,cp2=https://10.0.0.2:2380,cp3=https://10.0.0.3:2380
    - --initial-cluster-state=existing
    - --trusted-ca-file=PKI/etcd/ca.crt
`

const apiServerManifest = `apiVersion: v1
kind: Pod
metadata:
  name: kube-apiserver
  namespace: kube-system
spec:
  containers:
  - name: kube-apiserver
    image: registry.k8s.io/kube-apiserver:v1.37.1
    command:
    - kube-apiserver
    - --advertise-address=10.0.0.1
    - --secure-port=6443
`

// fakeNode is a control plane whose kubelet runs what the manifests
// directory holds: etcd answers while its manifest is there, and restarts
// (stops answering once) when the manifest changes.
type fakeNode struct {
	t    *testing.T
	kube string
	data string

	mu sync.Mutex
	// etcdWrites are the etcd manifests the restore wrote, in order.
	etcdWrites []string
	running    string // the etcd manifest the fake kubelet runs
	// cluster is what the member reports while it runs its first manifest:
	// before the restore, members of a cluster that lost or keeps quorum.
	before  []etcd.MemberStatus
	quorum  bool
	healthy bool // after the restore, the member serves alone
	client  *fake.Clientset
	ready   bool
}

func newFakeNode(t *testing.T) *fakeNode {
	kube, data := t.TempDir(), t.TempDir()
	n := &fakeNode{t: t, kube: kube, data: data, healthy: true}
	pki := filepath.Join(kube, "pki")
	write(t, filepath.Join(kube, "manifests", "etcd.yaml"), strings.NewReplacer("DATA", data, "PKI", pki).Replace(etcdManifest))
	write(t, filepath.Join(kube, "manifests", "kube-apiserver.yaml"), apiServerManifest)
	write(t, filepath.Join(kube, "manifests", "kube-controller-manager.yaml"), "apiVersion: v1\nkind: Pod\n")
	write(t, filepath.Join(kube, "manifests", "kube-scheduler.yaml"), "apiVersion: v1\nkind: Pod\n")
	write(t, filepath.Join(data, "member", "snap", "db"), "db")
	n.running = n.read("etcd.yaml")
	self := etcd.Member{ID: 1, Name: "cp1", PeerURLs: []string{"https://10.0.0.1:2380"}, ClientURLs: []string{"https://10.0.0.1:2379"}}
	n.before = []etcd.MemberStatus{
		{Member: self, Err: errors.New("no leader")},
		{Member: etcd.Member{ID: 2, Name: "cp2", PeerURLs: []string{"https://10.0.0.2:2380"}}, Err: errors.New("does not answer")},
		{Member: etcd.Member{ID: 3, Name: "cp3", PeerURLs: []string{"https://10.0.0.3:2380"}}, Err: errors.New("does not answer")},
	}
	old := metav1.NewMicroTime(time.Now().Add(-time.Hour))
	alive := metav1.NewMicroTime(time.Now().Add(time.Hour))
	n.client = fake.NewClientset(
		&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "cp1"}}, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "cp2"}}, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "cp3"}},
		&coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: "cp2", Namespace: "kube-node-lease"}, Spec: coordinationv1.LeaseSpec{RenewTime: &old}},
		&coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: "cp3", Namespace: "kube-node-lease"}, Spec: coordinationv1.LeaseSpec{RenewTime: &alive}})
	return n
}

func write(t *testing.T, p, s string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
}

func (n *fakeNode) read(name string) string {
	b, _ := os.ReadFile(filepath.Join(n.kube, "manifests", name))
	return string(b)
}

// etcdRuns is the fake kubelet: it reports whether etcd runs, and notices
// a changed manifest by stopping the old Pod first.
func (n *fakeNode) etcdRuns() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	m := n.read("etcd.yaml")
	if m == "" {
		n.running = ""
		return false
	}
	if m != n.running {
		if n.running != "" {
			n.running = "" // the old Pod stops
			return false
		}
		n.running = m
		n.etcdWrites = append(n.etcdWrites, m)
	}
	return true
}

func (n *fakeNode) deps() Deps {
	return Deps{
		Machine: nodeenv.Machine{KubernetesDir: n.kube},
		Etcd:    func([]string, string) (EtcdClient, error) { return &fakeEtcd{n}, nil },
		NewClient: func(kubeconfig, server string) (clientset.Interface, error) {
			if server != "https://10.0.0.1:6443" {
				n.t.Errorf("the API server is asked at %s", server)
			}
			return n.client, nil
		},
		APIReady: func(context.Context, clientset.Interface) error {
			if n.read("kube-apiserver.yaml") == "" {
				return errors.New("connection refused")
			}
			n.ready = true
			return nil
		},
		Listening: func(addr string) bool {
			switch addr {
			case "10.0.0.1:2379":
				return n.etcdRuns()
			case "10.0.0.1:6443":
				return n.read("kube-apiserver.yaml") != ""
			}
			n.t.Errorf("probe of %s", addr)
			return false
		},
		Unlocked:  func(string) bool { return n.read("etcd.yaml") == "" },
		Interval:  time.Millisecond,
		LeaseWait: 20 * time.Millisecond,
	}
}

type fakeEtcd struct{ n *fakeNode }

func (f *fakeEtcd) Statuses(context.Context) ([]etcd.MemberStatus, error) {
	n := f.n
	if !n.etcdRuns() {
		return nil, errors.New("connection refused")
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if len(n.etcdWrites) == 0 { // the manifest from before the restore
		return n.before, nil
	}
	if !n.healthy {
		return []etcd.MemberStatus{{Member: n.before[0].Member, Err: errors.New("no leader")}}, nil
	}
	self := n.before[0]
	self.Err, self.Leader = nil, true
	return []etcd.MemberStatus{self}, nil
}

func (f *fakeEtcd) Healthy(context.Context) error {
	if f.n.quorum {
		return nil
	}
	return etcd.ErrUnhealthy
}

func (f *fakeEtcd) Close() error { return nil }

func run(n *fakeNode, o Options) (string, error) {
	var out bytes.Buffer
	o.Out, o.Deps, o.Timeout = &progress.Human{W: &out}, n.deps(), 2*time.Second
	err := Run(context.Background(), o)
	return out.String(), err
}

// TestSurvivorBecomesAClusterOfOne restores the last control plane left of
// three from its own data: etcd first runs with --force-new-cluster, then
// without it, as the only member; the control plane comes back; the Node
// of the dead control plane is removed, that of the live one is kept.
func TestSurvivorBecomesAClusterOfOne(t *testing.T) {
	n := newFakeNode(t)
	out, err := run(n, Options{})
	if err != nil {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	if len(n.etcdWrites) != 2 || !strings.Contains(n.etcdWrites[0], "--force-new-cluster=true") || strings.Contains(n.etcdWrites[1], "force-new-cluster") {
		t.Fatalf("etcd ran %d manifests, want one with --force-new-cluster then one without:\n%s", len(n.etcdWrites), strings.Join(n.etcdWrites, "---\n"))
	}
	final := n.read("etcd.yaml")
	if !strings.Contains(final, "--initial-cluster=cp1=https://10.0.0.1:2380\n") || !strings.Contains(final, "--initial-cluster-state=new") || strings.Contains(final, "cp2=") {
		t.Errorf("the etcd manifest is not that of a cluster of one:\n%s", final)
	}
	for _, m := range []string{"kube-apiserver.yaml", "kube-controller-manager.yaml", "kube-scheduler.yaml"} {
		if n.read(m) == "" {
			t.Errorf("%s is not back", m)
		}
	}
	if !n.ready {
		t.Error("the restore did not wait for the API server")
	}
	ctx := context.Background()
	if _, err := n.client.CoreV1().Nodes().Get(ctx, "cp2", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("Node cp2 (no Lease renewed): %v, want deleted", err)
	}
	for _, keep := range []string{"cp1", "cp3"} {
		if _, err := n.client.CoreV1().Nodes().Get(ctx, keep, metav1.GetOptions{}); err != nil {
			t.Errorf("Node %s: %v, want kept", keep, err)
		}
	}
	for _, want := range []string{"no write it had was lost", "dropped etcd members: cp2, cp3", "node cp3's kubelet is alive", "kubeadm init phase upload-certs"} {
		if !strings.Contains(out, want) {
			t.Errorf("the output does not say %q:\n%s", want, out)
		}
	}
}

// TestRefusalsChangeNothing: a healthy member of a cluster with quorum,
// and a node without a local etcd member, are refused in one error before
// any phase runs and anything moves.
func TestRefusalsChangeNothing(t *testing.T) {
	for name, tc := range map[string]struct {
		prepare func(n *fakeNode)
		want    string
	}{
		"healthy with quorum": {func(n *fakeNode) {
			n.quorum = true
			n.before[0].Err, n.before[1].Err, n.before[2].Err = nil, nil, nil
		}, "healthy in a cluster with quorum (3 of 3 voters healthy)"},
		"no local member": {func(n *fakeNode) { os.Remove(filepath.Join(n.kube, "manifests", "etcd.yaml")) }, "runs no local etcd member"},
		"no data to keep": {func(n *fakeNode) { os.RemoveAll(filepath.Join(n.data, "member")) }, "pass --from"},
		"missing backup":  {func(n *fakeNode) {}, "--from /nonexistent"},
	} {
		t.Run(name, func(t *testing.T) {
			n := newFakeNode(t)
			tc.prepare(n)
			before := listTree(t, n.kube)
			o := Options{}
			if name == "missing backup" {
				o.From = "/nonexistent"
			}
			out, err := run(n, o)
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("err %v, want one line with %q", err, tc.want)
			}
			if out != "" {
				t.Errorf("a refusal printed:\n%s", out)
			}
			if after := listTree(t, n.kube); after != before {
				t.Errorf("a refusal changed the node:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
}

// TestFailedStartPutsTheControlPlaneBack: etcd never serves alone, so the
// restore fails, and the manifests it took away are back in place.
func TestFailedStartPutsTheControlPlaneBack(t *testing.T) {
	n := newFakeNode(t)
	n.healthy = false
	var out bytes.Buffer
	o := Options{Out: &progress.Human{W: &out}, Deps: n.deps(), Timeout: 50 * time.Millisecond}
	err := Run(context.Background(), o)
	if err == nil || !strings.Contains(err.Error(), "manifests are back in place") {
		t.Fatalf("err %v", err)
	}
	for _, m := range []string{"kube-apiserver.yaml", "kube-controller-manager.yaml", "kube-scheduler.yaml", "etcd.yaml"} {
		if n.read(m) == "" {
			t.Errorf("%s is not back", m)
		}
	}
}

func listTree(t *testing.T, root string) string {
	t.Helper()
	var b strings.Builder
	filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err == nil {
			b.WriteString(strings.TrimPrefix(p, root) + " ")
		}
		return nil
	})
	return b.String()
}

// TestRestoreFromAnUpgradeSnapshot restores the bare snapshot.db an
// upgrade keeps: the member's data is replaced by it (the old data kept),
// etcd starts as a cluster of one without --force-new-cluster.
func TestRestoreFromAnUpgradeSnapshot(t *testing.T) {
	m := etcdtest.StartSingle(t, "cp1")
	c, err := etcd.New([]string{m.ClientURL}, nil, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var snap bytes.Buffer
	if err := c.Snapshot(t.Context(), &snap); err != nil {
		t.Fatal(err)
	}
	n := newFakeNode(t)
	from := filepath.Join(n.kube, "tmp", "kubeadm-backup-etcd-2026-12-01", "snapshot.db")
	write(t, from, snap.String())
	out, err := run(n, Options{From: from})
	if err != nil {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(n.data, "member", "wal")); err != nil {
		t.Errorf("no restored member data: %v", err)
	}
	if len(n.etcdWrites) != 1 || strings.Contains(n.etcdWrites[0], "force-new-cluster") {
		t.Errorf("etcd ran %d manifests; want one, without --force-new-cluster", len(n.etcdWrites))
	}
	if !strings.Contains(out, "every write after that is lost") || !strings.Contains(out, "the data the member had before is kept in") {
		t.Errorf("the output does not say what was restored and kept:\n%s", out)
	}
}
