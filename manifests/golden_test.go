package manifests

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// debianHost has the CA directories of a Debian or Ubuntu machine and an
// environment without proxies.
var debianHost = Options{
	PathExists: func(p string) bool {
		switch p {
		case "/etc/ca-certificates", "/usr/share/ca-certificates", "/usr/local/share/ca-certificates":
			return true
		}
		return false
	},
	Environ: func() []string { return []string{"PATH=/usr/bin", "HOME=/root"} },
}

// defaultConfig is a ClusterConfiguration as kubeadm defaults it.
func defaultConfig() *kubeadm.ClusterConfiguration {
	return &kubeadm.ClusterConfiguration{
		KubernetesVersion: "v1.37.1",
		Networking:        kubeadm.Networking{ServiceSubnet: "10.96.0.0/12", DNSDomain: "cluster.local"},
		CertificatesDir:   "/etc/kubernetes/pki",
		ImageRepository:   "registry.k8s.io",
		ClusterName:       "kubernetes",
		Etcd:              kubeadm.Etcd{Local: &kubeadm.LocalEtcd{DataDir: "/var/lib/etcd"}},
	}
}

var (
	defaultEndpoint = kubeadm.APIEndpoint{AdvertiseAddress: "10.0.0.10", BindPort: 6443}
	defaultNode     = EtcdNode{Name: "cp-0", AdvertiseAddress: "10.0.0.10"}
)

// renderer builds the Pods of one golden case, keyed by file suffix.
type renderer func(t *testing.T) map[string]*corev1.Pod

// controlPlane builds all four Pods of cfg on node with o.
func controlPlane(o Options, cfg *kubeadm.ClusterConfiguration, ep kubeadm.APIEndpoint, node EtcdNode) renderer {
	return func(t *testing.T) map[string]*corev1.Pod {
		out := map[string]*corev1.Pod{
			"kube-apiserver":          must(t)(o.APIServer(cfg, ep)),
			"kube-controller-manager": must(t)(o.ControllerManager(cfg)),
			"kube-scheduler":          must(t)(o.Scheduler(cfg)),
		}
		if cfg.Etcd.Local != nil {
			out["etcd"] = must(t)(o.Etcd(cfg, node))
		}
		return out
	}
}

func must(t *testing.T) func(*corev1.Pod, error) *corev1.Pod {
	return func(p *corev1.Pod, err error) *corev1.Pod {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
}

// TestGolden compares every case with its golden files. The goldens of the
// cases default, pod-subnet, external-etcd, extra-args,
// authorization-config, extra-volumes, extra-envs, control-plane-endpoint
// and ipv6 were checked byte for byte against upstream kubeadm v1.37.1
// ("kubeadm init phase control-plane all" and "init phase etcd local" with
// --dry-run, the same configuration and environment, on a host with the
// CA directories of debianHost), except control-plane-endpoint's
// --shutdown-delay-duration, which upstream does not set (see
// DefaultAPIServerShutdownDelay). etcd-join, rhel-external-ca and rootless
// need a running cluster, a CA or host users upstream, and were checked
// against upstream's code by hand.
func TestGolden(t *testing.T) {
	for name, render := range goldenCases() {
		t.Run(name, func(t *testing.T) {
			for component, pod := range render(t) {
				got, err := Marshal(pod)
				if err != nil {
					t.Fatal(err)
				}
				path := filepath.Join("testdata", name+"."+component+".yaml")
				if *update {
					if err := os.WriteFile(path, got, 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run go test ./manifests -update)", err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s differs from the golden file:\n%s", path, lineDiff(want, got))
				}
			}
		})
	}
}

// TestGoldenFilesHaveCases fails on golden files no case produces.
func TestGoldenFilesHaveCases(t *testing.T) {
	produced := map[string]bool{}
	for name, render := range goldenCases() {
		for component := range render(t) {
			produced[name+"."+component+".yaml"] = true
		}
	}
	files, err := filepath.Glob(filepath.Join("testdata", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if !produced[filepath.Base(f)] {
			t.Errorf("%s is produced by no golden case", f)
		}
	}
}

func TestStartupProbeFollowsHealthCheckTimeout(t *testing.T) {
	o := debianHost
	o.HealthCheckTimeout = 95 * time.Second
	pod, err := o.Scheduler(defaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if got := pod.Spec.Containers[0].StartupProbe.FailureThreshold; got != 10 {
		t.Errorf("failureThreshold = %d, want 10 (95s in 10s periods, rounded up)", got)
	}
}
