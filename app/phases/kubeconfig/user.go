package kubeconfig

import (
	"fmt"
	"path/filepath"
	"time"

	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/config"
	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	kc "github.com/kubeadm-cleanroom/kubeadm/app/kubeconfig"
	"github.com/kubeadm-cleanroom/kubeadm/app/pki"
)

// UserRequest is `kubeadm kubeconfig user`: a kubeconfig for another
// user of the cluster this node belongs to.
type UserRequest struct {
	// ConfigPath is a kubeadm configuration file (--config); empty means
	// none.
	ConfigPath string
	// KubernetesDir holds admin.conf and, without a configuration file,
	// the certificates (pki/); normally /etc/kubernetes.
	KubernetesDir string
	// ClientName is the user name and the certificate's CN.
	ClientName string
	// Organizations are the certificate's O entries (its groups).
	Organizations []string
	// Validity is the certificate's validity from Now; zero means one year.
	Validity time.Duration
	// Token, when set, authenticates the user instead of a certificate.
	Token string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// User builds the kubeconfig of req. The CA comes from the configured
// certificatesDir (<KubernetesDir>/pki without a file); the CA key is
// needed only for a client certificate. The server is the configuration
// file's controlPlaneEndpoint or localAPIEndpoint when it sets one, and
// otherwise the server of this node's admin.conf, which is where the
// cluster is really reached (upstream guesses the default route's
// address instead).
func User(req UserRequest) (*clientcmdapi.Config, []string, error) {
	cluster := &kubeadm.ClusterConfiguration{CertificatesDir: filepath.Join(req.KubernetesDir, "pki")}
	initCfg := &kubeadm.InitConfiguration{}
	var warnings []string
	if req.ConfigPath != "" {
		cfg, err := config.LoadInitFile(req.ConfigPath)
		if err != nil {
			return nil, nil, err
		}
		cluster, initCfg, warnings = cfg.Cluster, cfg.Init, cfg.Warnings
	}
	setLocal := initCfg.LocalAPIEndpoint.AdvertiseAddress != ""
	kubeadm.SetClusterDefaults(cluster)
	kubeadm.SetInitDefaults(initCfg)
	if req.ConfigPath != "" {
		if errs := kubeadm.ValidateCluster(cluster); len(errs) > 0 {
			return nil, nil, fmt.Errorf("%s: %s", req.ConfigPath, errs.ToAggregate().Error())
		}
	}
	opts := kc.UserOptions{
		Cluster: cluster, LocalAPIEndpoint: initCfg.LocalAPIEndpoint,
		ClientName: req.ClientName, Organizations: req.Organizations, ValidityPeriod: req.Validity,
		Token: req.Token, Now: req.Now,
	}
	if cluster.ControlPlaneEndpoint == "" && !setLocal {
		admin := filepath.Join(req.KubernetesDir, constants.AdminKubeConfig)
		server, name, err := kc.ClusterOfFile(admin)
		if err != nil {
			return nil, nil, fmt.Errorf("no API server address: set controlPlaneEndpoint or localAPIEndpoint.advertiseAddress with --config, or run this on a control-plane node (%w)", err)
		}
		opts.Server = server
		if req.ConfigPath == "" && name != "" {
			cluster.ClusterName = name
		}
	}
	dir := cluster.CertificatesDir
	ca, err := pki.ReadCert(dir, constants.CACertAndKeyBaseName)
	if err != nil {
		return nil, nil, fmt.Errorf("cluster CA: %w", err)
	}
	opts.CACert = ca
	if req.Token == "" {
		keyPath := pki.KeyPath(dir, constants.CACertAndKeyBaseName)
		if !pki.Exists(keyPath) {
			return nil, nil, fmt.Errorf("the CA key %s is missing (external CA), so no client certificate can be signed: use --token, or sign a CSR with your CA", keyPath)
		}
		if opts.CAKey, err = pki.ReadKey(dir, constants.CACertAndKeyBaseName); err != nil {
			return nil, nil, fmt.Errorf("cluster CA: %w", err)
		}
		if err := pki.CheckKeyMatchesCert(ca, opts.CAKey); err != nil {
			return nil, nil, fmt.Errorf("cluster CA %s: %w", keyPath, err)
		}
	}
	cfg, err := kc.ForUser(opts)
	if err != nil {
		return nil, nil, err
	}
	return cfg, warnings, nil
}
