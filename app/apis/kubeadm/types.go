package kubeadm

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Group and versions of the kubeadm configuration API.
const (
	Group   = "kubeadm.k8s.io"
	V1beta4 = Group + "/v1beta4"
	// V1 is experimental in upstream v1.37: read only behind --allow-experimental-api.
	V1              = Group + "/v1"
	V1beta3         = Group + "/v1beta3"
	KindInit        = "InitConfiguration"
	KindCluster     = "ClusterConfiguration"
	KindJoin        = "JoinConfiguration"
	KindReset       = "ResetConfiguration"
	KindUpgrade     = "UpgradeConfiguration"
	KubeletGroupV   = "kubelet.config.k8s.io/v1beta1"
	KindKubelet     = "KubeletConfiguration"
	KubeProxyGroupV = "kubeproxy.config.k8s.io/v1alpha1"
	KindKubeProxy   = "KubeProxyConfiguration"
)

// InitConfiguration holds what is specific to the node running init.
type InitConfiguration struct {
	metav1.TypeMeta  `json:",inline"`
	BootstrapTokens  []BootstrapToken        `json:"bootstrapTokens,omitempty"`
	DryRun           bool                    `json:"dryRun,omitempty"`
	NodeRegistration NodeRegistrationOptions `json:"nodeRegistration,omitempty"`
	LocalAPIEndpoint APIEndpoint             `json:"localAPIEndpoint,omitempty"`
	CertificateKey   string                  `json:"certificateKey,omitempty"`
	SkipPhases       []string                `json:"skipPhases,omitempty"`
	Patches          *Patches                `json:"patches,omitempty"`
	Timeouts         *Timeouts               `json:"timeouts,omitempty"`
}

// ClusterConfiguration holds the cluster-wide settings, stored in the
// kubeadm-config ConfigMap.
type ClusterConfiguration struct {
	metav1.TypeMeta             `json:",inline"`
	Etcd                        Etcd                    `json:"etcd,omitempty"`
	Networking                  Networking              `json:"networking,omitempty"`
	KubernetesVersion           string                  `json:"kubernetesVersion,omitempty"`
	ControlPlaneEndpoint        string                  `json:"controlPlaneEndpoint,omitempty"`
	APIServer                   APIServer               `json:"apiServer,omitempty"`
	ControllerManager           ControlPlaneComponent   `json:"controllerManager,omitempty"`
	Scheduler                   ControlPlaneComponent   `json:"scheduler,omitempty"`
	DNS                         DNS                     `json:"dns,omitempty"`
	Proxy                       Proxy                   `json:"proxy,omitempty"`
	CertificatesDir             string                  `json:"certificatesDir,omitempty"`
	ImageRepository             string                  `json:"imageRepository,omitempty"`
	FeatureGates                map[string]bool         `json:"featureGates,omitempty"`
	ClusterName                 string                  `json:"clusterName,omitempty"`
	EncryptionAlgorithm         EncryptionAlgorithmType `json:"encryptionAlgorithm,omitempty"`
	CertificateValidityPeriod   *metav1.Duration        `json:"certificateValidityPeriod,omitempty"`
	CACertificateValidityPeriod *metav1.Duration        `json:"caCertificateValidityPeriod,omitempty"`
}

// ControlPlaneComponent holds the settings common to control-plane components.
type ControlPlaneComponent struct {
	ExtraArgs    []Arg           `json:"extraArgs,omitempty"`
	ExtraVolumes []HostPathMount `json:"extraVolumes,omitempty"`
	ExtraEnvs    []EnvVar        `json:"extraEnvs,omitempty"`
}

// APIServer holds the kube-apiserver settings.
type APIServer struct {
	ControlPlaneComponent `json:",inline"`
	CertSANs              []string `json:"certSANs,omitempty"`
}

// DNS holds the CoreDNS addon settings.
type DNS struct {
	ImageMeta `json:",inline"`
	Disabled  bool `json:"disabled,omitempty"`
}

// Proxy holds the kube-proxy addon settings.
type Proxy struct {
	Disabled bool `json:"disabled,omitempty"`
}

// ImageMeta overrides where an image comes from.
type ImageMeta struct {
	ImageRepository string `json:"imageRepository,omitempty"`
	ImageTag        string `json:"imageTag,omitempty"`
}

// APIEndpoint is where an API server of this node listens.
type APIEndpoint struct {
	AdvertiseAddress string `json:"advertiseAddress,omitempty"`
	BindPort         int32  `json:"bindPort,omitempty"`
}

// NodeRegistrationOptions describes how the node registers itself.
type NodeRegistrationOptions struct {
	Name                  string            `json:"name,omitempty"`
	CRISocket             string            `json:"criSocket,omitempty"`
	Taints                []corev1.Taint    `json:"taints"`
	KubeletExtraArgs      []Arg             `json:"kubeletExtraArgs,omitempty"`
	IgnorePreflightErrors []string          `json:"ignorePreflightErrors,omitempty"`
	ImagePullPolicy       corev1.PullPolicy `json:"imagePullPolicy,omitempty"`
	ImagePullSerial       *bool             `json:"imagePullSerial,omitempty"`
}

