package etcd

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"testing"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"

	"github.com/kubeadm-cleanroom/kubeadm/app/etcd/etcdtest"
)

// node is one embedded etcd member on loopback.
type node struct {
	t         *testing.T
	name      string
	dir       string
	peerURL   string
	clientURL string

	mu      sync.Mutex
	e       *embed.Etcd
	started chan error // receives the result of an asynchronous start
}

func newNode(t *testing.T, name string) *node {
	t.Helper()
	n := &node{
		t:         t,
		name:      name,
		dir:       t.TempDir(),
		peerURL:   "http://" + etcdtest.FreeAddr(t),
		clientURL: "http://" + etcdtest.FreeAddr(t),
		started:   make(chan error, 1),
	}
	t.Cleanup(n.stop)
	return n
}

// start starts the member and waits until it serves clients.
func (n *node) start(initialCluster, state string) error {
	cfg := embed.NewConfig()
	cfg.Name = n.name
	cfg.Dir = n.dir
	cfg.ListenPeerUrls = []url.URL{etcdtest.MustURL(n.peerURL)}
	cfg.AdvertisePeerUrls = cfg.ListenPeerUrls
	cfg.ListenClientUrls = []url.URL{etcdtest.MustURL(n.clientURL)}
	cfg.AdvertiseClientUrls = cfg.ListenClientUrls
	cfg.InitialCluster = initialCluster
	cfg.ClusterState = state
	cfg.InitialClusterToken = "cleanroom-test"
	// etcd's own defaults: with shorter ones, a member starved of CPU (go
	// test -race ./... on two cores) misses heartbeats, the members keep
	// electing leaders and a joining member cannot publish itself.
	cfg.TickMs = 100
	cfg.ElectionMs = 1000
	cfg.UnsafeNoFsync = true
	cfg.Logger = "zap"
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(zap.NewNop())
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return fmt.Errorf("starting etcd %s: %w", n.name, err)
	}
	n.mu.Lock()
	n.e = e
	n.mu.Unlock()
	select {
	case <-e.Server.ReadyNotify():
		return nil
	case err := <-e.Err():
		return fmt.Errorf("etcd %s failed: %w", n.name, err)
	case <-time.After(45 * time.Second):
		return fmt.Errorf("etcd %s not ready after 45s", n.name)
	}
}

// startAsync starts the member after delay in the background; the result
// arrives on n.started.
func (n *node) startAsync(initialCluster string, delay time.Duration) {
	go func() {
		time.Sleep(delay)
		n.started <- n.start(initialCluster, "existing")
	}()
}

func (n *node) stop() {
	n.mu.Lock()
	e := n.e
	n.e = nil
	n.mu.Unlock()
	if e != nil {
		e.Close()
	}
}

// startFirst starts a single-member cluster.
func startFirst(t *testing.T, name string) *node {
	t.Helper()
	n := newNode(t, name)
	if err := n.start(name+"="+n.peerURL, "new"); err != nil {
		t.Fatal(err)
	}
	return n
}

func newTestClient(t *testing.T, nodes ...*node) *Client {
	t.Helper()
	var eps []string
	for _, n := range nodes {
		eps = append(eps, n.clientURL)
	}
	c, err := New(eps, nil, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c.RetryInterval = 100 * time.Millisecond
	c.RequestTimeout = 3 * time.Second
	c.ProbeTimeout = time.Second
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// starterFor returns a startMember that starts n with the initial cluster
// derived from the member list, after delay.
func starterFor(n *node, delay time.Duration) func([]Member) error {
	return func(ms []Member) error {
		n.startAsync(InitialCluster(ms, n.name, n.peerURL), delay)
		return nil
	}
}

// addLearnerRetry adds a learner, retrying transient errors such as the
// "unhealthy" answer right after a member joined.
func addLearnerRetry(ctx context.Context, t *testing.T, c *Client, n *node) Member {
	t.Helper()
	for {
		m, _, err := c.AddLearner(ctx, n.name, n.peerURL)
		if err == nil {
			return m
		}
		if !IsRetryable(err) || ctx.Err() != nil {
			t.Fatalf("AddLearner %s: %v", n.name, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func memberOf(t *testing.T, c *Client, peerURL string) (Member, bool) {
	t.Helper()
	ms, err := c.Members(t.Context())
	if err != nil {
		t.Fatalf("Members: %v", err)
	}
	return findByPeerURL(ms, peerURL)
}

func mustVoter(t *testing.T, c *Client, n *node) Member {
	t.Helper()
	m, ok := memberOf(t, c, n.peerURL)
	if !ok || m.IsLearner {
		t.Fatalf("%s is not a voter: %+v (present %v)", n.name, m, ok)
	}
	return m
}

func waitHealthy(ctx context.Context, c *Client) error {
	var err error
	for ctx.Err() == nil {
		if err = c.Healthy(ctx); err == nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return errors.Join(ctx.Err(), err)
}
