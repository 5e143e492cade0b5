package etcd

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestIntegrationGrowAndShrink grows a real cluster from one to three
// members through learners, reuses a present peer URL, removes a learner
// that never starts while the voters stay healthy, and refuses removals that
// would break quorum.
func TestIntegrationGrowAndShrink(t *testing.T) {
	t.Parallel()
	// Generous bounds: `go test -race ./...` runs every package at once on
	// two cores, and a joining member then takes far longer to publish
	// itself than the second or two it takes alone.
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	n1 := startFirst(t, "n1")
	c := newTestClient(t, n1)

	// (a) Add as learner, start, promote: 1 -> 2 -> 3 voters.
	n2, n3 := newNode(t, "n2"), newNode(t, "n3")
	for _, n := range []*node{n2, n3} {
		if err := JoinAsLearner(ctx, c, n.name, n.peerURL, starterFor(n, 0), 45*time.Second); err != nil {
			select {
			case startErr := <-n.started:
				t.Fatalf("joining %s: %v (its start: %v)", n.name, err, startErr)
			default:
				t.Fatalf("joining %s: %v (its start had not returned)", n.name, err)
			}
		}
		if err := <-n.started; err != nil {
			t.Fatal(err)
		}
		mustVoter(t, c, n)
	}

	// (c) A present peer URL is reused, voter or not.
	v2 := mustVoter(t, c, n2)
	m, all, err := c.AddLearner(ctx, "other-name", n2.peerURL)
	if err != nil || m.ID != v2.ID || m.IsLearner || len(all) != 3 {
		t.Fatalf("AddLearner of present peer URL = %+v, %d members, %v", m, len(all), err)
	}
	if err := waitHealthy(ctx, c); err != nil {
		t.Fatalf("Healthy: %v", err)
	}
	var snap bytes.Buffer
	if err := c.Snapshot(ctx, &snap); err != nil || snap.Len() == 0 {
		t.Fatalf("Snapshot: %d bytes, %v", snap.Len(), err)
	}

	// (e) A learner that never starts is never promoted and is removed,
	// while the voters stay healthy throughout.
	n4 := newNode(t, "n4")
	var stop atomic.Bool
	var watchErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		for !stop.Load() {
			if err := c.Healthy(ctx); err != nil {
				watchErr = err
				return
			}
			ms, err := c.Members(ctx)
			if err != nil {
				watchErr = err
				return
			}
			if m, ok := findByPeerURL(ms, n4.peerURL); ok && !m.IsLearner {
				watchErr = errors.New("never-started learner was promoted")
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
	err = JoinAsLearner(ctx, c, n4.name, n4.peerURL, func([]Member) error { return nil }, 1500*time.Millisecond)
	stop.Store(true)
	wg.Wait()
	if err == nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("JoinAsLearner of never-started member = %v, want a start timeout", err)
	}
	if watchErr != nil {
		t.Fatalf("during the failed join: %v", watchErr)
	}
	if m, ok := memberOf(t, c, n4.peerURL); ok {
		t.Fatalf("never-started learner %v not removed", m)
	}

	// (f) Quorum protection. A learner is removable while a voter is down;
	// voters only if the remaining answering voters keep a majority.
	learner := addLearnerRetry(ctx, t, c, newNode(t, "n5"))
	v1, v3 := mustVoter(t, c, n1), mustVoter(t, c, n3)
	n3.stop()
	if err := c.Remove(ctx, v2.ID, false); !errors.Is(err, ErrQuorumAtRisk) {
		t.Fatalf("removing an up voter of 3 with one down = %v, want ErrQuorumAtRisk", err)
	}
	if err := c.Remove(ctx, learner.ID, false); err != nil {
		t.Fatalf("removing the learner: %v", err)
	}
	if err := c.Remove(ctx, v3.ID, false); err != nil {
		t.Fatalf("removing the down voter: %v", err)
	}
	if err := waitHealthy(ctx, c); err != nil {
		t.Fatalf("Healthy with two voters: %v", err)
	}
	n2.stop()
	// Without quorum Healthy asks again until its context ends.
	hctx, hcancel := context.WithTimeout(ctx, 3*time.Second)
	err = c.Healthy(hctx)
	hcancel()
	if !errors.Is(err, ErrUnhealthy) || !strings.Contains(err.Error(), n2.clientURL) {
		t.Fatalf("Healthy with a voter down = %v, want ErrUnhealthy naming %s", err, n2.clientURL)
	}
	if err := c.Remove(ctx, v1.ID, false); !errors.Is(err, ErrQuorumAtRisk) || !strings.Contains(err.Error(), "n2") {
		t.Fatalf("removing the up voter of 2 = %v, want ErrQuorumAtRisk naming n2", err)
	}
	fctx, fcancel := context.WithTimeout(ctx, 2*time.Second)
	defer fcancel()
	if err := c.Remove(fctx, v1.ID, true); errors.Is(err, ErrQuorumAtRisk) {
		t.Fatalf("forced Remove was refused by the quorum check: %v", err)
	}
}

// TestIntegrationPromoteRetriesUntilInSync promotes a learner whose etcd
// starts only later: etcd refuses while it is not in sync and Promote retries.
func TestIntegrationPromoteRetriesUntilInSync(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	n1 := startFirst(t, "n1")
	c := newTestClient(t, n1)
	var notReady atomic.Int32
	c.onRetry = func(op string, err error) {
		if op == "Promote" && isLearnerNotReady(err) {
			notReady.Add(1)
		}
	}
	n2 := newNode(t, "n2")
	m, all, err := c.AddLearner(ctx, n2.name, n2.peerURL)
	if err != nil || !m.IsLearner || m.Started() || len(all) != 2 {
		t.Fatalf("AddLearner = %+v, %d members, %v", m, len(all), err)
	}
	begin := time.Now()
	n2.startAsync(InitialCluster(all, n2.name, n2.peerURL), time.Second)
	if err := c.Promote(ctx, m.ID); err != nil {
		t.Fatalf("Promote: %v", err)
	}
	if err := <-n2.started; err != nil {
		t.Fatal(err)
	}
	if notReady.Load() == 0 || time.Since(begin) < time.Second {
		t.Fatalf("promotion not retried while out of sync: %d refusals in %v", notReady.Load(), time.Since(begin))
	}
	mustVoter(t, c, n2)
	if err := c.Promote(ctx, m.ID); err != nil {
		t.Fatalf("promoting a voter again: %v", err)
	}
	if err := waitHealthy(ctx, c); err != nil {
		t.Fatalf("Healthy: %v", err)
	}
}

// TestIntegrationConcurrentJoinsAreSerialized checks that a second learner
// is refused while one is present, and that two joins at once from separate
// clients complete one after the other.
func TestIntegrationConcurrentJoinsAreSerialized(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), 40*time.Second)
	defer cancel()
	n1 := startFirst(t, "n1")
	c := newTestClient(t, n1)
	n2, n3 := newNode(t, "n2"), newNode(t, "n3")
	if _, _, err := c.AddLearner(ctx, n2.name, n2.peerURL); err != nil {
		t.Fatalf("AddLearner n2: %v", err)
	}
	if _, _, err := c.AddLearner(ctx, n3.name, n3.peerURL); !errors.Is(err, ErrLearnerPresent) {
		t.Fatalf("AddLearner n3 while n2 is a learner = %v, want ErrLearnerPresent", err)
	}

	var (
		wg    sync.WaitGroup
		errs  [2]error
		lists [2][]Member
	)
	clients := [2]*Client{newTestClient(t, n1), newTestClient(t, n1)}
	join := func(i int, n *node, delay time.Duration) {
		jc := clients[i]
		start := starterFor(n, delay)
		errs[i] = JoinAsLearner(ctx, jc, n.name, n.peerURL, func(ms []Member) error {
			lists[i] = ms
			return start(ms)
		}, 20*time.Second)
	}
	wg.Go(func() { join(1, n3, 0) })
	wg.Go(func() { join(0, n2, 500*time.Millisecond) })
	wg.Wait()
	for i, n := range []*node{n2, n3} {
		if errs[i] != nil {
			t.Fatalf("joining %s: %v", n.name, errs[i])
		}
		if err := <-n.started; err != nil {
			t.Fatal(err)
		}
		mustVoter(t, c, n)
	}
	// n3 was added only after n2 had been promoted.
	prev, ok := findByPeerURL(lists[1], n2.peerURL)
	if !ok || prev.IsLearner || len(lists[1]) != 3 {
		t.Fatalf("n3 started with members %+v; want n2 already a voter", lists[1])
	}
	if err := waitHealthy(ctx, c); err != nil {
		t.Fatalf("Healthy: %v", err)
	}
}
