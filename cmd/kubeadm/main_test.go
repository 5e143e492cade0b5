package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runArgs(args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := run(args, strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestBadInputIsOneLineAndNonZero(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(cfg, []byte("apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nnetworking:\n  podSubnett: 10.0.0.0/8\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	dup := filepath.Join(dir, "dup.yaml")
	if err := os.WriteFile(dup, []byte("apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nnetworking:\n  serviceSubnet: 10.96.0.0/12\n  serviceSubnet: 10.97.0.0/16\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []failureCase{
		{[]string{"init", "--token", "nope"}, []string{"--token", "[a-z0-9]{6}.[a-z0-9]{16}"}},
		{[]string{"init", "--token-ttl", "forever"}, []string{"--token-ttl", "duration"}},
		{[]string{"init", "--feature-gates", "X"}, []string{"--feature-gates", "key=value"}},
		{[]string{"init", "--skip-phases", "certs/nope"}, []string{"--skip-phases", "unknown phase certs/nope"}},
		{[]string{"init", "--config", cfg, "--pod-network-cidr", "10.0.0.0/8"}, []string{"can not mix '--config'", "--pod-network-cidr"}},
		{[]string{"init", "--config", dup}, []string{"dup.yaml, document 1", "line 5", `"serviceSubnet" already set`}},
		{[]string{"init", "--config", cfg, "--kubernetes-version", "v1.37.1"}, []string{"can not mix '--config'", "--kubernetes-version"}},
		{[]string{"init", "-o", "xml"}, []string{"--output", "text or json"}},
		{[]string{"init", "--apiserver-bind-port", "x"}, []string{"apiserver-bind-port"}},
		{[]string{"version", "-o", "xml"}, []string{"--output", "short, json or yaml"}},
		{[]string{"config", "images", "list", "--kubernetes-version", "v1.20.0"}, []string{"kubernetesVersion", "v1.36.x to v1.37.x"}},
		{[]string{"config", "validate", "--config", cfg}, []string{"podSubnett"}},
		{[]string{"nonsense"}, []string{"unknown command"}},
	}
	checkFailures(t, cases)
}

func TestVersionAndImages(t *testing.T) {
	code, out, _ := runArgs("version", "-o", "short")
	if code != 0 || strings.TrimSpace(out) != "v1.37.1" {
		t.Errorf("version -o short: %d %q", code, out)
	}
	code, out, _ = runArgs("version", "-o", "json")
	var v map[string]map[string]string
	if code != 0 || json.Unmarshal([]byte(out), &v) != nil || v["clientVersion"]["gitVersion"] != "v1.37.1" {
		t.Errorf("version -o json: %d %q", code, out)
	}
	code, out, _ = runArgs("config", "images", "list", "-o", "json", "--kubernetes-version", "v1.36.3")
	var list struct {
		Kind   string
		Images []string
	}
	if code != 0 || json.Unmarshal([]byte(out), &list) != nil || list.Kind != "Images" {
		t.Fatalf("images list -o json: %d %q", code, out)
	}
	want := []string{"registry.k8s.io/kube-apiserver:v1.36.3", "registry.k8s.io/kube-controller-manager:v1.36.3", "registry.k8s.io/kube-scheduler:v1.36.3",
		"registry.k8s.io/kube-proxy:v1.36.3", "registry.k8s.io/coredns/coredns:v1.14.6", "registry.k8s.io/pause:3.10.2", "registry.k8s.io/etcd:3.7.0-0"}
	if strings.Join(list.Images, ",") != strings.Join(want, ",") {
		t.Errorf("images %v, want %v", list.Images, want)
	}
}

func TestPrintInitDefaultsValidates(t *testing.T) {
	code, out, _ := runArgs("config", "print", "init-defaults", "--component-configs", "KubeletConfiguration,KubeProxyConfiguration")
	if code != 0 {
		t.Fatalf("print init-defaults: %d", code)
	}
	for _, w := range []string{"kind: InitConfiguration", "kind: ClusterConfiguration", "kind: KubeletConfiguration", "kind: KubeProxyConfiguration", "token: abcdef.0123456789abcdef"} {
		if !strings.Contains(out, w) {
			t.Errorf("init-defaults lack %q", w)
		}
	}
	path := filepath.Join(t.TempDir(), "defaults.yaml")
	if err := os.WriteFile(path, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, vout, verr := runArgs("config", "validate", "--config", path); code != 0 || strings.TrimSpace(vout) != "ok" {
		t.Errorf("the printed defaults do not validate: %d %q %q", code, vout, verr)
	}
}

func TestPrintJoinDefaultsValidates(t *testing.T) {
	code, out, _ := runArgs("config", "print", "join-defaults")
	if code != 0 || !strings.Contains(out, "kind: JoinConfiguration") || !strings.Contains(out, "apiServerEndpoint: kube-apiserver:6443") {
		t.Fatalf("print join-defaults: %d\n%s", code, out)
	}
	path := filepath.Join(t.TempDir(), "join.yaml")
	if err := os.WriteFile(path, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, vout, verr := runArgs("config", "validate", "--config", path); code != 0 || strings.TrimSpace(vout) != "ok" {
		t.Errorf("the printed join defaults do not validate: %d %q %q", code, vout, verr)
	}
}

func TestJoinBadInput(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"join", "10.0.0.1:6443", "--token", "abcdef.0123456789abcdef"}, "--discovery-token-ca-cert-hash"},
		{[]string{"join", "10.0.0.1:6443", "--token", "bad", "--discovery-token-unsafe-skip-ca-verification"}, "discovery.bootstrapToken.token"},
		{[]string{"join", "10.0.0.1:6443", "--token", "abcdef.0123456789abcdef", "--discovery-token-ca-cert-hash", "md5:1"}, "caCertHashes[0]"},
		{[]string{"join", "--token", "abcdef.0123456789abcdef", "--discovery-token-unsafe-skip-ca-verification"}, "apiServerEndpoint"},
		{[]string{"join", "10.0.0.1:6443", "--certificate-key", "ab", "--token", "abcdef.0123456789abcdef"}, "--control-plane"},
		{[]string{"join", "a", "b"}, "accepts at most 1 arg"},
		{[]string{"token", "create", "--ttl", "-1h"}, "--ttl"},
		{[]string{"token", "create", "nope"}, "[a-z0-9]{6}.[a-z0-9]{16}"},
		{[]string{"token", "list", "-o", "xml"}, "--output"},
	}
	for _, c := range cases {
		if c.args[0] == "join" {
			c.args = append(c.args, "--cri-socket", "unix:///run/test.sock")
		}
		code, _, errOut := runArgs(c.args...)
		if code == 0 || !strings.Contains(errOut, c.want) || strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
			t.Errorf("%v: exit %d, stderr %q (want one line naming %q)", c.args, code, errOut, c.want)
		}
	}
}

func TestInitPhaseSubcommands(t *testing.T) {
	code, out, _ := runArgs("init", "phase", "--help")
	if code != 0 {
		t.Fatal(code)
	}
	for _, p := range []string{"preflight", "certs", "kubeconfig", "etcd", "control-plane", "kubelet-start", "wait-control-plane", "upload-config",
		"upload-certs", "mark-control-plane", "bootstrap-token", "kubelet-finalize", "addon", "show-join-command"} {
		if !strings.Contains(out, "  "+p+" ") {
			t.Errorf("init phase lacks %s:\n%s", p, out)
		}
	}
	code, out, _ = runArgs("init", "phase", "certs", "--help")
	if code != 0 || !strings.Contains(out, "etcd-healthcheck-client") || !strings.Contains(out, "all ") {
		t.Errorf("init phase certs --help: %s", out)
	}
}

// failureCase is a command line that must fail with a one-line error
// containing every string of want.
type failureCase struct {
	args []string
	want []string
}

// checkFailures runs each case: a non-zero exit and one stderr line that
// names what is wrong.
func checkFailures(t *testing.T, cases []failureCase) {
	t.Helper()
	checkFailuresWith(t, cases, nil)
}

// checkFailuresWith is checkFailures with more checks of each run: after
// is called with its stdout once the run has ended.
func checkFailuresWith(t *testing.T, cases []failureCase, after func(t *testing.T, stdout string)) {
	t.Helper()
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			code, out, errOut := runArgs(c.args...)
			if after != nil {
				defer after(t, out)
			}
			if code == 0 {
				t.Fatalf("exit 0; stdout %q", out)
			}
			for _, w := range c.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr %q lacks %q", errOut, w)
				}
			}
			if n := strings.Count(strings.TrimSpace(errOut), "\n"); n > 0 {
				t.Errorf("error is %d lines:\n%s", n+1, errOut)
			}
		})
	}
}
