package staticpod

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeadm-cleanroom/kubeadm/app/patches"
)

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	patchDir := t.TempDir()
	if err := os.WriteFile(filepath.Join(patchDir, "kube-scheduler+merge.yaml"), []byte("metadata:\n  labels:\n    patched: \"yes\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	set, err := patches.Load(patchDir)
	if err != nil {
		t.Fatal(err)
	}
	pod := &corev1.Pod{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"}, ObjectMeta: metav1.ObjectMeta{Name: "kube-scheduler", Namespace: "kube-system"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "kube-scheduler", Image: "registry.k8s.io/kube-scheduler:v1.37.1"}}}}
	r, err := Write(dir, "kube-scheduler", pod, set)
	if err != nil || r.Unchanged || len(r.Patches) != 1 {
		t.Fatalf("first write: %+v, %v", r, err)
	}
	b, _ := os.ReadFile(r.Path)
	if !strings.Contains(string(b), "patched: \"yes\"") {
		t.Errorf("the patch is not in the manifest:\n%s", b)
	}
	st, _ := os.Stat(r.Path)
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", st.Mode().Perm())
	}
	if r, err := Write(dir, "kube-scheduler", pod, set); err != nil || !r.Unchanged {
		t.Errorf("second write of the same manifest: %+v, %v", r, err)
	}
	pod.Spec.Containers[0].Image = "registry.k8s.io/kube-scheduler:v1.37.2"
	if r, err := Write(dir, "kube-scheduler", pod, nil); err != nil || r.Unchanged {
		t.Errorf("a changed manifest was not written: %+v, %v", r, err)
	}
}
