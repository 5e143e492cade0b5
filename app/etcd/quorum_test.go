package etcd_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/kubeadm-cleanroom/kubeadm/app/etcd"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
)

func voters(ids ...uint64) []etcd.Member {
	var ms []etcd.Member
	for _, id := range ids {
		ms = append(ms, etcd.Member{ID: id, Name: fmt.Sprint("m", id), PeerURLs: []string{fmt.Sprintf("https://10.0.0.%d:2380", id)}})
	}
	return ms
}

func up(ids ...uint64) map[uint64]bool {
	m := map[uint64]bool{}
	for _, id := range ids {
		m[id] = true
	}
	return m
}

func TestCheckRemoval(t *testing.T) {
	learner := etcd.Member{ID: 9, PeerURLs: []string{"https://10.0.0.9:2380"}, IsLearner: true}
	tests := []struct {
		name      string
		members   []etcd.Member
		answering map[uint64]bool
		id        uint64
		refused   bool
	}{
		{"absent member", voters(1, 2, 3), up(1, 2, 3), 7, false},
		{"learner while voters are down", append(voters(1, 2, 3), learner), up(1), 9, false},
		{"down voter of three", voters(1, 2, 3), up(1, 2), 3, false},
		{"up voter of three with one down", voters(1, 2, 3), up(1, 2), 2, true},
		{"up voter of two with one down", voters(1, 2), up(1), 1, true},
		{"down voter of two", voters(1, 2), up(1), 2, false},
		{"last voter", voters(1), up(1), 1, true},
		{"voter of five with two down", voters(1, 2, 3, 4, 5), up(1, 2, 3), 3, true},
		{"down voter of five with two down", voters(1, 2, 3, 4, 5), up(1, 2, 3), 5, false},
		{"learners are not counted", append(voters(1, 2), learner), up(1, 2, 9), 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := etcd.CheckRemoval(tt.members, tt.answering, tt.id)
			if got := errors.Is(err, etcd.ErrQuorumAtRisk); got != tt.refused {
				t.Fatalf("refused = %v (%v), want %v", got, err, tt.refused)
			}
		})
	}
}

func TestInitialCluster(t *testing.T) {
	ms := []etcd.Member{
		{ID: 1, Name: "cp1", PeerURLs: []string{"https://10.0.0.1:2380"}},
		{ID: 0xab, PeerURLs: []string{"https://10.0.0.2:2380"}},
		{ID: 3, PeerURLs: []string{"https://10.0.0.3:2380"}, IsLearner: true},
	}
	got := etcd.InitialCluster(ms, "cp3", "https://10.0.0.3:2380/")
	want := "cp1=https://10.0.0.1:2380,ab=https://10.0.0.2:2380,cp3=https://10.0.0.3:2380"
	if got != want {
		t.Fatalf("InitialCluster = %q, want %q", got, want)
	}
}

func TestIsRetryable(t *testing.T) {
	for _, err := range []error{
		rpctypes.ErrNoLeader,
		rpctypes.ErrUnhealthy,
		fmt.Errorf("adding: %w", rpctypes.ErrGRPCTimeout),
		context.DeadlineExceeded,
		errors.Join(errors.New("x"), rpctypes.ErrLeaderChanged),
	} {
		if !etcd.IsRetryable(err) {
			t.Errorf("IsRetryable(%v) = false", err)
		}
	}
	for _, err := range []error{
		nil,
		context.Canceled,
		rpctypes.ErrMemberNotFound,
		rpctypes.ErrPermissionDenied,
		errors.New(strings.Repeat("x", 3)),
	} {
		if etcd.IsRetryable(err) {
			t.Errorf("IsRetryable(%v) = true", err)
		}
	}
}
