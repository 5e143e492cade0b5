package upgradeflow

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientset "k8s.io/client-go/kubernetes"

	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/host"
)

// mirrorHashAnnotation is where the kubelet puts the hash of the manifest a
// mirror Pod stands for.
const mirrorHashAnnotation = "kubernetes.io/config.hash"

// crashLoopRestarts is how many restarts of a new static Pod's container
// end the wait early: it will not come up by itself.
const crashLoopRestarts = 2

// stoppedFor is how long etcd must stay stopped before its data is
// replaced.
var stoppedFor = time.Second

// housekeeping is the kubelet's housekeeping period.
var housekeeping = 2 * time.Second

// pollInterval is how often the watcher looks at a mirror Pod.
var pollInterval = 200 * time.Millisecond

// mirrorWatcher follows static Pods through their mirror Pods in the API.
type mirrorWatcher struct {
	client   clientset.Interface
	nodeName string
	// etcdAddress and etcdDataDir tell when the local etcd has stopped.
	etcdAddress string
	etcdDataDir string
	// etcd connects to the local etcd member, whose upgrade is followed
	// there: its API server is stopped meanwhile.
	etcd func() (EtcdClient, error)
	// apiAddress is the local API server's host:port.
	apiAddress string
	// shutdownDelay is how long an old API server is given to leave a
	// load balancer's pool (manifests.APIServerShutdownDelay).
	shutdownDelay time.Duration
	// health are the local health endpoints of components whose mirror
	// Pods turn Ready only after a slow startup probe; a new container
	// that runs and answers there is up.
	health map[string]string
	// podsDir is the kubelet's directory of Pods, /var/lib/kubelet/pods.
	podsDir string
	// criSocket is the container runtime's endpoint, "" when unknown.
	criSocket string
	// dial connects to the runtime (Deps.Runtime); rt is its connection,
	// made on first use.
	dial func(ctx context.Context, endpoint string) (Runtime, error)
	rt   Runtime
	// listening reports whether an address accepts connections
	// (Deps.Listening).
	listening func(addr string) bool
	// crashChecked is when the runtime was last asked about crash loops.
	crashChecked time.Time
	// get fetches a health endpoint (waitcontrolplane.HTTPGet).
	get func(ctx context.Context, url string) (int, error)
}

func (w *mirrorWatcher) pod(ctx context.Context, component string) (*corev1.Pod, error) {
	rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return w.client.CoreV1().Pods(constants.KubeSystemNamespace).Get(rctx, component+"-"+w.nodeName, metav1.GetOptions{})
}

// Hash returns the hash the kubelet put on the component's mirror Pod.
func (w *mirrorWatcher) Hash(ctx context.Context, component string) (string, error) {
	p, err := w.pod(ctx, component)
	if err != nil {
		return "", err
	}
	return p.Annotations[mirrorHashAnnotation], nil
}

// Wait polls the mirror Pod until its hash is accepted and it is Ready. A
// container of the accepted Pod that keeps failing ends the wait early,
// with the container's own reason. etcd is followed on the member itself.
func (w *mirrorWatcher) Wait(ctx context.Context, component string, manifest []byte, accept func(string) bool) error {
	if component == constants.Etcd && w.etcd != nil {
		return w.waitEtcd(ctx, manifest)
	}
	since := time.Now()
	last := errors.New("no mirror Pod seen yet")
	for {
		if err := w.crashLoop(ctx, component, since); err != nil {
			return err
		}
		p, err := w.pod(ctx, component)
		switch {
		case err != nil:
			last = fmt.Errorf("read mirror Pod %s/%s-%s: %w", constants.KubeSystemNamespace, component, w.nodeName, err)
		case !accept(p.Annotations[mirrorHashAnnotation]):
			last = fmt.Errorf("mirror Pod %s still runs the previous manifest", p.Name)
		case podReady(p) || w.runningAndHealthy(ctx, component, p):
			return nil
		default:
			if err := crashLooping(p); err != nil {
				return err
			}
			last = fmt.Errorf("mirror Pod %s runs the new manifest but is not Ready", p.Name)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last seen: %v)", ctx.Err(), last)
		case <-time.After(pollInterval):
		}
	}
}

