package upgrade

import (
	"path/filepath"

	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
)

// Component is one static Pod an upgrade rewrites.
type Component struct {
	// Name is the component and static Pod name, e.g. kube-apiserver.
	Name string
}

// ManifestPath is the component's static Pod manifest inside manifestsDir,
// e.g. /etc/kubernetes/manifests/kube-apiserver.yaml.
func (c Component) ManifestPath(manifestsDir string) string {
	return filepath.Join(manifestsDir, c.Name+".yaml")
}

// DefaultManifestsDir is where kubelet reads static Pods on a kubeadm node.
var DefaultManifestsDir = filepath.Join(constants.KubernetesDir, constants.ManifestsSubDir)

// Components lists, in the order an upgrade applies them, the static Pods
// of a control-plane node: local etcd first (so the API server never runs
// against an older etcd than it expects), then kube-apiserver,
// kube-controller-manager and kube-scheduler.
func Components(localEtcd bool) []Component {
	var out []Component
	if localEtcd {
		out = append(out, Component{Name: constants.Etcd})
	}
	return append(out,
		Component{Name: constants.KubeAPIServer},
		Component{Name: constants.KubeControllerManager},
		Component{Name: constants.KubeScheduler},
	)
}
