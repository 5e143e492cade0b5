package joinflow

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientset "k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/rest"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	kubeletv1beta1 "k8s.io/kubelet/config/v1beta1"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/atomicfile"
	"github.com/kubeadm-cleanroom/kubeadm/app/config"
	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/etcd"
	"github.com/kubeadm-cleanroom/kubeadm/app/etcd/etcdfake"
	"github.com/kubeadm-cleanroom/kubeadm/app/nodeenv"
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/certs"
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/kubeletstart"
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/uploadcerts"
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/uploadconfig"
	"github.com/kubeadm-cleanroom/kubeadm/app/progress"
)

// The fake cluster a node joins: cp1 at 10.200.0.11 behind the endpoint
// 10.200.0.1:6443, with one etcd voter.
const (
	endpoint  = "10.200.0.1:6443"
	cp1Peer   = "https://10.200.0.11:2380"
	cp1Client = "https://10.200.0.11:2379"
	cp2Addr   = "10.200.0.12"
	cp2Peer   = "https://10.200.0.12:2380"
)

// fakeNode is a node and the cluster it joins, all in memory and a
// temporary directory: the API (a fake clientset), etcd (etcdfake), a
// kubelet that bootstraps when (re)started, and a container runtime that
// runs the static Pods whose manifests are there. Nothing dials a socket,
// starts a process or writes outside the directory.
type fakeNode struct {
	t      *testing.T
	dir    string
	api    *fake.Clientset
	etcd   *etcdfake.Fake
	rt     *fakeRuntime
	caData []byte
	// unhealthy makes the control-plane components' health endpoints
	// answer 500 (a component that does not start).
	unhealthy atomic.Bool
	// killAtMemberStart kills the join once, when its etcd learner has
	// been added and its manifest written.
	killAtMemberStart atomic.Bool
}

func (n *fakeNode) kubeDir() string { return filepath.Join(n.dir, "kubernetes") }

