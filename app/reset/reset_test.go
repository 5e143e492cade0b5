package reset

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestResetControlPlaneTwice(t *testing.T) {
	n := newNode(t)
	if err := n.run(t); err != nil {
		t.Fatalf("%v\n%s", err, n.out.String())
	}
	if _, ok := n.etcd.Member(selfPeer); ok {
		t.Error("the node's etcd member is still in the cluster")
	}
	if _, ok := n.etcd.Member("https://10.0.0.2:2380"); !ok {
		t.Error("another node's member was removed")
	}
	if len(n.dials) != 2 || !slices.Equal(n.dials[0], []string{selfCli, loopCli}) ||
		!slices.Equal(n.dials[1], []string{selfCli, loopCli, otherCli2, otherCli3}) {
		t.Errorf("etcd connections %v: want the local client URLs, then the whole cluster with the local ones first", n.dials)
	}
	if n.init.stops != 1 {
		t.Errorf("kubelet stopped %d times", n.init.stops)
	}
	if want := []string{"stop sb-etcd", "remove sb-etcd", "stop sb-proxy", "remove sb-proxy"}; !slices.Equal(n.runtime.calls, want) {
		t.Errorf("CRI calls %v, want %v", n.runtime.calls, want)
	}
	wantUnmount := []string{filepath.Join(n.kubelet, "pods/uid1/volumes/v/sub"), filepath.Join(n.kubelet, "pods/uid1/volumes/v")}
	if !slices.Equal(n.mounts.unmount, wantUnmount) {
		t.Errorf("unmounted %v, want %v (deepest first, nothing outside the kubelet directory)", n.mounts.unmount, wantUnmount)
	}
	for dir, want := range map[string][]string{
		n.kube:     {"manifests", "pki", "tmp", "tmp/kubeadm-backup-etcd", "tmp/kubeadm-backup-etcd/x", "unrelated.txt"},
		n.kubelet:  nil,
		n.etcdData: nil,
	} {
		if got := entries(t, dir); !slices.Equal(got, want) {
			t.Errorf("left in %s: %v, want %v", dir, got, want)
		}
	}
	n.saw(t, "[remove-etcd-member] removed the etcd member node1", "2 member(s) remain",
		"[cleanup-node] stopping the kubelet service",
		"stopped and removed 2 pod sandbox(es) through unix:///run/containerd/containerd.sock: kube-system/etcd-node1 (sb-etcd), kube-system/kube-proxy-x (sb-proxy)",
		"left 1 pod sandbox(es) that the kubelet did not make: default/manual",
		"unmounted 2 mount(s)", "deleted the files: ", "kubeadm-init.state")

	// The second reset finds nothing to do and succeeds.
	n.out.Reset()
	if err := n.run(t); err != nil {
		t.Fatalf("second reset: %v\n%s", err, n.out.String())
	}
	n.saw(t, "[remove-etcd-member] skipped: no local etcd member on this node", "no pod sandboxes of the kubelet to remove",
		"no kubeconfig or init state file to delete", "nothing to delete in: "+n.kubelet)
	if len(n.dials) != 2 {
		t.Errorf("the second reset connected to etcd")
	}
}

func TestConfirmation(t *testing.T) {
	cases := []struct {
		name    string
		answers []string
		force   bool
		dryRun  bool
		asked   int
		wantErr error
	}{
		{name: "no", answers: []string{"n"}, asked: 1, wantErr: ErrNotConfirmed},
		{name: "empty answer", asked: 1, wantErr: ErrNotConfirmed},
		{name: "yes", answers: []string{"y"}, asked: 1},
		{name: "forced", force: true},
		{name: "dry run", dryRun: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n := newNode(t)
			n.cfg.Force, n.cfg.DryRun, n.answers = c.force, c.dryRun, c.answers
			err := n.run(t)
			if !errors.Is(err, c.wantErr) {
				t.Fatalf("err = %v, want %v", err, c.wantErr)
			}
			if n.asked != c.asked {
				t.Errorf("asked %d times, want %d", n.asked, c.asked)
			}
			changed := n.init.stops > 0 || len(n.runtime.calls) > 0 || len(entries(t, n.etcdData)) == 0
			if want := c.wantErr == nil && !c.dryRun; changed != want {
				t.Errorf("node changed = %v, want %v", changed, want)
			}
		})
	}
}

