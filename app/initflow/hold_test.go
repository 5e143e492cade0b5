package initflow

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/nodeenv"
	"github.com/kubeadm-cleanroom/kubeadm/app/progress"
)

// TestComponentsWaitForTheAPIServer checks a whole init's order: the
// controller-manager's and the scheduler's manifests are held by
// control-plane and written by wait-control-plane only once the API server
// answers, while a phase run alone writes them at once.
func TestComponentsWaitForTheAPIServer(t *testing.T) {
	cfg := testConfig(t)
	kubeDir := t.TempDir()
	manifests := filepath.Join(kubeDir, "manifests")
	exists := func(name string) bool {
		_, err := os.Stat(filepath.Join(manifests, name+".yaml"))
		return err == nil
	}
	var mu sync.Mutex
	var asked []string
	get := func(_ context.Context, url string) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		if strings.Contains(url, ":10257") || strings.Contains(url, ":10259") {
			// the components answer only once their manifests are there
			if !exists(constants.KubeControllerManager) || !exists(constants.KubeScheduler) {
				t.Errorf("%s asked before the manifests were written", url)
			}
		}
		if strings.Contains(url, ":6443") && (exists(constants.KubeControllerManager) || exists(constants.KubeScheduler)) {
			t.Errorf("a component's manifest was written before the API server answered")
		}
		asked = append(asked, url)
		return http.StatusOK, nil
	}
	var log strings.Builder
	o := Options{Config: cfg, Out: &progress.Human{W: &log},
		Deps: Deps{Machine: nodeenv.Machine{KubernetesDir: kubeDir, KubeletDir: filepath.Join(kubeDir, "kubelet")}, HTTPGet: get}}
	for _, phase := range []string{"certs", "kubeconfig"} {
		if _, err := RunPhase(context.Background(), o, phase); err != nil {
			t.Fatalf("phase %s: %v\n%s", phase, err, log.String())
		}
	}
	d, err := NewData(o)
	if err != nil {
		t.Fatal(err)
	}
	d.holdComponents = true
	d.client = fake.NewClientset()
	for _, c := range []string{"apiserver", "controller-manager", "scheduler"} {
		if err := runControlPlane(c)(context.Background(), progress.Phase{R: &progress.Human{W: &log}, Name: "test"}, d); err != nil {
			t.Fatal(err)
		}
	}
	if !exists(constants.KubeAPIServer) || exists(constants.KubeControllerManager) || exists(constants.KubeScheduler) || len(d.heldManifests) != 2 {
		t.Fatalf("control-plane should write only the API server's manifest and hold two, held %d", len(d.heldManifests))
	}
	if err := runWaitControlPlane(context.Background(), progress.Phase{R: &progress.Human{W: &log}, Name: "test"}, d); err != nil {
		t.Fatal(err)
	}
	if !exists(constants.KubeControllerManager) || !exists(constants.KubeScheduler) {
		t.Fatal("wait-control-plane did not write the held manifests")
	}
	if len(asked) != 4 {
		t.Errorf("health checks asked: %v", asked)
	}

	// `init phase control-plane` alone writes all three.
	dir := t.TempDir()
	o.Machine.KubernetesDir = dir
	if _, err := RunPhase(context.Background(), o, "control-plane"); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{constants.KubeAPIServer, constants.KubeControllerManager, constants.KubeScheduler} {
		if _, err := os.Stat(filepath.Join(dir, "manifests", name+".yaml")); err != nil {
			t.Errorf("init phase control-plane: %v", err)
		}
	}
}

// TestRootCAMadeOnce checks the two addon phases of one init create
// kube-system's kube-root-ca.crt with one request, from the CA file.
func TestRootCAMadeOnce(t *testing.T) {
	cfg := testConfig(t)
	if err := os.MkdirAll(cfg.Cluster.CertificatesDir, 0o700); err != nil {
		t.Fatal(err)
	}
	ca := []byte("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
	if err := os.WriteFile(filepath.Join(cfg.Cluster.CertificatesDir, "ca.crt"), ca, 0o644); err != nil {
		t.Fatal(err)
	}
	c := fake.NewClientset()
	d := &Data{cfg: cfg}
	for range 2 {
		if err := d.ensureRootCA(context.Background(), c); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(c.Actions()); n != 1 {
		t.Errorf("%d requests, want 1: %v", n, c.Actions())
	}
	cm, err := c.CoreV1().ConfigMaps("kube-system").Get(context.Background(), "kube-root-ca.crt", metav1.GetOptions{})
	if err != nil || cm.Data["ca.crt"] != string(ca) {
		t.Errorf("kube-root-ca.crt: %v %v", cm, err)
	}
}
