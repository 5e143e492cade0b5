package initflow

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientset "k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/rest"
	k8stesting "k8s.io/client-go/testing"

	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/nodeenv"
	"github.com/kubeadm-cleanroom/kubeadm/app/progress"
)

// TestComponentsWaitForTheAPIServer checks a whole init's order: the
// controller-manager's and the scheduler's manifests are held by
// control-plane and written by wait-control-plane once the API server has
// bound their users (here before it is live), while a phase run alone
// writes them at once.
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
		asked = append(asked, url)
		if strings.Contains(url, ":6443") && !exists(constants.KubeScheduler) {
			// the API server still runs its start-up hooks
			return http.StatusInternalServerError, nil
		}
		return http.StatusOK, nil
	}
	var bindings []runtime.Object
	for _, name := range componentBindings {
		bindings = append(bindings, &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name}})
	}
	super := fake.NewClientset(bindings...)
	var log strings.Builder
	o := Options{Config: cfg, Out: &progress.Human{W: &log},
		Deps: Deps{Machine: nodeenv.Machine{KubernetesDir: kubeDir, KubeletDir: filepath.Join(kubeDir, "kubelet")}, HTTPGet: get,
			NewClient: func(*rest.Config) (clientset.Interface, error) { return super, nil }}}
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
	// waiting for /livez before writing the manifests would fail here
	d.cfg.Init.Timeouts.ControlPlaneComponentHealthCheck.Duration = 10 * time.Second
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
	var live int
	for _, u := range asked {
		if strings.Contains(u, ":6443") {
			live++
		}
	}
	if live == 0 || len(asked) < 4 {
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

// TestRightsOrLive checks what the held manifests wait for: the
// components' ClusterRoleBindings, or the API server's /livez, whichever
// comes first, and /livez's failure is the one reported.
func TestRightsOrLive(t *testing.T) {
	blockLive := func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }
	t.Run("bindings appear", func(t *testing.T) {
		c := fake.NewClientset()
		var gets atomic.Int32
		c.PrependReactor("get", "clusterrolebindings", func(k8stesting.Action) (bool, runtime.Object, error) {
			if gets.Add(1) == 3 { // the API server binds them while it is asked
				for _, name := range componentBindings {
					if err := c.Tracker().Add(&rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name}}); err != nil {
						t.Error(err)
					}
				}
			}
			return false, nil, nil
		})
		bound, err := rightsOrLive(context.Background(), c, blockLive)
		if !bound || err != nil || gets.Load() < 3 {
			t.Errorf("bound %v, err %v after %d gets", bound, err, gets.Load())
		}
	})
	t.Run("only one binding", func(t *testing.T) {
		c := fake.NewClientset(&rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: componentBindings[0]}})
		ctx, cancel := context.WithTimeout(context.Background(), 3*rightsPoll)
		defer cancel()
		bound, err := rightsOrLive(ctx, c, blockLive)
		if bound || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("bound %v, err %v", bound, err)
		}
	})
	t.Run("live first", func(t *testing.T) {
		bound, err := rightsOrLive(context.Background(), fake.NewClientset(), func(context.Context) error { return nil })
		if bound || err != nil {
			t.Errorf("bound %v, err %v", bound, err)
		}
	})
	t.Run("the API server never comes", func(t *testing.T) {
		failed := errors.New("kube-apiserver: not healthy within 4m0s")
		bound, err := rightsOrLive(context.Background(), fake.NewClientset(), func(context.Context) error { return failed })
		if bound || !errors.Is(err, failed) {
			t.Errorf("bound %v, err %v", bound, err)
		}
	})
}
