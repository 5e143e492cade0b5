// Package constants names the files, directories, API objects, labels and
// defaults that kubeadm and the tools built on its formats agree on. Values
// match upstream kubeadm so that a cluster made by this tool looks the same.
package constants

import "time"

// Host paths.
const (
	KubernetesDir        = "/etc/kubernetes"
	ManifestsSubDir      = "manifests"
	DefaultCertsDir      = "/etc/kubernetes/pki"
	TempDir              = "/etc/kubernetes/tmp"
	KubeletDir           = "/var/lib/kubelet"
	KubeletConfigFile    = "config.yaml"
	KubeletInstanceFile  = "instance-config.yaml"
	KubeletFlagsEnvFile  = "kubeadm-flags.env"
	KubeletPKIDir        = "/var/lib/kubelet/pki"
	KubeletClientCurrent = "/var/lib/kubelet/pki/kubelet-client-current.pem"
	EtcdDataDir          = "/var/lib/etcd"
	// InitStateFile, under TempDir, records init's progress on the node.
	InitStateFile = "kubeadm-init.state"
	// JoinStateFile, under TempDir, records join's progress on the node.
	JoinStateFile = "kubeadm-join.state"
	// JoinInventoryFile, under TempDir, lists the files a node had before
	// its join first wrote one, so that a failed join removes only its own.
	JoinInventoryFile = "kubeadm-join.existing"
)

// Kubeconfig file names under KubernetesDir.
const (
	AdminKubeConfig             = "admin.conf"
	SuperAdminKubeConfig        = "super-admin.conf"
	KubeletKubeConfig           = "kubelet.conf"
	KubeletBootstrapKubeConfig  = "bootstrap-kubelet.conf"
	ControllerManagerKubeConfig = "controller-manager.conf"
	SchedulerKubeConfig         = "scheduler.conf"
)

// Certificate and key base names under the certificates directory; files
// are <name>.crt and <name>.key (sa.key and sa.pub for the service account
// key pair).
const (
	CACertAndKeyBaseName                    = "ca"
	APIServerCertAndKeyBaseName             = "apiserver"
	APIServerKubeletClientCertAndKeyBase    = "apiserver-kubelet-client"
	FrontProxyCACertAndKeyBaseName          = "front-proxy-ca"
	FrontProxyClientCertAndKeyBaseName      = "front-proxy-client"
	EtcdCACertAndKeyBaseName                = "etcd/ca"
	EtcdServerCertAndKeyBaseName            = "etcd/server"
	EtcdPeerCertAndKeyBaseName              = "etcd/peer"
	EtcdHealthcheckClientCertAndKeyBaseName = "etcd/healthcheck-client"
	APIServerEtcdClientCertAndKeyBaseName   = "apiserver-etcd-client"
	ServiceAccountKeyBaseName               = "sa"
	ServiceAccountPrivateKeyName            = "sa.key"
	ServiceAccountPublicKeyName             = "sa.pub"
)

// Identities in certificates.
const (
	SystemPrivilegedGroup                   = "system:masters"
	ClusterAdminsGroupAndClusterRoleBinding = "kubeadm:cluster-admins"
	NodesGroup                              = "system:nodes"
	NodesUserPrefix                         = "system:node:"
	APIServerKubeletClientCN                = "kube-apiserver-kubelet-client"
	FrontProxyClientCN                      = "front-proxy-client"
	EtcdHealthcheckClientCN                 = "kube-etcd-healthcheck-client"
	APIServerEtcdClientCN                   = "kube-apiserver-etcd-client"
	ControllerManagerUser                   = "system:kube-controller-manager"
	SchedulerUser                           = "system:kube-scheduler"
	AdminUser                               = "kubernetes-admin"
	SuperAdminUser                          = "kubernetes-super-admin"
	APIServerCN                             = "kube-apiserver"
	CACN                                    = "kubernetes"
	FrontProxyCACN                          = "front-proxy-ca"
	EtcdCACN                                = "etcd-ca"
)

// Static Pod names and component names.
const (
	Etcd                  = "etcd"
	KubeAPIServer         = "kube-apiserver"
	KubeControllerManager = "kube-controller-manager"
	KubeScheduler         = "kube-scheduler"
	KubeProxy             = "kube-proxy"
	CoreDNS               = "coredns"
	Pause                 = "pause"
)

// Ports.
const (
	KubeAPIServerPort         = 6443
	KubeControllerManagerPort = 10257
	KubeSchedulerPort         = 10259
	KubeletHealthzPort        = 10248
	EtcdListenClientPort      = 2379
	EtcdListenPeerPort        = 2380
	EtcdMetricsPort           = 2381
)

// API objects, labels and taints.
const (
	KubeSystemNamespace         = "kube-system"
	KubePublicNamespace         = "kube-public"
	KubeadmConfigConfigMap      = "kubeadm-config"
	ClusterConfigurationKey     = "ClusterConfiguration"
	KubeletConfigConfigMap      = "kubelet-config"
	KubeletConfigConfigMapKey   = "kubelet"
	KubeProxyConfigMap          = "kube-proxy"
	KubeProxyConfigMapKey       = "config.conf"
	ClusterInfoConfigMap        = "cluster-info"
	KubeadmCertsSecret          = "kubeadm-certs"
	LabelNodeRoleControlPlane   = "node-role.kubernetes.io/control-plane"
	LabelExcludeFromLBs         = "node.kubernetes.io/exclude-from-external-load-balancers"
	AnnotationCRISocket         = "kubeadm.alpha.kubernetes.io/cri-socket"
	AnnotationAPIServerEndpoint = "kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint"
	AnnotationEtcdClientURL     = "kubeadm.kubernetes.io/etcd.advertise-client-urls"
	AnnotationConfigHash        = "kubeadm.kubernetes.io/config.hash"
)

// Bootstrap tokens and TLS bootstrap.
const (
	NodeBootstrapTokenAuthGroup   = "system:bootstrappers:kubeadm:default-node-token"
	DefaultTokenDuration          = 24 * time.Hour
	CertificateKeyTokenTTL        = 2 * time.Hour
	DefaultTokenUsageSigning      = "signing"
	DefaultTokenUsageAuthn        = "authentication"
	TLSBootstrapUser              = "tls-bootstrap-token-user"
	DefaultServiceSubnet          = "10.96.0.0/12"
	DefaultDNSDomain              = "cluster.local"
	DefaultClusterName            = "kubernetes"
	DefaultImageRepository        = "registry.k8s.io"
	DefaultCertValidity           = 365 * 24 * time.Hour
	DefaultCACertValidity         = 10 * 365 * 24 * time.Hour
	DefaultAPICallTimeout         = time.Minute
	DefaultEtcdAPICallTimeout     = 2 * time.Minute
	DefaultControlPlaneTimeout    = 4 * time.Minute
	DefaultKubeletTimeout         = 4 * time.Minute
	DefaultTLSBootstrapTimeout    = 5 * time.Minute
	DefaultDiscoveryTimeout       = 5 * time.Minute
	DefaultUpgradeManifestTimeout = 5 * time.Minute
)
