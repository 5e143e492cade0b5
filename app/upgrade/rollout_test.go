package upgrade

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// fakeNode plays the kubelet: a component runs the manifest in the store,
// and comes up unless its manifest says "broken".
type fakeNode struct {
	files    map[string]string
	events   []string
	stuckOld bool // old manifests never come back either
}

func hashOf(s string) string { return fmt.Sprintf("%x", sha256.Sum256([]byte(s)))[:8] }

func (n *fakeNode) Read(c string) ([]byte, error) {
	s, ok := n.files[c]
	if !ok {
		return nil, fmt.Errorf("read %s: no such file", c)
	}
	return []byte(s), nil
}
func (n *fakeNode) Write(c string, b []byte) error {
	n.events = append(n.events, "write "+c+"="+string(b))
	n.files[c] = string(b)
	return nil
}
func (n *fakeNode) Remove(c string) error {
	n.events = append(n.events, "remove "+c)
	delete(n.files, c)
	return nil
}
func (n *fakeNode) Backup(c string, b []byte) (string, error) {
	n.events = append(n.events, "backup "+c+"="+string(b))
	return "/backup/" + c + ".yaml", nil
}
func (n *fakeNode) Hash(_ context.Context, c string) (string, error) { return hashOf(n.files[c]), nil }
func (n *fakeNode) Wait(ctx context.Context, c string, manifest []byte, accept func(string) bool) error {
	m := n.files[c]
	if m != string(manifest) {
		return fmt.Errorf("waiting for %s on %q while the file holds %q", c, manifest, m)
	}
	if strings.Contains(m, "broken") || (n.stuckOld && strings.HasSuffix(m, "-old")) || !accept(hashOf(m)) {
		<-ctx.Done()
		return ctx.Err()
	}
	return nil
}
func (n *fakeNode) WaitStopped(_ context.Context, c, _ string) error {
	if _, ok := n.files[c]; ok {
		return errors.New("still has a manifest")
	}
	n.events = append(n.events, "stopped "+c)
	return nil
}

func steps(targets map[string]string, order ...string) []Step {
	var out []Step
	for _, c := range order {
		out = append(out, Step{Component: c, Target: []byte(targets[c])})
	}
	return out
}

