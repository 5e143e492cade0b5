package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMigrateWarningsAndRunValues(t *testing.T) {
	in := "apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\napiServer:\n  timeoutForControlPlane: 5m\n" +
		"---\napiVersion: kubeadm.k8s.io/v1beta4\nkind: ResetConfiguration\n"
	out, warnings, err := Migrate("old.yaml", []byte(in), false)
	if err != nil {
		t.Fatal(err)
	}
	// Only a ClusterConfiguration came in: an InitConfiguration goes out,
	// without the bootstrap token, node name or CRI socket of a run.
	for _, absent := range []string{"bootstrapTokens", "token:", "name:", "criSocket", "advertiseAddress"} {
		if strings.Contains(string(out), absent) {
			t.Errorf("the output has %q:\n%s", absent, out)
		}
	}
	if !strings.Contains(string(out), "kind: InitConfiguration") || !strings.Contains(string(out), "kind: ResetConfiguration") {
		t.Errorf("kinds:\n%s", out)
	}
	// The timeout moved into that InitConfiguration; no deprecation notice.
	if !strings.Contains(string(out), "controlPlaneComponentHealthCheck: 5m0s") || len(warnings) != 0 {
		t.Errorf("warnings %v, output:\n%s", warnings, out)
	}

	_, warnings, err = Migrate("old.yaml", []byte("apiVersion: kubeadm.k8s.io/v1beta3\nkind: JoinConfiguration\ndiscovery:\n  file:\n    kubeConfigPath: https://lb.example.com/discovery.conf\n"+
		"---\napiVersion: kubeadm.k8s.io/v1beta4\nkind: UpgradeConfiguration\n"), false)
	if err != nil || len(warnings) != 0 {
		t.Errorf("join and upgrade: %v %v", err, warnings)
	}
}

// TestLoadInitFileV1beta3Timeout checks that init made up from a v1beta3
// ClusterConfiguration alone gets its apiServer.timeoutForControlPlane.
func TestLoadInitFileV1beta3Timeout(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cluster.yaml")
	if err := os.WriteFile(path, []byte("apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\napiServer:\n  timeoutForControlPlane: 6m\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadInitFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if tm := cfg.Init.Timeouts; tm == nil || tm.ControlPlaneComponentHealthCheck == nil || tm.ControlPlaneComponentHealthCheck.Duration.String() != "6m0s" {
		t.Errorf("init timeouts %+v", tm)
	}
}
