package joinflow

import (
	"context"
	"sync"

	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/cri"
)

// fakeRuntime is a container runtime that runs the kube-system Pods named
// in pods; stopping one records its name and calls onStop.
type fakeRuntime struct {
	mu      sync.Mutex
	pods    []string
	stopped []string
	onStop  func()
}

func (r *fakeRuntime) dial(context.Context, string) (Runtime, error) { return r, nil }

func (r *fakeRuntime) RuntimeConfigImplemented(context.Context) (bool, error) { return true, nil }

func (r *fakeRuntime) ListPodSandboxes(context.Context) ([]cri.Sandbox, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var list []cri.Sandbox
	for _, p := range r.pods {
		list = append(list, cri.Sandbox{ID: "id-" + p, Name: p, Namespace: constants.KubeSystemNamespace, Ready: true})
	}
	return append(list, cri.Sandbox{ID: "id-app", Name: "app", Namespace: "default", Ready: true}), nil
}

func (r *fakeRuntime) StopPodSandbox(_ context.Context, id string) error {
	r.mu.Lock()
	r.stopped = append(r.stopped, id[len("id-"):])
	onStop := r.onStop
	r.mu.Unlock()
	if onStop != nil {
		onStop()
	}
	return nil
}

func (r *fakeRuntime) Close() error { return nil }

// stoppedPods are the names of the Pods stopped so far.
func (r *fakeRuntime) stoppedPods() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.stopped...)
}
