package reset

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kubeadm-cleanroom/kubeadm/app/progress"
)

func TestStopKubelet(t *testing.T) {
	cases := []struct {
		name       string
		present    bool
		stopErr    error
		kubeletUp  int
		config     string // kubelet config.yaml; "" leaves the default
		wantStops  int
		wantOut    []string
		wantProbes bool
	}{
		{name: "systemd", present: true, wantStops: 1, wantOut: []string{"stopping the kubelet service"}},
		{name: "systemd fails", present: true, stopErr: errors.New("systemctl stop kubelet: exit status 5"), wantStops: 1,
			wantOut: []string{"WARNING: the kubelet service could not be stopped: systemctl stop kubelet: exit status 5; make sure the kubelet is stopped"}},
		{name: "no init system, kubelet stops", kubeletUp: 1, wantProbes: true,
			wantOut: []string{"no supported init system", "config.yaml so that the kubelet is not started again", "no kubelet answers on http://127.0.0.1:10248/healthz"}},
		{name: "no init system, kubelet keeps running", kubeletUp: 1000, wantProbes: true,
			wantOut: []string{"a kubelet still answers on http://127.0.0.1:10248/healthz after 300ms"}},
		{name: "custom health port", config: "healthzPort: 10300\nhealthzBindAddress: 127.0.0.2\n", wantProbes: true,
			wantOut: []string{"no kubelet answers on http://127.0.0.2:10300/healthz"}},
		{name: "health endpoint disabled", config: "healthzPort: 0\n", wantOut: []string{"config.yaml so that"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n := newNode(t)
			n.init.present, n.init.stopErr, n.kubeletUp = c.present, c.stopErr, c.kubeletUp
			if c.config != "" {
				write(t, filepath.Join(n.kubelet, "config.yaml"), c.config)
			}
			o := n.options()
			o.KubeletStopWait = 300 * time.Millisecond
			probed := false
			answers := o.KubeletAnswers
			o.KubeletAnswers = func(ctx context.Context, url string) bool { probed = true; return answers(ctx, url) }
			d := NewData(o)
			d.stopKubelet(context.Background(), phaseOut(d))
			if n.init.stops != c.wantStops || probed != c.wantProbes {
				t.Errorf("stops %d, probed %v", n.init.stops, probed)
			}
			if _, err := os.Stat(filepath.Join(n.kubelet, "config.yaml")); c.present == (err != nil) {
				t.Errorf("config.yaml present = %v with init system present = %v", err == nil, c.present)
			}
			n.saw(t, c.wantOut...)
		})
	}
}

func TestRemovePods(t *testing.T) {
	cases := []struct {
		name     string
		socket   string
		dialErr  error
		failStop map[string]int
		wantOut  []string
		wantLeft []string
	}{
		{name: "retried", socket: "unix:///run/c.sock", failStop: map[string]int{"sb-etcd": 1}, wantLeft: []string{"sb-other"},
			wantOut: []string{"stopped and removed 2 pod sandbox(es)"}},
		{name: "keeps failing", socket: "unix:///run/c.sock", failStop: map[string]int{"sb-etcd": 9}, wantLeft: []string{"sb-etcd", "sb-other"},
			wantOut: []string{"WARNING: remove pod sandbox kube-system/etcd-node1 (sb-etcd) after 3 attempts: sandbox busy", "stopped and removed 1 pod sandbox(es)"}},
		{name: "no socket", wantLeft: []string{"sb-etcd", "sb-proxy", "sb-other"},
			wantOut: []string{"WARNING: no container runtime socket is known: the pods of this node were not removed; pass --cri-socket"}},
		{name: "runtime down", socket: "unix:///run/c.sock", dialErr: errors.New("connect to the container runtime at unix:///run/c.sock: Unavailable"),
			wantLeft: []string{"sb-etcd", "sb-proxy", "sb-other"}, wantOut: []string{"WARNING: connect to the container runtime at unix:///run/c.sock: Unavailable: the pods of this node were not removed"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n := newNode(t)
			n.cfg.CRISocket = c.socket
			n.runtime.failStop = c.failStop
			o := n.options()
			if c.dialErr != nil {
				o.Runtime = func(context.Context, string) (Runtime, error) { return nil, c.dialErr }
			}
			d := NewData(o)
			d.removePods(context.Background(), phaseOut(d))
			var left []string
			for _, s := range n.runtime.sandboxes {
				left = append(left, s.ID)
			}
			if !slices.Equal(left, c.wantLeft) {
				t.Errorf("left %v, want %v", left, c.wantLeft)
			}
			n.saw(t, c.wantOut...)
		})
	}
}

func TestUnmountFailureStopsCleanup(t *testing.T) {
	n := newNode(t)
	busy := filepath.Join(n.kubelet, "pods/uid1/volumes/v")
	n.mounts.failOn = busy
	err := RunPhase(context.Background(), n.options(), "cleanup-node")
	if err == nil || !strings.Contains(err.Error(), busy+": device or resource busy") || !strings.Contains(err.Error(), "MNT_DETACH") {
		t.Fatalf("err = %v", err)
	}
	if len(entries(t, n.kubelet)) == 0 {
		t.Error("the kubelet directory was emptied under a busy mount")
	}
}

func TestCleanDirFailuresAreCollected(t *testing.T) {
	n := newNode(t)
	locked := filepath.Join(n.pki, "etcd")
	removeAll = func(p string) error {
		if p == locked {
			return &os.PathError{Op: "unlinkat", Path: p, Err: syscall.EBUSY}
		}
		return os.RemoveAll(p)
	}
	t.Cleanup(func() { removeAll = os.RemoveAll })
	err := RunPhase(context.Background(), n.options(), "cleanup-node")
	if err == nil || !strings.Contains(err.Error(), "could not be deleted") || !strings.Contains(err.Error(), locked) {
		t.Fatalf("err = %v", err)
	}
	if got := entries(t, n.etcdData); len(got) != 0 {
		t.Errorf("cleanup stopped at the first failure: etcd data left %v", got)
	}
}

func phaseOut(d *Data) progress.Phase { return progress.Phase{R: d.Out, Name: "cleanup-node"} }
