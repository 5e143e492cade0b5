package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
)

// TestConfigMigrate converts files to v1beta4 and compares them with golden
// files that match upstream's output (v1.36 for v1beta3, v1.37 for v1beta4)
// except for the machine-specific values upstream fills in and for the
// component configs upstream drops. The output must read back without
// warnings and migrate to itself.
func TestConfigMigrate(t *testing.T) {
	cases := []struct {
		in, golden string
		kinds      []string
		warning    string
	}{
		{"migrate-v1beta3.yaml", "migrate-v1beta3.golden.yaml",
			[]string{"kind: InitConfiguration", "kind: ClusterConfiguration", "kind: JoinConfiguration", "kind: KubeletConfiguration", "kind: KubeProxyConfiguration"}, ""},
		{"migrate-v1beta4.yaml", "migrate-v1beta4.golden.yaml",
			[]string{"kind: InitConfiguration", "kind: ClusterConfiguration", "kind: ResetConfiguration", "kind: UpgradeConfiguration"}, ""},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			in := filepath.Join("testdata", c.in)
			code, out, errOut := runArgs("config", "migrate", "--old-config", in)
			if code != 0 || errOut != "" {
				t.Fatalf("exit %d, stderr %q", code, errOut)
			}
			goldenFile(t, c.golden, []byte(out))
			for _, k := range c.kinds {
				if !strings.Contains(out, k) {
					t.Errorf("the output lacks %q", k)
				}
			}
			docs, err := kubeadm.Decode("migrated.yaml", []byte(out))
			if err != nil || len(docs.Warnings) > 0 {
				t.Fatalf("the output does not read back cleanly: %v %v", err, docs)
			}

			// --new-config writes the same, and migrating that changes nothing.
			dir := t.TempDir()
			newPath := filepath.Join(dir, "new.yaml")
			if code, _, errOut := runArgs("config", "migrate", "--old-config", in, "--new-config", newPath, "--allow-experimental-api"); code != 0 {
				t.Fatalf("--new-config: exit %d, %q", code, errOut)
			}
			written, err := os.ReadFile(newPath)
			if err != nil || string(written) != out {
				t.Fatalf("--new-config wrote something else: %v\n%s", err, written)
			}
			if code, again, _ := runArgs("config", "migrate", "--old-config", newPath); code != 0 || again != out {
				t.Errorf("migrating the output again changes it:\n%s", again)
			}
		})
	}
}

func TestConfigMigrateErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := []struct {
		name string
		args []string
		want []string
	}{
		{"no --old-config", []string{}, []string{"--old-config is required"}},
		{"missing file", []string{"--old-config", filepath.Join(dir, "nope.yaml")}, []string{"nope.yaml", "no such file"}},
		{"unknown field", []string{"--old-config", write("field.yaml", "apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\nnetworking:\n  podSubnett: 10.0.0.0/8\n")},
			[]string{"field.yaml, document 1 (ClusterConfiguration)", `unknown field "networking.podSubnett"`}},
		{"unknown kind", []string{"--old-config", write("kind.yaml", "apiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\n---\napiVersion: kubeadm.k8s.io/v1beta4\nkind: NodeConfiguration\n")},
			[]string{"kind.yaml, document 2 (NodeConfiguration)", "unknown kind", "JoinConfiguration"}},
		{"old version", []string{"--old-config", write("old.yaml", "apiVersion: kubeadm.k8s.io/v1beta2\nkind: InitConfiguration\n")},
			[]string{"old.yaml, document 1", "v1beta2 is no longer supported"}},
		{"invalid", []string{"--old-config", write("join.yaml", "apiVersion: kubeadm.k8s.io/v1beta4\nkind: JoinConfiguration\n")},
			[]string{"join.yaml (JoinConfiguration)", "discovery"}},
		{"only component configs", []string{"--old-config", write("kubelet.yaml", "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n")},
			[]string{"kubelet.yaml", "no kubeadm.k8s.io document"}},
		{"arguments", []string{"x.yaml"}, []string{"unknown command"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := runArgs(append([]string{"config", "migrate"}, c.args...)...)
			if code == 0 || out != "" {
				t.Fatalf("exit %d, stdout %q", code, out)
			}
			for _, w := range c.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr %q lacks %q", errOut, w)
				}
			}
			if strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
				t.Errorf("the error is more than one line: %q", errOut)
			}
		})
	}
}
