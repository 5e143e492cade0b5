package pki

import (
	"crypto"
	"crypto/x509"
	"sync"
	"testing"
	"time"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
)

var (
	keyCacheMu sync.Mutex
	keyCache   = map[kubeadm.EncryptionAlgorithmType]crypto.Signer{}
)

// testKey returns a key of alg shared by the tests, since RSA keys are slow
// to generate.
func testKey(t *testing.T, alg kubeadm.EncryptionAlgorithmType) crypto.Signer {
	t.Helper()
	keyCacheMu.Lock()
	defer keyCacheMu.Unlock()
	if k, ok := keyCache[alg]; ok {
		return k
	}
	k, err := NewPrivateKey(alg)
	if err != nil {
		t.Fatal(err)
	}
	keyCache[alg] = k
	return k
}

// testCA makes a P-256 CA valid from now-1h for d.
func testCA(t *testing.T, cn string, d time.Duration) (*x509.Certificate, crypto.Signer) {
	t.Helper()
	key := testKey(t, kubeadm.EncryptionAlgorithmECDSAP256)
	now := time.Now()
	cert, err := NewSelfSignedCACert(CertConfig{CommonName: cn, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(d)}, key)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key
}

// testLeaf signs a P-256 client certificate with the given CA.
func testLeaf(t *testing.T, ca *x509.Certificate, caKey crypto.Signer, cfg CertConfig) (*x509.Certificate, crypto.Signer) {
	t.Helper()
	if cfg.KeyAlgorithm == "" {
		cfg.KeyAlgorithm = kubeadm.EncryptionAlgorithmECDSAP256
	}
	if len(cfg.Usages) == 0 {
		cfg.Usages = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	}
	cert, key, err := NewCertAndKey(cfg, ca, caKey)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key
}
