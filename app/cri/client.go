package cri

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

const (
	// DefaultCallTimeout bounds one CRI call other than an image pull.
	DefaultCallTimeout = 30 * time.Second
	// DefaultPullTimeout bounds one image pull.
	DefaultPullTimeout = 10 * time.Minute
	// maxMsgSize is the largest CRI answer accepted, as the kubelet does.
	maxMsgSize = 16 << 20
	// LabelPodUID is set by the kubelet on every sandbox it makes.
	LabelPodUID = "io.kubernetes.pod.uid"
)

// Sandbox is one pod sandbox as the runtime reports it.
type Sandbox struct {
	ID        string
	Name      string
	Namespace string
	Ready     bool
	Labels    map[string]string
}

// FromKubelet reports whether the kubelet made the sandbox.
func (s Sandbox) FromKubelet() bool { return s.Labels[LabelPodUID] != "" }

// String names the sandbox for messages: namespace/name (short ID).
func (s Sandbox) String() string {
	id := s.ID
	if len(id) > 13 {
		id = id[:13]
	}
	if s.Name == "" {
		return id
	}
	return s.Namespace + "/" + s.Name + " (" + id + ")"
}

// Client talks to a container runtime through its CRI socket. Every call
// is bounded by a timeout as well as by the caller's context.
type Client struct {
	endpoint string
	conn     *grpc.ClientConn
	runtime  runtimeapi.RuntimeServiceClient
	images   runtimeapi.ImageServiceClient

	// CallTimeout bounds each call but image pulls; zero means DefaultCallTimeout.
	CallTimeout time.Duration
	// PullTimeout bounds each image pull; zero means DefaultPullTimeout.
	PullTimeout time.Duration
}

// Dial connects to the runtime at endpoint (unix:///path or a bare path)
// and checks that it answers the CRI v1 API.
func Dial(ctx context.Context, endpoint string) (*Client, error) {
	endpoint, _ = Normalize(endpoint)
	if !strings.HasPrefix(endpoint, "unix://") {
		return nil, fmt.Errorf("connect to the container runtime at %q: only unix:// sockets are supported", endpoint)
	}
	conn, err := grpc.NewClient(endpoint,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxMsgSize)))
	if err != nil {
		return nil, fmt.Errorf("connect to the container runtime at %s: %w", endpoint, err)
	}
	c := &Client{endpoint: endpoint, conn: conn, runtime: runtimeapi.NewRuntimeServiceClient(conn), images: runtimeapi.NewImageServiceClient(conn)}
	cctx, cancel := c.callCtx(ctx)
	defer cancel()
	if _, err := c.runtime.Version(cctx, &runtimeapi.VersionRequest{}); err != nil {
		conn.Close()
		return nil, wrapCall(err, "connect to the container runtime at %s: the CRI v1 API does not answer", endpoint)
	}
	return c, nil
}

// Endpoint returns the runtime's endpoint.
func (c *Client) Endpoint() string { return c.endpoint }

// Close closes the connection.
func (c *Client) Close() error { return c.conn.Close() }

// ListPodSandboxes lists every pod sandbox of the runtime.
func (c *Client) ListPodSandboxes(ctx context.Context) ([]Sandbox, error) {
	cctx, cancel := c.callCtx(ctx)
	defer cancel()
	resp, err := c.runtime.ListPodSandbox(cctx, &runtimeapi.ListPodSandboxRequest{})
	if err != nil {
		return nil, wrapCall(err, "list pod sandboxes through %s", c.endpoint)
	}
	out := make([]Sandbox, 0, len(resp.GetItems()))
	for _, s := range resp.GetItems() {
		out = append(out, Sandbox{
			ID: s.GetId(), Name: s.GetMetadata().GetName(), Namespace: s.GetMetadata().GetNamespace(),
			Ready: s.GetState() == runtimeapi.PodSandboxState_SANDBOX_READY, Labels: s.GetLabels(),
		})
	}
	return out, nil
}

