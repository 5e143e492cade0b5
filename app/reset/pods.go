package reset

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/kubeadm-cleanroom/kubeadm/app/cri"
	"github.com/kubeadm-cleanroom/kubeadm/app/progress"
)

// podRemoveAttempts is how often stopping and removing a sandbox is tried.
const podRemoveAttempts = 3

// removePods stops and removes every pod sandbox the kubelet made, with
// their containers, through the CRI. Failures are warnings, as upstream's.
func (d *Data) removePods(ctx context.Context, out progress.Phase) {
	sock := d.cfg.CRISocket
	if sock == "" {
		out.Warnf("no container runtime socket is known: the pods of this node were not removed; pass --cri-socket")
		return
	}
	if d.cfg.DryRun {
		out.Infof("would stop and remove the kubelet's pod sandboxes through %s", sock)
		return
	}
	rt, err := d.Runtime(ctx, sock)
	if err != nil {
		out.Warnf("%v: the pods of this node were not removed", err)
		return
	}
	defer rt.Close()
	list, err := rt.ListPodSandboxes(ctx)
	if err != nil {
		out.Warnf("%v: the pods of this node were not removed", err)
		return
	}
	var removed, others []string
	for _, s := range list {
		if !s.FromKubelet() {
			others = append(others, s.String())
			continue
		}
		if err := removeSandbox(ctx, rt, s); err != nil {
			out.Warnf("%v", err)
			continue
		}
		removed = append(removed, s.String())
	}
	if len(removed) == 0 {
		out.Infof("no pod sandboxes of the kubelet to remove through %s", sock)
	} else {
		out.Infof("stopped and removed %d pod sandbox(es) through %s: %s", len(removed), sock, strings.Join(removed, ", "))
	}
	if len(others) > 0 {
		out.Infof("left %d pod sandbox(es) that the kubelet did not make: %s", len(others), strings.Join(others, ", "))
	}
}

func removeSandbox(ctx context.Context, rt Runtime, s cri.Sandbox) error {
	var err error
	for attempt := 1; attempt <= podRemoveAttempts; attempt++ {
		if err = rt.StopPodSandbox(ctx, s.ID); err == nil {
			if err = rt.RemovePodSandbox(ctx, s.ID); err == nil {
				return nil
			}
		}
		if attempt < podRemoveAttempts {
			select {
			case <-ctx.Done():
				return fmt.Errorf("remove pod sandbox %s: %w (last: %w)", s, ctx.Err(), err)
			case <-time.After(500 * time.Millisecond):
			}
		}
	}
	return fmt.Errorf("remove pod sandbox %s after %d attempts: %w", s, podRemoveAttempts, err)
}
