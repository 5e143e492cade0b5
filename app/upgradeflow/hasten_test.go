package upgradeflow

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/cri"
)

// fakeRuntime holds the old API server's running containers; stopping
// one records when.
type fakeRuntime struct {
	mu      sync.Mutex
	running map[string][]string // pod UID (hash) -> container IDs
	stopped map[string]time.Time
}

func (f *fakeRuntime) ImagePresent(context.Context, string) (bool, error) { return true, nil }
func (f *fakeRuntime) PullImage(context.Context, string) error            { return nil }
func (f *fakeRuntime) RunningContainers(_ context.Context, uid string) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.running[uid]), nil
}
func (f *fakeRuntime) StopContainer(_ context.Context, id string, _ int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stopped[id] = time.Now()
	return nil
}
func (f *fakeRuntime) ExitedSince(context.Context, map[string]string, time.Time) ([]cri.Exited, error) {
	return nil, nil
}
func (f *fakeRuntime) Close() error { return nil }

// TestHastenWaitsForTheLoadBalancer checks, through the injected runtime
// and port probe, when Hasten ends an old kube-apiserver: only once its
// port has closed, no sooner than the shutdown delay after it was told to
// stop and inFlightGrace after the port closed; only that Pod's
// containers; and never other components or without a runtime.
func TestHastenWaitsForTheLoadBalancer(t *testing.T) {
	rt := &fakeRuntime{running: map[string][]string{"old": {"c1", "c2"}, "other": {"c3"}}, stopped: map[string]time.Time{}}
	var closedAt atomic.Int64
	start := time.Now()
	listening := func(string) bool {
		if time.Since(start) < 200*time.Millisecond {
			return true
		}
		closedAt.CompareAndSwap(0, time.Now().UnixNano())
		return false
	}
	w := &mirrorWatcher{apiAddress: "10.0.0.1:6443", criSocket: "unix:///fake.sock", shutdownDelay: 500 * time.Millisecond,
		listening: listening, dial: func(context.Context, string) (Runtime, error) { return rt, nil }}

	w.Hasten(context.Background(), constants.KubeScheduler, "other")
	w.Hasten(context.Background(), constants.KubeAPIServer, "old")
	_, c1 := rt.stopped["c1"]
	_, c2 := rt.stopped["c2"]
	if len(rt.stopped) != 2 || !c1 || !c2 {
		t.Fatalf("stopped %v, want c1 and c2 (the old API server's), not the scheduler's c3", rt.stopped)
	}
	closed := time.Unix(0, closedAt.Load())
	for id, at := range rt.stopped {
		if at.Before(start.Add(w.shutdownDelay)) || at.Sub(closed) < inFlightGrace {
			t.Errorf("%s stopped %s after the stop began, %s after the port closed: want at least %s and %s", id, at.Sub(start), at.Sub(closed), w.shutdownDelay, inFlightGrace)
		}
	}

	none := &mirrorWatcher{apiAddress: "10.0.0.1:6443", listening: func(string) bool { t.Error("probed without a runtime"); return false }}
	none.Hasten(context.Background(), constants.KubeAPIServer, "old")
}

// TestWaitStoppedFollowsThePort checks that an old API server counts as
// stopped only once its port has stayed closed for stoppedFor.
func TestWaitStoppedFollowsThePort(t *testing.T) {
	defer func(d time.Duration) { stoppedFor = d }(stoppedFor)
	stoppedFor = 300 * time.Millisecond
	start := time.Now()
	var lastOpen atomic.Int64
	w := &mirrorWatcher{apiAddress: "10.0.0.1:6443", listening: func(string) bool {
		open := time.Since(start) < 200*time.Millisecond
		if open {
			lastOpen.Store(time.Now().UnixNano())
		}
		return open
	}}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := w.WaitStopped(ctx, constants.KubeAPIServer, ""); err != nil {
		t.Fatal(err)
	}
	if since := time.Since(time.Unix(0, lastOpen.Load())); since < stoppedFor {
		t.Errorf("stopped counted %s after the port was last open, want at least %s", since, stoppedFor)
	}
}