// StopPodSandbox stops the sandbox and its containers.
func (c *Client) StopPodSandbox(ctx context.Context, id string) error {
	cctx, cancel := c.callCtx(ctx)
	defer cancel()
	if _, err := c.runtime.StopPodSandbox(cctx, &runtimeapi.StopPodSandboxRequest{PodSandboxId: id}); err != nil {
		return wrapCall(err, "stop pod sandbox %s through %s", id, c.endpoint)
	}
	return nil
}

// RemovePodSandbox removes the sandbox and its containers.
func (c *Client) RemovePodSandbox(ctx context.Context, id string) error {
	cctx, cancel := c.callCtx(ctx)
	defer cancel()
	if _, err := c.runtime.RemovePodSandbox(cctx, &runtimeapi.RemovePodSandboxRequest{PodSandboxId: id}); err != nil {
		return wrapCall(err, "remove pod sandbox %s through %s", id, c.endpoint)
	}
	return nil
}

// RuntimeConfigImplemented reports whether the runtime answers the CRI
// RuntimeConfig method, through which the kubelet learns the cgroup driver.
// A runtime that answers Unimplemented gives false and no error; any other
// failure is returned with the gRPC status error wrapped.
func (c *Client) RuntimeConfigImplemented(ctx context.Context) (bool, error) {
	cctx, cancel := c.callCtx(ctx)
	defer cancel()
	if _, err := c.runtime.RuntimeConfig(cctx, &runtimeapi.RuntimeConfigRequest{}); err != nil {
		if s, ok := status.FromError(err); ok && s.Code() == codes.Unimplemented {
			return false, nil
		}
		return false, fmt.Errorf("failed to call RuntimeConfig gRPC method: %w", err)
	}
	return true, nil
}

// ImagePresent reports whether the runtime holds image.
func (c *Client) ImagePresent(ctx context.Context, image string) (bool, error) {
	cctx, cancel := c.callCtx(ctx)
	defer cancel()
	resp, err := c.images.ImageStatus(cctx, &runtimeapi.ImageStatusRequest{Image: &runtimeapi.ImageSpec{Image: image}})
	if err != nil {
		return false, wrapCall(err, "ask %s for the status of image %s", c.endpoint, image)
	}
	return resp.GetImage() != nil, nil
}

// PullImage pulls image through the runtime.
func (c *Client) PullImage(ctx context.Context, image string) error {
	d := c.PullTimeout
	if d <= 0 {
		d = DefaultPullTimeout
	}
	cctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	if _, err := c.images.PullImage(cctx, &runtimeapi.PullImageRequest{Image: &runtimeapi.ImageSpec{Image: image}}); err != nil {
		return wrapCall(err, "pull image %s through %s", image, c.endpoint)
	}
	return nil
}

func (c *Client) callCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	d := c.CallTimeout
	if d <= 0 {
		d = DefaultCallTimeout
	}
	return context.WithTimeout(ctx, d)
}

// message is a gRPC error's text on one line, without the "rpc error:"
// wrapping when it has a status.
// callError is a failed CRI call: it reads as what was asked and the
// call's gRPC code and message on one line, and unwraps to the gRPC error,
// so that status.FromError and errors.Is still see its status.
type callError struct {
	what string
	err  error
}

func (e *callError) Error() string { return e.what + ": " + message(e.err) }
func (e *callError) Unwrap() error { return e.err }

// GRPCStatus is the call's status, for status.FromError and status.Code.
func (e *callError) GRPCStatus() *status.Status {
	s, _ := status.FromError(e.err)
	return s
}

func wrapCall(err error, format string, args ...any) error {
	return &callError{what: fmt.Sprintf(format, args...), err: err}
}

func message(err error) string {
	msg := err.Error()
	if s, ok := status.FromError(err); ok {
		msg = s.Code().String() + ": " + s.Message()
	} else if errors.Is(err, context.DeadlineExceeded) {
		msg = "timed out"
	}
	return strings.Join(strings.Fields(msg), " ")
}
