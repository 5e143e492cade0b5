package kubeadm

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/versions"
)

// DefaultCACertPath is where a joining node keeps the cluster CA.
const DefaultCACertPath = "/etc/kubernetes/pki/ca.crt"

func duration(d *metav1.Duration, def time.Duration) *metav1.Duration {
	if d == nil {
		return &metav1.Duration{Duration: def}
	}
	return d
}

// SetClusterDefaults fills the static defaults of a ClusterConfiguration.
func SetClusterDefaults(c *ClusterConfiguration) {
	c.APIVersion, c.Kind = V1beta4, KindCluster
	c.KubernetesVersion, _ = versions.Resolve(c.KubernetesVersion)
	if c.KubernetesVersion == "" {
		c.KubernetesVersion = versions.DefaultKubernetesVersion
	}
	if c.Networking.ServiceSubnet == "" {
		c.Networking.ServiceSubnet = constants.DefaultServiceSubnet
	}
	if c.Networking.DNSDomain == "" {
		c.Networking.DNSDomain = constants.DefaultDNSDomain
	}
	if c.CertificatesDir == "" {
		c.CertificatesDir = constants.DefaultCertsDir
	}
	if c.ImageRepository == "" {
		c.ImageRepository = constants.DefaultImageRepository
	}
	if c.ClusterName == "" {
		c.ClusterName = constants.DefaultClusterName
	}
	if c.EncryptionAlgorithm == "" {
		c.EncryptionAlgorithm = EncryptionAlgorithmRSA2048
	}
	c.CertificateValidityPeriod = duration(c.CertificateValidityPeriod, constants.DefaultCertValidity)
	c.CACertificateValidityPeriod = duration(c.CACertificateValidityPeriod, constants.DefaultCACertValidity)
	if c.Etcd.Local == nil && c.Etcd.External == nil {
		c.Etcd.Local = &LocalEtcd{}
	}
	if c.Etcd.Local != nil && c.Etcd.Local.DataDir == "" {
		c.Etcd.Local.DataDir = constants.EtcdDataDir
	}
	if e := c.Etcd.External; e != nil && len(e.HTTPEndpoints) == 0 && len(e.Endpoints) > 0 {
		e.HTTPEndpoints = append([]string(nil), e.Endpoints...)
	}
}

// SetInitDefaults fills the static defaults of an InitConfiguration. A node
// that runs init is a control plane: with no taints given it gets the
// control-plane NoSchedule taint (an explicit empty list means none).
func SetInitDefaults(c *InitConfiguration) {
	c.APIVersion, c.Kind = V1beta4, KindInit
	if len(c.BootstrapTokens) == 0 {
		c.BootstrapTokens = []BootstrapToken{{}}
	}
	for i := range c.BootstrapTokens {
		SetBootstrapTokenDefaults(&c.BootstrapTokens[i])
	}
	if c.LocalAPIEndpoint.BindPort == 0 {
		c.LocalAPIEndpoint.BindPort = constants.KubeAPIServerPort
	}
	setNodeRegistrationDefaults(&c.NodeRegistration)
	if c.NodeRegistration.Taints == nil {
		c.NodeRegistration.Taints = []corev1.Taint{ControlPlaneTaint()}
	}
	c.Timeouts = SetTimeoutDefaults(c.Timeouts)
}

// ControlPlaneTaint is the taint kubeadm puts on control-plane nodes.
func ControlPlaneTaint() corev1.Taint {
	return corev1.Taint{Key: constants.LabelNodeRoleControlPlane, Effect: corev1.TaintEffectNoSchedule}
}

// SetBootstrapTokenDefaults fills TTL, usages and groups as upstream does.
// The token itself is generated later, as a dynamic default.
func SetBootstrapTokenDefaults(t *BootstrapToken) {
	if t.TTL == nil && t.Expires == nil {
		t.TTL = &metav1.Duration{Duration: constants.DefaultTokenDuration}
	}
	if len(t.Usages) == 0 {
		t.Usages = []string{constants.DefaultTokenUsageSigning, constants.DefaultTokenUsageAuthn}
	}
	if len(t.Groups) == 0 {
		t.Groups = []string{constants.NodeBootstrapTokenAuthGroup}
	}
}

