package addons

import (
	"crypto/sha256"
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func defaultKubeProxy(t *testing.T) *KubeProxyObjects {
	t.Helper()
	cfg := baseConfig()
	pc, _, err := KubeProxyConfig(&cfg, "192.168.0.10", nil)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := MarshalKubeProxyConfig(pc)
	if err != nil {
		t.Fatal(err)
	}
	o, err := KubeProxy(&cfg, doc, "https://192.168.0.10:6443")
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestKubeProxyRejectsMissingInputs(t *testing.T) {
	cfg := baseConfig()
	if _, err := KubeProxy(&cfg, nil, "https://x:6443"); err == nil {
		t.Error("empty config document accepted")
	}
	if _, err := KubeProxy(&cfg, []byte("kind: KubeProxyConfiguration\n"), ""); err == nil {
		t.Error("empty API server URL accepted")
	}
}

func TestKubeProxyConfigMapValues(t *testing.T) {
	o := defaultKubeProxy(t)
	for k, v := range o.ConfigMap.Data {
		if strings.HasSuffix(v, "\n") {
			t.Errorf("data %s ends in a newline; upstream strips it", k)
		}
	}
	if !strings.HasPrefix(o.ConfigMap.Data[KubeProxyConfigKey], "apiVersion: kubeproxy.config.k8s.io/v1alpha1\n") {
		t.Errorf("config.conf = %q", o.ConfigMap.Data[KubeProxyConfigKey])
	}
}

func TestPrepareForApply(t *testing.T) {
	o := defaultKubeProxy(t)
	o.PrepareForApply([]string{
		"PATH=/bin", "https_proxy=http://p:3128", "NO_PROXY=10.0.0.0/8", "HTTP_PROXY=", "odd", "NO_PROXY=localhost",
	}, false)
	var names []string
	for _, e := range o.DaemonSet.Spec.Template.Spec.Containers[0].Env {
		names = append(names, e.Name+"="+e.Value)
	}
	if got, want := strings.Join(names, " "), "NODE_NAME= NO_PROXY=localhost https_proxy=http://p:3128"; got != want {
		t.Errorf("env = %s, want %s", got, want)
	}

	h := sha256.New()
	h.Write([]byte(o.ConfigMap.Data[KubeProxyConfigKey])) // "config.conf" sorts before "kubeconfig.conf"
	h.Write([]byte(o.ConfigMap.Data[KubeProxyKubeconfigKey]))
	if got, want := o.ConfigMap.Annotations[ComponentConfigHashAnnotation], fmt.Sprintf("sha256:%x", h.Sum(nil)); got != want {
		t.Errorf("hash annotation = %q, want %q", got, want)
	}

	user := defaultKubeProxy(t)
	user.PrepareForApply(nil, true)
	if _, ok := user.ConfigMap.Annotations[ComponentConfigHashAnnotation]; ok {
		t.Error("a user-supplied configuration must not be signed")
	}
}

func TestConfigMapChecksumBinaryData(t *testing.T) {
	cm := &corev1.ConfigMap{Data: map[string]string{"b": "2", "a": "1"}, BinaryData: map[string][]byte{"z": []byte("9")}}
	if got, want := ConfigMapChecksum(cm), fmt.Sprintf("sha256:%x", sha256.Sum256([]byte("129"))); got != want {
		t.Errorf("ConfigMapChecksum = %s, want %s", got, want)
	}
}

func TestRenderYAMLSeparatesDocuments(t *testing.T) {
	o := defaultKubeProxy(t)
	b, err := RenderYAML(o.All()...)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(b), "\n---\n"); n != len(o.All())-1 {
		t.Errorf("%d separators for %d objects", n, len(o.All()))
	}
}
