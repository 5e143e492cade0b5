// Package etcdtest runs real embedded etcd members on loopback for tests
// of packages that take snapshots, restore them and manage members.
package etcdtest

import (
	"fmt"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
)

// Member is one embedded etcd member, plain HTTP on loopback.
type Member struct {
	Name, Dir, PeerURL, ClientURL string
	e                             *embed.Etcd
}

// New prepares a member with a fresh data directory and free ports.
func New(t testing.TB, name string) *Member {
	t.Helper()
	m := &Member{Name: name, Dir: t.TempDir(), PeerURL: "http://" + FreeAddr(t), ClientURL: "http://" + FreeAddr(t)}
	t.Cleanup(m.Stop)
	return m
}

// StartSingle starts a new single-member cluster.
func StartSingle(t testing.TB, name string) *Member {
	t.Helper()
	m := New(t, name)
	if err := m.Start(name+"="+m.PeerURL, "new", false); err != nil {
		t.Fatal(err)
	}
	return m
}

// Start starts the member on its data directory and waits until it serves.
func (m *Member) Start(initialCluster, state string, forceNew bool) error {
	cfg := embed.NewConfig()
	cfg.Name, cfg.Dir = m.Name, m.Dir
	cfg.ListenPeerUrls = []url.URL{MustURL(m.PeerURL)}
	cfg.AdvertisePeerUrls = cfg.ListenPeerUrls
	cfg.ListenClientUrls = []url.URL{MustURL(m.ClientURL)}
	cfg.AdvertiseClientUrls = cfg.ListenClientUrls
	cfg.InitialCluster, cfg.ClusterState, cfg.InitialClusterToken = initialCluster, state, "etcd-cluster"
	cfg.ForceNewCluster = forceNew
	cfg.TickMs, cfg.ElectionMs = 100, 1000
	cfg.UnsafeNoFsync = true
	cfg.Logger = "zap"
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(zap.NewNop())
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return fmt.Errorf("start etcd %s: %w", m.Name, err)
	}
	m.e = e
	select {
	case <-e.Server.ReadyNotify():
		return nil
	case err := <-e.Err():
		return fmt.Errorf("etcd %s failed: %w", m.Name, err)
	case <-time.After(45 * time.Second):
		return fmt.Errorf("etcd %s not ready after 45s", m.Name)
	}
}

// Stop stops the member; its data stays.
func (m *Member) Stop() {
	if m.e != nil {
		m.e.Close()
		m.e = nil
	}
}

// FreeAddr reserves a free loopback port and returns host:port.
func FreeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("reserve a port: %v", err)
	}
	defer l.Close()
	return l.Addr().String()
}

// MustURL parses s, panicking when it is not a URL.
func MustURL(s string) url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return *u
}

// StartCluster starts a new cluster of n members named m0, m1, ...
func StartCluster(t testing.TB, n int) []*Member {
	t.Helper()
	ms := make([]*Member, n)
	var initial []string
	for i := range ms {
		ms[i] = New(t, fmt.Sprintf("m%d", i))
		initial = append(initial, ms[i].Name+"="+ms[i].PeerURL)
	}
	errs := make(chan error, n)
	for _, m := range ms {
		go func() { errs <- m.Start(strings.Join(initial, ","), "new", false) }()
	}
	for range ms {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	return ms
}
