package reset

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kubeadm-cleanroom/kubeadm/app/etcd"
	"github.com/kubeadm-cleanroom/kubeadm/app/etcd/etcdfake"
	"github.com/kubeadm-cleanroom/kubeadm/app/etcdpod"
)

func TestRemoveEtcdMember(t *testing.T) {
	cases := []struct {
		name        string
		setup       func(n *node)
		force       bool
		wantErr     []string
		wantRemoved bool
		wantOut     []string
	}{
		{name: "one of three", force: true, wantRemoved: true, wantOut: []string{"removed the etcd member node1 (", "2 member(s) remain"}},
		{name: "quorum at risk", setup: func(n *node) {
			n.etcd.SetDown("https://10.0.0.2:2380", true)
			n.etcd.SetDown("https://10.0.0.3:2380", true)
		}, wantErr: []string{"refusing to remove the etcd member node1", "would lose quorum", "pass --force"}},
		{name: "quorum at risk, forced", force: true, wantRemoved: true, setup: func(n *node) {
			n.etcd.SetDown("https://10.0.0.2:2380", true)
			n.etcd.SetDown("https://10.0.0.3:2380", true)
		}},
		{name: "already removed", force: true, setup: func(n *node) {
			n.etcd = etcdfake.New(etcdfake.Voter("node2", "https://10.0.0.2:2380", otherCli2))
		}, wantOut: []string{"the etcd member node1 (https://10.0.0.1:2380) is not in the cluster any more: nothing to remove"}},
		{name: "last member", setup: func(n *node) {
			n.etcd = etcdfake.New(etcdfake.Voter("node1", selfPeer, selfCli))
		}, wantOut: []string{"is the only member of its cluster: not removing it"}},
		{name: "unstarted member with this node's peer URL", force: true, wantRemoved: true, setup: func(n *node) {
			n.etcd = etcdfake.New(etcdfake.Voter("node2", "https://10.0.0.2:2380", otherCli2), etcd.Member{PeerURLs: []string{selfPeer}, IsLearner: true})
		}},
		{name: "peer URL of another member name", force: true, setup: func(n *node) {
			n.etcd = etcdfake.New(etcdfake.Voter("node9", selfPeer, selfCli), etcdfake.Voter("node2", "https://10.0.0.2:2380", otherCli2))
		}, wantErr: []string{"is node9 (", "not node1 as the etcd manifest says"}},
		{name: "same name, other peer URL", force: true, setup: func(n *node) {
			n.etcd = etcdfake.New(etcdfake.Voter("node1", "https://10.0.0.9:2380", "https://10.0.0.9:2379"), etcdfake.Voter("node2", "https://10.0.0.2:2380", otherCli2))
		}, wantOut: []string{"is not in the cluster any more"}},
		{name: "local member down, endpoints from the API server", force: true, wantRemoved: true, setup: func(n *node) {
			n.unreachable[selfCli] = true
			n.apiEndpoints = []string{otherCli2, otherCli3}
		}, wantOut: []string{"trying the etcd endpoints the API server knows: " + otherCli2}},
		{name: "etcd unreachable", setup: func(n *node) { n.unreachable[selfCli] = true },
			wantErr: []string{"list the etcd members through " + selfCli, "connection refused", "pass --force to reset anyway", "etcdctl member remove"}},
		{name: "etcd unreachable, forced", force: true, setup: func(n *node) { n.unreachable[selfCli] = true },
			wantOut: []string{"WARNING: ", "was NOT removed"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n := newNode(t)
			n.cfg.Force = c.force
			if c.setup != nil {
				c.setup(n)
			}
			err := RunPhase(context.Background(), n.options(), "remove-etcd-member")
			for _, w := range c.wantErr {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("err = %v, want it to say %q", err, w)
				}
			}
			if len(c.wantErr) == 0 && err != nil {
				t.Fatalf("err = %v\n%s", err, n.out.String())
			}
			_, present := n.etcd.Member(selfPeer)
			called := slices.ContainsFunc(n.etcd.Calls(), func(s string) bool { return strings.HasPrefix(s, "Remove") })
			if removed := called && !present; removed != c.wantRemoved {
				t.Errorf("member removed = %v, want %v; calls %v", removed, c.wantRemoved, n.etcd.Calls())
			}
			n.saw(t, c.wantOut...)
		})
	}
}

func TestEtcdFromManifest(t *testing.T) {
	n := newNode(t)
	l, err := etcdpod.Read(filepath.Join(n.kube, "manifests", "etcd.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if l.Name != "node1" || !slices.Equal(l.PeerURLs, []string{selfPeer}) || !slices.Equal(l.ClientURLs, []string{selfCli, loopCli}) ||
		l.DataDir != n.etcdData || l.PKIDir != n.pki {
		t.Errorf("read %+v", l)
	}
	cases := map[string]string{
		"no etcd container": "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: other\n",
		"no name":           "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: etcd\n    command: [etcd, --advertise-client-urls=https://1.2.3.4:2379]\n",
		"not a pod":         "apiVersion: v1\nkind: Service\n",
	}
	for name, doc := range cases {
		path := filepath.Join(t.TempDir(), "etcd.yaml")
		write(t, path, doc)
		if _, err := etcdpod.Read(path); err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: err = %v, want one naming the file", name, err)
		}
	}
	// The data directory comes from the etcd-data volume when no flag names it.
	path := filepath.Join(t.TempDir(), "etcd.yaml")
	write(t, path, "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: etcd\n    command: [etcd, --name=a, --initial-advertise-peer-urls=https://1.2.3.4:2380, --advertise-client-urls=https://1.2.3.4:2379]\n"+
		"  volumes:\n  - name: etcd-data\n    hostPath:\n      path: /data/etcd\n")
	if l, err := etcdpod.Read(path); err != nil || l.DataDir != "/data/etcd" || l.PKIDir != "" {
		t.Errorf("volume data dir: %+v, %v", l, err)
	}
}

func TestBrokenEtcdManifest(t *testing.T) {
	n := newNode(t)
	write(t, filepath.Join(n.kube, "manifests", "etcd.yaml"), "not: [yaml")
	err := n.run(t)
	if err == nil || !strings.Contains(err.Error(), "--skip-phases=remove-etcd-member") {
		t.Fatalf("err = %v", err)
	}
	n.cfg.SkipPhases = []string{"remove-etcd-member"}
	if err := n.run(t); err != nil {
		t.Fatal(err)
	}
	n.saw(t, "cleaning the default etcd data directory")
}
