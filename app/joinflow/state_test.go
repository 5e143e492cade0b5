package joinflow

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/config"
	"github.com/kubeadm-cleanroom/kubeadm/app/host"
	"github.com/kubeadm-cleanroom/kubeadm/app/nodeenv"
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/preflight"
	"github.com/kubeadm-cleanroom/kubeadm/app/progress"
)

// TestJoinState checks the join state file: a finished join is refused, an
// interrupted one continues for the same node name only (leaving out the
// checks of its own files and ports), and the first write records it.
func TestJoinState(t *testing.T) {
	newData := func(t *testing.T, dir, name string) *Data {
		j := &kubeadm.JoinConfiguration{NodeRegistration: kubeadm.NodeRegistrationOptions{Name: name}}
		d, err := NewData(Options{Config: &config.Join{Join: j}, Out: &progress.Human{W: io.Discard},
			Deps: Deps{Machine: nodeenv.Machine{KubernetesDir: dir, KubeletDir: filepath.Join(dir, "kubelet")}}})
		if err != nil {
			t.Fatal(err)
		}
		d.fullRun = true
		return d
	}
	write := func(t *testing.T, dir, content string) {
		if err := os.MkdirAll(filepath.Join(dir, "tmp"), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "tmp", "kubeadm-join.state"), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	checks := []preflight.Check{{Name: "FileAvailable--etc-kubernetes-kubelet.conf"}, {Name: "Port-10250"}, {Name: "DirAvailable--var-lib-etcd"}, {Name: "Swap"}}

	fresh := newData(t, t.TempDir(), "w1")
	if err := fresh.checkState(); err != nil || fresh.resuming || len(fresh.leaveOutOwn(checks)) != 4 {
		t.Fatalf("a fresh node: %v, resuming %v", err, fresh.resuming)
	}
	if err := fresh.markWriting(); err != nil {
		t.Fatal(err)
	}
	if s, n := fresh.state(); s != joinRunning || n != "w1" {
		t.Errorf("after the first write the state is %q %q", s, n)
	}
	if err := fresh.markCompleted(); err != nil {
		t.Fatal(err)
	}
	again := newData(t, fresh.KubernetesDir, "w1")
	if err := again.checkState(); err == nil || !strings.Contains(err.Error(), "already joined the cluster as w1") || !strings.Contains(err.Error(), "kubeadm reset") {
		t.Errorf("a finished join: %v", err)
	}

	dir := t.TempDir()
	write(t, dir, "in-progress w1\n")
	other := newData(t, dir, "w2")
	if err := other.checkState(); err == nil || !strings.Contains(err.Error(), "--node-name w1") {
		t.Errorf("another node name: %v", err)
	}
	same := newData(t, dir, "w1")
	if err := same.checkState(); err != nil || !same.resuming {
		t.Fatalf("the same join again: %v, resuming %v", err, same.resuming)
	}
	if kept := same.leaveOutOwn(checks); len(kept) != 1 || kept[0].Name != "Swap" {
		t.Errorf("a continued join keeps %v", kept)
	}

	dry := newData(t, dir, "w1")
	dry.DryRun = true
	if err := dry.checkState(); err != nil || dry.resuming {
		t.Errorf("a dry run ignores the state: %v %v", err, dry.resuming)
	}
}

// TestRollBackSaysWhatToRun checks what a failed join answers: nothing is
// added when nothing was written, and once it wrote, the error says what to
// run (the cluster-side undoing is proven by TestFaultMatrixJoin).
func TestRollBackSaysWhatToRun(t *testing.T) {
	dir := t.TempDir()
	j := &kubeadm.JoinConfiguration{NodeRegistration: kubeadm.NodeRegistrationOptions{Name: "w1"}}
	d, err := NewData(Options{Config: &config.Join{Join: j}, Out: &progress.Human{W: io.Discard},
		Deps: Deps{Machine: nodeenv.Machine{KubernetesDir: dir, KubeletDir: filepath.Join(dir, "kubelet")}}})
	if err != nil {
		t.Fatal(err)
	}
	cause := errors.New("phase kubelet-wait-bootstrap: timed out")
	if got := d.rollBack(context.Background(), cause); got != cause {
		t.Errorf("nothing written: %v", got)
	}
	d.marked = true
	d.cluster = &kubeadm.ClusterConfiguration{}
	got := d.rollBack(context.Background(), cause)
	if !errors.Is(got, cause) || !strings.Contains(got.Error(), "run the same join again to continue, or 'kubeadm reset' to clean this node") {
		t.Errorf("after writes: %v", got)
	}
}

// TestRollBackRemovesItsFiles checks that a failed join removes the files
// it wrote, with its state, and keeps those the node had before it began
// (a caller may write certificates first).
func TestRollBackRemovesItsFiles(t *testing.T) {
	dir := t.TempDir()
	kubelet := filepath.Join(dir, "kubelet")
	j := &kubeadm.JoinConfiguration{NodeRegistration: kubeadm.NodeRegistrationOptions{Name: "w1"}}
	d, err := NewData(Options{Config: &config.Join{Join: j}, Out: &progress.Human{W: io.Discard},
		Deps: Deps{Machine: nodeenv.Machine{KubernetesDir: dir, KubeletDir: kubelet}}})
	if err != nil {
		t.Fatal(err)
	}
	d.fullRun = true
	put := func(p string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	before := []string{filepath.Join(dir, "pki", "ca.crt"), filepath.Join(dir, "join.yaml")}
	for _, p := range before {
		put(p)
	}
	if err := d.markWriting(); err != nil {
		t.Fatal(err)
	}
	written := []string{filepath.Join(dir, "bootstrap-kubelet.conf"), filepath.Join(dir, "pki", "apiserver.crt"),
		filepath.Join(kubelet, "config.yaml"), filepath.Join(kubelet, "kubeadm-flags.env"), filepath.Join(kubelet, "pki", "kubelet-client-current.pem")}
	for _, p := range written {
		put(p)
	}
	d.cluster = &kubeadm.ClusterConfiguration{}
	got := d.rollBack(context.Background(), errors.New("phase kubelet-wait-bootstrap: timed out"))
	if got == nil || !strings.Contains(got.Error(), "removed the 5 files it wrote: fix the cause and run the same join again") {
		t.Errorf("the failed join says: %v", got)
	}
	for _, p := range written {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s, written by the join, is still there: %v", p, err)
		}
	}
	for _, p := range before {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s, there before the join, is gone: %v", p, err)
		}
	}
	for _, p := range []string{d.stateFile(), d.inventoryFile()} {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s is still there: %v", p, err)
		}
	}
}

