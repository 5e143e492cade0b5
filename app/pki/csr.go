package pki

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/kubeadm-cleanroom/kubeadm/app/atomicfile"
)

// CertificateRequestBlockType is the PEM block type of a CSR.
const CertificateRequestBlockType = "CERTIFICATE REQUEST"

// CSRPath is dir/name.csr.
func CSRPath(dir, name string) string { return filepath.Join(dir, name+".csr") }

// NewCSR makes a certificate signing request for key with cfg's common
// name, organizations and SANs, as upstream's external-CA workflow does:
// key usages and validity are left to the signing CA.
func NewCSR(cfg CertConfig, key crypto.Signer) (*x509.CertificateRequest, error) {
	if cfg.CommonName == "" {
		return nil, errors.New("certificate request: common name is empty")
	}
	alt := cfg.AltNames.Normalized()
	tmpl := &x509.CertificateRequest{
		Subject:     pkix.Name{CommonName: cfg.CommonName, Organization: cfg.Organization},
		DNSNames:    alt.DNSNames,
		IPAddresses: alt.IPs,
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, tmpl, key)
	if err != nil {
		return nil, fmt.Errorf("create certificate request %q: %w", cfg.CommonName, err)
	}
	csr, err := x509.ParseCertificateRequest(der)
	if err != nil {
		return nil, fmt.Errorf("parse new certificate request %q: %w", cfg.CommonName, err)
	}
	return csr, nil
}

// EncodeCSRPEM returns csr as one CERTIFICATE REQUEST block.
func EncodeCSRPEM(csr *x509.CertificateRequest) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: CertificateRequestBlockType, Bytes: csr.Raw})
}

// ParseCSRPEM returns the first certificate request in data and checks its
// signature.
func ParseCSRPEM(data []byte) (*x509.CertificateRequest, error) {
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			return nil, errors.New("no CERTIFICATE REQUEST block found")
		}
		if block.Type != CertificateRequestBlockType {
			continue
		}
		csr, err := x509.ParseCertificateRequest(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse certificate request: %w", err)
		}
		if err := csr.CheckSignature(); err != nil {
			return nil, fmt.Errorf("certificate request %q: %w", csr.Subject.CommonName, err)
		}
		return csr, nil
	}
}

// WriteCSR writes csr to dir/name.csr with mode 0600, as upstream does.
func WriteCSR(dir, name string, csr *x509.CertificateRequest) error {
	if csr == nil {
		return fmt.Errorf("write %s: no certificate request", CSRPath(dir, name))
	}
	return atomicfile.Write(CSRPath(dir, name), EncodeCSRPEM(csr), KeyFileMode)
}
