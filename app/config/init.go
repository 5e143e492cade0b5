package config

import (
	"fmt"

	kubeproxyv1alpha1 "k8s.io/kube-proxy/config/v1alpha1"
	kubeletv1beta1 "k8s.io/kubelet/config/v1beta1"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/versions"
)

// Init is the complete configuration of `kubeadm init`.
type Init struct {
	Init      *kubeadm.InitConfiguration
	Cluster   *kubeadm.ClusterConfiguration
	Kubelet   *kubeletv1beta1.KubeletConfiguration // nil: kubeadm's defaults only
	KubeProxy *kubeproxyv1alpha1.KubeProxyConfiguration
	// KubeProxyRaw is the user's KubeProxyConfiguration document (JSON).
	KubeProxyRaw []byte
	Warnings     []string
	// Notes are informational lines for the user, such as the version a
	// release label stood for.
	Notes []string
	// Source is the file the configuration came from ("" for flags), named
	// in validation errors.
	Source string
	// kinds names the file's documents behind the configuration.
	kinds string
	runtimeDetection
}

// documentKinds names the Init and Cluster documents a file has.
func documentKinds(d *kubeadm.Documents) string {
	switch {
	case d.Init != nil && d.Cluster != nil:
		return kubeadm.KindInit + "/" + kubeadm.KindCluster
	case d.Init != nil:
		return kubeadm.KindInit
	}
	return kubeadm.KindCluster
}

// LoadInitFile decodes a configuration file for init. A file without an
// InitConfiguration or ClusterConfiguration gets empty ones.
func LoadInitFile(path string) (*Init, error) {
	docs, err := Load(path)
	if err != nil {
		return nil, err
	}
	if docs.Join != nil || docs.Reset != nil || docs.Upgrade != nil {
		// Upstream ignores other kubeadm kinds in an init file; so do we, with a warning.
		docs.Warnings = append(docs.Warnings, path+": JoinConfiguration, ResetConfiguration and UpgradeConfiguration are ignored by init")
	}
	cfg := &Init{Init: docs.Init, Cluster: docs.Cluster, Kubelet: docs.Kubelet, KubeProxy: docs.KubeProxy, KubeProxyRaw: docs.KubeProxyRaw, Warnings: docs.Warnings, Source: path, kinds: documentKinds(docs)}
	if cfg.Init == nil && cfg.Cluster == nil {
		return nil, fmt.Errorf("%s: no InitConfiguration or ClusterConfiguration kind was found in the configuration file", path)
	}
	if cfg.Init == nil {
		cfg.fill().Init.Timeouts = kubeadm.WithControlPlaneTimeout(nil, docs.V1beta3ControlPlaneTimeout)
	}
	return cfg.fill(), nil
}

// NewInit returns an empty configuration to which flags are applied.
func NewInit() *Init { return (&Init{}).fill() }

func (c *Init) fill() *Init {
	if c.Init == nil {
		c.Init = &kubeadm.InitConfiguration{}
	}
	if c.Cluster == nil {
		c.Cluster = &kubeadm.ClusterConfiguration{}
	}
	return c
}

// Default applies static defaults, then dynamic ones from host: node name,
// advertise address, CRI socket and bootstrap tokens.
func (c *Init) Default(host Host) error {
	asked := c.Cluster.KubernetesVersion
	kubeadm.SetClusterDefaults(c.Cluster)
	if _, label := versions.Resolve(asked); label && asked != versions.DefaultLabel {
		c.Notes = append(c.Notes, fmt.Sprintf("kubernetesVersion %q is %s (from this kubeadm's own version table, without a network lookup)", asked, c.Cluster.KubernetesVersion))
	}
	kubeadm.SetInitDefaults(c.Init)
	warn, err := defaultNodeRegistration(&c.Init.NodeRegistration, host, &c.runtimeDetection)
	if err != nil {
		return err
	}
	if warn != "" {
		c.Warnings = append(c.Warnings, warn)
	}
	warn, err = defaultAdvertiseAddress(&c.Init.LocalAPIEndpoint, host)
	if err != nil {
		return err
	}
	if warn != "" {
		c.Warnings = append(c.Warnings, warn)
	}
	for i := range c.Init.BootstrapTokens {
		t := &c.Init.BootstrapTokens[i]
		if t.Token == nil || t.Token.ID == "" {
			tok, err := kubeadm.NewBootstrapTokenString()
			if err != nil {
				return err
			}
			t.Token = tok
		}
	}
	return nil
}

// Validate returns one error listing every invalid field. Only a valid
// configuration without a CRI socket then has its runtime found on the
// host, and a failure to find it is the error.
func (c *Init) Validate() error {
	if err := invalid(kubeadm.ValidateInit(c.Init, c.Cluster)); err != nil {
		return prefixed(c.Source, c.kinds, err)
	}
	warn, err := c.detect(&c.Init.NodeRegistration)
	if warn != "" {
		c.Warnings = append(c.Warnings, warn)
	}
	return err
}

// NoRuntimeNeeded is for a dry run: when no runtime is found, containerd's
// socket is assumed, with a warning.
func (c *Init) NoRuntimeNeeded() { c.noRuntime = true }