// newFakeNode makes the cluster (its CA, configuration, cp1's etcd Pod
// and member) and an empty node that holds the shared certificates, as
// copied from cp1, when controlPlane.
func newFakeNode(t *testing.T, controlPlane bool) *fakeNode {
	t.Helper()
	dir := t.TempDir()
	shared := sharedCerts(t)
	ca := shared["ca.crt"]
	if controlPlane {
		for f, b := range shared {
			if err := atomicfile.Write(filepath.Join(dir, "kubernetes", "pki", f), b, 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	cluster := &kubeadm.ClusterConfiguration{ControlPlaneEndpoint: endpoint, KubernetesVersion: "v1.37.1",
		CertificatesDir: filepath.Join(dir, "kubernetes", "pki"), Etcd: kubeadm.Etcd{Local: &kubeadm.LocalEtcd{DataDir: filepath.Join(dir, "etcd")}}}
	kubeadm.SetClusterDefaults(cluster)
	kubeadmCM, err := uploadconfig.ConfigMap(cluster)
	if err != nil {
		t.Fatal(err)
	}
	kubeletCM, err := kubeletstart.KubeletConfigMap(&kubeletv1beta1.KubeletConfiguration{}, false)
	if err != nil {
		t.Fatal(err)
	}
	etcdPod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "etcd-cp1", Namespace: constants.KubeSystemNamespace,
		Labels: map[string]string{"component": "etcd", "tier": "control-plane"}, Annotations: map[string]string{constants.AnnotationEtcdClientURL: cp1Client}}}
	return &fakeNode{t: t, dir: dir, api: fake.NewSimpleClientset(kubeadmCM, kubeletCM, etcdPod),
		etcd: etcdfake.New(etcdfake.Voter("cp1", cp1Peer, cp1Client)), rt: &fakeRuntime{}, caData: ca}
}

var (
	sharedOnce  sync.Once
	sharedFiles map[string][]byte
	sharedErr   error
)

// sharedCerts are cp1's certificates that control planes share (made
// once: key generation is most of a join's time here).
func sharedCerts(t *testing.T) map[string][]byte {
	sharedOnce.Do(func() {
		dir, err := os.MkdirTemp("", "joinflow-pki")
		if err != nil {
			sharedErr = err
			return
		}
		defer os.RemoveAll(dir)
		first := &kubeadm.ClusterConfiguration{CertificatesDir: dir}
		kubeadm.SetClusterDefaults(first)
		if _, sharedErr = certs.Run(certs.Inputs{Cluster: first, NodeName: "cp1", AdvertiseAddress: "10.200.0.11"}); sharedErr != nil {
			return
		}
		sharedFiles = map[string][]byte{}
		for _, f := range uploadcerts.Files(true) {
			if sharedFiles[f], sharedErr = os.ReadFile(filepath.Join(dir, f)); sharedErr != nil {
				return
			}
		}
	})
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return sharedFiles
}

// joinConfig is the join of cp2 (a control plane) or w1.
func (n *fakeNode) joinConfig(controlPlane bool) *config.Join {
	j := &kubeadm.JoinConfiguration{NodeRegistration: kubeadm.NodeRegistrationOptions{Name: "w1", CRISocket: "unix://" + filepath.Join(n.dir, "cri.sock")},
		CACertPath: filepath.Join(n.kubeDir(), "pki", "ca.crt"),
		Discovery: kubeadm.Discovery{TLSBootstrapToken: "abcdef.0123456789abcdef",
			BootstrapToken: &kubeadm.BootstrapTokenDiscovery{APIServerEndpoint: endpoint, Token: "abcdef.0123456789abcdef", UnsafeSkipCAVerification: true}}}
	if controlPlane {
		j.NodeRegistration.Name = "cp2"
		j.ControlPlane = &kubeadm.JoinControlPlane{LocalAPIEndpoint: kubeadm.APIEndpoint{AdvertiseAddress: cp2Addr, BindPort: 6443}}
	}
	kubeadm.SetJoinDefaults(j)
	j.Timeouts.ControlPlaneComponentHealthCheck = &metav1.Duration{Duration: time.Second}
	j.Timeouts.KubeletHealthCheck = &metav1.Duration{Duration: time.Second}
	j.Timeouts.TLSBootstrap = &metav1.Duration{Duration: 2 * time.Second}
	return &config.Join{Join: j}
}

// deps are the node's fakes.
func (n *fakeNode) deps() Deps {
	return Deps{
		Machine: nodeenv.Machine{Host: fakeJoinHost{}, InitSystem: fakeKubelet{n}, KubernetesDir: n.kubeDir(), KubeletDir: filepath.Join(n.dir, "kubelet")},
		Discover: func(context.Context, kubeadm.Discovery, time.Duration) (*clientcmdapi.Config, error) {
			cfg := clientcmdapi.NewConfig()
			cfg.Clusters["cluster"] = &clientcmdapi.Cluster{Server: "https://" + endpoint, CertificateAuthorityData: n.caData}
			cfg.Contexts["ctx"] = &clientcmdapi.Context{Cluster: "cluster"}
			cfg.CurrentContext = "ctx"
			return cfg, nil
		},
		NewClient: func(*rest.Config) (clientset.Interface, error) { return n.api, nil },
		Etcd: func(context.Context, []string, string) (EtcdClient, error) {
			return nodeEtcd{Fake: n.etcd, manifest: filepath.Join(n.kubeDir(), "manifests", "etcd.yaml"), kill: &n.killAtMemberStart}, nil
		},
		Runtime:        n.rt.dial,
		RuntimeAnswers: func(string) bool { return true },
		HTTPGet: func(_ context.Context, url string) (int, error) {
			if n.unhealthy.Load() && !strings.Contains(url, ":10248") {
				return http.StatusInternalServerError, nil
			}
			return http.StatusOK, nil
		},
	}
}

// fakeJoinHost is a machine that passes every preflight check.
type fakeJoinHost struct{}

func (fakeJoinHost) UID(context.Context) int                { return 0 }
func (fakeJoinHost) NumCPU(context.Context) int             { return 2 }
func (fakeJoinHost) MemoryMiB(context.Context) (int, error) { return 4096, nil }
func (fakeJoinHost) ReadFile(_ context.Context, p string) ([]byte, error) {
	if p == "/proc/sys/net/ipv4/ip_forward" {
		return []byte("1\n"), nil
	}
	return nil, os.ErrNotExist
}
func (fakeJoinHost) ReadDir(_ context.Context, p string) ([]os.DirEntry, error) { return os.ReadDir(p) }
func (fakeJoinHost) Stat(_ context.Context, p string) (os.FileInfo, error)      { return os.Stat(p) }
func (fakeJoinHost) LookPath(_ context.Context, name string) (string, error) {
	return "/usr/sbin/" + name, nil
}
func (fakeJoinHost) PortFree(context.Context, int) bool { return true }
func (fakeJoinHost) CgroupV2(context.Context) bool      { return true }

// fakeKubelet is the init system and the kubelet it starts: started with
// bootstrap-kubelet.conf, it finishes its TLS bootstrap (kubelet.conf) and
// registers its Node.
type fakeKubelet struct{ n *fakeNode }

func (fakeKubelet) Present(context.Context) bool               { return true }
func (fakeKubelet) StopKubelet(context.Context) error          { return nil }
func (fakeKubelet) ServiceActive(context.Context, string) bool { return false }
func (k fakeKubelet) RestartKubelet(ctx context.Context) error {
	boot, err := os.ReadFile(filepath.Join(k.n.kubeDir(), constants.KubeletBootstrapKubeConfig))
	if err != nil {
		return nil // a kubelet without credentials does not bootstrap
	}
	if err := atomicfile.Write(filepath.Join(k.n.kubeDir(), constants.KubeletKubeConfig), boot, 0o600); err != nil {
		return err
	}
	name := "w1"
	if _, err := os.Stat(filepath.Join(k.n.kubeDir(), constants.AdminKubeConfig)); err == nil {
		name = "cp2"
	}
	_, err = k.n.api.CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	return err
}

// nodeEtcd is the cluster's etcd as this node reaches it: the member of
// this node starts once its manifest is written.
type nodeEtcd struct {
	*etcdfake.Fake
	manifest string
	kill     *atomic.Bool
}

func (e nodeEtcd) WaitStarted(ctx context.Context, peerURL string) error {
	if e.kill.CompareAndSwap(true, false) {
		panic(killed{after: "the etcd learner was added"})
	}
	if _, err := os.Stat(e.manifest); err == nil {
		e.StartMember(peerURL, "cp2", "https://"+cp2Addr+":2379")
	}
	return e.Fake.WaitStarted(ctx, peerURL)
}

func (nodeEtcd) Close() error { return nil }

// killed is the panic a killReporter raises to stop a join the way
// SIGKILL does: at once, undoing nothing.
type killed struct{ after string }

// killReporter stops the join at the end of phase after.
type killReporter struct {
	progress.Human
	after string
}

func (r *killReporter) PhaseEnd(p string, d time.Duration, err error) {
	r.Human.PhaseEnd(p, d, err)
	if p == r.after && err == nil {
		panic(killed{after: p})
	}
}

// run runs the join of n with out, and reports whether it was killed.
func (n *fakeNode) run(controlPlane bool, out progress.Reporter) (wasKilled bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(killed); !ok {
				panic(r)
			}
			wasKilled = true
		}
	}()
	_, err = Run(context.Background(), Options{Config: n.joinConfig(controlPlane), Out: out, Deps: n.deps()})
	return false, err
}

