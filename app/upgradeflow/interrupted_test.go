package upgradeflow

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubeadm-cleanroom/kubeadm/app/nodeenv"
	"github.com/kubeadm-cleanroom/kubeadm/app/progress"
)

// TestPutBackInterrupted checks that a control plane that an upgrade left
// without a manifest (killed between taking it away and writing its
// successor) gets it back from the newest backup, and that a node without
// any control-plane manifest (a worker, a reset node) is left alone.
func TestPutBackInterrupted(t *testing.T) {
	for _, tc := range []struct {
		name     string
		present  []string
		backups  map[string][]string // backup dir -> components
		restored []string
	}{
		{"apiserver taken away", []string{"etcd", "kube-controller-manager", "kube-scheduler"},
			map[string][]string{"2026-11-30-10-00-00": {"kube-apiserver"}, "2026-12-01-10-00-00": {"etcd", "kube-apiserver"}}, []string{"kube-apiserver"}},
		{"etcd and apiserver taken away", []string{"kube-controller-manager", "kube-scheduler"},
			map[string][]string{"2026-12-01-10-00-00": {"etcd", "kube-apiserver"}}, []string{"etcd", "kube-apiserver"}},
		{"external etcd", []string{"kube-apiserver", "kube-controller-manager", "kube-scheduler"},
			map[string][]string{"2026-12-01-10-00-00": {"kube-apiserver"}}, nil},
		{"reset node", nil, map[string][]string{"2026-12-01-10-00-00": {"etcd", "kube-apiserver"}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kube := t.TempDir()
			manifests := filepath.Join(kube, "manifests")
			write := func(path, body string) {
				if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			for _, c := range tc.present {
				write(filepath.Join(manifests, c+".yaml"), "current "+c)
			}
			for stamp, comps := range tc.backups {
				for _, c := range comps {
					write(filepath.Join(kube, "tmp", "kubeadm-backup-manifests-"+stamp, c+".yaml"), "backup "+stamp+" "+c)
				}
			}
			var log strings.Builder
			d := &Data{Options: Options{Deps: Deps{Machine: nodeenv.Machine{KubernetesDir: kube}}}, run: nodeenv.Run{ManifestsDir: manifests}}
			if err := d.putBackInterrupted(progress.Phase{R: &progress.Human{W: &log}, Name: "preflight"}); err != nil {
				t.Fatal(err)
			}
			for _, c := range tc.restored {
				b, err := os.ReadFile(filepath.Join(manifests, c+".yaml"))
				if err != nil || string(b) != "backup 2026-12-01-10-00-00 "+c {
					t.Errorf("%s: %q %v", c, b, err)
				}
			}
			entries, _ := os.ReadDir(manifests)
			if len(entries) != len(tc.present)+len(tc.restored) {
				t.Errorf("manifests %v\n%s", entries, log.String())
			}
		})
	}
}