// waitEtcd waits until the local member answers, knows a leader and runs
// the version of the manifest's image (tag 3.7.0-0: version 3.7.0).
func (w *mirrorWatcher) waitEtcd(ctx context.Context, manifest []byte) error {
	want, _, _ := strings.Cut(imageTag(imageOf(manifest)), "-")
	c, err := w.etcd()
	if err != nil {
		return err
	}
	defer c.Close()
	ep := c.Endpoints()[0]
	since := time.Now()
	last := errors.New("no answer yet")
	for {
		if err := w.crashLoop(ctx, constants.Etcd, since); err != nil {
			return err
		}
		v, err := c.EndpointVersion(ctx, ep)
		switch {
		case err != nil:
			last = err
		case want == "" || v == want:
			return nil
		default:
			last = fmt.Errorf("etcd at %s runs %s, not %s", ep, v, want)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last seen: %v)", ctx.Err(), last)
		case <-time.After(pollInterval):
		}
	}
}

// runningAndHealthy reports whether the mirror Pod's container runs and
// the component answers on its local health endpoint.
func (w *mirrorWatcher) runningAndHealthy(ctx context.Context, component string, p *corev1.Pod) bool {
	url, ok := w.health[component]
	if !ok || w.get == nil || len(p.Status.ContainerStatuses) == 0 {
		return false
	}
	cs := p.Status.ContainerStatuses[0]
	if cs.State.Running == nil || cs.Started == nil || !*cs.Started && cs.RestartCount > 0 {
		return false
	}
	hctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	code, err := w.get(hctx, url)
	return err == nil && code == 200
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func crashLooping(p *corev1.Pod) error {
	for _, c := range p.Status.ContainerStatuses {
		t := c.LastTerminationState.Terminated
		if c.RestartCount >= crashLoopRestarts && t != nil && t.ExitCode != 0 {
			msg := t.Message
			if msg == "" {
				msg = t.Reason
			}
			return fmt.Errorf("container %s of %s exited %d times, last with code %d: %s", c.Name, p.Name, c.RestartCount, t.ExitCode, msg)
		}
	}
	return nil
}

// WaitStopped waits until a stopped component is gone: the kubelet has
// removed the Pod's directory (podUID known), and etcd no longer answers
// and has let go of its database, the API server no longer answers. With
// no podUID, those conditions must hold for a second on end, so that the
// kubelet has dealt with the removed manifest and starts nothing late.
func (w *mirrorWatcher) WaitStopped(ctx context.Context, component, podUID string) error {
	var addr, db string
	switch component {
	case constants.Etcd:
		addr = net.JoinHostPort(w.etcdAddress, fmt.Sprint(constants.EtcdListenClientPort))
		db = filepath.Join(w.etcdDataDir, "member", "snap", "db")
	case constants.KubeAPIServer:
		addr = w.apiAddress
	}
	podDir := ""
	if podUID != "" && w.podsDir != "" {
		podDir = filepath.Join(w.podsDir, podUID)
	}
	gone := func() bool {
		if addr != "" && w.listening(addr) || db != "" && !host.Unlocked(db) {
			return false
		}
		if podDir != "" {
			_, err := os.Stat(podDir)
			return os.IsNotExist(err)
		}
		return true
	}
	var since time.Time
	for {
		if gone() {
			if podDir != "" {
				// The kubelet removes a Pod's directory and forgets the
				// Pod in the same housekeeping pass, not always in that
				// order; a new Pod of the same name that arrives before
				// it is forgotten waits 10 to 15 s. Housekeeping runs
				// every 2 s: let one more pass go by.
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-time.After(housekeeping):
				}
				return nil
			}
			if since.IsZero() {
				since = time.Now()
			} else if time.Since(since) >= stoppedFor {
				return nil
			}
		} else {
			since = time.Time{}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s has not stopped (%s answers, its data is locked, or the kubelet still has %s): %w", component, addr, podDir, ctx.Err())
		case <-time.After(pollInterval):
		}
	}
}
