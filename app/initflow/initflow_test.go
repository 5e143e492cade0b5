package initflow

import (
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cluster-bootstrap/token/jws"
	kubeletv1beta1 "k8s.io/kubelet/config/v1beta1"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/config"
	"github.com/kubeadm-cleanroom/kubeadm/app/nodeenv"
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/preflight"
	"github.com/kubeadm-cleanroom/kubeadm/app/progress"
)

type fakeHost struct{}

func (fakeHost) Hostname() (string, error)           { return "cp1", nil }
func (fakeHost) DefaultRouteIP(bool) (net.IP, error) { return net.ParseIP("10.200.0.11"), nil }
func (fakeHost) DetectCRISocket() (string, error) {
	return "unix:///var/run/containerd/containerd.sock", nil
}

type recorder struct {
	progress.Human
	ended []string
}

func (r *recorder) PhaseEnd(p string, d time.Duration, err error) {
	r.ended = append(r.ended, p)
	r.Human.PhaseEnd(p, d, err)
}

func testConfig(t *testing.T) *config.Init {
	t.Helper()
	cfg := config.NewInit()
	tok, _ := kubeadm.ParseBootstrapToken("abcdef.0123456789abcdef")
	cfg.Init.BootstrapTokens = []kubeadm.BootstrapToken{{Token: tok}}
	cfg.Cluster.CertificatesDir = filepath.Join(t.TempDir(), "pki")
	if err := cfg.Default(fakeHost{}); err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestDryRunWritesOnlyToTheDryRunDirectory runs every phase of init in
// dry-run against a fake API and checks what it produced.
func TestDryRunWritesOnlyToTheDryRunDirectory(t *testing.T) {
	cfg := testConfig(t)
	kubeDir := t.TempDir()
	out := &recorder{Human: progress.Human{W: io.Discard}}
	d, err := Run(context.Background(), Options{
		Config: cfg, DryRun: true, IgnorePreflightErrors: []string{"all"}, Out: out, UploadCerts: true,
		Deps: Deps{Machine: nodeenv.Machine{KubernetesDir: kubeDir, KubeletDir: filepath.Join(kubeDir, "kubelet")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(d.DryRunDir)
	for _, f := range []string{"admin.conf", "super-admin.conf", "kubelet.conf", "controller-manager.conf", "scheduler.conf",
		"manifests/etcd.yaml", "manifests/kube-apiserver.yaml", "manifests/kube-controller-manager.yaml", "manifests/kube-scheduler.yaml",
		"pki/ca.crt", "pki/ca.key", "pki/sa.key", "pki/etcd/ca.crt", "config.yaml", "kubeadm-flags.env", "instance-config.yaml"} {
		if _, err := os.Stat(filepath.Join(d.DryRunDir, f)); err != nil {
			t.Errorf("dry-run did not write %s: %v", f, err)
		}
	}
	if !strings.HasPrefix(d.DryRunDir, filepath.Join(kubeDir, "tmp", "kubeadm-init-dryrun")) {
		t.Errorf("dry-run directory %s is not upstream's <kubernetes dir>/tmp/kubeadm-init-dryrun*", d.DryRunDir)
	}
	for _, dir := range []string{kubeDir, cfg.Cluster.CertificatesDir} {
		entries, _ := os.ReadDir(dir)
		if len(entries) > 0 && !(dir == kubeDir && len(entries) == 1 && entries[0].Name() == "tmp") {
			t.Errorf("dry-run wrote into %s: %v", dir, entries)
		}
	}
	client, err := d.Client(progress.Phase{R: out})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, cm := range []string{"kube-system/kubeadm-config", "kube-system/kubelet-config", "kube-public/cluster-info", "kube-system/coredns", "kube-system/kube-proxy"} {
		ns, name, _ := strings.Cut(cm, "/")
		if _, err := client.CoreV1().ConfigMaps(ns).Get(ctx, name, metav1.GetOptions{}); err != nil {
			t.Errorf("ConfigMap %s not created: %v", cm, err)
		}
	}
	// cluster-info is signed for the token when init makes it.
	if ci, err := client.CoreV1().ConfigMaps("kube-public").Get(ctx, "cluster-info", metav1.GetOptions{}); err != nil ||
		!jws.DetachedTokenIsValid(ci.Data["jws-kubeconfig-abcdef"], ci.Data["kubeconfig"], "abcdef", "0123456789abcdef") {
		t.Errorf("cluster-info is not signed for token abcdef: %v", err)
	}
	if _, err := client.CoreV1().Secrets("kube-system").Get(ctx, "kubeadm-certs", metav1.GetOptions{}); err != nil {
		t.Errorf("kubeadm-certs not created: %v", err)
	}
	node, err := client.CoreV1().Nodes().Get(ctx, "cp1", metav1.GetOptions{})
	if err != nil || node.Labels["node-role.kubernetes.io/control-plane"] != "" || len(node.Spec.Taints) != 1 {
		t.Errorf("node not marked: %+v, %v", node, err)
	}
	if d.Result == nil || !strings.HasPrefix(d.Result.WorkerJoinCommand, "kubeadm join 10.200.0.11:6443 --token abcdef.0123456789abcdef --discovery-token-ca-cert-hash sha256:") {
		t.Errorf("result %+v", d.Result)
	}
	want := []string{"preflight", "certs/ca", "certs/apiserver"}
	if len(out.ended) < 30 || out.ended[0] != want[0] || out.ended[1] != want[1] || out.ended[2] != want[2] || out.ended[len(out.ended)-1] != "show-join-command" {
		t.Errorf("phases ran: %v", out.ended)
	}
	if _, err := os.Stat(filepath.Join(kubeDir, "tmp", stateFileName)); err == nil {
		t.Error("dry-run recorded init state")
	}
}

func TestStateRefusesACompletedInit(t *testing.T) {
	cfg := testConfig(t)
	kubeDir := t.TempDir()
	d, err := NewData(Options{Config: cfg, Deps: Deps{Machine: nodeenv.Machine{KubernetesDir: kubeDir}}, Out: &progress.Human{W: io.Discard}})
	if err != nil {
		t.Fatal(err)
	}
	if d.resuming() || d.refuseCompleted() != nil {
		t.Fatal("a fresh node is neither resuming nor complete")
	}
	if err := d.markInProgress(); err != nil {
		t.Fatal(err)
	}
	if !d.resuming() || d.refuseCompleted() != nil {
		t.Fatal("an interrupted init must be resumed, not refused")
	}
	if err := d.markCompleted(); err != nil {
		t.Fatal(err)
	}
	if err := d.refuseCompleted(); err == nil || !strings.Contains(err.Error(), "already is a complete control plane") || !strings.Contains(err.Error(), "kubeadm reset") {
		t.Fatalf("refuseCompleted = %v", err)
	}
	checks := len(d.preflightChecks(false))
	if err := d.markInProgress(); err != nil {
		t.Fatal(err)
	}
	if resumed := len(d.preflightChecks(true)); resumed >= checks {
		t.Errorf("resuming runs %d checks, a fresh init %d: the resume must leave out checks of its own files and ports", resumed, checks)
	}
}

func TestKubeletSwapReadsConfigAndFlag(t *testing.T) {
	no, yes := false, true
	cases := []struct {
		name string
		kc   *kubeletv1beta1.KubeletConfiguration
		args []kubeadm.Arg
		want preflight.KubeletSwap
	}{
		{"defaults", nil, nil, preflight.KubeletSwap{Known: true, FailSwapOn: true}},
		{"config", &kubeletv1beta1.KubeletConfiguration{FailSwapOn: &no, MemorySwap: kubeletv1beta1.MemorySwapConfiguration{SwapBehavior: "LimitedSwap"}}, nil,
			preflight.KubeletSwap{Known: true, Behavior: "LimitedSwap"}},
		{"flag over config", &kubeletv1beta1.KubeletConfiguration{FailSwapOn: &yes}, []kubeadm.Arg{{Name: "fail-swap-on", Value: "false"}},
			preflight.KubeletSwap{Known: true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := &Data{cfg: &config.Init{Init: &kubeadm.InitConfiguration{NodeRegistration: kubeadm.NodeRegistrationOptions{KubeletExtraArgs: c.args}}, Kubelet: c.kc}}
			if got := d.kubeletSwap(); got != c.want {
				t.Errorf("got %+v, want %+v", got, c.want)
			}
		})
	}
}
