package sandbox

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestCheckName(t *testing.T) {
	for name, ok := range map[string]bool{
		"node1": true, "cp-1": true, "a": true,
		"": false, "Node1": false, "-a": false, "a-": false, "a_b": false, "a/b": false,
		strings.Repeat("a", 33): false,
	} {
		if err := checkName("node", name); (err == nil) != ok {
			t.Errorf("checkName(%q) = %v, want ok=%v", name, err, ok)
		}
	}
}

func TestAddressing(t *testing.T) {
	if NodeAddress(1) != "10.200.0.11" || PodCIDR(3) != "10.244.3.0/24" || vethName(12) != "kbench-v12" {
		t.Errorf("addressing: %s %s %s", NodeAddress(1), PodCIDR(3), vethName(12))
	}
	if len(vethName(200)) > 15 {
		t.Errorf("veth name %q longer than an interface name may be", vethName(200))
	}
}

func TestContainerdConfig(t *testing.T) {
	cfg := containerdConfig("/state/n1/certs.d", "registry.k8s.io/pause:3.10.2")
	for _, want := range []string{
		"version = 3",
		`sandbox = "registry.k8s.io/pause:3.10.2"`,
		`config_path = "/state/n1/certs.d"`,
		"restrict_oom_score_adj = true",
		`bin_dirs = ["/usr/lib/cni"]`,
		"SystemdCgroup = false",
	} {
		if !strings.Contains(cfg, want) {
			t.Errorf("containerd config lacks %q:\n%s", want, cfg)
		}
	}
	if !strings.Contains(registryHostsTOML(), `server = "http://127.0.0.1:1"`) {
		t.Errorf("registry hosts do not point at the dead address: %s", registryHostsTOML())
	}
}

