package kubeconfig

import (
	"crypto"
	"crypto/x509"
	"fmt"
	"time"

	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
)

// UserOptions are the inputs of `kubeadm kubeconfig user`.
type UserOptions struct {
	// Cluster supplies ClusterName, ControlPlaneEndpoint and
	// EncryptionAlgorithm.
	Cluster *kubeadm.ClusterConfiguration
	// LocalAPIEndpoint is used for the server when the cluster has no
	// control plane endpoint, and for its port when that names none.
	LocalAPIEndpoint kubeadm.APIEndpoint
	// Server, when set, is the API server URL as is, instead of one made
	// from the control plane endpoint or LocalAPIEndpoint (for example
	// the server of this node's admin.conf, see ClusterOfFile).
	Server string
	// CACert is the cluster CA; CAKey signs the client certificate and
	// is not needed with a token.
	CACert *x509.Certificate
	CAKey  crypto.Signer
	// ClientName is the user name (--client-name) and the certificate CN.
	ClientName string
	// Organizations are the certificate's O entries (--org, repeatable).
	Organizations []string
	// ValidityPeriod (--validity-period) is counted from Now; zero means
	// the default certificate validity of one year.
	ValidityPeriod time.Duration
	// Token (--token), when set, replaces the client certificate.
	Token string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// ForUser builds the kubeconfig of an additional user, pointing at the
// control plane endpoint like admin.conf does.
func ForUser(opts UserOptions) (*clientcmdapi.Config, error) {
	if opts.Cluster == nil {
		return nil, fmt.Errorf("user kubeconfig: cluster configuration is nil")
	}
	if opts.ClientName == "" {
		return nil, fmt.Errorf("user kubeconfig: client name is required")
	}
	if opts.CACert == nil {
		return nil, fmt.Errorf("user kubeconfig for %q: CA certificate is required", opts.ClientName)
	}
	server := opts.Server
	if server == "" {
		var err error
		server, err = ControlPlaneEndpointURL(opts.Cluster.ControlPlaneEndpoint, opts.LocalAPIEndpoint)
		if err != nil {
			return nil, fmt.Errorf("user kubeconfig for %q: %w", opts.ClientName, err)
		}
	}
	caPEM := EncodeCertPEM(opts.CACert.Raw)
	if opts.Token != "" {
		return NewWithToken(server, opts.Cluster.ClusterName, opts.ClientName, caPEM, opts.Token), nil
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	validity := opts.ValidityPeriod
	if validity == 0 {
		validity = constants.DefaultCertValidity
	}
	certPEM, keyPEM, err := NewClientCert(ClientCertSpec{
		CACert:              opts.CACert,
		CAKey:               opts.CAKey,
		CommonName:          opts.ClientName,
		Organizations:       opts.Organizations,
		NotAfter:            now().UTC().Add(validity),
		EncryptionAlgorithm: opts.Cluster.EncryptionAlgorithm,
	})
	if err != nil {
		return nil, fmt.Errorf("user kubeconfig: %w", err)
	}
	return NewWithClientCert(server, opts.Cluster.ClusterName, opts.ClientName, caPEM, certPEM, keyPEM), nil
}

// ClusterOfFile returns the API server URL and the cluster name of the
// current context of the kubeconfig at path, such as admin.conf, so that
// another user's kubeconfig can point where it does.
func ClusterOfFile(path string) (server, clusterName string, err error) {
	cfg, err := LoadFile(path)
	if err != nil {
		return "", "", err
	}
	name, c, err := CurrentCluster(cfg)
	if err != nil {
		return "", "", fmt.Errorf("kubeconfig %s: %w", path, err)
	}
	if c.Server == "" {
		return "", "", fmt.Errorf("kubeconfig %s: cluster %q has no server", path, name)
	}
	return c.Server, name, nil
}
