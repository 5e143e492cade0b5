package main

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// watchedHost is a config.Host that counts runtime detections: a refused
// command line must not dial a runtime socket.
type watchedHost struct{ probes *int }

func (watchedHost) Hostname() (string, error)           { return "node-1", nil }
func (watchedHost) DefaultRouteIP(bool) (net.IP, error) { return net.ParseIP("192.0.2.10"), nil }
func (h watchedHost) DetectCRISocket() (string, error) {
	*h.probes++
	return "unix:///run/test.sock", nil
}

// TestRefusedBeforeAnything runs bad command lines and checks that each is
// refused in one line naming what is wrong, before anything happens: no
// runtime socket is probed, no phase starts (phases are what write files,
// dial the cluster or start processes, and each prints when it starts) and
// nothing appears in the directories the command was pointed at.
func TestRefusedBeforeAnything(t *testing.T) {
	dir := t.TempDir()
	written := map[string]bool{}
	write := func(name, body string) string {
		written[name] = true
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	discovery := write("discovery.conf", "apiVersion: v1\nkind: Config\n")
	fileIgnore := write("ignore.yaml", "apiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\nnodeRegistration:\n  ignorePreflightErrors: [Swap]\n")
	huge := write("huge.yaml", "apiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\n#"+strings.Repeat("x", 1<<20)+"\n")
	nested := write("nested.yaml", "apiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\nx: "+strings.Repeat("[", 20000)+strings.Repeat("]", 20000)+"\n")
	laughs := write("laughs.yaml", "apiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\na: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\nh: [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n")
	t.Setenv("KUBECONFIG", filepath.Join(dir, "no-such-kubeconfig"))
	t.Setenv("HOME", dir)
	t.Setenv("KUBEADM_INIT_DRYRUN_DIR", filepath.Join(dir, "init-dryrun"))
	t.Setenv("KUBEADM_JOIN_DRYRUN_DIR", filepath.Join(dir, "join-dryrun"))
	t.Setenv("KUBEADM_UPGRADE_DRYRUN_DIR", filepath.Join(dir, "upgrade-dryrun"))
	probes := 0
	saved := localHost
	localHost = watchedHost{probes: &probes}
	defer func() { localHost = saved }()

	token := "abcdef.0123456789abcdef"
	cases := []failureCase{
		// 'all' mixed with single checks, from the flag or flag and file
		{[]string{"init", "--dry-run", "--ignore-preflight-errors=all,Swap"}, []string{"ignore-preflight-errors", "all,swap", "'all' already ignores every check"}},
		{[]string{"init", "--dry-run", "--config", fileIgnore, "--ignore-preflight-errors=all"}, []string{"ignore-preflight-errors", "all,swap"}},
		{[]string{"join", "10.0.0.1:6443", "--token", token, "--discovery-token-unsafe-skip-ca-verification", "--ignore-preflight-errors=Swap,ALL"}, []string{"all,swap"}},
		{[]string{"upgrade", "apply", "v1.37.1", "--ignore-preflight-errors=all,Swap"}, []string{"all,swap"}},
		{[]string{"reset", "--force", "--ignore-preflight-errors=all,Swap"}, []string{"ignorePreflightErrors", "all"}},
		// tokens
		{[]string{"token", "create", "--groups", "system:bootstrappers:x", "--usages", "signing"}, []string{"groups", `add "authentication" to the usages`}},
		{[]string{"token", "create", "--groups", "nodes"}, []string{"--groups", `"nodes"`, "system:bootstrappers:"}},
		{[]string{"token", "create", "--usages", "bogus"}, []string{"--usages", `"bogus"`, `"signing", "authentication"`}},
		{[]string{"token", "delete"}, []string{"missing the token to delete", "[a-z0-9]{6}"}},
		// endpoints
		{[]string{"join", "10.0.0.1", "--token", token, "--discovery-token-unsafe-skip-ca-verification"}, []string{"apiServerEndpoint", `"10.0.0.1"`, "must be host:port"}},
		{[]string{"join", "[2001:db8::1]", "--token", token, "--discovery-token-unsafe-skip-ca-verification"}, []string{"apiServerEndpoint", "must be host:port"}},
		{[]string{"join", "10.0.0.1:http", "--token", token, "--discovery-token-unsafe-skip-ca-verification"}, []string{"apiServerEndpoint", "the port must be a number"}},
		{[]string{"init", "--dry-run", "--control-plane-endpoint", "lb:bar"}, []string{"controlPlaneEndpoint", `"lb:bar"`, "port"}},
		{[]string{"init", "--dry-run", "--control-plane-endpoint", "lb.example.com:70000"}, []string{"controlPlaneEndpoint", "1 to 65535"}},
		// discovery file and token combinations
		{[]string{"join", "--discovery-file", filepath.Join(dir, "missing.conf")}, []string{"discovery.file.kubeConfigPath", "missing.conf", "cannot be read"}},
		{[]string{"join", "--discovery-file", "http://lb.example.com/cluster-info"}, []string{"discovery.file.kubeConfigPath", "must use https"}},
		{[]string{"join", "10.0.0.1:6443", "--discovery-file", discovery, "--token", token}, []string{"--discovery-file cannot be combined with the API server endpoint 10.0.0.1:6443"}},
		{[]string{"join", "--discovery-file", discovery, "--discovery-token", token}, []string{"--discovery-file cannot be combined with --discovery-token"}},
		{[]string{"join", "--discovery-file", discovery, "--discovery-token-ca-cert-hash", "sha256:" + strings.Repeat("a", 64)}, []string{"--discovery-token-ca-cert-hash"}},
		// pod subnet and node ranges
		{[]string{"init", "--dry-run", "--pod-network-cidr", "10.0.0.0/26"}, []string{"podSubnet", "10.0.0.0/26", "/24", "--node-cidr-mask-size"}},
		{[]string{"init", "--dry-run", "--pod-network-cidr", "10.0.0.0/4"}, []string{"podSubnet", "2^16"}},
		{[]string{"init", "--dry-run", "--pod-network-cidr", "fd00::/120,10.244.0.0/16"}, []string{"podSubnet", "fd00::/120", "/64", "node-cidr-mask-size-ipv6"}},
		// upgrade versions and their skew, before the cluster is read
		{[]string{"upgrade", "apply", "v1.99.x", "--yes"}, []string{"invalid upgrade version", `"v1.99.x"`}},
		{[]string{"upgrade", "apply", "v1.39.0", "--yes"}, []string{"upgrade version v1.39.0", "newer minor than this kubeadm v1.37.1"}},
		{[]string{"upgrade", "apply", "1.35.2", "--yes"}, []string{"upgrade version v1.35.2", "older than v1.36.0"}},
		{[]string{"upgrade", "apply", "v1.37.2-alpha.1", "--yes"}, []string{"pre-release", "--allow-experimental-upgrades"}},
		{[]string{"upgrade", "plan", "garbage"}, []string{"invalid upgrade version", `"garbage"`}},
		{[]string{"upgrade", "diff", "v2.0"}, []string{"invalid upgrade version", `"v2.0"`}},
		// configuration files: size and structure
		{[]string{"init", "--dry-run", "--config", huge}, []string{"huge.yaml", "larger than 1 MiB"}},
		{[]string{"config", "validate", "--config", huge}, []string{"huge.yaml", "larger than 1 MiB"}},
		{[]string{"init", "--dry-run", "--config", nested}, []string{"nested.yaml", "max depth"}},
		{[]string{"init", "--dry-run", "--config", laughs}, []string{"laughs.yaml"}},
	}
	before := 0
	checkFailuresWith(t, cases, func(t *testing.T, stdout string) {
		if stdout != "" {
			t.Errorf("something ran before the refusal; stdout:\n%s", stdout)
		}
		if probes != before {
			t.Errorf("the container runtime was probed before the refusal")
		}
		before = probes
	})
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if !written[e.Name()] {
			t.Errorf("a refused command wrote %s", filepath.Join(dir, e.Name()))
		}
	}
}
