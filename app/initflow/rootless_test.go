package initflow

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubeadm-cleanroom/kubeadm/app/nodeenv"
	"github.com/kubeadm-cleanroom/kubeadm/app/progress"
	"github.com/kubeadm-cleanroom/kubeadm/app/users"
)

// chownRecorder is a users.FileOwner that records instead of changing.
type chownRecorder struct{ owners map[string][2]int }

func (c chownRecorder) Lchown(path string, uid, gid int) error {
	if _, err := os.Lstat(path); err != nil {
		return err
	}
	c.owners[path] = [2]int{uid, gid}
	return nil
}
func (chownRecorder) Chmod(string, os.FileMode) error { return nil }

// TestRootlessControlPlane runs the file phases of init with the
// RootlessControlPlane gate on: the users appear in the node's users
// database, each component's files are handed over and its manifest runs
// as its user. A dry run plans the same IDs and writes no user.
func TestRootlessControlPlane(t *testing.T) {
	db := t.TempDir()
	files := users.Files{Passwd: filepath.Join(db, "passwd"), Group: filepath.Join(db, "group"), LoginDefs: filepath.Join(db, "login.defs")}
	if err := os.WriteFile(files.Passwd, []byte("root:x:0:0:root:/root:/bin/bash\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(files.Group, []byte("root:x:0:\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, dryRun := range []bool{true, false} {
		cfg := testConfig(t)
		cfg.Cluster.FeatureGates = map[string]bool{"RootlessControlPlane": true}
		cfg.Cluster.Etcd.Local.DataDir = filepath.Join(t.TempDir(), "etcd")
		kubeDir := t.TempDir()
		owner := chownRecorder{owners: map[string][2]int{}}
		var log strings.Builder
		o := Options{Config: cfg, DryRun: dryRun, Out: &progress.Human{W: &log},
			Deps: Deps{Machine: nodeenv.Machine{KubernetesDir: kubeDir, KubeletDir: filepath.Join(kubeDir, "kubelet"), Users: files, Owner: owner}}}
		var d *Data
		var err error
		if dryRun {
			// one run, whose phases share the dry-run directory
			o.IgnorePreflightErrors = []string{"all"}
			if d, err = Run(context.Background(), o); err != nil {
				t.Fatalf("dry run: %v\n%s", err, log.String())
			}
		}
		for _, phase := range []string{"certs", "kubeconfig", "etcd", "control-plane"} {
			if dryRun {
				break
			}
			if d, err = RunPhase(context.Background(), o, phase); err != nil {
				t.Fatalf("phase %s: %v\n%s", phase, err, log.String())
			}
		}
		passwd, _ := os.ReadFile(files.Passwd)
		manifests := filepath.Join(kubeDir, "manifests")
		if dryRun {
			if strings.Contains(string(passwd), "kubeadm-") || len(owner.owners) > 0 {
				t.Errorf("a dry run created users or handed files over: %s %v", passwd, owner.owners)
			}
			if !strings.Contains(log.String(), "[dryrun] would run kube-apiserver as its own user and group (101:101)") {
				t.Errorf("dry-run output:\n%s", log.String())
			}
			manifests = filepath.Join(d.DryRunDir, "manifests")
			defer os.RemoveAll(d.DryRunDir)
		} else {
			if !strings.Contains(string(passwd), "kubeadm-kas:x:101:101:::/bin/false\n") {
				t.Errorf("passwd:\n%s", passwd)
			}
			pki := cfg.Cluster.CertificatesDir
			for path, ug := range map[string][2]int{filepath.Join(pki, "apiserver.key"): {101, 101}, filepath.Join(pki, "sa.key"): {0, 104},
				filepath.Join(kubeDir, "scheduler.conf"): {103, 103}, cfg.Cluster.Etcd.Local.DataDir: {100, 100}, filepath.Join(pki, "etcd", "peer.key"): {100, 100}} {
				if owner.owners[path] != ug {
					t.Errorf("%s handed to %v, want %v", path, owner.owners[path], ug)
				}
			}
		}
		for name, uid := range map[string]int64{"etcd": 100, "kube-apiserver": 101, "kube-controller-manager": 102, "kube-scheduler": 103} {
			b, err := os.ReadFile(filepath.Join(manifests, name+".yaml"))
			if err != nil {
				t.Fatal(err)
			}
			var pod corev1.Pod
			if err := yaml.Unmarshal(b, &pod); err != nil {
				t.Fatal(err)
			}
			if sc := pod.Spec.SecurityContext; sc == nil || sc.RunAsUser == nil || *sc.RunAsUser != uid {
				t.Errorf("dry-run %v: %s runs as %+v, want UID %d", dryRun, name, sc, uid)
			}
		}
	}
}