func TestRollout(t *testing.T) {
	order := []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"}
	old := map[string]string{"etcd": "etcd-old", "kube-apiserver": "api-old", "kube-controller-manager": "kcm-old", "kube-scheduler": "sched-old"}
	newer := map[string]string{"etcd": "etcd-new", "kube-apiserver": "api-new", "kube-controller-manager": "kcm-new", "kube-scheduler": "sched-new"}
	with := func(m map[string]string, k, v string) map[string]string {
		c := map[string]string{}
		for a, b := range m {
			c[a] = b
		}
		c[k] = v
		return c
	}
	tests := []struct {
		name         string
		start        map[string]string
		targets      map[string]string
		restore      bool
		renewErr     string
		stuckOld     bool
		wantErr      string
		wantFiles    map[string]string
		wantRestored bool
		wantRolled   []string
		wantInEvents []string
		wantNoEvents []string
	}{
		{name: "all components come up", start: old, targets: newer, restore: true, wantFiles: newer, wantNoEvents: []string{"restore"}},
		{name: "up-to-date component is left alone", start: with(old, "etcd", "etcd-new"), targets: newer, restore: true, wantFiles: newer,
			wantNoEvents: []string{"backup etcd=etcd-new", "write etcd=etcd-new"}},
		{name: "broken API server: everything back, etcd restored", start: old, targets: with(newer, "kube-apiserver", "api-broken"), restore: true,
			wantErr: "upgrade of kube-apiserver failed", wantFiles: old, wantRestored: true, wantRolled: []string{"kube-apiserver", "etcd"},
			wantInEvents: []string{"remove etcd", "stopped etcd", "write etcd=etcd-old", "write kube-apiserver=api-old"}},
		{name: "broken scheduler without restore (etcd has peers)", start: old, targets: with(newer, "kube-scheduler", "sched-broken"),
			wantErr: "upgrade of kube-scheduler failed", wantFiles: old, wantRolled: []string{"kube-scheduler", "kube-controller-manager", "kube-apiserver", "etcd"},
			wantNoEvents: []string{"restore"}},
		{name: "broken etcd is the only one put back", start: old, targets: with(newer, "etcd", "etcd-broken"), restore: true,
			wantErr: "upgrade of etcd failed", wantFiles: old, wantRestored: true, wantRolled: []string{"etcd"},
			wantNoEvents: []string{"write kube-apiserver=api-new"}},
		{name: "renewal failure rolls back the earlier components", start: old, targets: newer, renewErr: "kube-controller-manager",
			wantErr: "renew certificates", wantFiles: old, wantRolled: []string{"kube-apiserver", "etcd"}},
		{name: "rollback that cannot bring the old control plane back says so", start: old, targets: with(newer, "kube-apiserver", "api-broken"), stuckOld: true,
			wantErr: "did not complete", wantFiles: old},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := &fakeNode{files: map[string]string{}, stuckOld: tt.stuckOld}
			for k, v := range tt.start {
				n.files[k] = v
			}
			restored := 0
			r := &Rollout{Manifests: n, Watcher: n, Timeout: 50 * time.Millisecond}
			if tt.restore {
				r.RestoreEtcd = func(context.Context) error {
					if _, ok := n.files["etcd"]; ok {
						t.Error("etcd restored while its manifest is in place")
					}
					restored++
					n.events = append(n.events, "restore")
					return nil
				}
			}
			st := steps(tt.targets, order...)
			for i := range st {
				c := st[i].Component
				st[i].Renew = func() error {
					if c == tt.renewErr {
						return errors.New("CA key missing")
					}
					return nil
				}
			}
			err := r.Run(context.Background(), st)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Run: %v", err)
				}
			} else {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Run error = %v, want %q", err, tt.wantErr)
				}
				var f *Failure
				if !errors.As(err, &f) {
					t.Fatalf("error is %T, want *Failure", err)
				}
				if tt.wantRolled != nil && !slices.Equal(f.RolledBack, tt.wantRolled) {
					t.Errorf("rolled back %v, want %v", f.RolledBack, tt.wantRolled)
				}
				if f.RestoredEtcd != tt.wantRestored {
					t.Errorf("RestoredEtcd = %v, want %v", f.RestoredEtcd, tt.wantRestored)
				}
			}
			for k, v := range tt.wantFiles {
				if n.files[k] != v {
					t.Errorf("%s manifest = %q, want %q", k, n.files[k], v)
				}
			}
			if (restored == 1) != tt.wantRestored {
				t.Errorf("restored %d times, want restored=%v", restored, tt.wantRestored)
			}
			for _, e := range tt.wantInEvents {
				if !slices.Contains(n.events, e) {
					t.Errorf("missing event %q in %v", e, n.events)
				}
			}
			for _, e := range tt.wantNoEvents {
				if slices.Contains(n.events, e) {
					t.Errorf("unexpected event %q in %v", e, n.events)
				}
			}
		})
	}
}

func TestRolloutRestoreOrder(t *testing.T) {
	n := &fakeNode{files: map[string]string{"etcd": "etcd-old", "kube-apiserver": "api-old"}}
	r := &Rollout{Manifests: n, Watcher: n, Timeout: 50 * time.Millisecond,
		RestoreEtcd: func(context.Context) error { n.events = append(n.events, "restore"); return nil }}
	err := r.Run(context.Background(), []Step{{Component: "etcd", Target: []byte("etcd-new")}, {Component: "kube-apiserver", Target: []byte("api-broken")}})
	if err == nil {
		t.Fatal("want failure")
	}
	// The API server goes back first, then etcd is stopped, restored and
	// restarted; and every component was stopped before it was rewritten.
	idx := func(e string) int { // last occurrence: the rollback's
		for i := len(n.events) - 1; i >= 0; i-- {
			if n.events[i] == e {
				return i
			}
		}
		return -1
	}
	seq := []string{"write kube-apiserver=api-old", "remove etcd", "stopped etcd", "restore", "write etcd=etcd-old"}
	for i := 1; i < len(seq); i++ {
		if idx(seq[i-1]) < 0 || idx(seq[i-1]) > idx(seq[i]) {
			t.Fatalf("events out of order, want %v within %v", seq, n.events)
		}
	}
	for _, c := range []string{"etcd", "kube-apiserver"} {
		if i, j := slices.Index(n.events, "stopped "+c), slices.Index(n.events, "write "+c+"="+map[string]string{"etcd": "etcd-new", "kube-apiserver": "api-broken"}[c]); i < 0 || i > j {
			t.Errorf("%s was rewritten before it had stopped: %v", c, n.events)
		}
	}
}

