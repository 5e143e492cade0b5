package cri

import (
	"context"
	"os"
	"sort"
	"strings"
	"time"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// RunningContainers lists the IDs of the running containers of the pod
// whose kubelet UID is podUID (for a static Pod, its manifest hash).
func (c *Client) RunningContainers(ctx context.Context, podUID string) ([]string, error) {
	cctx, cancel := c.callCtx(ctx)
	defer cancel()
	resp, err := c.runtime.ListContainers(cctx, &runtimeapi.ListContainersRequest{Filter: &runtimeapi.ContainerFilter{
		State:         &runtimeapi.ContainerStateValue{State: runtimeapi.ContainerState_CONTAINER_RUNNING},
		LabelSelector: map[string]string{LabelPodUID: podUID},
	}})
	if err != nil {
		return nil, wrapCall(err, "list the containers of pod %s through %s", podUID, c.endpoint)
	}
	var ids []string
	for _, ct := range resp.GetContainers() {
		ids = append(ids, ct.GetId())
	}
	return ids, nil
}

// StopContainer stops a container, killing it after timeout seconds.
func (c *Client) StopContainer(ctx context.Context, id string, timeout int64) error {
	cctx, cancel := c.callCtx(ctx)
	defer cancel()
	if _, err := c.runtime.StopContainer(cctx, &runtimeapi.StopContainerRequest{ContainerId: id, Timeout: timeout}); err != nil {
		return wrapCall(err, "stop container %s through %s", id, c.endpoint)
	}
	return nil
}

// Exited is a container that has exited.
type Exited struct {
	ID       string
	ExitCode int32
	Reason   string
	// LastLine is the last line the container logged, "" when unknown.
	LastLine string
}

// ExitedSince lists the containers with all of labels that were created
// after since and have exited, newest first.
func (c *Client) ExitedSince(ctx context.Context, labels map[string]string, since time.Time) ([]Exited, error) {
	cctx, cancel := c.callCtx(ctx)
	defer cancel()
	resp, err := c.runtime.ListContainers(cctx, &runtimeapi.ListContainersRequest{Filter: &runtimeapi.ContainerFilter{
		State:         &runtimeapi.ContainerStateValue{State: runtimeapi.ContainerState_CONTAINER_EXITED},
		LabelSelector: labels,
	}})
	if err != nil {
		return nil, wrapCall(err, "list exited containers through %s", c.endpoint)
	}
	list := resp.GetContainers()
	sort.Slice(list, func(i, j int) bool { return list[i].GetCreatedAt() > list[j].GetCreatedAt() })
	var out []Exited
	for _, ct := range list {
		if time.Unix(0, ct.GetCreatedAt()).Before(since) {
			continue
		}
		st, err := c.runtime.ContainerStatus(cctx, &runtimeapi.ContainerStatusRequest{ContainerId: ct.GetId()})
		if err != nil {
			continue // removed meanwhile
		}
		s := st.GetStatus()
		out = append(out, Exited{ID: ct.GetId(), ExitCode: s.GetExitCode(), Reason: s.GetReason(), LastLine: lastLogLine(s.GetLogPath())})
	}
	return out, nil
}

// lastLogLine returns the message of the last line of a CRI log file
// ("<time> <stream> <tag> <message>").
func lastLogLine(path string) string {
	if path == "" {
		return ""
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	last := lines[len(lines)-1]
	if parts := strings.SplitN(last, " ", 4); len(parts) == 4 {
		return parts[3]
	}
	return last
}
