package nodeenv

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
)

func TestPrepare(t *testing.T) {
	// A dry run writes under KubernetesDir/tmp: a temporary directory, never
	// the host's.
	k, kl := t.TempDir(), t.TempDir()
	t.Setenv("KUBEADM_JOIN_DRYRUN_DIR", "")
	m := Machine{KubernetesDir: k, KubeletDir: kl}
	m.Default()
	if m.Host == nil || m.InitSystem == nil || m.Now == nil {
		t.Fatal("Default left a field empty")
	}
	r, err := m.Prepare("init", false, nil)
	if err != nil || r.KubeDir != k || r.KubeletDir != kl || r.ManifestsDir != filepath.Join(k, "manifests") || r.DryRunDir != "" {
		t.Fatalf("real run: %+v, %v", r, err)
	}
	r, err = m.Prepare("join", true, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(r.DryRunDir)
	if !strings.Contains(filepath.Base(r.DryRunDir), "kubeadm-join-dryrun") || filepath.Dir(r.DryRunDir) != filepath.Join(k, "tmp") || r.KubeDir != r.DryRunDir || r.KubeletDir != r.DryRunDir {
		t.Errorf("dry run: %+v", r)
	}
	if _, err := m.Prepare("init", false, &kubeadm.Patches{Directory: "/nonexistent/patches"}); err == nil {
		t.Error("a missing patches directory must be refused before anything is written")
	}
}
