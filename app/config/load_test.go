package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestValidateFileChecksEveryKind(t *testing.T) {
	const v = "apiVersion: kubeadm.k8s.io/v1beta4\n"
	cases := []struct {
		name, doc string
		want      []string // empty: valid
	}{
		{"bad upgrade", v + "kind: UpgradeConfiguration\napply:\n  imagePullPolicy: Sometimes\n",
			[]string{"(UpgradeConfiguration)", "apply.imagePullPolicy", "Sometimes"}},
		{"bad reset", v + "kind: ResetConfiguration\ncertificatesDir: relative/pki\n",
			[]string{"(ResetConfiguration)", "certificatesDir"}},
		{"bad join", v + "kind: JoinConfiguration\ndiscovery: {}\n", []string{"(JoinConfiguration)", "discovery"}},
		{"bad cluster", v + "kind: ClusterConfiguration\nkubernetesVersion: v1.20.0\n", []string{"(ClusterConfiguration)", "kubernetesVersion"}},
		{"unknown field is strict", v + "kind: ResetConfiguration\nforse: true\n", []string{`unknown field "forse"`}},
		{"repeated key", v + "kind: ResetConfiguration\nforce: true\nforce: false\n", []string{"line 4", "force"}},
		{"only component configs are upstream's ok", "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n", nil},
		{"only component configs, checked strictly", "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncgroupDrivr: x\n", []string{`unknown field "cgroupDrivr"`}},
		{"criSocket without a scheme", v + "kind: InitConfiguration\nnodeRegistration:\n  criSocket: /run/containerd/containerd.sock\n", nil},
		{"version without v", v + "kind: ClusterConfiguration\nkubernetesVersion: 1.37.0\n", nil},
		{"stable label", v + "kind: ClusterConfiguration\nkubernetesVersion: stable\n", nil},
		{"IPv6 unspecified address", v + "kind: InitConfiguration\nlocalAPIEndpoint:\n  advertiseAddress: '::'\n", nil},
		{"good upgrade and reset", v + "kind: UpgradeConfiguration\n---\n" + v + "kind: ResetConfiguration\n", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ValidateFile(writeFile(t, "c.yaml", c.doc), false, host{})
			if len(c.want) == 0 {
				if err != nil {
					t.Fatalf("valid file refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("invalid file accepted")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("not one line: %q", err)
			}
		})
	}
}

func TestLoadIsLenientAndResolvesValues(t *testing.T) {
	p := writeFile(t, "kinder.yaml", `apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
metadata:
  name: config
kubernetesVersion: stable-1.36
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
localAPIEndpoint:
  advertiseAddress: "::"
nodeRegistration:
  criSocket: /run/containerd/containerd.sock
`)
	cfg, err := LoadInitFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Default(host{}); err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if cfg.Cluster.KubernetesVersion != "v1.36.3" || cfg.Init.NodeRegistration.CRISocket != "unix:///run/containerd/containerd.sock" ||
		cfg.Init.LocalAPIEndpoint.AdvertiseAddress != "fd00:200::12" {
		t.Errorf("resolved %s %s %s", cfg.Cluster.KubernetesVersion, cfg.Init.NodeRegistration.CRISocket, cfg.Init.LocalAPIEndpoint.AdvertiseAddress)
	}
	all := strings.Join(cfg.Warnings, "\n")
	for _, want := range []string{`unknown field "metadata"`, "no URL scheme", `advertiseAddress "::"`} {
		if !strings.Contains(all, want) {
			t.Errorf("warnings lack %q:\n%s", want, all)
		}
	}
	if len(cfg.Notes) != 1 || !strings.Contains(cfg.Notes[0], "v1.36.3") {
		t.Errorf("notes %v", cfg.Notes)
	}
}

func TestReadFileRefusesHugeAndSpecialFiles(t *testing.T) {
	if _, err := ReadFile("/dev/zero"); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("/dev/zero: %v", err)
	}
	if _, err := ReadFile(t.TempDir()); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("directory: %v", err)
	}
}

func TestOnlyComponentConfigsGetUpstreamsVerdict(t *testing.T) {
	p := writeFile(t, "k.yaml", "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n")
	if _, err := LoadInitFile(p); err == nil || !strings.Contains(err.Error(), "no InitConfiguration or ClusterConfiguration kind was found") {
		t.Errorf("init: %v", err)
	}
	if _, err := LoadJoinFile(p); err == nil || !strings.Contains(err.Error(), "no JoinConfiguration found in the supplied config") {
		t.Errorf("join: %v", err)
	}
}
