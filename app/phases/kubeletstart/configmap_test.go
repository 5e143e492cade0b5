package kubeletstart

import (
	"bytes"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

func TestKubeletConfigMap(t *testing.T) {
	for _, tc := range []struct {
		name         string
		user         string
		userSupplied bool
	}{
		{name: "generated"},
		{name: "user-supplied", user: benchUserDoc, userSupplied: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, _, err := ClusterKubeletConfig(defaultedCluster("10.96.0.0/12", "cluster.local"), userKubelet(t, tc.user))
			if err != nil {
				t.Fatal(err)
			}
			cm, err := KubeletConfigMap(cfg, tc.userSupplied)
			if err != nil {
				t.Fatalf("KubeletConfigMap: %v", err)
			}
			if cm.Namespace != "kube-system" || cm.Name != "kubelet-config" {
				t.Errorf("ConfigMap is %s/%s", cm.Namespace, cm.Name)
			}
			hash, signed := cm.Annotations[ComponentConfigHashAnnotation]
			if signed == tc.userSupplied {
				t.Errorf("signed = %v for userSupplied = %v", signed, tc.userSupplied)
			}
			if signed && (hash != ConfigMapChecksum(cm) || !strings.HasPrefix(hash, "sha256:")) {
				t.Errorf("bad checksum annotation %q", hash)
			}
			b, err := yaml.Marshal(cm)
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, "configmap-"+tc.name, b)
		})
	}
}

func TestKubeletConfigRBAC(t *testing.T) {
	role, binding := KubeletConfigRBAC()
	var buf bytes.Buffer
	for _, obj := range []any{role, binding} {
		b, err := yaml.Marshal(obj)
		if err != nil {
			t.Fatal(err)
		}
		buf.WriteString("---\n")
		buf.Write(b)
	}
	checkGolden(t, "rbac", buf.Bytes())
}
