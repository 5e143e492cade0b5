package etcdmember_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kubeadm-cleanroom/kubeadm/app/etcd"
	"github.com/kubeadm-cleanroom/kubeadm/app/etcd/etcdtest"
	"github.com/kubeadm-cleanroom/kubeadm/app/etcdmember"
	"github.com/kubeadm-cleanroom/kubeadm/app/etcdpod"
)

// TestListAndRemoveOnRealEtcd runs three real members, stops one and
// checks the guards: the healthy members cannot be removed (one would
// lose quorum, the other is this node's own), the dead one can.
func TestListAndRemoveOnRealEtcd(t *testing.T) {
	ms := etcdtest.StartCluster(t, 3)
	c, err := etcd.New([]string{ms[0].ClientURL, ms[1].ClientURL}, nil, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.ProbeTimeout = time.Second
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	rows, err := etcdmember.List(ctx, c)
	if err != nil || len(rows) != 3 {
		t.Fatalf("List: %v, %v", rows, err)
	}
	leaders := 0
	for _, r := range rows {
		if !r.Healthy || r.Role != "voter" || r.DBSize == 0 || r.Version == "" {
			t.Errorf("member %+v", r)
		}
		if r.Leader {
			leaders++
		}
	}
	if leaders != 1 {
		t.Errorf("%d leaders", leaders)
	}

	ms[2].Stop()
	self := etcdpod.Member{Name: ms[1].Name, PeerURLs: []string{ms[1].PeerURL}}
	if _, err := etcdmember.Remove(ctx, c, "m0", self, false); !errors.Is(err, etcd.ErrQuorumAtRisk) {
		t.Errorf("removing m0 while m2 is down: %v, want ErrQuorumAtRisk", err)
	}
	if _, err := etcdmember.Remove(ctx, c, "m1", self, false); !errors.Is(err, etcdmember.ErrOwnMember) {
		t.Errorf("removing this node's healthy member: %v, want ErrOwnMember", err)
	}
	if _, err := etcdmember.Remove(ctx, c, "nosuch", self, false); !errors.Is(err, etcd.ErrMemberNotFound) {
		t.Errorf("removing an unknown member: %v", err)
	}
	rows, _ = etcdmember.List(ctx, c)
	for _, r := range rows {
		if r.Name == "m2" && (r.Healthy || r.Problem == "") {
			t.Errorf("the stopped member is listed healthy: %+v", r)
		}
	}
	var id string
	for _, r := range rows {
		if r.Name == "m2" {
			id = r.ID
		}
	}
	if m, err := etcdmember.Remove(ctx, c, id, self, false); err != nil || m.Name != "m2" {
		t.Fatalf("removing the dead member by ID %s: %v %v", id, m, err)
	}
	// List reads each member's own (serializable) view, which a follower
	// brings up to date once it has applied the removal: a moment later.
	n := 0
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		rows, _ := etcdmember.List(ctx, c)
		if n = len(rows); n == 2 {
			break
		}
	}
	if n != 2 {
		t.Errorf("%d members 10 s after the removal", n)
	}
}