// Networking holds the cluster's address ranges and DNS domain.
type Networking struct {
	ServiceSubnet string `json:"serviceSubnet,omitempty"`
	PodSubnet     string `json:"podSubnet,omitempty"`
	DNSDomain     string `json:"dnsDomain,omitempty"`
}

// Etcd is either a local (stacked) etcd or an external one.
type Etcd struct {
	Local    *LocalEtcd    `json:"local,omitempty"`
	External *ExternalEtcd `json:"external,omitempty"`
}

// LocalEtcd is an etcd member run as a static Pod on each control plane.
type LocalEtcd struct {
	ImageMeta      `json:",inline"`
	DataDir        string   `json:"dataDir"`
	ExtraArgs      []Arg    `json:"extraArgs,omitempty"`
	ExtraEnvs      []EnvVar `json:"extraEnvs,omitempty"`
	ServerCertSANs []string `json:"serverCertSANs,omitempty"`
	PeerCertSANs   []string `json:"peerCertSANs,omitempty"`
}

// ExternalEtcd is an etcd cluster managed elsewhere.
type ExternalEtcd struct {
	Endpoints     []string `json:"endpoints"`
	HTTPEndpoints []string `json:"httpEndpoints,omitempty"`
	CAFile        string   `json:"caFile"`
	CertFile      string   `json:"certFile"`
	KeyFile       string   `json:"keyFile"`
}

// JoinConfiguration holds what a joining node needs.
type JoinConfiguration struct {
	metav1.TypeMeta  `json:",inline"`
	DryRun           bool                    `json:"dryRun,omitempty"`
	NodeRegistration NodeRegistrationOptions `json:"nodeRegistration,omitempty"`
	CACertPath       string                  `json:"caCertPath,omitempty"`
	Discovery        Discovery               `json:"discovery"`
	ControlPlane     *JoinControlPlane       `json:"controlPlane,omitempty"`
	SkipPhases       []string                `json:"skipPhases,omitempty"`
	Patches          *Patches                `json:"patches,omitempty"`
	Timeouts         *Timeouts               `json:"timeouts,omitempty"`
}

// JoinControlPlane makes a joining node a control plane.
type JoinControlPlane struct {
	LocalAPIEndpoint APIEndpoint `json:"localAPIEndpoint,omitempty"`
	CertificateKey   string      `json:"certificateKey,omitempty"`
}

// Discovery says how a joining node finds and trusts the cluster.
type Discovery struct {
	BootstrapToken    *BootstrapTokenDiscovery `json:"bootstrapToken,omitempty"`
	File              *FileDiscovery           `json:"file,omitempty"`
	TLSBootstrapToken string                   `json:"tlsBootstrapToken,omitempty"`
}

// BootstrapTokenDiscovery is token-based discovery.
type BootstrapTokenDiscovery struct {
	Token                    string   `json:"token"`
	APIServerEndpoint        string   `json:"apiServerEndpoint,omitempty"`
	CACertHashes             []string `json:"caCertHashes,omitempty"`
	UnsafeSkipCAVerification bool     `json:"unsafeSkipCAVerification,omitempty"`
}

// FileDiscovery is discovery from a kubeconfig file or URL.
type FileDiscovery struct {
	KubeConfigPath string `json:"kubeConfigPath"`
}

// HostPathMount is an extra hostPath volume of a control-plane component.
type HostPathMount struct {
	Name      string              `json:"name"`
	HostPath  string              `json:"hostPath"`
	MountPath string              `json:"mountPath"`
	ReadOnly  bool                `json:"readOnly,omitempty"`
	PathType  corev1.HostPathType `json:"pathType,omitempty"`
}

// Patches points at a directory of patches for components.
type Patches struct {
	Directory string `json:"directory,omitempty"`
}

// ResetConfiguration holds reset's settings.
type ResetConfiguration struct {
	metav1.TypeMeta       `json:",inline"`
	CleanupTmpDir         bool      `json:"cleanupTmpDir,omitempty"`
	CertificatesDir       string    `json:"certificatesDir,omitempty"`
	CRISocket             string    `json:"criSocket,omitempty"`
	DryRun                bool      `json:"dryRun,omitempty"`
	Force                 bool      `json:"force,omitempty"`
	IgnorePreflightErrors []string  `json:"ignorePreflightErrors,omitempty"`
	SkipPhases            []string  `json:"skipPhases,omitempty"`
	UnmountFlags          []string  `json:"unmountFlags,omitempty"`
	Timeouts              *Timeouts `json:"timeouts,omitempty"`
}

// Arg is one command-line argument of a component; repeated names are
// allowed and kept in order.
type Arg struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// EnvVar is an extra environment variable of a component.
type EnvVar struct {
	corev1.EnvVar `json:",inline"`
}

