package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/kubeadm-cleanroom/kubeadm/app/cri"
	"github.com/kubeadm-cleanroom/kubeadm/app/cri/crifake"
	"github.com/kubeadm-cleanroom/kubeadm/app/nodeenv"
	"github.com/kubeadm-cleanroom/kubeadm/app/reset"
)

func TestResetBadInput(t *testing.T) {
	dir := t.TempDir()
	cfg := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("apiVersion: kubeadm.k8s.io/v1beta4\nkind: ResetConfiguration\n"+body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ok := cfg("ok.yaml", "force: true\n")
	cases := []failureCase{
		{[]string{"reset", "--skip-phases", "nope"}, []string{"--skip-phases", "unknown phase nope", "cleanup-node, preflight, remove-etcd-member"}},
		{[]string{"reset", "--config", ok, "--force"}, []string{"can not mix '--config'", "--force"}},
		{[]string{"reset", "--config", ok, "--cert-dir", "/x"}, []string{"can not mix '--config'", "--cert-dir"}},
		{[]string{"reset", "--config", cfg("flags.yaml", "unmountFlags: [MNT_FORCE, BOGUS]\n")}, []string{"unmountFlags[1]", "BOGUS", "MNT_DETACH"}},
		{[]string{"reset", "--config", cfg("dir.yaml", "certificatesDir: pki\n")}, []string{"certificatesDir", "absolute"}},
		{[]string{"reset", "--config", cfg("skip.yaml", "skipPhases: [cleanup]\n")}, []string{"skip.yaml: skipPhases", "unknown phase cleanup"}},
		{[]string{"reset", "--config", cfg("field.yaml", "force: true\nforce: false\n")}, []string{"field.yaml", `"force" already set`}},
		{[]string{"reset", "--cert-dir", "relative/pki", "--cri-socket", "unix:///run/x.sock"}, []string{"certificatesDir", "absolute"}},
		{[]string{"reset", "--ignore-preflight-errors", "all,Swap", "--cri-socket", "unix:///run/x.sock"}, []string{"ignorePreflightErrors", "'all' already ignores every check"}},
		{[]string{"reset", "extra"}, []string{"unknown command \"extra\""}},
		{[]string{"reset", "phase", "nope"}, []string{"unknown command \"nope\""}},
		{[]string{"config", "images", "pull", "--feature-gates", "Nope=true", "--cri-socket", "unix:///run/x.sock"}, []string{"featureGates", "Nope", "RootlessControlPlane"}},
		{[]string{"config", "images", "pull", "--cri-socket", "unix:///nonexistent/cri.sock"}, []string{"unix:///nonexistent/cri.sock", "CRI v1 API does not answer"}},
	}
	checkFailures(t, cases)
}

// stoppedInit is an init system that is present and stops the kubelet.
type stoppedInit struct{ stops int }

func (s *stoppedInit) Present(context.Context) bool               { return true }
func (s *stoppedInit) RestartKubelet(context.Context) error       { return nil }
func (s *stoppedInit) StopKubelet(context.Context) error          { s.stops++; return nil }
func (s *stoppedInit) ServiceActive(context.Context, string) bool { return false }

// workerNode is a joined worker node in a temporary directory with a fake
// runtime holding one kubelet pod.
func workerNode(t *testing.T) (reset.Deps, string, *crifake.Runtime, string) {
	t.Helper()
	root := t.TempDir()
	kube, kubelet := filepath.Join(root, "kubernetes"), filepath.Join(root, "kubelet")
	for _, f := range []string{filepath.Join(kube, "kubelet.conf"), filepath.Join(kube, "pki", "ca.crt"), filepath.Join(kubelet, "config.yaml")} {
		if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	rt := &crifake.Runtime{Sandboxes: []*runtimeapi.PodSandbox{{Id: "sb1", Metadata: &runtimeapi.PodSandboxMetadata{Name: "kube-proxy-x", Namespace: "kube-system"},
		Labels: map[string]string{cri.LabelPodUID: "u1"}}}}
	ep, stop, err := rt.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	deps := reset.Deps{
		Machine:        nodeenv.Machine{InitSystem: &stoppedInit{}, KubernetesDir: kube, KubeletDir: kubelet},
		EtcdDataDir:    filepath.Join(root, "etcd"),
		Mounts:         noMounts{},
		KubeletAnswers: func(context.Context, string) bool { return false },
	}
	return deps, root, rt, ep
}

type noMounts struct{}

func (noMounts) MountPoints() ([]string, error) { return nil, nil }
func (noMounts) Unmount(string, []string) error { return reset.ErrNotMounted }

func execReset(t *testing.T, deps reset.Deps, stdin string, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	s := streams{in: strings.NewReader(stdin), out: &out, errOut: &out}
	cmd := newResetWith(s, deps)
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}

func TestResetWorker(t *testing.T) {
	cases := []struct {
		name      string
		stdin     string
		args      []string
		wantErr   string
		wantOut   []string
		wantClean bool
	}{
		{name: "answered no", stdin: "n\n", wantErr: "reset aborted", wantOut: []string{"[reset] Are you sure you want to proceed? [y/N]: "}},
		{name: "no answer", wantErr: "reset aborted"},
		{name: "answered yes", stdin: "YES\n", wantClean: true,
			wantOut: []string{"stopped and removed 1 pod sandbox(es)", "kube-system/kube-proxy-x", "/etc/cni/net.d", "ipvsadm --clear", "$HOME/.kube/config"}},
		{name: "forced", args: []string{"-f"}, wantClean: true},
		{name: "dry run", args: []string{"--dry-run"}, wantOut: []string{"would delete the files"}},
		{name: "single phase", args: []string{"phase", "cleanup-node"}, wantClean: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			deps, root, rt, ep := workerNode(t)
			args := append(c.args, "--cri-socket", ep, "--cert-dir", filepath.Join(root, "kubernetes", "pki"), "--ignore-preflight-errors", "IsPrivilegedUser")
			out, err := execReset(t, deps, c.stdin, args...)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want %q", err, c.wantErr)
				}
			} else if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			for _, w := range c.wantOut {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			_, kubeconf := os.Stat(filepath.Join(root, "kubernetes", "kubelet.conf"))
			clean := os.IsNotExist(kubeconf) && len(rt.Calls()) == 2
			if clean != c.wantClean {
				t.Errorf("node clean = %v, want %v; CRI calls %v\n%s", clean, c.wantClean, rt.Calls(), out)
			}
			if c.wantClean && !slices.Equal(rt.Calls(), []string{"stop sb1", "remove sb1"}) {
				t.Errorf("CRI calls %v", rt.Calls())
			}
		})
	}
}
