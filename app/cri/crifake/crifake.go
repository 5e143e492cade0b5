// Package crifake serves a fake container runtime over the CRI gRPC API on
// a unix socket, for tests of code that talks to a runtime: pod sandboxes
// that can be listed, stopped and removed, and images that can be looked
// up and pulled, with injectable failures.
package crifake

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// Runtime is the fake runtime's state. Set the exported fields before
// Start; read them back through Calls and HasImage.
type Runtime struct {
	runtimeapi.UnimplementedRuntimeServiceServer
	runtimeapi.UnimplementedImageServiceServer

	mu         sync.Mutex
	Sandboxes  []*runtimeapi.PodSandbox
	Containers []*runtimeapi.Container
	// ExitCodes and LogPaths are reported by ContainerStatus, per ID.
	ExitCodes map[string]int32
	LogPaths  map[string]string
	Images    map[string]bool
	// PullErr, when set, fails every pull.
	PullErr error
	// Block makes ListPodSandbox wait until its context ends.
	Block bool
	calls []string
}

// Start serves r on a socket in a new temporary directory and returns its
// unix:// endpoint and a function that stops the server and removes the
// directory. The directory is short: socket paths are limited to 108 bytes.
func (r *Runtime) Start() (string, func(), error) {
	dir, err := os.MkdirTemp("", "crifake")
	if err != nil {
		return "", nil, err
	}
	sock := filepath.Join(dir, "cri.sock")
	lis, err := net.Listen("unix", sock)
	if err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	s := grpc.NewServer()
	runtimeapi.RegisterRuntimeServiceServer(s, r)
	runtimeapi.RegisterImageServiceServer(s, r)
	go s.Serve(lis) //nolint:errcheck // ends with Stop
	return "unix://" + sock, func() { s.Stop(); os.RemoveAll(dir) }, nil
}

// Calls returns the calls that changed something, like "stop <id>".
func (r *Runtime) Calls() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.calls)
}

// HasImage reports whether the runtime holds image.
func (r *Runtime) HasImage(image string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.Images[image]
}

func (r *Runtime) record(call string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, call)
}

// Version answers as a CRI v1 runtime.
func (r *Runtime) Version(context.Context, *runtimeapi.VersionRequest) (*runtimeapi.VersionResponse, error) {
	return &runtimeapi.VersionResponse{RuntimeName: "crifake", RuntimeApiVersion: "v1"}, nil
}

// ListPodSandbox lists the sandboxes.
func (r *Runtime) ListPodSandbox(ctx context.Context, _ *runtimeapi.ListPodSandboxRequest) (*runtimeapi.ListPodSandboxResponse, error) {
	r.mu.Lock()
	block := r.Block
	items := slices.Clone(r.Sandboxes)
	r.mu.Unlock()
	if block {
		<-ctx.Done()
		return nil, status.FromContextError(ctx.Err()).Err()
	}
	return &runtimeapi.ListPodSandboxResponse{Items: items}, nil
}

// StopPodSandbox records the stop.
func (r *Runtime) StopPodSandbox(_ context.Context, req *runtimeapi.StopPodSandboxRequest) (*runtimeapi.StopPodSandboxResponse, error) {
	r.record("stop " + req.PodSandboxId)
	return &runtimeapi.StopPodSandboxResponse{}, nil
}

// ListContainers lists the containers matching the filter's state and
// labels.
func (r *Runtime) ListContainers(_ context.Context, req *runtimeapi.ListContainersRequest) (*runtimeapi.ListContainersResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := &runtimeapi.ListContainersResponse{}
	f := req.GetFilter()
	for _, c := range r.Containers {
		if f.GetState() != nil && c.State != f.GetState().State {
			continue
		}
		match := true
		for k, v := range f.GetLabelSelector() {
			match = match && c.Labels[k] == v
		}
		if match {
			out.Containers = append(out.Containers, c)
		}
	}
	return out, nil
}

// ContainerStatus reports a container's state, exit code and log path.
func (r *Runtime) ContainerStatus(_ context.Context, req *runtimeapi.ContainerStatusRequest) (*runtimeapi.ContainerStatusResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.Containers {
		if c.Id == req.ContainerId {
			return &runtimeapi.ContainerStatusResponse{Status: &runtimeapi.ContainerStatus{Id: c.Id, State: c.State,
				ExitCode: r.ExitCodes[c.Id], LogPath: r.LogPaths[c.Id], Reason: "Error"}}, nil
		}
	}
	return nil, status.Errorf(codes.NotFound, "container %s not found", req.ContainerId)
}

// StopContainer marks the container exited.
func (r *Runtime) StopContainer(_ context.Context, req *runtimeapi.StopContainerRequest) (*runtimeapi.StopContainerResponse, error) {
	r.record(fmt.Sprintf("stop-container %s %d", req.ContainerId, req.Timeout))
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.Containers {
		if c.Id == req.ContainerId {
			c.State = runtimeapi.ContainerState_CONTAINER_EXITED
		}
	}
	return &runtimeapi.StopContainerResponse{}, nil
}

// RemovePodSandbox removes the sandbox.
func (r *Runtime) RemovePodSandbox(_ context.Context, req *runtimeapi.RemovePodSandboxRequest) (*runtimeapi.RemovePodSandboxResponse, error) {
	r.record("remove " + req.PodSandboxId)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.Sandboxes = slices.DeleteFunc(r.Sandboxes, func(s *runtimeapi.PodSandbox) bool { return s.Id == req.PodSandboxId })
	return &runtimeapi.RemovePodSandboxResponse{}, nil
}

// ImageStatus reports an image the runtime holds, or none.
func (r *Runtime) ImageStatus(_ context.Context, req *runtimeapi.ImageStatusRequest) (*runtimeapi.ImageStatusResponse, error) {
	if !r.HasImage(req.GetImage().GetImage()) {
		return &runtimeapi.ImageStatusResponse{}, nil
	}
	return &runtimeapi.ImageStatusResponse{Image: &runtimeapi.Image{Id: "sha256:0", RepoTags: []string{req.Image.Image}}}, nil
}

// PullImage adds the image, or fails with PullErr.
func (r *Runtime) PullImage(_ context.Context, req *runtimeapi.PullImageRequest) (*runtimeapi.PullImageResponse, error) {
	image := req.GetImage().GetImage()
	r.record("pull " + image)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.PullErr != nil {
		return nil, r.PullErr
	}
	if r.Images == nil {
		r.Images = map[string]bool{}
	}
	r.Images[image] = true
	return &runtimeapi.PullImageResponse{ImageRef: "sha256:0"}, nil
}
