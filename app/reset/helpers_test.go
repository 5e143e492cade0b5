package reset

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/cri"
	"github.com/kubeadm-cleanroom/kubeadm/app/etcd"
	"github.com/kubeadm-cleanroom/kubeadm/app/etcd/etcdfake"
	"github.com/kubeadm-cleanroom/kubeadm/app/nodeenv"
	"github.com/kubeadm-cleanroom/kubeadm/app/progress"
	"github.com/kubeadm-cleanroom/kubeadm/manifests"
)

const (
	selfIP    = "10.0.0.1"
	selfPeer  = "https://10.0.0.1:2380"
	selfCli   = "https://10.0.0.1:2379"
	loopCli   = "https://127.0.0.1:2379"
	otherCli2 = "https://10.0.0.2:2379"
	otherCli3 = "https://10.0.0.3:2379"
)

// fakeInit is an init system that records the kubelet's stops.
type fakeInit struct {
	present bool
	stopErr error
	stops   int
}

func (f *fakeInit) Present(context.Context) bool               { return f.present }
func (f *fakeInit) RestartKubelet(context.Context) error       { return nil }
func (f *fakeInit) StopKubelet(context.Context) error          { f.stops++; return f.stopErr }
func (f *fakeInit) ServiceActive(context.Context, string) bool { return false }

// fakeRuntime is a container runtime with sandboxes.
type fakeRuntime struct {
	mu        sync.Mutex
	sandboxes []cri.Sandbox
	failStop  map[string]int // sandbox ID -> failures left
	calls     []string
	closed    bool
}

func (f *fakeRuntime) ListPodSandboxes(context.Context) ([]cri.Sandbox, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.sandboxes), nil
}

func (f *fakeRuntime) StopPodSandbox(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "stop "+id)
	if f.failStop[id] > 0 {
		f.failStop[id]--
		return errors.New("sandbox busy")
	}
	return nil
}

func (f *fakeRuntime) RemovePodSandbox(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "remove "+id)
	f.sandboxes = slices.DeleteFunc(f.sandboxes, func(s cri.Sandbox) bool { return s.ID == id })
	return nil
}

func (f *fakeRuntime) Close() error { f.closed = true; return nil }

// fakeMounts is a mount table.
type fakeMounts struct {
	points  []string
	failOn  string
	unmount []string
}

func (f *fakeMounts) MountPoints() ([]string, error) { return slices.Clone(f.points), nil }

func (f *fakeMounts) Unmount(p string, _ []string) error {
	if p == f.failOn {
		return errors.New("device or resource busy")
	}
	if !slices.Contains(f.points, p) {
		return ErrNotMounted
	}
	f.unmount = append(f.unmount, p)
	f.points = slices.DeleteFunc(f.points, func(s string) bool { return s == p })
	return nil
}

// etcdConn is what one connection of the fake etcd sees.
type etcdConn struct {
	*etcdfake.Fake
	fail error
}

func (c etcdConn) Members(ctx context.Context) ([]etcd.Member, error) {
	if c.fail != nil {
		return nil, c.fail
	}
	return c.Fake.Members(ctx)
}