// busyHost holds every port until free is set.
type busyHost struct {
	host.Local
	free *atomic.Bool
}

func (h busyHost) PortFree(context.Context, int) bool           { return h.free.Load() }
func (h busyHost) PortFreeOn(context.Context, string, int) bool { return h.free.Load() }

// TestFreePortsStopsPodsTheKubeletLeft checks that the static Pods of a
// failed control-plane join that the kubelet does not stop (it could not
// start) are stopped through the runtime, and that the wait ends once
// their ports are free.
func TestFreePortsStopsPodsTheKubeletLeft(t *testing.T) {
	defer func(g time.Duration) { kubeletStopGrace = g }(kubeletStopGrace)
	kubeletStopGrace = 300 * time.Millisecond
	free := &atomic.Bool{}
	j := &kubeadm.JoinConfiguration{NodeRegistration: kubeadm.NodeRegistrationOptions{Name: "cp2"},
		ControlPlane: &kubeadm.JoinControlPlane{LocalAPIEndpoint: kubeadm.APIEndpoint{AdvertiseAddress: "10.0.0.12", BindPort: 6443}}}
	rt := &fakeRuntime{pods: []string{"kube-apiserver-cp2", "kube-scheduler-cp2", "etcd-cp2", "kube-proxy-x"}, onStop: func() { free.Store(true) }}
	d := &Data{Options: Options{Deps: Deps{Machine: nodeenv.Machine{Host: busyHost{free: free}}, Runtime: rt.dial}}, cfg: &config.Join{Join: j}}
	d.cluster = &kubeadm.ClusterConfiguration{Etcd: kubeadm.Etcd{Local: &kubeadm.LocalEtcd{}}}
	if err := d.freePorts(context.Background(), []string{"/m/kube-apiserver.yaml", "/m/kube-scheduler.yaml", "/m/etcd.yaml"}); err != nil {
		t.Fatal(err)
	}
	want := []string{"kube-apiserver-cp2", "kube-scheduler-cp2", "etcd-cp2"}
	if stopped := rt.stoppedPods(); !slices.Equal(stopped, want) {
		t.Errorf("stopped %v, want %v", stopped, want)
	}
}