func TestPreflightNeedsRoot(t *testing.T) {
	for _, ignore := range [][]string{nil, {"IsPrivilegedUser"}} {
		n := newNode(t)
		n.cfg.IgnorePreflightErrors = ignore
		o := n.options()
		o.Host = rootHost{uid: 1000}
		err := RunPhase(context.Background(), o, "preflight")
		if ignore == nil && (err == nil || !strings.Contains(err.Error(), "IsPrivilegedUser")) {
			t.Errorf("non-root reset: err = %v", err)
		}
		if ignore != nil && err != nil {
			t.Errorf("ignored check: err = %v", err)
		}
	}
}

func TestDryRunChangesNothing(t *testing.T) {
	n := newNode(t)
	n.cfg.DryRun, n.cfg.CleanupTmpDir = true, true
	before := entries(t, n.root)
	if err := n.run(t); err != nil {
		t.Fatal(err)
	}
	if after := entries(t, n.root); !slices.Equal(before, after) {
		t.Errorf("dry run changed the files:\nbefore %v\nafter  %v", before, after)
	}
	if n.init.stops != 0 || len(n.runtime.calls) != 0 || len(n.dials) != 0 || len(n.mounts.unmount) != 0 {
		t.Errorf("dry run acted: stops %d, CRI %v, etcd %v, unmounts %v", n.init.stops, n.runtime.calls, n.dials, n.mounts.unmount)
	}
	n.saw(t, "would remove the etcd member node1 (https://10.0.0.1:2380)", "would stop the kubelet service",
		"would stop and remove the kubelet's pod sandboxes", "would delete the contents of the directories: "+filepath.Join(n.kube, "manifests"),
		filepath.Join(n.kube, "tmp"), "would delete the files: ")
}

func TestSkipPhasesAndSinglePhase(t *testing.T) {
	n := newNode(t)
	n.cfg.SkipPhases = []string{"remove-etcd-member"}
	if err := n.run(t); err != nil {
		t.Fatal(err)
	}
	if len(n.dials) != 0 {
		t.Error("a skipped remove-etcd-member connected to etcd")
	}
	n = newNode(t)
	if err := RunPhase(context.Background(), n.options(), "remove-etcd-member"); err != nil {
		t.Fatal(err)
	}
	if _, ok := n.etcd.Member(selfPeer); ok || n.init.stops != 0 || len(entries(t, n.etcdData)) == 0 {
		t.Errorf("phase remove-etcd-member alone: member removed %v, kubelet stops %d, etcd data %v", !ok, n.init.stops, entries(t, n.etcdData))
	}
	if err := RunPhase(context.Background(), n.options(), "nope"); err == nil || !strings.Contains(err.Error(), "cleanup-node") {
		t.Errorf("unknown phase: %v", err)
	}
}

func TestCleanupTmpDirAndCertDir(t *testing.T) {
	n := newNode(t)
	n.cfg.CleanupTmpDir = true
	if err := RunPhase(context.Background(), n.options(), "cleanup-node"); err != nil {
		t.Fatal(err)
	}
	if got := entries(t, filepath.Join(n.kube, "tmp")); len(got) != 0 {
		t.Errorf("tmp holds %v", got)
	}
	n.saw(t, "cleaning a non-default certificates directory: "+n.pki)

	n = newNode(t)
	n.cfg.CertificatesDir = "/"
	err := RunPhase(context.Background(), n.options(), "cleanup-node")
	if err == nil || !strings.Contains(err.Error(), `refusing to delete the contents of "/"`) {
		t.Errorf("certificates dir /: %v", err)
	}
}