// node is a control-plane node in a temporary directory.
type node struct {
	root, kube, kubelet, pki, etcdData string
	init                               *fakeInit
	runtime                            *fakeRuntime
	mounts                             *fakeMounts
	etcd                               *etcdfake.Fake
	dials                              [][]string // endpoints of each etcd connection
	unreachable                        map[string]bool
	apiEndpoints                       []string
	answers                            []string // confirmation answers, in order
	asked                              int
	kubeletUp                          int // healthz probes that still answer
	out                                bytes.Buffer
	cfg                                *kubeadm.ResetConfiguration
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// newNode makes a node whose etcd member is one of three voters.
func newNode(t *testing.T) *node {
	t.Helper()
	root := t.TempDir()
	n := &node{root: root, kube: filepath.Join(root, "etc-kubernetes"), kubelet: filepath.Join(root, "var-lib-kubelet"),
		etcdData: filepath.Join(root, "var-lib-etcd"), init: &fakeInit{present: true}, unreachable: map[string]bool{}}
	n.pki = filepath.Join(n.kube, "pki")
	cluster := &kubeadm.ClusterConfiguration{KubernetesVersion: "v1.37.1", CertificatesDir: n.pki}
	kubeadm.SetClusterDefaults(cluster)
	cluster.Etcd.Local.DataDir = n.etcdData
	pod, err := manifests.Etcd(cluster, manifests.EtcdNode{Name: "node1", AdvertiseAddress: selfIP})
	if err != nil {
		t.Fatal(err)
	}
	b, err := manifests.Marshal(pod)
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(n.kube, "manifests", "etcd.yaml"), string(b))
	for _, f := range []string{"manifests/kube-apiserver.yaml", "pki/ca.crt", "pki/etcd/ca.crt", "admin.conf", "super-admin.conf",
		"kubelet.conf", "controller-manager.conf", "scheduler.conf", "tmp/kubeadm-init.state", "tmp/kubeadm-backup-etcd/x"} {
		write(t, filepath.Join(n.kube, f), "x")
	}
	write(t, filepath.Join(n.kubelet, "config.yaml"), "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n")
	write(t, filepath.Join(n.kubelet, "pods", "uid1", "volumes", "v", "token"), "x")
	write(t, filepath.Join(n.etcdData, "member", "snap", "db"), "x")
	write(t, filepath.Join(n.kube, "unrelated.txt"), "kept")
	n.runtime = &fakeRuntime{sandboxes: []cri.Sandbox{
		{ID: "sb-etcd", Name: "etcd-node1", Namespace: "kube-system", Labels: map[string]string{cri.LabelPodUID: "u1"}},
		{ID: "sb-proxy", Name: "kube-proxy-x", Namespace: "kube-system", Labels: map[string]string{cri.LabelPodUID: "u2"}},
		{ID: "sb-other", Name: "manual", Namespace: "default"},
	}}
	n.mounts = &fakeMounts{points: []string{"/proc", n.kubelet, filepath.Join(n.kubelet, "pods/uid1/volumes/v"),
		filepath.Join(n.kubelet, "pods/uid1/volumes/v/sub"), n.kubelet + "-other/x"}}
	n.etcd = etcdfake.New(etcdfake.Voter("node1", selfPeer, selfCli), etcdfake.Voter("node2", "https://10.0.0.2:2380", otherCli2),
		etcdfake.Voter("node3", "https://10.0.0.3:2380", otherCli3))
	n.cfg = &kubeadm.ResetConfiguration{CRISocket: "unix:///run/containerd/containerd.sock", CertificatesDir: n.pki, Force: true}
	kubeadm.SetResetDefaults(n.cfg)
	return n
}

func (n *node) options() Options {
	return Options{Config: n.cfg, Out: &progress.Human{W: &n.out}, Deps: Deps{
		Machine:     nodeenv.Machine{InitSystem: n.init, Host: rootHost{}, KubernetesDir: n.kube, KubeletDir: n.kubelet},
		EtcdDataDir: filepath.Join(n.root, "default-etcd"),
		Confirm: func(string) (bool, error) {
			n.asked++
			if len(n.answers) == 0 {
				return false, nil
			}
			a := n.answers[0]
			n.answers = n.answers[1:]
			return a == "y", nil
		},
		Runtime: func(context.Context, string) (Runtime, error) { return n.runtime, nil },
		Etcd: func(_ context.Context, eps []string, pki string) (EtcdClient, error) {
			if pki != n.pki {
				return nil, errors.New("wrong certificates directory " + pki)
			}
			n.dials = append(n.dials, eps)
			if n.unreachable[eps[0]] {
				return etcdConn{Fake: n.etcd, fail: errors.New("context deadline exceeded")}, nil
			}
			return etcdConn{Fake: n.etcd}, nil
		},
		EtcdEndpoints: func(context.Context) ([]string, error) {
			if n.apiEndpoints == nil {
				return nil, errors.New("connection refused")
			}
			return n.apiEndpoints, nil
		},
		Mounts: n.mounts,
		KubeletAnswers: func(context.Context, string) bool {
			if n.kubeletUp > 0 {
				n.kubeletUp--
				return true
			}
			return false
		},
		KubeletStopWait: 2 * time.Second,
	}}
}

func (n *node) run(t *testing.T) error {
	t.Helper()
	return Run(context.Background(), n.options())
}

// entries lists what is left under dir, relative, sorted.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, _ os.DirEntry, err error) error { //nolint:errcheck // missing dirs list nothing
		if err == nil && p != dir {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	return out
}

func (n *node) saw(t *testing.T, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(n.out.String(), w) {
			t.Errorf("output lacks %q:\n%s", w, n.out.String())
		}
	}
}

// rootHost runs as root.
type rootHost struct{ uid int }

func (h rootHost) UID(context.Context) int                              { return h.uid }
func (rootHost) NumCPU(context.Context) int                             { return 2 }
func (rootHost) MemoryMiB(context.Context) (int, error)                 { return 4096, nil }
func (rootHost) ReadFile(context.Context, string) ([]byte, error)       { return nil, os.ErrNotExist }
func (rootHost) ReadDir(context.Context, string) ([]os.DirEntry, error) { return nil, os.ErrNotExist }
func (rootHost) Stat(context.Context, string) (os.FileInfo, error)      { return nil, os.ErrNotExist }
func (rootHost) LookPath(context.Context, string) (string, error)       { return "", os.ErrNotExist }
func (rootHost) PortFree(context.Context, int) bool                     { return true }
func (rootHost) CgroupV2(context.Context) bool                          { return true }
