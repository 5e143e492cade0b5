package supervisor

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestSplitArgs(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"--a=1 --b=2", []string{"--a=1", "--b=2"}},
		{"  --a=1\t--b='x y'  ", []string{"--a=1", "--b=x y"}},
		{`--node-labels="a=b,c=d" --v=2`, []string{"--node-labels=a=b,c=d", "--v=2"}},
		{`""`, []string{""}},
	}
	for _, c := range cases {
		if got := splitArgs(c.in); !reflect.DeepEqual(got, c.want) {
			t.Errorf("splitArgs(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestReadEnvFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "kubeadm-flags.env")
	content := "# comment\nKUBELET_KUBEADM_ARGS=\"--container-runtime-endpoint=unix:///run/containerd/containerd.sock --pod-infra-container-image=registry.k8s.io/pause:3.10.2\"\n\nOTHER='x'\nnot a pair\n"
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	vars, err := readEnvFile(p)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"KUBELET_KUBEADM_ARGS": "--container-runtime-endpoint=unix:///run/containerd/containerd.sock --pod-infra-container-image=registry.k8s.io/pause:3.10.2",
		"OTHER":                "x",
	}
	if !reflect.DeepEqual(vars, want) {
		t.Errorf("got %v, want %v", vars, want)
	}
	missing, err := readEnvFile(filepath.Join(dir, "absent"))
	if err != nil || missing != nil {
		t.Errorf("missing file: got %v, %v; want nil, nil", missing, err)
	}
}

func TestKubeletArgs(t *testing.T) {
	envs := map[string]map[string]string{
		KubeadmFlagsEnv: {"KUBELET_KUBEADM_ARGS": "--node-ip=10.200.0.11 --v=1"},
		DefaultsEnv:     {"KUBELET_EXTRA_ARGS": "--v=4"},
	}
	env := func(p string) (map[string]string, error) { return envs[p], nil }
	extra := []string{"--cgroup-root=/kubeadm-bench/c/n"}
	cases := []struct {
		name  string
		files map[string]bool
		want  []string
	}{
		{
			name:  "standalone without kubeconfigs",
			files: map[string]bool{},
			want:  []string{"--config=" + KubeletConfig, "--node-ip=10.200.0.11", "--v=1", "--v=4", "--cgroup-root=/kubeadm-bench/c/n"},
		},
		{
			name:  "joining with a bootstrap kubeconfig",
			files: map[string]bool{BootstrapKubeconfig: true},
			want: []string{"--bootstrap-kubeconfig=" + BootstrapKubeconfig, "--kubeconfig=" + Kubeconfig, "--config=" + KubeletConfig,
				"--node-ip=10.200.0.11", "--v=1", "--v=4", "--cgroup-root=/kubeadm-bench/c/n"},
		},
		{
			name:  "control plane with kubelet.conf",
			files: map[string]bool{Kubeconfig: true},
			want: []string{"--bootstrap-kubeconfig=" + BootstrapKubeconfig, "--kubeconfig=" + Kubeconfig, "--config=" + KubeletConfig,
				"--node-ip=10.200.0.11", "--v=1", "--v=4", "--cgroup-root=/kubeadm-bench/c/n"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := KubeletArgs(func(p string) bool { return c.files[p] }, env, extra)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("got %q\nwant %q", got, c.want)
			}
		})
	}
}
