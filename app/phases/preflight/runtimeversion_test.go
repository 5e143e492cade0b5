package preflight

import (
	"context"
	"errors"
	"net"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// runtimeConfigServer is a CRI runtime whose RuntimeConfig answers err (or
// succeeds when err is nil); every other method but Version is
// unimplemented.
type runtimeConfigServer struct {
	runtimeapi.UnimplementedRuntimeServiceServer
	err error
}

func (s *runtimeConfigServer) Version(context.Context, *runtimeapi.VersionRequest) (*runtimeapi.VersionResponse, error) {
	return &runtimeapi.VersionResponse{RuntimeApiVersion: "v1", RuntimeName: "fake"}, nil
}

func (s *runtimeConfigServer) RuntimeConfig(context.Context, *runtimeapi.RuntimeConfigRequest) (*runtimeapi.RuntimeConfigResponse, error) {
	if s.err != nil {
		return nil, s.err
	}
	return &runtimeapi.RuntimeConfigResponse{Linux: &runtimeapi.LinuxRuntimeConfiguration{CgroupDriver: runtimeapi.CgroupDriver_SYSTEMD}}, nil
}

// serveCRI serves srv on a unix socket in dir and returns its endpoint.
func serveCRI(t *testing.T, dir, name string, srv runtimeapi.RuntimeServiceServer) string {
	t.Helper()
	sock := filepath.Join(dir, name)
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	s := grpc.NewServer()
	runtimeapi.RegisterRuntimeServiceServer(s, srv)
	go s.Serve(l) //nolint:errcheck // ends with Stop
	t.Cleanup(s.Stop)
	return "unix://" + sock
}

func TestContainerRuntimeVersion(t *testing.T) {
	dir := t.TempDir() // shared: socket paths are limited to 108 bytes
	tests := []struct {
		name     string
		srv      runtimeapi.RuntimeServiceServer // nil: nothing listens
		warnings []string
		errText  string     // "" for no error
		errCode  codes.Code // the gRPC code the error must still carry
	}{
		{name: "implemented", srv: &runtimeConfigServer{}},
		{name: "no-cri-v1-api", srv: &runtimeapi.UnimplementedRuntimeServiceServer{}, errText: "could not connect to the container runtime: "},
		{name: "unimplemented-runtimeconfig", srv: &runtimeConfigServer{err: status.Error(codes.Unimplemented, "method RuntimeConfig not implemented")},
			warnings: []string{runtimeConfigMissing}},
		{name: "failing", srv: &runtimeConfigServer{err: status.Error(codes.Internal, "boom")},
			errText: "could not check if the runtime config is available: failed to call RuntimeConfig gRPC method: rpc error: code = Internal desc = boom", errCode: codes.Internal},
		{name: "no-runtime", errText: "could not connect to the container runtime: "},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			endpoint := "unix://" + filepath.Join(dir, "none.sock")
			if tc.srv != nil {
				endpoint = serveCRI(t, dir, string(rune('a'+i))+".sock", tc.srv)
			}
			c := ContainerRuntimeVersion(endpoint)
			if c.Name != "ContainerRuntimeVersion" {
				t.Fatalf("name %q", c.Name)
			}
			warnings, err := c.Run(context.Background())
			if strings.Join(warnings, "\n") != strings.Join(tc.warnings, "\n") {
				t.Fatalf("warnings %q, want %q", warnings, tc.warnings)
			}
			switch {
			case tc.errText == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tc.errText != "" && (err == nil || !strings.HasPrefix(err.Error(), tc.errText)):
				t.Fatalf("error %v, want one starting %q", err, tc.errText)
			}
			if tc.errCode != codes.OK {
				var se interface{ GRPCStatus() *status.Status }
				if !errors.As(err, &se) || se.GRPCStatus().Code() != tc.errCode {
					t.Fatalf("error %v does not wrap a gRPC status with code %v", err, tc.errCode)
				}
			}
		})
	}
}

func TestRuntimeConfigMissingText(t *testing.T) {
	want := "You must update your container runtime to a version that supports the CRI method RuntimeConfig. Falling back to using cgroupDriver from kubelet config will be removed in 1.38. For more information, see https://git.k8s.io/enhancements/keps/sig-node/4033-group-driver-detection-over-cri"
	if runtimeConfigMissing != want {
		t.Fatalf("warning text %q", runtimeConfigMissing)
	}
}
