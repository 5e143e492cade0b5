package patches

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	kubeletv1beta1 "k8s.io/kubelet/config/v1beta1"
)

func write(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

const pod = `apiVersion: v1
kind: Pod
metadata:
  name: kube-apiserver
spec:
  containers:
  - name: kube-apiserver
    command:
    - kube-apiserver
    - --v=2
`

func TestApply(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "kube-apiserver0.yaml", "spec:\n  containers:\n  - name: kube-apiserver\n    resources:\n      requests:\n        cpu: 500m\n")
	write(t, dir, "kube-apiserver1+json.json", `[{"op":"add","path":"/spec/containers/0/command/-","value":"--audit-log-maxage=3"}]`)
	write(t, dir, "kubeletconfiguration+merge.yaml", "maxPods: 42\n---\nserializeImagePulls: false\n")
	write(t, dir, "README.md", "notes")
	s, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Ignored) != 1 || s.Ignored[0] != "README.md" {
		t.Errorf("ignored %v", s.Ignored)
	}
	out, applied, err := s.Apply("kube-apiserver", []byte(pod), &corev1.Pod{})
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) != 2 || !strings.Contains(string(out), "cpu: 500m") || !strings.Contains(string(out), "--audit-log-maxage=3") || !strings.Contains(string(out), "--v=2") {
		t.Errorf("patched pod (%v):\n%s", applied, out)
	}
	kc, applied, err := s.Apply("kubeletconfiguration", []byte("apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nmaxPods: 110\n"), &kubeletv1beta1.KubeletConfiguration{})
	if err != nil || len(applied) != 2 || !strings.Contains(string(kc), "maxPods: 42") || !strings.Contains(string(kc), "serializeImagePulls: false") {
		t.Errorf("kubelet config (%v, %v):\n%s", applied, err, kc)
	}
	same, applied, err := s.Apply("etcd", []byte(pod), &corev1.Pod{})
	if err != nil || applied != nil || string(same) != pod {
		t.Errorf("a target without patches changed: %v %v", applied, err)
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "etcd+xml.yaml", "a: b\n")
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "etcd+xml.yaml") {
		t.Errorf("bad patch type: %v", err)
	}
	dir = t.TempDir()
	write(t, dir, "etcd.yaml", "a: [\n")
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "etcd.yaml") {
		t.Errorf("bad YAML: %v", err)
	}
	if _, err := Load(filepath.Join(dir, "missing")); err == nil {
		t.Error("a missing directory must be an error")
	}
}
