package upgradeflow

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/cri"
)

// Hasten ends the old kube-apiserver container once it has stopped
// listening. On SIGTERM the API server closes its port (at once, or after
// its shutdown delay) but its process stays until the kubelet kills it at
// the end of the 30 s grace period, and the kubelet starts the replacement
// only after that. Other components exit promptly and are left to the
// kubelet.
//
// Behind a load balancer (w.shutdownDelay > 0) the old server is ended no
// sooner than the shutdown delay after it was told to stop, and a moment
// after its port closed, so that the requests it accepted finish. A server
// that had no delay (one made by upstream kubeadm) closed its port at once;
// waiting out the delay here still keeps its replacement from listening,
// not yet ready, while the load balancer routes to this address.
func (w *mirrorWatcher) Hasten(ctx context.Context, component, oldHash string) {
	if component != constants.KubeAPIServer || w.criSocket == "" {
		return
	}
	told := time.Now()
	poll := 50 * time.Millisecond
	if w.shutdownDelay > 0 {
		poll = 200 * time.Millisecond // each poll is a TLS handshake error in its log
	}
	hctx, cancel := context.WithTimeout(ctx, w.shutdownDelay+10*time.Second)
	defer cancel()
	for w.listening(w.apiAddress) {
		if !sleepCtx(hctx, poll) {
			return // still serving: the kubelet's grace period applies
		}
	}
	if w.shutdownDelay > 0 {
		wait := time.Until(told.Add(w.shutdownDelay))
		if wait < inFlightGrace {
			wait = inFlightGrace
		}
		if !sleepCtx(hctx, wait) {
			return
		}
	}
	c, err := w.runtime(hctx)
	if err != nil {
		return
	}
	ids, err := c.RunningContainers(hctx, oldHash)
	if err != nil {
		return
	}
	for _, id := range ids {
		_ = c.StopContainer(hctx, id, 0)
	}
}

// inFlightGrace is how long an API server behind a load balancer is left
// to finish the requests it accepted once its port has closed.
const inFlightGrace = time.Second

// sleepCtx waits d and reports whether ctx was still live at the end.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// criSocket is the runtime endpoint the kubelet of this node uses, from
// its instance-config.yaml, or the one detected here.
func (d *Data) criSocket() string {
	if s := cri.RecordedSocket(filepath.Join(d.KubeletDir, constants.KubeletInstanceFile)); s != "" {
		return s
	}
	s, err := d.DetectRuntime()
	if err != nil {
		return ""
	}
	return s
}

// crashLoop fails when the component's container has exited with an
// error crashLoopRestarts times since the wait began: the kubelet keeps
// restarting it, and it will not come up. It sees this through the
// container runtime, so it works while the API server is down too.
func (w *mirrorWatcher) crashLoop(ctx context.Context, component string, since time.Time) error {
	if w.criSocket == "" {
		return nil
	}
	if time.Since(w.crashChecked) < time.Second {
		return nil
	}
	w.crashChecked = time.Now()
	cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	c, err := w.runtime(cctx)
	if err != nil {
		return nil
	}
	exited, err := c.ExitedSince(cctx, map[string]string{"io.kubernetes.pod.name": component + "-" + w.nodeName,
		"io.kubernetes.pod.namespace": constants.KubeSystemNamespace, "io.kubernetes.container.name": component}, since)
	if err != nil {
		return nil
	}
	var failed []cri.Exited
	for _, e := range exited {
		if e.ExitCode != 0 {
			failed = append(failed, e)
		}
	}
	if len(failed) < crashLoopRestarts {
		return nil
	}
	last := failed[0]
	msg := last.LastLine
	if msg == "" {
		msg = last.Reason
	}
	return fmt.Errorf("its container exited %d times, last with code %d: %s", len(failed), last.ExitCode, msg)
}

// runtime returns the watcher's connection to the container runtime,
// dialled on first use.
func (w *mirrorWatcher) runtime(ctx context.Context) (Runtime, error) {
	if w.rt != nil {
		return w.rt, nil
	}
	c, err := w.dial(ctx, w.criSocket)
	if err != nil {
		return nil, err
	}
	w.rt = c
	return c, nil
}

// close releases the runtime connection.
func (w *mirrorWatcher) close() {
	if w.rt != nil {
		w.rt.Close()
		w.rt = nil
	}
}
