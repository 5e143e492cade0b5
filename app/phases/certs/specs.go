package certs

import (
	"crypto/x509"
	"fmt"

	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/pki"
)

// CertSpec describes one certificate of the control plane.
type CertSpec struct {
	// Name is the sub-phase name, e.g. "apiserver-etcd-client".
	Name string
	// LongName describes the certificate; the sub-phase's short help is
	// "Generate the <LongName>".
	LongName string
	// BaseName is the file base under the certificates directory.
	BaseName string
	// CAName is the Name of the signing CA; empty for a CA.
	CAName string
	// CommonName is the subject CN; empty means the node name.
	CommonName   string
	Organization []string
	Usages       []x509.ExtKeyUsage
	// Etcd marks the etcd CA and the certificates it signs, which are not
	// made when etcd is external.
	Etcd bool
	// altNames builds the SANs from the inputs; nil means none.
	altNames func(Inputs) (pki.AltNames, []string, error)
}

// IsCA reports whether the spec is a certificate authority.
func (s CertSpec) IsCA() bool { return s.CAName == "" }

// Config returns the certificate to make for in, plus warnings about
// configured SANs that were rejected. The validity starts
// pki.CertificateBackdate before now and lasts the configured period.
func (s CertSpec) Config(in Inputs) (pki.CertConfig, []string, error) {
	if err := in.check(); err != nil {
		return pki.CertConfig{}, nil, err
	}
	cfg := pki.CertConfig{
		CommonName:   s.CommonName,
		Organization: s.Organization,
		Usages:       s.Usages,
		KeyAlgorithm: in.Cluster.EncryptionAlgorithm,
		Keys:         in.Keys,
	}
	if cfg.CommonName == "" {
		if in.NodeName == "" {
			return pki.CertConfig{}, nil, fmt.Errorf("%s: node name is empty but is the certificate's common name", s.Name)
		}
		cfg.CommonName = in.NodeName
	}
	validity := in.certValidity()
	if s.IsCA() {
		validity = in.caValidity()
	}
	cfg.NotBefore, cfg.NotAfter = pki.Validity(in.now(), validity)
	var warnings []string
	if s.altNames != nil {
		alt, rejected, err := s.altNames(in)
		if err != nil {
			return pki.CertConfig{}, nil, fmt.Errorf("%s: %w", s.Name, err)
		}
		cfg.AltNames = alt.Normalized()
		for _, r := range rejected {
			warnings = append(warnings, fmt.Sprintf("%q was not added to the %s SANs: it is neither an IP address nor an RFC 1123 DNS name", r, s.Name))
		}
	}
	return cfg, warnings, nil
}

// Specs returns every certificate of the control plane, each CA before the
// certificates it signs, in upstream's order.
func Specs() []CertSpec {
	server := []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	client := []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	// etcd requires client auth on its serving certificate too.
	both := []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
	return []CertSpec{
		{
			Name:       "ca",
			LongName:   "self-signed Kubernetes CA to provision identities for other Kubernetes components",
			BaseName:   constants.CACertAndKeyBaseName,
			CommonName: constants.CACN,
		},
		{
			Name:       "apiserver",
			LongName:   "certificate for serving the Kubernetes API",
			BaseName:   constants.APIServerCertAndKeyBaseName,
			CAName:     "ca",
			CommonName: constants.APIServerCN,
			Usages:     server,
			altNames:   apiServerAltNames,
		},
		{
			Name:       "apiserver-kubelet-client",
			LongName:   "certificate for the API server to connect to kubelet",
			BaseName:   constants.APIServerKubeletClientCertAndKeyBase,
			CAName:     "ca",
			CommonName: constants.APIServerKubeletClientCN,
			Usages:     client,
		},
		{
			Name:       "front-proxy-ca",
			LongName:   "self-signed CA to provision identities for front proxy",
			BaseName:   constants.FrontProxyCACertAndKeyBaseName,
			CommonName: constants.FrontProxyCACN,
		},
		{
			Name:       "front-proxy-client",
			LongName:   "certificate for the front proxy client",
			BaseName:   constants.FrontProxyClientCertAndKeyBaseName,
			CAName:     "front-proxy-ca",
			CommonName: constants.FrontProxyClientCN,
			Usages:     client,
		},
		{
			Name:       "etcd-ca",
			LongName:   "self-signed CA to provision identities for etcd",
			BaseName:   constants.EtcdCACertAndKeyBaseName,
			CommonName: constants.EtcdCACN,
			Etcd:       true,
		},
		{
			Name:     "etcd-server",
			LongName: "certificate for serving etcd",
			BaseName: constants.EtcdServerCertAndKeyBaseName,
			CAName:   "etcd-ca",
			Usages:   both,
			Etcd:     true,
			altNames: etcdServerAltNames,
		},
		{
			Name:     "etcd-peer",
			LongName: "certificate for etcd nodes to communicate with each other",
			BaseName: constants.EtcdPeerCertAndKeyBaseName,
			CAName:   "etcd-ca",
			Usages:   both,
			Etcd:     true,
			altNames: etcdPeerAltNames,
		},
		{
			Name:       "etcd-healthcheck-client",
			LongName:   "certificate for liveness probes to healthcheck etcd",
			BaseName:   constants.EtcdHealthcheckClientCertAndKeyBaseName,
			CAName:     "etcd-ca",
			CommonName: constants.EtcdHealthcheckClientCN,
			Usages:     client,
			Etcd:       true,
		},
		{
			Name:       "apiserver-etcd-client",
			LongName:   "certificate the apiserver uses to access etcd",
			BaseName:   constants.APIServerEtcdClientCertAndKeyBaseName,
			CAName:     "etcd-ca",
			CommonName: constants.APIServerEtcdClientCN,
			Usages:     client,
			Etcd:       true,
		},
	}
}

// SpecByName returns the spec called name.
func SpecByName(name string) (CertSpec, bool) {
	for _, s := range Specs() {
		if s.Name == name {
			return s, true
		}
	}
	return CertSpec{}, false
}
