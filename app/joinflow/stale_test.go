package joinflow

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/config"
	"github.com/kubeadm-cleanroom/kubeadm/app/etcd"
	"github.com/kubeadm-cleanroom/kubeadm/app/progress"
)

type fakeMembers struct {
	members []etcd.Member
	removed []uint64
}

func (f *fakeMembers) Members(context.Context) ([]etcd.Member, error) { return f.members, nil }
func (f *fakeMembers) Remove(_ context.Context, id uint64, _ bool) error {
	f.removed = append(f.removed, id)
	return nil
}

// TestClearStaleMember checks what a join that took the Lease over from an
// expired holder clears: that holder's learner (started or not), never a
// voter or another node's started learner; and this node's own stale data
// directory when it is no member, with its etcd Pod stopped first.
func TestClearStaleMember(t *testing.T) {
	voters := []etcd.Member{{ID: 1, Name: "cp1", PeerURLs: []string{"https://10.0.0.11:2380"}}, {ID: 2, Name: "cp2", PeerURLs: []string{"https://10.0.0.12:2380"}}}
	tests := []struct {
		name      string
		takenFrom string
		extra     etcd.Member
		removed   []uint64
	}{
		{"the expired holder's started learner", "cp4", etcd.Member{ID: 4, Name: "cp4", PeerURLs: []string{"https://10.0.0.14:2380"}, IsLearner: true}, []uint64{4}},
		{"a learner never started", "cp4", etcd.Member{ID: 4, PeerURLs: []string{"https://10.0.0.14:2380"}, IsLearner: true}, []uint64{4}},
		{"another node's started learner", "cp4", etcd.Member{ID: 5, Name: "cp5", PeerURLs: []string{"https://10.0.0.15:2380"}, IsLearner: true}, nil},
		{"no Lease taken over", "", etcd.Member{ID: 4, Name: "cp4", PeerURLs: []string{"https://10.0.0.14:2380"}, IsLearner: true}, nil},
		{"the expired holder's voter", "cp4", etcd.Member{ID: 4, Name: "cp4", PeerURLs: []string{"https://10.0.0.14:2380"}}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			j := &kubeadm.JoinConfiguration{NodeRegistration: kubeadm.NodeRegistrationOptions{Name: "cp3"}}
			rt := &fakeRuntime{pods: []string{"etcd-cp3"}}
			d := &Data{Options: Options{Deps: Deps{Runtime: rt.dial}}, cfg: &config.Join{Join: j}, manifestsDir: filepath.Join(dir, "manifests")}
			d.cluster = &kubeadm.ClusterConfiguration{Etcd: kubeadm.Etcd{Local: &kubeadm.LocalEtcd{DataDir: filepath.Join(dir, "etcd")}}}
			f := &fakeMembers{members: append(slices.Clone(voters), tc.extra)}
			if err := d.clearStaleMember(context.Background(), progress.Phase{R: &progress.Human{W: io.Discard}}, f, tc.takenFrom, "https://10.0.0.13:2380"); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(f.removed, tc.removed) {
				t.Errorf("removed %v, want %v", f.removed, tc.removed)
			}
			if s := rt.stoppedPods(); len(s) > 0 {
				t.Errorf("stopped %v: nothing to stop", s)
			}
		})
	}

	t.Run("own stale data directory", func(t *testing.T) {
		dir := t.TempDir()
		data := filepath.Join(dir, "etcd")
		for _, p := range []string{filepath.Join(data, "member", "snap", "db"), filepath.Join(dir, "manifests", "etcd.yaml")} {
			if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		j := &kubeadm.JoinConfiguration{NodeRegistration: kubeadm.NodeRegistrationOptions{Name: "cp3"}}
		rt := &fakeRuntime{pods: []string{"etcd-cp3", "kube-apiserver-cp3"}}
		d := &Data{Options: Options{Deps: Deps{Runtime: rt.dial}}, cfg: &config.Join{Join: j}, manifestsDir: filepath.Join(dir, "manifests")}
		d.cluster = &kubeadm.ClusterConfiguration{Etcd: kubeadm.Etcd{Local: &kubeadm.LocalEtcd{DataDir: data}}}
		if err := d.clearStaleMember(context.Background(), progress.Phase{R: &progress.Human{W: io.Discard}}, &fakeMembers{members: voters}, "", "https://10.0.0.13:2380"); err != nil {
			t.Fatal(err)
		}
		if entries, stopped := mustReadDir(data), rt.stoppedPods(); len(entries) != 0 || !slices.Equal(stopped, []string{"etcd-cp3"}) {
			t.Errorf("data directory holds %d entries after; stopped %v", len(entries), stopped)
		}
		if _, err := os.Stat(filepath.Join(dir, "manifests", "etcd.yaml")); !os.IsNotExist(err) {
			t.Errorf("the stale etcd manifest is still there: %v", err)
		}
	})
}

func mustReadDir(dir string) []os.DirEntry {
	entries, _ := os.ReadDir(dir)
	return entries
}
