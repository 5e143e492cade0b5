package cri

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/kubeadm-cleanroom/kubeadm/app/cri/crifake"
)

// serve starts f and returns its endpoint.
func serve(t *testing.T, f *crifake.Runtime) string {
	t.Helper()
	ep, stop, err := f.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return ep
}

func dial(t *testing.T, ep string) *Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := Dial(ctx, ep)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestSandboxes(t *testing.T) {
	f := &crifake.Runtime{Sandboxes: []*runtimeapi.PodSandbox{
		{Id: "aaaaaaaaaaaaaaaaaaaa", Metadata: &runtimeapi.PodSandboxMetadata{Name: "etcd-node1", Namespace: "kube-system"},
			State: runtimeapi.PodSandboxState_SANDBOX_READY, Labels: map[string]string{LabelPodUID: "u1"}},
		{Id: "bbbb", State: runtimeapi.PodSandboxState_SANDBOX_NOTREADY},
	}}
	c := dial(t, serve(t, f))
	ctx := context.Background()
	list, err := c.ListPodSandboxes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || !list[0].FromKubelet() || list[1].FromKubelet() || !list[0].Ready || list[1].Ready {
		t.Fatalf("sandboxes %+v", list)
	}
	if got := list[0].String(); got != "kube-system/etcd-node1 (aaaaaaaaaaaaa)" {
		t.Errorf("String() = %q", got)
	}
	if err := c.StopPodSandbox(ctx, "aaaaaaaaaaaaaaaaaaaa"); err != nil {
		t.Fatal(err)
	}
	if err := c.RemovePodSandbox(ctx, "aaaaaaaaaaaaaaaaaaaa"); err != nil {
		t.Fatal(err)
	}
	if want := []string{"stop aaaaaaaaaaaaaaaaaaaa", "remove aaaaaaaaaaaaaaaaaaaa"}; !slices.Equal(f.Calls(), want) {
		t.Errorf("calls %v, want %v", f.Calls(), want)
	}
}

func TestImages(t *testing.T) {
	cases := []struct {
		name      string
		present   bool
		pullErr   error
		wantPull  bool
		wantError []string
	}{
		{name: "present", present: true},
		{name: "pulled", wantPull: true},
		{name: "pull fails", wantPull: true, pullErr: status.Error(codes.Unknown, "failed to resolve reference \"registry.k8s.io/pause:3.10.2\":\n dial tcp 127.0.0.1:1: connect: connection refused"),
			wantError: []string{"pull image registry.k8s.io/pause:3.10.2 through unix://", "connection refused"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			const img = "registry.k8s.io/pause:3.10.2"
			f := &crifake.Runtime{Images: map[string]bool{img: c.present}, PullErr: c.pullErr}
			cl := dial(t, serve(t, f))
			ctx := context.Background()
			present, err := cl.ImagePresent(ctx, img)
			if err != nil || present != c.present {
				t.Fatalf("ImagePresent = %v, %v", present, err)
			}
			if present {
				return
			}
			err = cl.PullImage(ctx, img)
			if len(c.wantError) == 0 && err != nil {
				t.Fatal(err)
			}
			for _, w := range c.wantError {
				if err == nil || !strings.Contains(err.Error(), w) || strings.Contains(err.Error(), "\n") {
					t.Errorf("error %v lacks %q or spans lines", err, w)
				}
			}
			if got := slices.Contains(f.Calls(), "pull "+img); got != c.wantPull {
				t.Errorf("pulled = %v", got)
			}
		})
	}
}

func TestDialFailures(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for ep, want := range map[string]string{
		"/nonexistent/cri.sock":    "connect to the container runtime at unix:///nonexistent/cri.sock",
		"tcp://127.0.0.1:1":        "only unix:// sockets",
		"unix:///nonexistent.sock": "CRI v1 API does not answer",
	} {
		if _, err := Dial(ctx, ep); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Dial(%s) = %v, want %q", ep, err, want)
		}
	}
}

func TestCallTimeout(t *testing.T) {
	f := &crifake.Runtime{Block: true}
	c := dial(t, serve(t, f))
	c.CallTimeout = 50 * time.Millisecond
	start := time.Now()
	_, err := c.ListPodSandboxes(context.Background())
	if err == nil || !strings.Contains(err.Error(), "DeadlineExceeded") {
		t.Fatalf("err = %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("the call took %s", time.Since(start))
	}
}

func TestContainers(t *testing.T) {
	running, exited := runtimeapi.ContainerState_CONTAINER_RUNNING, runtimeapi.ContainerState_CONTAINER_EXITED
	f := &crifake.Runtime{Containers: []*runtimeapi.Container{
		{Id: "old-api", State: running, Labels: map[string]string{LabelPodUID: "hash1"}},
		{Id: "old-api-dead", State: exited, Labels: map[string]string{LabelPodUID: "hash1"}},
		{Id: "other", State: running, Labels: map[string]string{LabelPodUID: "hash2"}},
	}}
	c := dial(t, serve(t, f))
	ctx := context.Background()
	ids, err := c.RunningContainers(ctx, "hash1")
	if err != nil || !slices.Equal(ids, []string{"old-api"}) {
		t.Fatalf("RunningContainers = %v, %v", ids, err)
	}
	if err := c.StopContainer(ctx, "old-api", 0); err != nil {
		t.Fatal(err)
	}
	if ids, _ := c.RunningContainers(ctx, "hash1"); len(ids) != 0 {
		t.Fatalf("still running after stop: %v", ids)
	}
	if want := []string{"stop-container old-api 0"}; !slices.Equal(f.Calls(), want) {
		t.Errorf("calls %v, want %v", f.Calls(), want)
	}
}

func TestExitedSince(t *testing.T) {
	dir := t.TempDir()
	logPath := filepath.Join(dir, "0.log")
	os.WriteFile(logPath, []byte("2026-11-21T00:00:00Z stderr F starting\n2026-11-21T00:00:01Z stderr F Error: unknown flag: --bogus\n"), 0o600)
	now := time.Now()
	exited := runtimeapi.ContainerState_CONTAINER_EXITED
	labels := map[string]string{"io.kubernetes.pod.name": "kube-apiserver-cp1"}
	f := &crifake.Runtime{
		Containers: []*runtimeapi.Container{
			{Id: "before", State: exited, CreatedAt: now.Add(-time.Minute).UnixNano(), Labels: labels},
			{Id: "first", State: exited, CreatedAt: now.Add(time.Second).UnixNano(), Labels: labels},
			{Id: "second", State: exited, CreatedAt: now.Add(2 * time.Second).UnixNano(), Labels: labels},
			{Id: "other", State: exited, CreatedAt: now.Add(2 * time.Second).UnixNano(), Labels: map[string]string{"io.kubernetes.pod.name": "x"}},
		},
		ExitCodes: map[string]int32{"first": 1, "second": 1},
		LogPaths:  map[string]string{"second": logPath},
	}
	c := dial(t, serve(t, f))
	got, err := c.ExitedSince(context.Background(), labels, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != "second" || got[0].ExitCode != 1 || got[0].LastLine != "Error: unknown flag: --bogus" || got[1].ID != "first" {
		t.Fatalf("ExitedSince = %+v", got)
	}
}