// TestRolloutStopsTheAPIServerWhileEtcdIsReplaced checks the stacked-etcd
// order: the API server's manifest goes away before etcd's is rewritten,
// comes back with its own (new) manifest, and is put back on failure.
func TestRolloutStopsTheAPIServerWhileEtcdIsReplaced(t *testing.T) {
	for _, tt := range []struct {
		name      string
		api, etcd string
		wantFiles map[string]string
		wantErr   string
	}{
		{name: "success", api: "api-new", etcd: "etcd-new", wantFiles: map[string]string{"etcd": "etcd-new", "kube-apiserver": "api-new"}},
		{name: "API server already at target is started again", api: "api-old", etcd: "etcd-new", wantFiles: map[string]string{"etcd": "etcd-new", "kube-apiserver": "api-old"}},
		{name: "broken etcd brings back the stopped API server", api: "api-new", etcd: "etcd-broken", wantErr: "upgrade of etcd failed",
			wantFiles: map[string]string{"etcd": "etcd-old", "kube-apiserver": "api-old"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			n := &fakeNode{files: map[string]string{"etcd": "etcd-old", "kube-apiserver": "api-old"}}
			r := &Rollout{Manifests: n, Watcher: n, Timeout: 50 * time.Millisecond}
			err := r.Run(context.Background(), []Step{
				{Component: "etcd", Target: []byte(tt.etcd), StopFirst: []string{"kube-apiserver"}},
				{Component: "kube-apiserver", Target: []byte(tt.api)},
			})
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("Run = %v, want %q", err, tt.wantErr)
			}
			for k, v := range tt.wantFiles {
				if n.files[k] != v {
					t.Errorf("%s = %q, want %q (events %v)", k, n.files[k], v, n.events)
				}
			}
			if i, j := slices.Index(n.events, "stopped kube-apiserver"), slices.Index(n.events, "remove etcd"); i < 0 || i > j {
				t.Errorf("the API server was not stopped before etcd was: %v", n.events)
			}
		})
	}
}

// TestUnfinishedRollbackNamesTheBackup: when the etcd restore of a
// rollback fails, the error says which backup 'kubeadm etcd restore' takes.
func TestUnfinishedRollbackNamesTheBackup(t *testing.T) {
	n := &fakeNode{files: map[string]string{"etcd": "etcd-old", "kube-apiserver": "api-old"}}
	r := &Rollout{Manifests: n, Watcher: n, Timeout: 50 * time.Millisecond, Backup: "/etc/kubernetes/tmp/kubeadm-backup-etcd-x/snapshot.db",
		RestoreEtcd: func(context.Context) error { return fmt.Errorf("disk full") }}
	err := r.Run(context.Background(), []Step{{Component: "etcd", Target: []byte("etcd-new")}, {Component: "kube-apiserver", Target: []byte("api-broken")}})
	var f *Failure
	if !errors.As(err, &f) || f.RollbackErr == nil {
		t.Fatalf("want an unfinished rollback, got %v", err)
	}
	if want := "run 'kubeadm etcd restore --from /etc/kubernetes/tmp/kubeadm-backup-etcd-x/snapshot.db --force'"; !strings.Contains(err.Error(), want) {
		t.Errorf("the error does not say %q: %v", want, err)
	}
}