func setNodeRegistrationDefaults(n *NodeRegistrationOptions) {
	if n.ImagePullPolicy == "" {
		n.ImagePullPolicy = corev1.PullIfNotPresent
	}
	if n.ImagePullSerial == nil {
		t := true
		n.ImagePullSerial = &t
	}
}

// SetJoinDefaults fills the static defaults of a JoinConfiguration.
func SetJoinDefaults(c *JoinConfiguration) {
	c.APIVersion, c.Kind = V1beta4, KindJoin
	if c.CACertPath == "" {
		c.CACertPath = DefaultCACertPath
	}
	if c.ControlPlane != nil && c.ControlPlane.LocalAPIEndpoint.BindPort == 0 {
		c.ControlPlane.LocalAPIEndpoint.BindPort = constants.KubeAPIServerPort
	}
	if c.Discovery.TLSBootstrapToken == "" && c.Discovery.BootstrapToken != nil {
		c.Discovery.TLSBootstrapToken = c.Discovery.BootstrapToken.Token
	}
	setNodeRegistrationDefaults(&c.NodeRegistration)
	if c.ControlPlane != nil && c.NodeRegistration.Taints == nil {
		c.NodeRegistration.Taints = []corev1.Taint{ControlPlaneTaint()}
	}
	c.Timeouts = SetTimeoutDefaults(c.Timeouts)
}

// SetResetDefaults fills the static defaults of a ResetConfiguration.
func SetResetDefaults(c *ResetConfiguration) {
	c.APIVersion, c.Kind = V1beta4, KindReset
	if c.CertificatesDir == "" {
		c.CertificatesDir = constants.DefaultCertsDir
	}
	c.Timeouts = SetTimeoutDefaults(c.Timeouts)
}

// SetUpgradeDefaults fills the static defaults of an UpgradeConfiguration.
func SetUpgradeDefaults(c *UpgradeConfiguration) {
	c.APIVersion, c.Kind = V1beta4, KindUpgrade
	t, f := true, false
	for _, p := range []**bool{&c.Apply.CertificateRenewal, &c.Apply.EtcdUpgrade, &c.Node.CertificateRenewal, &c.Node.EtcdUpgrade, &c.Plan.EtcdUpgrade, &c.Apply.ImagePullSerial, &c.Node.ImagePullSerial} {
		if *p == nil {
			*p = &t
		}
	}
	for _, p := range []**bool{&c.Apply.AllowExperimentalUpgrades, &c.Apply.AllowRCUpgrades, &c.Apply.DryRun, &c.Apply.ForceUpgrade, &c.Apply.PrintConfig, &c.Node.DryRun, &c.Plan.AllowExperimentalUpgrades, &c.Plan.AllowRCUpgrades, &c.Plan.DryRun, &c.Plan.PrintConfig} {
		if *p == nil {
			*p = &f
		}
	}
	if c.Apply.ImagePullPolicy == "" {
		c.Apply.ImagePullPolicy = corev1.PullIfNotPresent
	}
	if c.Node.ImagePullPolicy == "" {
		c.Node.ImagePullPolicy = corev1.PullIfNotPresent
	}
	if c.Diff.DiffContextLines == 0 {
		c.Diff.DiffContextLines = 3
	}
	c.Timeouts = SetTimeoutDefaults(c.Timeouts)
}

// SetTimeoutDefaults returns t with every unset timeout at its default.
func SetTimeoutDefaults(t *Timeouts) *Timeouts {
	if t == nil {
		t = &Timeouts{}
	}
	t.ControlPlaneComponentHealthCheck = duration(t.ControlPlaneComponentHealthCheck, constants.DefaultControlPlaneTimeout)
	t.KubeletHealthCheck = duration(t.KubeletHealthCheck, constants.DefaultKubeletTimeout)
	t.KubernetesAPICall = duration(t.KubernetesAPICall, constants.DefaultAPICallTimeout)
	t.EtcdAPICall = duration(t.EtcdAPICall, constants.DefaultEtcdAPICallTimeout)
	t.TLSBootstrap = duration(t.TLSBootstrap, constants.DefaultTLSBootstrapTimeout)
	t.Discovery = duration(t.Discovery, constants.DefaultDiscoveryTimeout)
	t.UpgradeManifests = duration(t.UpgradeManifests, constants.DefaultUpgradeManifestTimeout)
	return t
}
