package addons

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/kubeadm-cleanroom/kubeadm/app/patches"
)

func TestAddonPatchesAreApplied(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"corednsdeployment+strategic.yaml": "spec:\n  replicas: 3\n",
		"kubeproxydaemonset+merge.yaml":    "metadata:\n  labels:\n    patched: \"yes\"\n",
		"corednsdeployment+json.json":      `[{"op": "remove", "path": "/spec/template/spec/nodeSelector"}]`,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	set, err := patches.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	two := int32(2)
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "coredns"}, Spec: appsv1.DeploymentSpec{Replicas: &two,
		Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{NodeSelector: map[string]string{"kubernetes.io/os": "linux"}, Containers: []corev1.Container{{Name: "coredns", Image: "x"}}}}}}
	var applied []string
	record := func(format string, args ...any) { applied = append(applied, fmt.Sprintf(format, args...)) }
	err = PatchCoreDNS(set, d, record)
	if err != nil || len(applied) != 2 || !strings.Contains(applied[0], "the CoreDNS Deployment") || *d.Spec.Replicas != 3 || d.Spec.Template.Spec.Containers[0].Image != "x" || d.Spec.Template.Spec.NodeSelector != nil {
		t.Errorf("coredns patch: applied %v err %v replicas %d", applied, err, *d.Spec.Replicas)
	}
	ds := &appsv1.DaemonSet{ObjectMeta: metav1.ObjectMeta{Name: "kube-proxy"}}
	applied = nil
	if err := PatchKubeProxy(set, ds, record); err != nil || len(applied) != 1 || ds.Labels["patched"] != "yes" {
		t.Errorf("kube-proxy patch: applied %v err %v labels %v", applied, err, ds.Labels)
	}
	var buf bytes.Buffer
	if err := Print(&buf, []runtime.Object{d, ds}); err != nil || strings.Count(buf.String(), "---\n") != 2 || !strings.Contains(buf.String(), "replicas: 3") {
		t.Errorf("print: %v\n%s", err, buf.String())
	}
}
