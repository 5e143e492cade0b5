package addons

import (
	"bytes"
	"errors"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/images"
)

// Names of the kube-proxy addon objects.
const (
	KubeProxyName                   = constants.KubeProxy // ServiceAccount, Role, RoleBinding, ConfigMap, DaemonSet
	KubeProxyConfigKey              = constants.KubeProxyConfigMapKey
	KubeProxyClusterRoleBindingName = "kubeadm:node-proxier"
	KubeProxyClusterRoleName        = "system:node-proxier" // bootstrap role of the API server
)

// In-pod paths of the service account credentials kube-proxy talks to the
// API server with.
const (
	serviceAccountCAFile    = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt"
	serviceAccountTokenFile = "/var/run/secrets/kubernetes.io/serviceaccount/token"
)

// KubeProxyObjects are the API objects of the kube-proxy addon.
type KubeProxyObjects struct {
	ServiceAccount     *corev1.ServiceAccount
	ClusterRoleBinding *rbacv1.ClusterRoleBinding
	Role               *rbacv1.Role
	RoleBinding        *rbacv1.RoleBinding
	ConfigMap          *corev1.ConfigMap
	DaemonSet          *appsv1.DaemonSet
}

// KubeProxy builds the kube-proxy addon for cfg. proxyConfig is the
// KubeProxyConfiguration document to store (MarshalKubeProxyConfig of
// KubeProxyConfig's result); apiServerURL is the API server kube-proxy
// connects to, i.e. the control-plane endpoint if set, else the init node's
// advertise address and bind port, as "https://host:port".
//
// The objects are what upstream prints in a dry run. When applying them to
// a cluster, call PrepareForApply first: upstream adds a checksum and proxy
// environment variables only then.
func KubeProxy(cfg *kubeadm.ClusterConfiguration, proxyConfig []byte, apiServerURL string) (*KubeProxyObjects, error) {
	if len(bytes.TrimSpace(proxyConfig)) == 0 {
		return nil, errors.New("building the kube-proxy ConfigMap: the KubeProxyConfiguration document is empty")
	}
	if apiServerURL == "" {
		return nil, errors.New("building the kube-proxy ConfigMap: the API server URL is empty")
	}
	return &KubeProxyObjects{
		ServiceAccount:     kubeProxyServiceAccount(),
		ClusterRoleBinding: kubeProxyClusterRoleBinding(),
		Role:               kubeProxyRole(),
		RoleBinding:        kubeProxyRoleBinding(),
		ConfigMap:          kubeProxyConfigMap(proxyConfig, apiServerURL),
		DaemonSet:          kubeProxyDaemonSet(images.Component(cfg, constants.KubeProxy)),
	}, nil
}

// All returns the objects in the order upstream creates them: ConfigMap,
// DaemonSet, then ServiceAccount and RBAC.
func (o *KubeProxyObjects) All() []runtime.Object {
	return []runtime.Object{o.ConfigMap, o.DaemonSet, o.ServiceAccount, o.ClusterRoleBinding, o.Role, o.RoleBinding}
}

// PrintOrder returns the objects in the order upstream prints them in a dry
// run: ServiceAccount, RBAC, ConfigMap, DaemonSet.
func (o *KubeProxyObjects) PrintOrder() []runtime.Object {
	return []runtime.Object{o.ServiceAccount, o.ClusterRoleBinding, o.Role, o.RoleBinding, o.ConfigMap, o.DaemonSet}
}

// YAML renders PrintOrder as a multi-document YAML stream.
func (o *KubeProxyObjects) YAML() ([]byte, error) {
	return RenderYAML(o.PrintOrder()...)
}

func kubeProxyServiceAccount() *corev1.ServiceAccount {
	return &corev1.ServiceAccount{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"},
		ObjectMeta: meta(KubeProxyName, metav1.NamespaceSystem, nil),
	}
}

// kubeProxyClusterRoleBinding grants kube-proxy's service account the
// API server's built-in node-proxier role.
func kubeProxyClusterRoleBinding() *rbacv1.ClusterRoleBinding {
	return &rbacv1.ClusterRoleBinding{
		TypeMeta:   metav1.TypeMeta{APIVersion: rbacv1.SchemeGroupVersion.String(), Kind: "ClusterRoleBinding"},
		ObjectMeta: meta(KubeProxyClusterRoleBindingName, "", nil),
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: KubeProxyClusterRoleName},
		Subjects: []rbacv1.Subject{
			{Kind: rbacv1.ServiceAccountKind, Name: KubeProxyName, Namespace: metav1.NamespaceSystem},
		},
	}
}

// kubeProxyRole allows reading the kube-proxy ConfigMap, and nothing else.
func kubeProxyRole() *rbacv1.Role {
	return &rbacv1.Role{
		TypeMeta:   metav1.TypeMeta{APIVersion: rbacv1.SchemeGroupVersion.String(), Kind: "Role"},
		ObjectMeta: meta(KubeProxyName, metav1.NamespaceSystem, nil),
		Rules: []rbacv1.PolicyRule{{
			Verbs:         []string{"get"},
			APIGroups:     []string{""},
			Resources:     []string{"configmaps"},
			ResourceNames: []string{constants.KubeProxyConfigMap},
		}},
	}
}

// kubeProxyRoleBinding gives the Role to nodes joining with a kubeadm
// bootstrap token, so `kubeadm join` can read the kube-proxy configuration.
func kubeProxyRoleBinding() *rbacv1.RoleBinding {
	return &rbacv1.RoleBinding{
		TypeMeta:   metav1.TypeMeta{APIVersion: rbacv1.SchemeGroupVersion.String(), Kind: "RoleBinding"},
		ObjectMeta: meta(KubeProxyName, metav1.NamespaceSystem, nil),
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: KubeProxyName},
		Subjects: []rbacv1.Subject{
			{Kind: rbacv1.GroupKind, Name: constants.NodeBootstrapTokenAuthGroup},
		},
	}
}

// kubeProxyConfigMap holds the component configuration and the kubeconfig
// kube-proxy reads them from /var/lib/kube-proxy. Upstream embeds both as
// YAML block scalars with the "strip" chomping indicator, so neither value
// ends in a newline.
func kubeProxyConfigMap(proxyConfig []byte, apiServerURL string) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: meta(constants.KubeProxyConfigMap, metav1.NamespaceSystem, map[string]string{"app": KubeProxyName}),
		Data: map[string]string{
			KubeProxyKubeconfigKey: inClusterKubeconfig(apiServerURL),
			KubeProxyConfigKey:     strings.TrimRight(string(proxyConfig), "\n"),
		},
	}
}

// inClusterKubeconfig returns a kubeconfig that authenticates with the
// pod's service account token and trusts the service account CA bundle.
// The text (field order included) is the one upstream stores.
func inClusterKubeconfig(server string) string {
	lines := []string{
		"apiVersion: v1",
		"kind: Config",
		"clusters:",
		"- cluster:",
		"    certificate-authority: " + serviceAccountCAFile,
		"    server: " + server,
		"  name: default",
		"contexts:",
		"- context:",
		"    cluster: default",
		"    namespace: default",
		"    user: default",
		"  name: default",
		"current-context: default",
		"users:",
		"- name: default",
		"  user:",
		"    tokenFile: " + serviceAccountTokenFile,
	}
	return strings.Join(lines, "\n")
}

// kubeProxyLabels are the DaemonSet's labels, selector and pod labels.
func kubeProxyLabels() map[string]string { return map[string]string{labelK8sApp: KubeProxyName} }