// EncryptionAlgorithmType names the key type of generated certificates.
type EncryptionAlgorithmType string

// The key types kubeadm can generate.
const (
	EncryptionAlgorithmECDSAP256 EncryptionAlgorithmType = "ECDSA-P256"
	EncryptionAlgorithmECDSAP384 EncryptionAlgorithmType = "ECDSA-P384"
	EncryptionAlgorithmRSA2048   EncryptionAlgorithmType = "RSA-2048"
	EncryptionAlgorithmRSA3072   EncryptionAlgorithmType = "RSA-3072"
	EncryptionAlgorithmRSA4096   EncryptionAlgorithmType = "RSA-4096"
)

// Timeouts bounds every wait of kubeadm.
type Timeouts struct {
	ControlPlaneComponentHealthCheck *metav1.Duration `json:"controlPlaneComponentHealthCheck,omitempty"`
	KubeletHealthCheck               *metav1.Duration `json:"kubeletHealthCheck,omitempty"`
	KubernetesAPICall                *metav1.Duration `json:"kubernetesAPICall,omitempty"`
	EtcdAPICall                      *metav1.Duration `json:"etcdAPICall,omitempty"`
	TLSBootstrap                     *metav1.Duration `json:"tlsBootstrap,omitempty"`
	Discovery                        *metav1.Duration `json:"discovery,omitempty"`
	UpgradeManifests                 *metav1.Duration `json:"upgradeManifests,omitempty"`
}

// UpgradeConfiguration holds the settings of the upgrade commands.
type UpgradeConfiguration struct {
	metav1.TypeMeta `json:",inline"`
	Apply           UpgradeApplyConfiguration `json:"apply,omitempty"`
	Diff            UpgradeDiffConfiguration  `json:"diff,omitempty"`
	Node            UpgradeNodeConfiguration  `json:"node,omitempty"`
	Plan            UpgradePlanConfiguration  `json:"plan,omitempty"`
	Timeouts        *Timeouts                 `json:"timeouts,omitempty"`
}

// UpgradeApplyConfiguration holds `upgrade apply` settings.
type UpgradeApplyConfiguration struct {
	KubernetesVersion         string            `json:"kubernetesVersion,omitempty"`
	AllowExperimentalUpgrades *bool             `json:"allowExperimentalUpgrades,omitempty"`
	AllowRCUpgrades           *bool             `json:"allowRCUpgrades,omitempty"`
	CertificateRenewal        *bool             `json:"certificateRenewal,omitempty"`
	DryRun                    *bool             `json:"dryRun,omitempty"`
	EtcdUpgrade               *bool             `json:"etcdUpgrade,omitempty"`
	ForceUpgrade              *bool             `json:"forceUpgrade,omitempty"`
	IgnorePreflightErrors     []string          `json:"ignorePreflightErrors,omitempty"`
	Patches                   *Patches          `json:"patches,omitempty"`
	PrintConfig               *bool             `json:"printConfig,omitempty"`
	SkipPhases                []string          `json:"skipPhases,omitempty"`
	ImagePullPolicy           corev1.PullPolicy `json:"imagePullPolicy,omitempty"`
	ImagePullSerial           *bool             `json:"imagePullSerial,omitempty"`
}

// UpgradeDiffConfiguration holds `upgrade diff` settings.
type UpgradeDiffConfiguration struct {
	KubernetesVersion string `json:"kubernetesVersion,omitempty"`
	DiffContextLines  int    `json:"contextLines,omitempty"`
}

// UpgradeNodeConfiguration holds `upgrade node` settings.
type UpgradeNodeConfiguration struct {
	CertificateRenewal    *bool             `json:"certificateRenewal,omitempty"`
	DryRun                *bool             `json:"dryRun,omitempty"`
	EtcdUpgrade           *bool             `json:"etcdUpgrade,omitempty"`
	IgnorePreflightErrors []string          `json:"ignorePreflightErrors,omitempty"`
	SkipPhases            []string          `json:"skipPhases,omitempty"`
	Patches               *Patches          `json:"patches,omitempty"`
	ImagePullPolicy       corev1.PullPolicy `json:"imagePullPolicy,omitempty"`
	ImagePullSerial       *bool             `json:"imagePullSerial,omitempty"`
}

// UpgradePlanConfiguration holds `upgrade plan` settings.
type UpgradePlanConfiguration struct {
	KubernetesVersion         string   `json:"kubernetesVersion,omitempty"`
	AllowExperimentalUpgrades *bool    `json:"allowExperimentalUpgrades,omitempty"`
	AllowRCUpgrades           *bool    `json:"allowRCUpgrades,omitempty"`
	DryRun                    *bool    `json:"dryRun,omitempty"`
	EtcdUpgrade               *bool    `json:"etcdUpgrade,omitempty"`
	IgnorePreflightErrors     []string `json:"ignorePreflightErrors,omitempty"`
	PrintConfig               *bool    `json:"printConfig,omitempty"`
}
