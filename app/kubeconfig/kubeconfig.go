// Package kubeconfig builds, writes, reads and checks the kubeconfig files
// that kubeadm hands to the kubelet, the control-plane components and the
// cluster administrators.
//
// Every file made here has one cluster (named after the cluster), one user
// and one context named "<user>@<cluster>" that is also the current
// context. The cluster CA is embedded as PEM data; the user authenticates
// either with an embedded client certificate and key signed by the cluster
// CA or with a bearer token. Files are written with mode 0600.
package kubeconfig

import (
	"fmt"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/kubeadm-cleanroom/kubeadm/app/atomicfile"
)

// FileMode is the permission of every kubeconfig file kubeadm writes.
const FileMode = 0o600

// ContextName is the name kubeadm gives the only context of a kubeconfig.
func ContextName(userName, clusterName string) string {
	return userName + "@" + clusterName
}

// NewBasic returns a kubeconfig with a cluster, a context and an empty
// user table; callers add the user's credentials.
func NewBasic(server, clusterName, userName string, caPEM []byte) *clientcmdapi.Config {
	ctx := ContextName(userName, clusterName)
	return &clientcmdapi.Config{
		Clusters: map[string]*clientcmdapi.Cluster{
			clusterName: {Server: server, CertificateAuthorityData: caPEM},
		},
		Contexts: map[string]*clientcmdapi.Context{
			ctx: {Cluster: clusterName, AuthInfo: userName},
		},
		AuthInfos:      map[string]*clientcmdapi.AuthInfo{},
		CurrentContext: ctx,
	}
}

// NewWithClientCert returns a kubeconfig whose user authenticates with the
// given PEM client certificate and key.
func NewWithClientCert(server, clusterName, userName string, caPEM, certPEM, keyPEM []byte) *clientcmdapi.Config {
	cfg := NewBasic(server, clusterName, userName, caPEM)
	cfg.AuthInfos[userName] = &clientcmdapi.AuthInfo{
		ClientCertificateData: certPEM,
		ClientKeyData:         keyPEM,
	}
	return cfg
}

// NewWithToken returns a kubeconfig whose user authenticates with a bearer
// token (bootstrap-kubelet.conf, `kubeconfig user --token`).
func NewWithToken(server, clusterName, userName string, caPEM []byte, token string) *clientcmdapi.Config {
	cfg := NewBasic(server, clusterName, userName, caPEM)
	cfg.AuthInfos[userName] = &clientcmdapi.AuthInfo{Token: token}
	return cfg
}

// Marshal serialises a kubeconfig to the YAML form kubectl reads.
func Marshal(cfg *clientcmdapi.Config) ([]byte, error) {
	if cfg == nil {
		return nil, fmt.Errorf("serialise kubeconfig: nil config")
	}
	data, err := clientcmd.Write(*cfg)
	if err != nil {
		return nil, fmt.Errorf("serialise kubeconfig: %w", err)
	}
	return data, nil
}

// WriteFile serialises cfg and atomically replaces path with it, mode 0600.
func WriteFile(path string, cfg *clientcmdapi.Config) error {
	data, err := Marshal(cfg)
	if err != nil {
		return fmt.Errorf("write kubeconfig %s: %w", path, err)
	}
	if err := atomicfile.Write(path, data, FileMode); err != nil {
		return fmt.Errorf("write kubeconfig: %w", err)
	}
	return nil
}
