package etcd_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kubeadm-cleanroom/kubeadm/app/etcd"
	"github.com/kubeadm-cleanroom/kubeadm/app/etcd/etcdfake"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
)

const (
	peer1 = "https://10.0.0.1:2380"
	peer2 = "https://10.0.0.2:2380"
	peer3 = "https://10.0.0.3:2380"
)

func newFake() *etcdfake.Fake {
	return etcdfake.New(etcdfake.Voter("cp1", peer1, "https://10.0.0.1:2379"))
}

// starter returns a startMember that starts the member with peerURL.
func starter(f *etcdfake.Fake, name, peerURL string, got *[]etcd.Member) func([]etcd.Member) error {
	return func(ms []etcd.Member) error {
		if got != nil {
			*got = ms
		}
		f.StartMember(peerURL, name, strings.Replace(peerURL, "2380", "2379", 1))
		return nil
	}
}

func hasCall(f *etcdfake.Fake, prefix string) bool {
	return slices.ContainsFunc(f.Calls(), func(c string) bool { return strings.HasPrefix(c, prefix) })
}

func TestJoinAsLearnerPromotes(t *testing.T) {
	f := newFake()
	var got []etcd.Member
	if err := etcd.JoinAsLearner(t.Context(), f, "cp2", peer2, starter(f, "cp2", peer2, &got), time.Second); err != nil {
		t.Fatalf("JoinAsLearner: %v", err)
	}
	m, ok := f.Member(peer2)
	if !ok || m.IsLearner {
		t.Fatalf("member %v (present %v) is not a voter", m, ok)
	}
	if len(got) != 2 || !got[1].IsLearner || got[1].Started() {
		t.Fatalf("startMember got %v, want the voter and the unstarted learner", got)
	}
	if ic := etcd.InitialCluster(got, "cp2", peer2); ic != "cp1="+peer1+",cp2="+peer2 {
		t.Fatalf("InitialCluster = %q", ic)
	}
}

func TestJoinAsLearnerRemovesLearnerOnFailure(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name  string
		setup func(f *etcdfake.Fake)
		start func(f *etcdfake.Fake) func([]etcd.Member) error
		want  error
	}{
		{
			name:  "startMember fails",
			start: func(*etcdfake.Fake) func([]etcd.Member) error { return func([]etcd.Member) error { return boom } },
			want:  boom,
		},
		{
			name:  "member never starts",
			start: func(*etcdfake.Fake) func([]etcd.Member) error { return func([]etcd.Member) error { return nil } },
			want:  context.DeadlineExceeded,
		},
		{
			name:  "promotion fails",
			setup: func(f *etcdfake.Fake) { f.FailNext(etcdfake.OpPromote, boom) },
			start: func(f *etcdfake.Fake) func([]etcd.Member) error { return starter(f, "cp2", peer2, nil) },
			want:  boom,
		},
		{
			name: "add answer lost",
			setup: func(f *etcdfake.Fake) {
				if _, _, err := f.AddLearner(context.Background(), "cp2", peer2); err != nil {
					panic(err)
				}
				f.FailNext(etcdfake.OpAddLearner, boom)
			},
			start: func(f *etcdfake.Fake) func([]etcd.Member) error { return starter(f, "cp2", peer2, nil) },
			want:  boom,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake()
			if tt.setup != nil {
				tt.setup(f)
			}
			err := etcd.JoinAsLearner(t.Context(), f, "cp2", peer2, tt.start(f), 50*time.Millisecond)
			if !errors.Is(err, tt.want) {
				t.Fatalf("JoinAsLearner error = %v, want %v", err, tt.want)
			}
			if m, ok := f.Member(peer2); ok {
				t.Fatalf("learner %v was not removed", m)
			}
			if err := f.Healthy(t.Context()); err != nil {
				t.Fatalf("Healthy: %v", err)
			}
		})
	}
}

func TestJoinAsLearnerNeverPromotesUnstarted(t *testing.T) {
	f := newFake()
	err := etcd.JoinAsLearner(t.Context(), f, "cp2", peer2, func([]etcd.Member) error { return nil }, 30*time.Millisecond)
	if err == nil {
		t.Fatal("JoinAsLearner succeeded for a member that never started")
	}
	if hasCall(f, "Promote") {
		t.Fatalf("promotion attempted: %v", f.Calls())
	}
}

