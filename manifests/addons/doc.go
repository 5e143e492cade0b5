// Package addons builds the API objects of the two essential addons that
// `kubeadm init` installs into a new cluster: CoreDNS and kube-proxy.
//
// Everything here is pure: functions take the cluster configuration and
// return typed k8s.io/api objects, plus a multi-document YAML rendering of
// them for dry runs and golden tests. Talking to an API server is left to
// the caller. The objects are meant to be field-for-field what upstream
// kubeadm v1.37 creates, so that a cluster bootstrapped by this tool cannot
// be told apart from one bootstrapped by upstream.
package addons

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// Well-known keys and values shared by both addons.
const (
	// labelOS selects the operating system of a node.
	labelOS = "kubernetes.io/os"
	// labelHostname is the per-node topology key.
	labelHostname = "kubernetes.io/hostname"
	// labelK8sApp is the label both addons select their pods by.
	labelK8sApp = "k8s-app"
	// nodeOSLinux is the only OS the addons are scheduled on.
	nodeOSLinux = "linux"
)

// meta returns ObjectMeta with the given name, namespace (empty for
// cluster-scoped objects) and labels.
func meta(name, namespace string, labels map[string]string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: namespace, Labels: labels}
}

// ptrTo returns a pointer to a copy of v.
func ptrTo[T any](v T) *T { return &v }
