package joinflow

import (
	"reflect"
	"testing"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/config"
	"github.com/kubeadm-cleanroom/kubeadm/app/host"
	"github.com/kubeadm-cleanroom/kubeadm/app/nodeenv"
)

// TestControlPlaneChecks: a joining control plane's further checks follow
// the discovered cluster: etcd's ports and data directory only with a
// local etcd, the directory the cluster configures.
func TestControlPlaneChecks(t *testing.T) {
	tests := []struct {
		name string
		etcd kubeadm.Etcd
		want []string
	}{
		{"local etcd", kubeadm.Etcd{Local: &kubeadm.LocalEtcd{DataDir: "/data/etcd"}}, []string{"NumCPU", "Mem", "Port-6443", "Port-10259", "Port-10257", "Port-2379", "Port-2380",
			"FileAvailable--etc-kubernetes-manifests-kube-apiserver.yaml", "FileAvailable--etc-kubernetes-manifests-kube-controller-manager.yaml",
			"FileAvailable--etc-kubernetes-manifests-kube-scheduler.yaml", "FileAvailable--etc-kubernetes-manifests-etcd.yaml", "DirAvailable--data-etcd"}},
		{"local etcd, no data dir", kubeadm.Etcd{Local: &kubeadm.LocalEtcd{}}, []string{"NumCPU", "Mem", "Port-6443", "Port-10259", "Port-10257", "Port-2379", "Port-2380",
			"FileAvailable--etc-kubernetes-manifests-kube-apiserver.yaml", "FileAvailable--etc-kubernetes-manifests-kube-controller-manager.yaml",
			"FileAvailable--etc-kubernetes-manifests-kube-scheduler.yaml", "FileAvailable--etc-kubernetes-manifests-etcd.yaml", "DirAvailable--var-lib-etcd"}},
		{"external etcd", kubeadm.Etcd{External: &kubeadm.ExternalEtcd{Endpoints: []string{"https://etcd:2379"}}}, []string{"NumCPU", "Mem", "Port-6443", "Port-10259", "Port-10257",
			"FileAvailable--etc-kubernetes-manifests-kube-apiserver.yaml", "FileAvailable--etc-kubernetes-manifests-kube-controller-manager.yaml",
			"FileAvailable--etc-kubernetes-manifests-kube-scheduler.yaml", "FileAvailable--etc-kubernetes-manifests-etcd.yaml"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			j := &kubeadm.JoinConfiguration{ControlPlane: &kubeadm.JoinControlPlane{LocalAPIEndpoint: kubeadm.APIEndpoint{AdvertiseAddress: "10.0.0.2", BindPort: 6443}}}
			d := &Data{Options: Options{Deps: Deps{Machine: nodeenv.Machine{Host: host.Local{}, KubernetesDir: "/etc/kubernetes"}}}, cfg: &config.Join{Join: j},
				cluster: &kubeadm.ClusterConfiguration{Etcd: tc.etcd}}
			var got []string
			for _, c := range d.controlPlaneChecks() {
				got = append(got, c.Name) // names only: nothing is run on this machine
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("checks %q,\nwant %q", got, tc.want)
			}
		})
	}
}