// checkJoined checks a converged join: the state says complete, the
// kubelet bootstrapped, the Node is there (labelled on a control plane),
// and a control plane runs its four components with its etcd member a
// voter beside cp1.
func (n *fakeNode) checkJoined(controlPlane bool) {
	t := n.t
	t.Helper()
	name := "w1"
	if controlPlane {
		name = "cp2"
	}
	if b, err := os.ReadFile(filepath.Join(n.kubeDir(), "tmp", constants.JoinStateFile)); err != nil || string(b) != "complete "+name+"\n" {
		t.Errorf("state file: %q, %v", b, err)
	}
	for _, f := range []string{constants.KubeletKubeConfig, "pki/ca.crt"} {
		if _, err := os.Stat(filepath.Join(n.kubeDir(), f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	for _, f := range []string{constants.KubeletBootstrapKubeConfig, "tmp/" + constants.JoinInventoryFile} {
		if _, err := os.Stat(filepath.Join(n.kubeDir(), f)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s is still there: %v", f, err)
		}
	}
	node, err := n.api.CoreV1().Nodes().Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("Node %s: %v", name, err)
	}
	members, _ := n.etcd.Members(context.Background())
	if !controlPlane {
		if len(members) != 1 {
			t.Errorf("a worker join changed etcd: %v", members)
		}
		return
	}
	if _, ok := node.Labels[constants.LabelNodeRoleControlPlane]; !ok {
		t.Errorf("Node %s has no control-plane label: %v", name, node.Labels)
	}
	for _, c := range []string{constants.Etcd, constants.KubeAPIServer, constants.KubeControllerManager, constants.KubeScheduler} {
		if _, err := os.Stat(filepath.Join(n.kubeDir(), "manifests", c+".yaml")); err != nil {
			t.Errorf("manifest of %s: %v", c, err)
		}
	}
	if voters := voterURLs(members); !slices.Equal(voters, []string{cp1Peer, cp2Peer}) || len(members) != 2 {
		t.Errorf("etcd members %v, want cp1 and cp2 as voters", members)
	}
}

func voterURLs(members []etcd.Member) []string {
	var urls []string
	for _, m := range members {
		if !m.IsLearner {
			urls = append(urls, m.PeerURLs...)
		}
	}
	slices.Sort(urls)
	return urls
}

// joinPhases are the leaf phases a join of that kind runs, in order.
func joinPhases(controlPlane bool) []string {
	var run []string
	d := &Data{cfg: (&fakeNode{}).joinConfig(controlPlane), cluster: &kubeadm.ClusterConfiguration{Etcd: kubeadm.Etcd{Local: &kubeadm.LocalEtcd{}}}}
	var walk func(prefix string, ps []Phase)
	walk = func(prefix string, ps []Phase) {
		for _, p := range ps {
			if p.Skip != nil && p.Skip(d) != "" {
				continue
			}
			if len(p.Children) == 0 { // a parent's end is its last child's
				run = append(run, prefix+p.Name)
			}
			walk(prefix+p.Name+"/", p.Children)
		}
	}
	walk("", Phases())
	return run
}

// TestJoinKilledAtEachPhaseConverges kills a worker join and a
// control-plane join at the end of each of their phases, the way SIGKILL
// does (nothing is undone), then runs the same join again: it continues
// and converges, and etcd keeps its voter throughout (a killed join leaves
// at most its own learner, which does not count for quorum).
func TestJoinKilledAtEachPhaseConverges(t *testing.T) {
	for _, controlPlane := range []bool{false, true} {
		for _, after := range joinPhases(controlPlane) {
			t.Run(fmt.Sprintf("controlPlane=%v/after=%s", controlPlane, after), func(t *testing.T) {
				n := newFakeNode(t, controlPlane)
				wasKilled, err := n.run(controlPlane, &killReporter{Human: progress.Human{W: io.Discard}, after: after})
				if !wasKilled {
					t.Fatalf("the join was not killed after %s: %v", after, err)
				}
				members, _ := n.etcd.Members(context.Background())
				if v := voterURLs(members); !slices.Contains(v, cp1Peer) || len(members)-len(v) > 1 {
					t.Errorf("after the kill etcd has %v", members)
				}
				if _, err := n.run(controlPlane, &progress.Human{W: io.Discard}); err != nil {
					t.Fatalf("the join run again after a kill after %s: %v", after, err)
				}
				n.checkJoined(controlPlane)
				if _, err := n.run(controlPlane, &progress.Human{W: io.Discard}); err == nil || !strings.Contains(err.Error(), "already joined") {
					t.Errorf("a third run: %v", err)
				}
			})
		}
	}
}

// TestJoinKilledWithItsLearnerConverges kills a control-plane join inside
// etcd-join, once its learner is added and its etcd manifest written: the
// learner stays (it does not vote), and the join run again reuses it,
// promotes it and converges. (The panic that stands for the kill lets the
// phase's deferred Lease release run; a real kill leaves the Lease to
// expire, which the bench's TestFaultMatrixLeaseHolderStops covers.)
func TestJoinKilledWithItsLearnerConverges(t *testing.T) {
	n := newFakeNode(t, true)
	n.killAtMemberStart.Store(true)
	if wasKilled, err := n.run(true, &progress.Human{W: io.Discard}); !wasKilled {
		t.Fatalf("the join was not killed: %v", err)
	}
	m, ok := n.etcd.Member(cp2Peer)
	if !ok || !m.IsLearner {
		t.Fatalf("after the kill cp2's member is %v (present %v), want a learner", m, ok)
	}
	if _, err := n.run(true, &progress.Human{W: io.Discard}); err != nil {
		t.Fatalf("the join run again: %v", err)
	}
	n.checkJoined(true)
	if m2, _ := n.etcd.Member(cp2Peer); m2.ID != m.ID {
		t.Errorf("the re-run added member %x, not the learner %x", m2.ID, m.ID)
	}
}

// TestFailedControlPlaneJoinUndoesItself fails a control-plane join after
// its etcd member was promoted (its components never become healthy): it
// removes its member, its Node and the files it wrote (the shared
// certificates there before stay), says so in one line, and the same join
// run again once the cause is gone converges.
func TestFailedControlPlaneJoinUndoesItself(t *testing.T) {
	n := newFakeNode(t, true)
	n.unhealthy.Store(true)
	before := listFiles(t, n.dir)
	_, err := n.run(true, &progress.Human{W: io.Discard})
	if err == nil || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "removed its etcd member, its Node object and the") ||
		!strings.Contains(err.Error(), "fix the cause and run the same join again") {
		t.Fatalf("the failed join: %v", err)
	}
	if members, _ := n.etcd.Members(context.Background()); len(members) != 1 || members[0].PeerURLs[0] != cp1Peer {
		t.Errorf("etcd after the rollback: %v", members)
	}
	if _, err := n.api.CoreV1().Nodes().Get(context.Background(), "cp2", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("Node cp2 after the rollback: %v", err)
	}
	if after := listFiles(t, n.dir); !slices.Equal(after, before) {
		t.Errorf("files after the rollback:\n%s\nbefore the join:\n%s", strings.Join(after, "\n"), strings.Join(before, "\n"))
	}
	n.unhealthy.Store(false)
	if _, err := n.run(true, &progress.Human{W: io.Discard}); err != nil {
		t.Fatalf("the join run again: %v", err)
	}
	n.checkJoined(true)
}

// listFiles lists the regular files under dir, but the etcd data
// directory's.
func listFiles(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !e.IsDir() {
			files = append(files, strings.TrimPrefix(p, dir))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}
