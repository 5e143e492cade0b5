package upgradeflow

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/preflight"
	"github.com/kubeadm-cleanroom/kubeadm/app/progress"
)

type quiet struct{}

func (quiet) PhaseStart(string)                     {}
func (quiet) PhaseEnd(string, time.Duration, error) {}
func (quiet) PhaseSkipped(string, string)           {}
func (quiet) Info(string, string)                   {}
func (quiet) Warn(string, string)                   {}
func (quiet) Result(any)                            {}
func phaseOut() progress.Phase                      { return progress.Phase{R: quiet{}, Name: "preflight"} }

func TestChooseTarget(t *testing.T) {
	state := &ClusterState{Kubelets: map[string]string{"cp1": "v1.36.3", "w1": "v1.36.3"}}
	tests := []struct {
		command, current, target, cluster string
		force                             bool
		want, wantErr                     string
	}{
		{command: Apply, current: "v1.36.3", target: "v1.37.1", want: "v1.37.1"},
		{command: Apply, current: "v1.36.3", target: "", wantErr: "missing the version"},
		{command: Apply, current: "v1.36.3", target: "1.37.1", wantErr: "invalid version"},
		{command: Apply, current: "v1.36.3", target: "v1.38.0", wantErr: "v1.38.0"},
		{command: Apply, current: "v1.37.1", target: "v1.36.3", wantErr: "v1.36.3"},
		{command: Node, cluster: "v1.37.1", want: "v1.37.1"},
		{command: Node, cluster: "v1.39.0", wantErr: "not supported"},
	}
	for _, tt := range tests {
		t.Run(tt.command+" "+tt.current+" "+tt.target+tt.cluster, func(t *testing.T) {
			d := &Data{Options: Options{Command: tt.command, Target: tt.target, Settings: Settings{Force: tt.force}}, current: tt.current}
			err := d.chooseTarget(phaseOut(), &kubeadm.ClusterConfiguration{KubernetesVersion: tt.cluster}, state)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "\n") {
					t.Errorf("error is not one line: %q", err)
				}
				return
			}
			if err != nil || d.TargetVersion() != tt.want {
				t.Fatalf("target %q, err %v; want %q", d.TargetVersion(), err, tt.want)
			}
		})
	}
}

func TestHealthChecks(t *testing.T) {
	state := &ClusterState{ControlPlaneNodes: []string{"cp1", "cp2"}, NotReady: []string{"cp2"},
		APIServer: map[string]string{"cp1": "v1.36.3", "cp2": "v1.36.3"}, ControllerManager: map[string]string{"cp1": "v1.36.3", "cp2": "v1.36.3"},
		Scheduler: map[string]string{"cp1": "v1.36.3"}, Etcd: map[string]string{}}
	d := &Data{}
	r := preflight.Run(context.Background(), d.healthChecks(state), nil)
	err := r.Err()
	if err == nil {
		t.Fatal("want failures")
	}
	for _, want := range []string{"ControlPlaneNodesReady", "cp2", "StaticPods", "kube-scheduler-cp2", "--ignore-preflight-errors"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q missing from %v", want, err)
		}
	}
	if r := preflight.Run(context.Background(), d.healthChecks(state), []string{"ControlPlaneNodesReady", "StaticPods"}); r.Err() != nil || len(r.Ignored) != 2 {
		t.Errorf("ignored checks still fail: %v (ignored %v)", r.Err(), r.Ignored)
	}
}
