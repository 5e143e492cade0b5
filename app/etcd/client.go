package etcd

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

const (
	// DefaultRetryInterval is the pause between attempts of waiting operations.
	DefaultRetryInterval = 250 * time.Millisecond
	// DefaultRequestTimeout bounds one request to etcd.
	DefaultRequestTimeout = 10 * time.Second
	// DefaultProbeTimeout bounds one status request to a single member.
	DefaultProbeTimeout = 2 * time.Second
)

// Client implements Cluster over the etcd v3 client.
type Client struct {
	cli       *clientv3.Client
	endpoints []string

	// RetryInterval is the pause between attempts of operations that wait
	// or retry. Zero means DefaultRetryInterval.
	RetryInterval time.Duration
	// RequestTimeout bounds a single request within an operation. Zero
	// means DefaultRequestTimeout.
	RequestTimeout time.Duration
	// ProbeTimeout bounds a status request to one member when checking
	// health or quorum; a member that does not answer within it counts as
	// down. Zero means DefaultProbeTimeout.
	ProbeTimeout time.Duration

	// onRetry, if set, observes every error an operation retries after.
	onRetry func(op string, err error)
}

var _ Cluster = (*Client)(nil)

// New connects to the etcd cluster at endpoints. tlsConfig may be nil for
// plain-text endpoints. The connection is established lazily; dialTimeout
// bounds each dial attempt.
func New(endpoints []string, tlsConfig *tls.Config, dialTimeout time.Duration) (*Client, error) {
	if len(endpoints) == 0 {
		return nil, errors.New("creating etcd client: no endpoints")
	}
	cli, err := clientv3.New(clientv3.Config{
		Endpoints:   endpoints,
		TLS:         tlsConfig,
		DialTimeout: dialTimeout,
		Logger:      zap.NewNop(),
	})
	if err != nil {
		return nil, fmt.Errorf("creating etcd client for %s: %w", strings.Join(endpoints, ","), err)
	}
	return &Client{cli: cli, endpoints: append([]string(nil), endpoints...)}, nil
}

// TLSFromFiles builds a client TLS configuration from a CA bundle and a
// client certificate and key in PEM files.
func TLSFromFiles(caFile, certFile, keyFile string) (*tls.Config, error) {
	caPEM, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("reading etcd CA %s: %w", caFile, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, fmt.Errorf("reading etcd CA %s: no PEM certificate found", caFile)
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("loading etcd client certificate %s and key %s: %w", certFile, keyFile, err)
	}
	return &tls.Config{
		RootCAs:      pool,
		Certificates: []tls.Certificate{cert},
		MinVersion:   tls.VersionTLS12,
	}, nil
}

// Endpoints returns the endpoints the client was created with.
func (c *Client) Endpoints() []string { return append([]string(nil), c.endpoints...) }

// Close releases the connection.
func (c *Client) Close() error {
	if err := c.cli.Close(); err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("closing etcd client for %s: %w", c.endpointList(), err)
	}
	return nil
}

// Members lists all members with a linearizable read.
func (c *Client) Members(ctx context.Context) ([]Member, error) {
	return c.members(ctx, false)
}

func (c *Client) members(ctx context.Context, serializable bool) ([]Member, error) {
	rctx, cancel := c.requestCtx(ctx)
	defer cancel()
	var opts []clientv3.OpOption
	if serializable {
		opts = append(opts, clientv3.WithSerializable())
	}
	resp, err := c.cli.MemberList(rctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("listing etcd members via %s: %w", c.endpointList(), err)
	}
	return fromPB(resp.Members), nil
}

// Snapshot streams a snapshot of the keyspace from one endpoint to w.
func (c *Client) Snapshot(ctx context.Context, w io.Writer) error {
	rc, err := c.cli.Snapshot(ctx)
	if err != nil {
		return fmt.Errorf("taking etcd snapshot via %s: %w", c.endpointList(), err)
	}
	defer func() { _ = rc.Close() }()
	if _, err := io.Copy(w, rc); err != nil {
		return fmt.Errorf("streaming etcd snapshot via %s: %w", c.endpointList(), err)
	}
	return nil
}

func (c *Client) requestCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	d := c.RequestTimeout
	if d <= 0 {
		d = DefaultRequestTimeout
	}
	return context.WithTimeout(ctx, d)
}

func (c *Client) probeCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	d := c.ProbeTimeout
	if d <= 0 {
		d = DefaultProbeTimeout
	}
	return context.WithTimeout(ctx, d)
}

func (c *Client) retryInterval() time.Duration {
	if c.RetryInterval <= 0 {
		return DefaultRetryInterval
	}
	return c.RetryInterval
}

// pause records a retry of op after err and waits one retry interval.
func (c *Client) pause(ctx context.Context, op string, err error) error {
	if c.onRetry != nil {
		c.onRetry(op, err)
	}
	return sleepCtx(ctx, c.retryInterval())
}

func (c *Client) endpointList() string { return strings.Join(c.endpoints, ",") }

func fromPB(in []*pb.Member) []Member {
	out := make([]Member, 0, len(in))
	for _, m := range in {
		out = append(out, Member{
			ID:         m.GetID(),
			Name:       m.GetName(),
			PeerURLs:   append([]string(nil), m.GetPeerURLs()...),
			ClientURLs: append([]string(nil), m.GetClientURLs()...),
			IsLearner:  m.GetIsLearner(),
		})
	}
	return out
}

// NewFromPKI connects to endpoints as the API server does, with its etcd
// client certificate (apiserver-etcd-client) and the etcd CA from the
// certificates directory pkiDir.
func NewFromPKI(endpoints []string, pkiDir string, dialTimeout time.Duration) (*Client, error) {
	tlsCfg, err := TLSFromFiles(filepath.Join(pkiDir, "etcd", "ca.crt"), filepath.Join(pkiDir, "apiserver-etcd-client.crt"), filepath.Join(pkiDir, "apiserver-etcd-client.key"))
	if err != nil {
		return nil, err
	}
	return New(endpoints, tlsCfg, dialTimeout)
}
