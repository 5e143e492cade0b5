package upgradeflow

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/etcd"
	"github.com/kubeadm-cleanroom/kubeadm/app/nodeenv"
	"github.com/kubeadm-cleanroom/kubeadm/app/progress"
	"github.com/kubeadm-cleanroom/kubeadm/manifests"
)

// upgradeNode is a control plane cp1 (10.0.0.1) at v1.36.3 in a temporary
// directory, with a kubelet that runs its manifests as mirror Pods in a
// fake API, and a local etcd member that runs the version of its manifest.
type upgradeNode struct {
	t    *testing.T
	kube string
	api  *fake.Clientset
	// clock advances a second per reading, so that each run's backups get
	// their own stamp, as runs seconds apart do.
	clock atomic.Int64
}

func newUpgradeNode(t *testing.T) *upgradeNode {
	t.Helper()
	for v, val := range map[*time.Duration]time.Duration{&housekeeping: 10 * time.Millisecond, &stoppedFor: 10 * time.Millisecond, &pollInterval: 10 * time.Millisecond} {
		defer func(v *time.Duration, old time.Duration) { t.Cleanup(func() { *v = old }) }(v, *v)
		*v = val
	}
	n := &upgradeNode{t: t, kube: t.TempDir(), api: fake.NewClientset()}
	n.clock.Store(time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC).Unix())
	if err := os.MkdirAll(n.manifests(), 0o700); err != nil {
		t.Fatal(err)
	}
	// v1.36.3 with the etcd of an older patch release, so that etcd's
	// step changes its manifest too.
	old := testCluster("v1.36.3")
	old.Etcd.Local.ImageTag = "3.6.8-0"
	lcp := LocalControlPlane{Endpoint: kubeadm.APIEndpoint{AdvertiseAddress: "10.0.0.1", BindPort: 6443}, Etcd: &manifests.EtcdNode{Name: "cp1", AdvertiseAddress: "10.0.0.1"}}
	for _, c := range controlPlaneComponents {
		b, err := Render(old, lcp, c, manifests.Options{}, nil)
		if err == nil {
			err = os.WriteFile(filepath.Join(n.manifests(), c+".yaml"), b, 0o600)
		}
		if err != nil {
			t.Fatalf("write the %s manifest: %v", c, err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); n.kubelet(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return n
}

func (n *upgradeNode) manifests() string { return filepath.Join(n.kube, constants.ManifestsSubDir) }

// kubelet mirrors each manifest as a Ready Pod whose UID and
// config.hash are the manifest's hash, and removes the mirror Pod of a
// manifest taken away.
func (n *upgradeNode) kubelet(ctx context.Context) {
	pods := n.api.CoreV1().Pods(constants.KubeSystemNamespace)
	for ctx.Err() == nil {
		for _, c := range controlPlaneComponents {
			name := c + "-cp1"
			b, err := os.ReadFile(filepath.Join(n.manifests(), c+".yaml"))
			if err != nil {
				_ = pods.Delete(ctx, name, metav1.DeleteOptions{})
				continue
			}
			sum := sha256.Sum256(b)
			hash := hex.EncodeToString(sum[:8])
			if p, err := pods.Get(ctx, name, metav1.GetOptions{}); err == nil && p.Annotations[mirrorHashAnnotation] == hash {
				continue
			} else if err == nil {
				_ = pods.Delete(ctx, name, metav1.DeleteOptions{})
			}
			pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: constants.KubeSystemNamespace, UID: types.UID(hash),
				Annotations: map[string]string{mirrorHashAnnotation: hash}},
				Spec:   corev1.PodSpec{Containers: []corev1.Container{{Name: c, Image: imageOf(b)}}},
				Status: corev1.PodStatus{Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}}}
			if _, err := pods.Create(ctx, pod, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
				n.t.Errorf("mirror Pod %s: %v", name, err)
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// localMember is the node's etcd member: it runs the version of the
// etcd manifest there.
type localMember struct{ manifest string }

func (m localMember) Members(context.Context) ([]etcd.Member, error) {
	return []etcd.Member{{ID: 1, Name: "cp1", PeerURLs: []string{"https://10.0.0.1:2380"}, ClientURLs: []string{"https://10.0.0.1:2379"}}}, nil
}
func (localMember) Health(context.Context) ([]string, error) { return nil, nil }
func (localMember) Snapshot(_ context.Context, w io.Writer) error {
	_, err := io.WriteString(w, "snapshot")
	return err
}
func (m localMember) EndpointVersion(context.Context, string) (string, error) {
	b, err := os.ReadFile(m.manifest)
	if err != nil {
		return "", errors.New("connection refused")
	}
	v, _, _ := strings.Cut(imageTag(imageOf(b)), "-")
	return v, nil
}
func (localMember) Endpoints() []string { return []string{"https://10.0.0.1:2379"} }
func (localMember) Close() error        { return nil }

// killOn stops the upgrade, the way SIGKILL does, at the first message
// that contains message.
type killOn struct {
	progress.Human
	message string
}

type upgradeKilled struct{}

func (r *killOn) Info(phase, msg string) {
	r.Human.Info(phase, msg)
	if r.message != "" && strings.Contains(msg, r.message) {
		panic(upgradeKilled{})
	}
}

// runControlPlane runs the control-plane phase of `upgrade node` to
// v1.37.1 as a new process would (putting back what a killed one left
// missing), and reports whether it was killed.
func (n *upgradeNode) runControlPlane(out progress.Reporter) (wasKilled bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(upgradeKilled); !ok {
				panic(r)
			}
			wasKilled = true
		}
	}()
	o := Options{Command: Node, Settings: Settings{EtcdUpgrade: true}, Out: out, Deps: Deps{
		Machine: nodeenv.Machine{KubernetesDir: n.kube, KubeletDir: filepath.Join(n.kube, "kubelet"),
			Now: func() time.Time { return time.Unix(n.clock.Add(1), 0) }},
		Client:  n.api,
		HTTPGet: func(context.Context, string) (int, error) { return http.StatusOK, nil },
		Etcd: func([]string, string, time.Duration) (EtcdClient, error) {
			return localMember{manifest: filepath.Join(n.manifests(), "etcd.yaml")}, nil
		},
		Runtime:       func(context.Context, string) (Runtime, error) { return nil, errors.New("no runtime here") },
		DetectRuntime: func() (string, error) { return "", errors.New("no runtime here") },
		Listening:     func(string) bool { return false },
	}}
	d, err := NewData(o)
	if err != nil {
		return false, err
	}
	d.cluster, d.target, d.node = testCluster("v1.37.1"), "v1.37.1", "cp1"
	return false, runControlPlane(context.Background(), progress.Phase{R: out, Name: "control-plane"}, d)
}

// checkUpgraded checks that every manifest and mirror Pod runs v1.37.1's
// image (etcd 3.7.0-0).
func (n *upgradeNode) checkUpgraded() {
	n.t.Helper()
	want := map[string]string{constants.Etcd: "3.7.0-0", constants.KubeAPIServer: "v1.37.1", constants.KubeControllerManager: "v1.37.1", constants.KubeScheduler: "v1.37.1"}
	for c, tag := range want {
		b, err := os.ReadFile(filepath.Join(n.manifests(), c+".yaml"))
		if err != nil || imageTag(imageOf(b)) != tag {
			n.t.Errorf("manifest of %s: image %s (%v), want tag %s", c, imageOf(b), err, tag)
		}
	}
}

// TestUpgradeKilledInsideEachStepConverges kills the control-plane phase
// of an upgrade inside each component's step (after the backup, after
// the old Pod stopped, after the new manifest was written), the way
// SIGKILL does, then runs it again as a new process: it puts back what
// was taken away, and converges to every component at v1.37.1.
func TestUpgradeKilledInsideEachStepConverges(t *testing.T) {
	for _, c := range controlPlaneComponents {
		for _, step := range []string{": previous manifest kept in", ": stopped after", ": wrote the new manifest"} {
			point := c + step
			t.Run(point, func(t *testing.T) {
				n := newUpgradeNode(t)
				wasKilled, err := n.runControlPlane(&killOn{Human: progress.Human{W: io.Discard}, message: point})
				if !wasKilled {
					t.Fatalf("not killed at %q: %v", point, err)
				}
				var log strings.Builder
				if _, err := n.runControlPlane(&progress.Human{W: &log}); err != nil {
					t.Fatalf("the upgrade run again after a kill at %q: %v\n%s", point, err, log.String())
				}
				n.checkUpgraded()
				if step == ": stopped after" && !strings.Contains(log.String(), "stopped part-way without a "+c+" manifest: put back") {
					t.Errorf("the re-run did not put back the %s manifest the kill left missing:\n%s", c, log.String())
				}
			})
		}
	}
	t.Run("not killed", func(t *testing.T) {
		n := newUpgradeNode(t)
		if _, err := n.runControlPlane(&progress.Human{W: io.Discard}); err != nil {
			t.Fatal(err)
		}
		n.checkUpgraded()
		var log strings.Builder
		if _, err := n.runControlPlane(&progress.Human{W: &log}); err != nil || !strings.Contains(log.String(), "already at v1.37.1") {
			t.Errorf("a second run: %v\n%s", err, log.String())
		}
	})

}
