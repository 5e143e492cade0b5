// Package kubeconfigtest holds test helpers for the kubeconfig packages:
// a fixed test CA, throw-away CAs, golden-file comparison and a redaction
// that makes generated kubeconfigs stable enough to compare.
package kubeconfigtest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"path/filepath"
	"testing"
	"time"

	certutil "k8s.io/client-go/util/cert"
	"k8s.io/client-go/util/keyutil"

	"github.com/kubeadm-cleanroom/kubeadm/internal/golden"
)

// FixedNow is the clock of golden tests.
var FixedNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// LoadCA reads ca.crt and ca.key from dir (a testdata directory).
func LoadCA(t testing.TB, dir string) (*x509.Certificate, crypto.Signer) {
	t.Helper()
	certs, err := certutil.CertsFromFile(filepath.Join(dir, "ca.crt"))
	if err != nil {
		t.Fatalf("load test CA: %v", err)
	}
	k, err := keyutil.PrivateKeyFromFile(filepath.Join(dir, "ca.key"))
	if err != nil {
		t.Fatalf("load test CA key: %v", err)
	}
	signer, ok := k.(crypto.Signer)
	if !ok {
		t.Fatalf("test CA key %T is not a signer", k)
	}
	return certs[0], signer
}

// NewCA makes a throw-away self-signed ECDSA CA called cn.
func NewCA(t testing.TB, cn string) (*x509.Certificate, crypto.Signer) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(2),
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             FixedNow.Add(-24 * time.Hour),
		NotAfter:              FixedNow.Add(10 * 365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key
}

// Golden compares got with the file at path, or rewrites the file when
// update is set.
func Golden(t testing.TB, path string, got []byte, update bool) {
	t.Helper()
	golden.File(t, path, got, update)
}