func TestJoinAsLearnerKeepsVoter(t *testing.T) {
	f := etcdfake.New(
		etcdfake.Voter("cp1", peer1, "https://10.0.0.1:2379"),
		etcdfake.Voter("cp2", peer2, "https://10.0.0.2:2379"),
	)
	boom := errors.New("boom")
	err := etcd.JoinAsLearner(t.Context(), f, "cp2", peer2, func([]etcd.Member) error { return boom }, time.Second)
	if !errors.Is(err, boom) {
		t.Fatalf("JoinAsLearner error = %v, want %v", err, boom)
	}
	if _, ok := f.Member(peer2); !ok || hasCall(f, "Remove") {
		t.Fatalf("voter removed or removal attempted: %v", f.Calls())
	}
	// Joining again with a working start succeeds without a new member.
	if err := etcd.JoinAsLearner(t.Context(), f, "cp2", peer2, starter(f, "cp2", peer2, nil), time.Second); err != nil {
		t.Fatalf("JoinAsLearner again: %v", err)
	}
}

func TestJoinAsLearnerRetriesAdd(t *testing.T) {
	f := newFake()
	f.FailNext(etcdfake.OpAddLearner, rpctypes.ErrUnhealthy, rpctypes.ErrNoLeader)
	if err := etcd.JoinAsLearner(t.Context(), f, "cp2", peer2, starter(f, "cp2", peer2, nil), time.Second); err != nil {
		t.Fatalf("JoinAsLearner: %v", err)
	}
	f = newFake()
	perm := rpctypes.ErrPermissionDenied
	f.FailAlways(etcdfake.OpAddLearner, perm)
	if err := etcd.JoinAsLearner(t.Context(), f, "cp2", peer2, starter(f, "cp2", peer2, nil), time.Second); !errors.Is(err, perm) {
		t.Fatalf("JoinAsLearner error = %v, want %v", err, perm)
	}
	if n := len(f.Calls()); n > 3 {
		t.Fatalf("permanent error retried: %v", f.Calls())
	}
}

func TestJoinAsLearnerSerializesJoins(t *testing.T) {
	f := newFake()
	if _, _, err := f.AddLearner(t.Context(), "cp2", peer2); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.AddLearner(t.Context(), "cp3", peer3); !errors.Is(err, etcd.ErrLearnerPresent) {
		t.Fatalf("second learner: %v, want ErrLearnerPresent", err)
	}
	var (
		wg     sync.WaitGroup
		errs   [2]error
		lists  [2][]etcd.Member
		starts [2]time.Time
	)
	join := func(i int, name, peer string, delay time.Duration) {
		errs[i] = etcd.JoinAsLearner(t.Context(), f, name, peer, func(ms []etcd.Member) error {
			lists[i], starts[i] = ms, time.Now()
			go func() {
				time.Sleep(delay)
				f.StartMember(peer, name, strings.Replace(peer, "2380", "2379", 1))
			}()
			return nil
		}, 5*time.Second)
	}
	wg.Go(func() { join(1, "cp3", peer3, 0) })
	wg.Go(func() { join(0, "cp2", peer2, 200*time.Millisecond) })
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("join %d: %v", i, err)
		}
	}
	m2, _ := f.Member(peer2)
	if !starts[1].After(starts[0]) || !slices.ContainsFunc(lists[1], func(m etcd.Member) bool { return m.ID == m2.ID && !m.IsLearner }) {
		t.Fatalf("second join not serialized after the first: %v", lists[1])
	}
}

func TestJoinAsLearnerGivesUpWhenLearnerStays(t *testing.T) {
	f := newFake()
	if _, _, err := f.AddLearner(t.Context(), "cp2", peer2); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	err := etcd.JoinAsLearner(ctx, f, "cp3", peer3, starter(f, "cp3", peer3, nil), time.Second)
	if !errors.Is(err, etcd.ErrLearnerPresent) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("JoinAsLearner error = %v, want ErrLearnerPresent and deadline", err)
	}
	if _, ok := f.Member(peer2); !ok {
		t.Fatal("the other join's learner was removed")
	}
}

func TestJoinAsLearnerReportsFailedRemoval(t *testing.T) {
	f := newFake()
	boom, stuck := errors.New("boom"), errors.New("stuck")
	f.FailAlways(etcdfake.OpRemove, stuck)
	err := etcd.JoinAsLearner(t.Context(), f, "cp2", peer2, func([]etcd.Member) error { return boom }, time.Second)
	if !errors.Is(err, boom) || !errors.Is(err, stuck) {
		t.Fatalf("JoinAsLearner error = %v, want both causes", err)
	}
}
