package pki

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math"
	"math/big"
	"time"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
)

// CertificateBackdate is how far before its creation a certificate starts
// being valid, so that small clock differences between hosts do not make a
// fresh certificate "not yet valid".
const CertificateBackdate = 5 * time.Minute

// CertConfig describes a certificate to make.
type CertConfig struct {
	CommonName   string
	Organization []string
	AltNames     AltNames
	// Usages are the extended key usages of a leaf; a leaf needs at least
	// one. CAs have none.
	Usages []x509.ExtKeyUsage
	// NotBefore and NotAfter bound the validity. A zero NotBefore means the
	// CA's NotBefore for a leaf and now for a CA; a zero NotAfter means
	// NotBefore plus the default validity (1 year, 10 years for a CA).
	NotBefore time.Time
	NotAfter  time.Time
	// KeyAlgorithm is the type of the new key; empty means RSA-2048.
	KeyAlgorithm kubeadm.EncryptionAlgorithmType
	// Keys supplies the new key; nil means generate it now.
	Keys KeySource
}

// Validity returns the window of a certificate created at now that lasts
// d: it starts CertificateBackdate before now and ends d after now.
func Validity(now time.Time, d time.Duration) (notBefore, notAfter time.Time) {
	now = now.UTC()
	return now.Add(-CertificateBackdate), now.Add(d)
}

// NewCA makes a key of cfg.KeyAlgorithm and a self-signed CA certificate
// for it.
func NewCA(cfg CertConfig) (*x509.Certificate, crypto.Signer, error) {
	key, err := NewKey(cfg.Keys, cfg.KeyAlgorithm)
	if err != nil {
		return nil, nil, fmt.Errorf("CA %q: %w", cfg.CommonName, err)
	}
	cert, err := NewSelfSignedCACert(cfg, key)
	if err != nil {
		return nil, nil, err
	}
	return cert, key, nil
}

// NewSelfSignedCACert makes a self-signed CA certificate for key. Like
// upstream, the CA carries its common name as a DNS SAN and the key usages
// cert sign, digital signature and key encipherment.
func NewSelfSignedCACert(cfg CertConfig, key crypto.Signer) (*x509.Certificate, error) {
	if cfg.CommonName == "" {
		return nil, errors.New("self-signed CA: common name is empty")
	}
	notBefore := cfg.NotBefore
	if notBefore.IsZero() {
		notBefore = time.Now().UTC()
	}
	notAfter := cfg.NotAfter
	if notAfter.IsZero() {
		notAfter = notBefore.Add(constants.DefaultCACertValidity)
	}
	serial, err := newSerial()
	if err != nil {
		return nil, fmt.Errorf("self-signed CA %q: %w", cfg.CommonName, err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: cfg.CommonName, Organization: cfg.Organization},
		DNSNames:              []string{cfg.CommonName},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("self-sign CA %q: %w", cfg.CommonName, err)
	}
	return parseDER(der, cfg.CommonName)
}

// NewCertAndKey makes a key of cfg.KeyAlgorithm and a leaf certificate for
// it signed by caCert and caKey.
func NewCertAndKey(cfg CertConfig, caCert *x509.Certificate, caKey crypto.Signer) (*x509.Certificate, crypto.Signer, error) {
	if len(cfg.Usages) == 0 {
		return nil, nil, fmt.Errorf("certificate %q: at least one extended key usage is required", cfg.CommonName)
	}
	key, err := NewKey(cfg.Keys, cfg.KeyAlgorithm)
	if err != nil {
		return nil, nil, fmt.Errorf("certificate %q: %w", cfg.CommonName, err)
	}
	cert, err := NewSignedCert(cfg, key.Public(), caCert, caKey, false)
	if err != nil {
		return nil, nil, err
	}
	return cert, key, nil
}

// NewSignedCert signs a certificate for pub with caCert and caKey; isCA
// makes an intermediate CA. Leaves get the key usages digital signature and
// key encipherment plus cfg.Usages, as upstream does. The validity is not
// capped at the CA's NotAfter, also as upstream.
func NewSignedCert(cfg CertConfig, pub crypto.PublicKey, caCert *x509.Certificate, caKey crypto.Signer, isCA bool) (*x509.Certificate, error) {
	if cfg.CommonName == "" {
		return nil, errors.New("signed certificate: common name is empty")
	}
	if caCert == nil || caKey == nil {
		return nil, fmt.Errorf("certificate %q: CA certificate and key are required", cfg.CommonName)
	}
	notBefore := cfg.NotBefore
	if notBefore.IsZero() {
		notBefore = caCert.NotBefore
	}
	notAfter := cfg.NotAfter
	if notAfter.IsZero() {
		notAfter = notBefore.Add(constants.DefaultCertValidity)
	}
	usage := x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment
	if isCA {
		usage |= x509.KeyUsageCertSign
	}
	serial, err := newSerial()
	if err != nil {
		return nil, fmt.Errorf("certificate %q: %w", cfg.CommonName, err)
	}
	alt := cfg.AltNames.Normalized()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: cfg.CommonName, Organization: cfg.Organization},
		DNSNames:              alt.DNSNames,
		IPAddresses:           alt.IPs,
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              usage,
		ExtKeyUsage:           cfg.Usages,
		BasicConstraintsValid: true,
		IsCA:                  isCA,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, pub, caKey)
	if err != nil {
		return nil, fmt.Errorf("sign certificate %q with CA %q: %w", cfg.CommonName, caCert.Subject.CommonName, err)
	}
	return parseDER(der, cfg.CommonName)
}

// newSerial returns a uniformly random serial number in [1, MaxInt64).
func newSerial() (*big.Int, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(math.MaxInt64-1))
	if err != nil {
		return nil, fmt.Errorf("generate serial number: %w", err)
	}
	return n.Add(n, big.NewInt(1)), nil
}

func parseDER(der []byte, cn string) (*x509.Certificate, error) {
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parse new certificate %q: %w", cn, err)
	}
	return c, nil
}
