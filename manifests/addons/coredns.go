package addons

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/images"
)

// Names of the CoreDNS addon objects.
const (
	CoreDNSName             = "coredns"        // ServiceAccount, ConfigMap and Deployment
	CoreDNSClusterRoleName  = "system:coredns" // ClusterRole and ClusterRoleBinding
	CoreDNSServiceName      = "kube-dns"       // Service, kept for kube-dns compatibility
	CoreDNSAppLabel         = "kube-dns"       // value of the k8s-app label
	CoreDNSCorefileKey      = "Corefile"       // ConfigMap key holding the Corefile
	DefaultCoreDNSReplicas  = int32(2)         // replicas when no Deployment exists yet
	coreDNSMetricsPort      = 9153
	coreDNSDNSPort          = 53
	coreDNSLivenessPort     = 8080
	coreDNSReadinessPort    = 8181
	coreDNSConfigVolumeName = "config-volume"
	coreDNSConfigDir        = "/etc/coredns"
)

// CoreDNSObjects are the API objects of the CoreDNS addon.
type CoreDNSObjects struct {
	ServiceAccount     *corev1.ServiceAccount
	ClusterRole        *rbacv1.ClusterRole
	ClusterRoleBinding *rbacv1.ClusterRoleBinding
	ConfigMap          *corev1.ConfigMap
	Deployment         *appsv1.Deployment
	Service            *corev1.Service
}

// CoreDNS builds the CoreDNS addon for cfg. replicas is the Deployment's
// replica count: DefaultCoreDNSReplicas on a new cluster; upstream keeps the
// count of an already deployed CoreDNS, which the caller looks up.
func CoreDNS(cfg *kubeadm.ClusterConfiguration, replicas int32) (*CoreDNSObjects, error) {
	image, err := images.CoreDNS(cfg)
	if err != nil {
		return nil, fmt.Errorf("choosing the CoreDNS image: %w", err)
	}
	dnsIP, err := DNSIP(cfg.Networking.ServiceSubnet)
	if err != nil {
		return nil, fmt.Errorf("building the CoreDNS Service: %w", err)
	}
	return &CoreDNSObjects{
		ServiceAccount:     coreDNSServiceAccount(),
		ClusterRole:        coreDNSClusterRole(),
		ClusterRoleBinding: coreDNSClusterRoleBinding(),
		ConfigMap:          coreDNSConfigMap(cfg.Networking.DNSDomain),
		Deployment:         coreDNSDeployment(image, replicas),
		Service:            coreDNSService(dnsIP.String()),
	}, nil
}

// All returns the objects in the order upstream creates them: ConfigMap,
// RBAC, ServiceAccount, Deployment and finally the Service.
func (o *CoreDNSObjects) All() []runtime.Object {
	return []runtime.Object{o.ConfigMap, o.ClusterRole, o.ClusterRoleBinding, o.ServiceAccount, o.Deployment, o.Service}
}

// PrintOrder returns the objects in the order upstream prints them in a dry
// run: Deployment, ConfigMap, Service, RBAC, ServiceAccount.
func (o *CoreDNSObjects) PrintOrder() []runtime.Object {
	return []runtime.Object{o.Deployment, o.ConfigMap, o.Service, o.ClusterRole, o.ClusterRoleBinding, o.ServiceAccount}
}

// YAML renders PrintOrder as a multi-document YAML stream.
func (o *CoreDNSObjects) YAML() ([]byte, error) {
	return RenderYAML(o.PrintOrder()...)
}

func coreDNSLabels() map[string]string { return map[string]string{labelK8sApp: CoreDNSAppLabel} }

func coreDNSServiceAccount() *corev1.ServiceAccount {
	return &corev1.ServiceAccount{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"},
		ObjectMeta: meta(CoreDNSName, metav1.NamespaceSystem, nil),
	}
}

// coreDNSClusterRole lets CoreDNS watch what the kubernetes plugin serves.
func coreDNSClusterRole() *rbacv1.ClusterRole {
	listWatch := []string{"list", "watch"}
	return &rbacv1.ClusterRole{
		TypeMeta:   metav1.TypeMeta{APIVersion: rbacv1.SchemeGroupVersion.String(), Kind: "ClusterRole"},
		ObjectMeta: meta(CoreDNSClusterRoleName, "", nil),
		Rules: []rbacv1.PolicyRule{
			{
				APIGroups: []string{""},
				Resources: []string{"endpoints", "services", "pods", "namespaces"},
				Verbs:     listWatch,
			},
			{
				APIGroups: []string{"discovery.k8s.io"},
				Resources: []string{"endpointslices"},
				Verbs:     listWatch,
			},
		},
	}
}

func coreDNSClusterRoleBinding() *rbacv1.ClusterRoleBinding {
	return &rbacv1.ClusterRoleBinding{
		TypeMeta:   metav1.TypeMeta{APIVersion: rbacv1.SchemeGroupVersion.String(), Kind: "ClusterRoleBinding"},
		ObjectMeta: meta(CoreDNSClusterRoleName, "", nil),
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: CoreDNSClusterRoleName},
		Subjects: []rbacv1.Subject{
			{Kind: rbacv1.ServiceAccountKind, Name: CoreDNSName, Namespace: metav1.NamespaceSystem},
		},
	}
}

func coreDNSConfigMap(dnsDomain string) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: meta(CoreDNSName, metav1.NamespaceSystem, nil),
		Data:       map[string]string{CoreDNSCorefileKey: Corefile(dnsDomain)},
	}
}

// coreDNSService is the kube-dns Service at the fixed cluster IP that every
// kubelet writes into pods' resolv.conf.
func coreDNSService(clusterIP string) *corev1.Service {
	m := meta(CoreDNSServiceName, metav1.NamespaceSystem, map[string]string{
		labelK8sApp:                     CoreDNSAppLabel,
		"kubernetes.io/cluster-service": "true",
		"kubernetes.io/name":            "CoreDNS",
	})
	m.Annotations = map[string]string{
		"prometheus.io/port":   fmt.Sprint(coreDNSMetricsPort),
		"prometheus.io/scrape": "true",
	}
	// Upstream sets resourceVersion "0" so that re-applying the Service as
	// an update (when it already exists) passes validation.
	m.ResourceVersion = "0"
	port := func(name string, proto corev1.Protocol, n int32) corev1.ServicePort {
		return corev1.ServicePort{Name: name, Protocol: proto, Port: n, TargetPort: intstr.FromInt32(n)}
	}
	return &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: m,
		Spec: corev1.ServiceSpec{
			ClusterIP: clusterIP,
			Ports: []corev1.ServicePort{
				port("dns", corev1.ProtocolUDP, coreDNSDNSPort),
				port("dns-tcp", corev1.ProtocolTCP, coreDNSDNSPort),
				port("metrics", corev1.ProtocolTCP, coreDNSMetricsPort),
			},
			Selector: coreDNSLabels(),
		},
	}
}

// controlPlaneTaintKey is the taint kubeadm puts on control-plane nodes.
const controlPlaneTaintKey = constants.LabelNodeRoleControlPlane
