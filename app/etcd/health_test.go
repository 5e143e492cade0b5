package etcd

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

func healthMember(id uint64, urls ...string) Member {
	return Member{ID: id, Name: fmt.Sprint("m", id), PeerURLs: []string{fmt.Sprintf("https://10.0.0.%d:2380", id)}, ClientURLs: urls}
}

func TestMemberHealth(t *testing.T) {
	refused := errors.New("connection refused")
	answers := map[string]func() (*clientv3.StatusResponse, error){
		"https://ok:2379": func() (*clientv3.StatusResponse, error) { return &clientv3.StatusResponse{}, nil },
		"https://alarm:2379": func() (*clientv3.StatusResponse, error) {
			return &clientv3.StatusResponse{Errors: []string{"NOSPACE", "CORRUPT"}}, nil
		},
		"https://down:2379": func() (*clientv3.StatusResponse, error) { return nil, refused },
	}
	status := func(_ context.Context, ep string) (*clientv3.StatusResponse, error) { return answers[ep]() }
	tests := []struct {
		name   string
		member Member
		want   string // "" for healthy
		is     error
	}{
		{"answers", healthMember(1, "https://ok:2379"), "", nil},
		{"a later URL answers", healthMember(1, "https://down:2379", "https://ok:2379"), "", nil},
		{"does not answer", healthMember(1, "https://down:2379"), "the status of member https://down:2379 is not available: connection refused", refused},
		{"reports errors", healthMember(1, "https://alarm:2379"), "member https://alarm:2379 is not healthy: NOSPACE,CORRUPT", nil},
		{"every URL fails", healthMember(1, "https://down:2379", "https://alarm:2379"),
			"the status of member https://down:2379 is not available: connection refused; member https://alarm:2379 is not healthy: NOSPACE,CORRUPT", refused},
		{"not started", healthMember(1), "member m1 (1 https://10.0.0.1:2380) has no client URL (not started)", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := memberHealth(t.Context(), tc.member, status)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || err.Error() != tc.want {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Fatalf("error %v does not wrap %v", err, tc.is)
			}
		})
	}
}

// TestCheckQuorum scripts each voter's answers per round: the cluster is
// healthy once more than half of its voters are, the others are warnings;
// without quorum the failing voters are asked again until ctx ends.
func TestCheckQuorum(t *testing.T) {
	down := func(id uint64) error {
		return fmt.Errorf("the status of member https://10.0.0.%d:2379 is not available: connection refused", id)
	}
	learner := Member{ID: 9, Name: "l", IsLearner: true, ClientURLs: []string{"https://10.0.0.9:2379"}}
	voters := func(ids ...uint64) []Member {
		var ms []Member
		for _, id := range ids {
			ms = append(ms, healthMember(id, fmt.Sprintf("https://10.0.0.%d:2379", id)))
		}
		return ms
	}
	tests := []struct {
		name    string
		members []Member
		listErr error
		// healthyFrom is the round (from 1) from which a voter answers; 0 never.
		healthyFrom map[uint64]int
		warnings    []string
		errParts    []string // nil: healthy
		minAsks     map[uint64]int
	}{
		{name: "all healthy", members: voters(1, 2, 3), healthyFrom: map[uint64]int{1: 1, 2: 1, 3: 1}},
		{name: "one of three down", members: voters(1, 2, 3), healthyFrom: map[uint64]int{1: 1, 2: 1},
			warnings: []string{down(3).Error()}},
		{name: "two of five down", members: voters(1, 2, 3, 4, 5), healthyFrom: map[uint64]int{1: 1, 3: 1, 5: 1},
			warnings: []string{down(2).Error(), down(4).Error()}},
		{name: "two of three down", members: voters(1, 2, 3), healthyFrom: map[uint64]int{1: 1},
			errParts: []string{"1 of 3 voting members are healthy", down(2).Error(), down(3).Error()}, minAsks: map[uint64]int{2: 2, 3: 2}},
		{name: "one of two down", members: voters(1, 2), healthyFrom: map[uint64]int{1: 1},
			errParts: []string{"1 of 2 voting members are healthy", down(2).Error()}},
		{name: "a voter recovers", members: voters(1, 2, 3), healthyFrom: map[uint64]int{1: 1, 3: 3},
			warnings: []string{down(2).Error()}},
		{name: "learners are not counted", members: append(voters(1, 2), learner), healthyFrom: map[uint64]int{1: 1, 2: 1}},
		{name: "a healthy learner makes no quorum", members: append(voters(1, 2), learner), healthyFrom: map[uint64]int{1: 1, 9: 1},
			errParts: []string{"1 of 2 voting members are healthy"}},
		{name: "no voters", members: []Member{learner}, errParts: []string{"no voting member"}},
		{name: "members cannot be listed", listErr: errors.New("etcdserver: request timed out"), errParts: []string{"etcdserver: request timed out"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
			defer cancel()
			var mu sync.Mutex
			asks := map[uint64]int{}
			list := func(context.Context) ([]Member, error) { return tc.members, tc.listErr }
			health := func(_ context.Context, m Member) error {
				if m.IsLearner {
					t.Errorf("learner %s asked", m)
				}
				mu.Lock()
				asks[m.ID]++
				round := asks[m.ID]
				mu.Unlock()
				if from := tc.healthyFrom[m.ID]; from > 0 && round >= from {
					return nil
				}
				return down(m.ID)
			}
			warnings, err := checkQuorum(ctx, 10*time.Millisecond, list, health)
			if tc.errParts == nil {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if !reflect.DeepEqual(warnings, tc.warnings) {
					t.Fatalf("warnings %q, want %q", warnings, tc.warnings)
				}
				return
			}
			if !errors.Is(err, ErrUnhealthy) {
				t.Fatalf("error %v does not wrap ErrUnhealthy", err)
			}
			for _, p := range tc.errParts {
				if !strings.Contains(err.Error(), p) {
					t.Fatalf("error %q lacks %q", err, p)
				}
			}
			if warnings != nil {
				t.Fatalf("warnings %q with an error", warnings)
			}
			for id, n := range tc.minAsks {
				if asks[id] < n {
					t.Fatalf("voter %d asked %d times, want at least %d (retries)", id, asks[id], n)
				}
			}
		})
	}
}

// TestQuorumKeepsErrors: the aggregate error keeps each member's error
// reachable.
func TestQuorumKeepsErrors(t *testing.T) {
	boom := errors.New("boom")
	_, err := quorum([]Member{healthMember(1), healthMember(2)}, map[uint64]error{1: fmt.Errorf("member 1: %w", boom), 2: errors.New("other")})
	if !errors.Is(err, boom) || !errors.Is(err, ErrUnhealthy) || strings.Contains(err.Error(), "\n") {
		t.Fatalf("error %q", err)
	}
}