func TestCNIConflistDualStack(t *testing.T) {
	s, err := cniConflist("10.244.2.0/24", "fd00:10:244:2::/64")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"subnet": "10.244.2.0/24"`, `"subnet": "fd00:10:244:2::/64"`, `"dst": "::/0"`, `"dst": "0.0.0.0/0"`} {
		if !strings.Contains(s, want) {
			t.Errorf("dual-stack conflist lacks %s:\n%s", want, s)
		}
	}
	if NodeAddress6(3) != "fd00:200::13" || PodCIDR6(3) != "fd00:10:244:3::/64" {
		t.Errorf("IPv6 layout: %s %s", NodeAddress6(3), PodCIDR6(3))
	}
}

func TestCNIConflist(t *testing.T) {
	s, err := cniConflist("10.244.2.0/24", "")
	if err != nil {
		t.Fatal(err)
	}
	var conf struct {
		CNIVersion string `json:"cniVersion"`
		Plugins    []struct {
			Type   string `json:"type"`
			IPMasq bool   `json:"ipMasq"`
			IPAM   struct {
				Ranges [][]struct{ Subnet string } `json:"ranges"`
			} `json:"ipam"`
		} `json:"plugins"`
	}
	if err := json.Unmarshal([]byte(s), &conf); err != nil {
		t.Fatalf("conflist is not JSON: %v\n%s", err, s)
	}
	if len(conf.Plugins) != 2 || conf.Plugins[0].Type != "bridge" || conf.Plugins[1].Type != "portmap" {
		t.Fatalf("plugins: %+v", conf.Plugins)
	}
	if got := conf.Plugins[0].IPAM.Ranges[0][0].Subnet; got != "10.244.2.0/24" {
		t.Errorf("subnet %q", got)
	}
	if conf.Plugins[0].IPMasq {
		t.Error("pods must keep their addresses across nodes (ipMasq false)")
	}
}

func TestHaproxyConfig(t *testing.T) {
	cfg := haproxyConfig(6443, []*Node{{Name: "cp1", Address: "10.200.0.11"}, {Name: "cp2", Address: "10.200.0.12"}})
	for _, want := range []string{"bind 10.200.0.1:6443", "server cp1 10.200.0.11:6443", "server cp2 10.200.0.12:6443", "option httpchk GET /readyz", "mode tcp", "option redispatch"} {
		if !strings.Contains(cfg, want) {
			t.Errorf("haproxy config lacks %q:\n%s", want, cfg)
		}
	}
}

func TestMountScript(t *testing.T) {
	c := &Cluster{Name: "c1"}
	n := &Node{Name: "n1", cluster: c}
	s := n.mountScript()
	for _, want := range []string{
		"set -e",
		"mount --bind \"" + n.Dir() + "/etc-kubernetes\" \"/etc/kubernetes\"",
		"mount --bind \"" + n.Dir() + "/var-log-pods\" \"/var/log/pods\"",
		"mount --bind \"" + n.Dir() + "/hosts\" \"/etc/hosts\"",
		`mount -t tmpfs -o mode=0755 tmpfs "/run/containerd"`,
		"hostname n1",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("mount script lacks %q:\n%s", want, s)
		}
	}
	if n.CgroupRoot() != "/kubeadm-bench/c1/n1" {
		t.Errorf("cgroup root %q", n.CgroupRoot())
	}
}

func TestDiffSnapshots(t *testing.T) {
	a := []string{"link eth0", "route default", "mount /"}
	b := []string{"link eth0", "mount /", "link kbench0"}
	want := []string{"- route default", "+ link kbench0"}
	if got := DiffSnapshots(a, b); !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if d := DiffSnapshots(a, a); len(d) != 0 {
		t.Errorf("equal snapshots differ: %q", d)
	}
}

func TestCRIOConfig(t *testing.T) {
	cfg := crioConfig("registry.k8s.io/pause:3.10.2")
	for _, want := range []string{
		`listen = "/run/crio/crio.sock"`,
		`cgroup_manager = "cgroupfs"`,
		`runtime_path = "/usr/local/bin/bench-runc"`,
		`monitor_path = "/usr/bin/conmon"`,
		`pause_image = "registry.k8s.io/pause:3.10.2"`,
		`plugin_dirs = ["/usr/lib/cni"]`,
		`clean_shutdown_file = ""`,
		"enable_nri = false",
	} {
		if !strings.Contains(cfg, want) {
			t.Errorf("CRI-O config lacks %q:\n%s", want, cfg)
		}
	}
	// Every runtime path must be on the node's own /run or binds, never a
	// host path shared between nodes.
	for _, line := range strings.Split(cfg, "\n") {
		if strings.Contains(line, `"/run/`) && !strings.Contains(line, `"/run/crio`) && !strings.Contains(line, `"/run/runc"`) {
			t.Errorf("CRI-O config line %q uses a /run path no node owns", line)
		}
	}
	for _, r := range []string{RuntimeContainerd, RuntimeCRIO, RuntimeBoth} {
		if err := checkRuntime(r); err != nil {
			t.Errorf("checkRuntime(%q): %v", r, err)
		}
	}
	if err := checkRuntime("docker"); err == nil || !strings.Contains(err.Error(), "use containerd, crio or containerd+crio") {
		t.Errorf("checkRuntime(docker) = %v", err)
	}
	n := &Node{Runtime: RuntimeBoth}
	if !n.HasContainerd() || !n.HasCRIO() || (&Node{}).HasCRIO() || !(&Node{}).HasContainerd() || (&Node{Runtime: RuntimeCRIO}).HasContainerd() {
		t.Error("HasContainerd/HasCRIO disagree with Runtime")
	}
}

// TestCopyFileAtomic: the copy has the source's bytes and the mode, and no
// temporary file stays behind.
func TestCopyFileAtomic(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	if err := os.WriteFile(src, []byte("binary bytes"), 0o600); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, "bin", "tool")
	for i := 0; i < 2; i++ { // the second copy replaces the first
		if err := copyFileAtomic(src, dst, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(dst)
	if err != nil || string(b) != "binary bytes" {
		t.Fatalf("copy = %q, %v", b, err)
	}
	if st, _ := os.Stat(dst); st.Mode().Perm() != 0o755 {
		t.Errorf("mode = %v, want 0755", st.Mode().Perm())
	}
	if _, err := os.Stat(dst + ".tmp"); !os.IsNotExist(err) {
		t.Errorf("temporary file left: %v", err)
	}
	if err := copyFileAtomic(filepath.Join(dir, "missing"), dst, 0o755); err == nil {
		t.Error("copy of a missing file succeeded")
	}
}
