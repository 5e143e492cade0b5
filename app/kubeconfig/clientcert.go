package kubeconfig

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math"
	"math/big"
	"time"

	"k8s.io/client-go/util/keyutil"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/pki"
)

// ClientCertSpec describes a client certificate signed by the cluster CA.
type ClientCertSpec struct {
	// CACert and CAKey sign the certificate.
	CACert *x509.Certificate
	CAKey  crypto.Signer
	// CommonName is the user name; Organizations are its groups.
	CommonName    string
	Organizations []string
	// NotAfter ends the validity; the certificate starts being valid when
	// the CA does, as upstream does.
	NotAfter time.Time
	// EncryptionAlgorithm picks the new key's type; empty means RSA-2048.
	EncryptionAlgorithm kubeadm.EncryptionAlgorithmType
	// Keys supplies the new key; nil means generate it now.
	Keys pki.KeySource
}

// NewClientCert generates a key of the requested type and a client
// certificate for it, both PEM encoded.
func NewClientCert(spec ClientCertSpec) (certPEM, keyPEM []byte, err error) {
	if spec.CACert == nil || spec.CAKey == nil {
		return nil, nil, fmt.Errorf("client certificate for %q: CA certificate and key are required", spec.CommonName)
	}
	if spec.CommonName == "" {
		return nil, nil, fmt.Errorf("client certificate: common name is empty")
	}
	key, err := pki.NewKey(spec.Keys, spec.EncryptionAlgorithm)
	if err != nil {
		return nil, nil, fmt.Errorf("client certificate for %q: %w", spec.CommonName, err)
	}
	serial, err := rand.Int(rand.Reader, big.NewInt(math.MaxInt64-1))
	if err != nil {
		return nil, nil, fmt.Errorf("client certificate for %q: serial number: %w", spec.CommonName, err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial.Add(serial, big.NewInt(1)),
		Subject: pkix.Name{
			CommonName:   spec.CommonName,
			Organization: spec.Organizations,
		},
		NotBefore:             spec.CACert.NotBefore,
		NotAfter:              spec.NotAfter,
		KeyUsage:              x509.KeyUsageKeyEncipherment | x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, spec.CACert, key.Public(), spec.CAKey)
	if err != nil {
		return nil, nil, fmt.Errorf("sign client certificate for %q: %w", spec.CommonName, err)
	}
	keyPEM, err = keyutil.MarshalPrivateKeyToPEM(key)
	if err != nil {
		return nil, nil, fmt.Errorf("encode client key for %q: %w", spec.CommonName, err)
	}
	return EncodeCertPEM(der), keyPEM, nil
}

// EncodeCertPEM wraps DER certificate bytes in a CERTIFICATE PEM block.
func EncodeCertPEM(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}
