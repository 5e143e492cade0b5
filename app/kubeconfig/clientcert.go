package kubeconfig

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math"
	"math/big"
	"time"

	"k8s.io/client-go/util/keyutil"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
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
	key, err := newPrivateKey(spec.EncryptionAlgorithm)
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

// newPrivateKey makes a key of the type named by alg.
func newPrivateKey(alg kubeadm.EncryptionAlgorithmType) (crypto.Signer, error) {
	var (
		key crypto.Signer
		err error
	)
	switch alg {
	case kubeadm.EncryptionAlgorithmECDSAP256:
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case kubeadm.EncryptionAlgorithmECDSAP384:
		key, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case kubeadm.EncryptionAlgorithmRSA2048, "":
		key, err = rsa.GenerateKey(rand.Reader, 2048)
	case kubeadm.EncryptionAlgorithmRSA3072:
		key, err = rsa.GenerateKey(rand.Reader, 3072)
	case kubeadm.EncryptionAlgorithmRSA4096:
		key, err = rsa.GenerateKey(rand.Reader, 4096)
	default:
		return nil, fmt.Errorf("unknown encryption algorithm %q", alg)
	}
	if err != nil {
		return nil, fmt.Errorf("generate %s key: %w", alg, err)
	}
	return key, nil
}
