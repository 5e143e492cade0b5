package kubeconfig

import (
	"github.com/kubeadm-cleanroom/kubeadm/app/atomicfile"

	"bytes"
	"crypto/x509"
	"fmt"
	"path/filepath"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	certutil "k8s.io/client-go/util/cert"
)

// LoadFile reads and decodes a kubeconfig file.
func LoadFile(path string) (*clientcmdapi.Config, error) {
	cfg, err := clientcmd.LoadFromFile(path)
	if err != nil {
		return nil, fmt.Errorf("load kubeconfig %s: %w", path, err)
	}
	return cfg, nil
}

// CurrentCluster returns the name and entry of the cluster of the current
// context. A cluster with the empty name, when present, wins, as upstream.
func CurrentCluster(cfg *clientcmdapi.Config) (string, *clientcmdapi.Cluster, error) {
	if c := cfg.Clusters[""]; c != nil {
		return "", c, nil
	}
	ctx := cfg.Contexts[cfg.CurrentContext]
	if ctx == nil {
		return "", nil, fmt.Errorf("current context %q not found in kubeconfig", cfg.CurrentContext)
	}
	c := cfg.Clusters[ctx.Cluster]
	if c == nil {
		return "", nil, fmt.Errorf("cluster %q of current context %q not found in kubeconfig", ctx.Cluster, cfg.CurrentContext)
	}
	return ctx.Cluster, c, nil
}

// CurrentAuthInfo returns the name and entry of the user of the current
// context.
func CurrentAuthInfo(cfg *clientcmdapi.Config) (string, *clientcmdapi.AuthInfo, error) {
	ctx := cfg.Contexts[cfg.CurrentContext]
	if ctx == nil {
		return "", nil, fmt.Errorf("current context %q not found in kubeconfig", cfg.CurrentContext)
	}
	u := cfg.AuthInfos[ctx.AuthInfo]
	if u == nil {
		return "", nil, fmt.Errorf("user %q of current context %q not found in kubeconfig", ctx.AuthInfo, cfg.CurrentContext)
	}
	return ctx.AuthInfo, u, nil
}

// ServerURL returns the API server URL of the current cluster.
func ServerURL(cfg *clientcmdapi.Config) (string, error) {
	_, c, err := CurrentCluster(cfg)
	if err != nil {
		return "", err
	}
	return c.Server, nil
}

// CACertificates returns the CA bundle of the current cluster, from its
// embedded data or else from the file it names (relative paths resolve
// against the kubeconfig's own directory).
func CACertificates(cfg *clientcmdapi.Config) ([]*x509.Certificate, error) {
	_, c, err := CurrentCluster(cfg)
	if err != nil {
		return nil, err
	}
	data, err := dataOrFile(c.CertificateAuthorityData, c.CertificateAuthority, c.LocationOfOrigin)
	if err != nil {
		return nil, fmt.Errorf("read cluster CA: %w", err)
	}
	if len(data) == 0 {
		return nil, fmt.Errorf("read cluster CA: the current cluster has no CA")
	}
	certs, err := certutil.ParseCertsPEM(data)
	if err != nil {
		return nil, fmt.Errorf("parse cluster CA: %w", err)
	}
	return certs, nil
}

// ClientCertificate returns the first certificate of the current user's
// client certificate, embedded or from the file it names. It fails when
// the user has no client certificate (for example a token user).
func ClientCertificate(cfg *clientcmdapi.Config) (*x509.Certificate, error) {
	certPEM, _, err := ClientCertAndKeyPEM(cfg)
	if err != nil {
		return nil, err
	}
	certs, err := certutil.ParseCertsPEM(certPEM)
	if err != nil {
		return nil, fmt.Errorf("parse client certificate: %w", err)
	}
	return certs[0], nil
}

// ClientCertAndKeyPEM returns the current user's client certificate and
// key PEM, embedded or read from the files it names. The key may be empty.
func ClientCertAndKeyPEM(cfg *clientcmdapi.Config) (certPEM, keyPEM []byte, err error) {
	name, u, err := CurrentAuthInfo(cfg)
	if err != nil {
		return nil, nil, err
	}
	certPEM, err = dataOrFile(u.ClientCertificateData, u.ClientCertificate, u.LocationOfOrigin)
	if err != nil {
		return nil, nil, fmt.Errorf("read client certificate of user %q: %w", name, err)
	}
	if len(certPEM) == 0 {
		return nil, nil, fmt.Errorf("user %q has no client certificate", name)
	}
	keyPEM, err = dataOrFile(u.ClientKeyData, u.ClientKey, u.LocationOfOrigin)
	if err != nil {
		return nil, nil, fmt.Errorf("read client key of user %q: %w", name, err)
	}
	return certPEM, keyPEM, nil
}

// dataOrFile returns data (whitespace trimmed) or, when empty, the content
// of file; a relative file is taken relative to the directory of origin.
func dataOrFile(data []byte, file, origin string) ([]byte, error) {
	if d := bytes.TrimSpace(data); len(d) > 0 || file == "" {
		return d, nil
	}
	if !filepath.IsAbs(file) && origin != "" {
		file = filepath.Join(filepath.Dir(origin), file)
	}
	b, err := atomicfile.Read(file)
	if err != nil {
		return nil, err
	}
	return bytes.TrimSpace(b), nil
}
