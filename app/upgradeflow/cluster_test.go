package upgradeflow

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
)

func node(name string, cp, ready bool, kubelet string) *corev1.Node {
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{}}}
	if cp {
		n.Labels[controlPlaneLabel] = ""
	}
	st := corev1.ConditionFalse
	if ready {
		st = corev1.ConditionTrue
	}
	n.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: st}}
	n.Status.NodeInfo.KubeletVersion = kubelet
	return n
}

func mirror(component, nodeName, image, hash string, ready bool) *corev1.Pod {
	st := corev1.ConditionFalse
	if ready {
		st = corev1.ConditionTrue
	}
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: component + "-" + nodeName, Namespace: "kube-system",
			Labels: map[string]string{"component": component, "tier": "control-plane"}, Annotations: map[string]string{mirrorHashAnnotation: hash}},
		Spec:   corev1.PodSpec{NodeName: nodeName, Containers: []corev1.Container{{Name: component, Image: image}}},
		Status: corev1.PodStatus{Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: st}}},
	}
}

func TestReadClusterState(t *testing.T) {
	objs := []runtime.Object{
		node("cp1", true, true, "v1.36.3"), node("cp2", true, false, "v1.36.3"), node("w1", false, true, "v1.35.0"),
		mirror("kube-apiserver", "cp1", "registry.k8s.io/kube-apiserver:v1.37.1", "a", true),
		mirror("kube-apiserver", "cp2", "registry.k8s.io/kube-apiserver:v1.36.3", "a", true),
		mirror("kube-controller-manager", "cp1", "registry.k8s.io/kube-controller-manager:v1.37.1", "a", false),
		mirror("kube-scheduler", "cp1", "registry.k8s.io/kube-scheduler:v1.37.1", "a", true),
		mirror("etcd", "cp1", "registry.k8s.io/etcd:3.7.0-0", "a", true),
		mirror("etcd", "cp2", "localhost:5000/etcd:3.6.8-0", "a", true),
	}
	s, err := ReadClusterState(context.Background(), fake.NewClientset(objs...))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s.ControlPlaneNodes, []string{"cp1", "cp2"}) || !slices.Equal(s.NotReady, []string{"cp2"}) {
		t.Errorf("control planes %v, not ready %v", s.ControlPlaneNodes, s.NotReady)
	}
	if !slices.Equal(s.Unready, []string{"kube-controller-manager-cp1"}) {
		t.Errorf("unready %v", s.Unready)
	}
	if s.Etcd["cp2"] != "3.6.8-0" || s.APIServer["cp2"] != "v1.36.3" || s.Kubelets["w1"] != "v1.35.0" {
		t.Errorf("versions %+v", s)
	}
	if v, err := s.ClusterVersion(); err != nil || v != "v1.37.1" {
		t.Errorf("cluster version %q, %v", v, err)
	}
	if got := s.APIServersNotAt("v1.37.1"); !slices.Equal(got, []string{"cp2"}) {
		t.Errorf("behind: %v", got)
	}
	missing := s.MissingStaticPods(true)
	want := []string{"kube-controller-manager-cp2", "kube-scheduler-cp2"}
	if !slices.Equal(missing, want) {
		t.Errorf("missing %v, want %v", missing, want)
	}
}

func TestImageTag(t *testing.T) {
	for in, want := range map[string]string{
		"registry.k8s.io/kube-apiserver:v1.37.1": "v1.37.1", "localhost:5000/etcd:3.6.8-0": "3.6.8-0",
		"localhost:5000/etcd": "", "etcd": "",
	} {
		if got := imageTag(in); got != want {
			t.Errorf("imageTag(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMirrorWatcher(t *testing.T) {
	pollInterval = time.Millisecond
	crash := mirror("kube-apiserver", "cp1", "x:v1.37.1", "new", false)
	crash.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "kube-apiserver", RestartCount: 2,
		LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 1, Message: "Error: unknown flag: --bogus"}}}}
	tests := []struct {
		name    string
		pod     *corev1.Pod
		accept  func(string) bool
		wantErr string
	}{
		{"new hash and Ready", mirror("kube-apiserver", "cp1", "x", "new", true), func(h string) bool { return h == "new" }, ""},
		{"still the old hash", mirror("kube-apiserver", "cp1", "x", "old", true), func(h string) bool { return h == "new" }, "still runs the previous manifest"},
		{"new but not Ready", mirror("kube-apiserver", "cp1", "x", "new", false), func(h string) bool { return h == "new" }, "not Ready"},
		{"crash loop ends the wait early", crash, func(h string) bool { return h == "new" }, "unknown flag: --bogus"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := &mirrorWatcher{client: fake.NewClientset(tt.pod), nodeName: "cp1"}
			if h, err := w.Hash(context.Background(), "kube-apiserver"); err != nil || h != tt.pod.Annotations[mirrorHashAnnotation] {
				t.Fatalf("Hash = %q, %v", h, err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			err := w.Wait(ctx, "kube-apiserver", nil, tt.accept)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("Wait = %v, want %q", err, tt.wantErr)
			}
		})
	}
}
