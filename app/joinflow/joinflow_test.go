package joinflow

import (
	"reflect"
	"testing"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/config"
	"github.com/kubeadm-cleanroom/kubeadm/app/workflow"
)

func TestPhasesAreUpstreams(t *testing.T) {
	want := []string{"preflight", "control-plane-prepare", "control-plane-prepare/download-certs", "control-plane-prepare/certs",
		"control-plane-prepare/kubeconfig", "control-plane-prepare/control-plane", "check-etcd", "kubelet-start", "etcd-join",
		"kubelet-wait-bootstrap", "control-plane-join", "control-plane-join/mark-control-plane", "wait-control-plane"}
	if got := (&workflow.Runner[*Data]{Phases: Phases()}).Names(); !reflect.DeepEqual(got, want) {
		t.Errorf("phases %v\nwant %v", got, want)
	}
}

func TestWorkerSkipsControlPlanePhases(t *testing.T) {
	worker := &Data{cfg: &config.Join{Join: &kubeadm.JoinConfiguration{}}}
	cp := &Data{cfg: &config.Join{Join: &kubeadm.JoinConfiguration{ControlPlane: &kubeadm.JoinControlPlane{}}},
		cluster: &kubeadm.ClusterConfiguration{Etcd: kubeadm.Etcd{Local: &kubeadm.LocalEtcd{}}}}
	external := &Data{cfg: cp.cfg, cluster: &kubeadm.ClusterConfiguration{Etcd: kubeadm.Etcd{External: &kubeadm.ExternalEtcd{}}}}
	for _, p := range Phases() {
		if p.Skip == nil {
			continue
		}
		if p.Skip(worker) == "" {
			t.Errorf("a worker join runs %s", p.Name)
		}
		if p.Skip(cp) != "" {
			t.Errorf("a control-plane join skips %s: %s", p.Name, p.Skip(cp))
		}
		etcdPhase := p.Name == "check-etcd" || p.Name == "etcd-join"
		if etcdPhase && p.Skip(external) == "" {
			t.Errorf("a control-plane join with external etcd runs %s", p.Name)
		}
	}
}
