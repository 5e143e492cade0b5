package showjoin

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"math/big"
	"testing"
	"time"
)

func TestCACertHash(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "kubernetes"}, NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	spki, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	sum := sha256.Sum256(spki)
	if got, want := CACertHash(cert), "sha256:"+hex.EncodeToString(sum[:]); got != want {
		t.Errorf("CACertHash = %s, want %s", got, want)
	}
}

func TestCommand(t *testing.T) {
	worker := Command{Endpoint: "10.200.0.11:6443", Token: "abcdef.0123456789abcdef", CAHashes: []string{"sha256:aa"}}
	if got := worker.String(); got != "kubeadm join 10.200.0.11:6443 --token abcdef.0123456789abcdef --discovery-token-ca-cert-hash sha256:aa" {
		t.Errorf("worker: %s", got)
	}
	cp := worker
	cp.ControlPlane, cp.CertificateKey = true, "ff"
	if got := cp.String(); got != "kubeadm join 10.200.0.11:6443 --token abcdef.0123456789abcdef --discovery-token-ca-cert-hash sha256:aa --control-plane --certificate-key ff" {
		t.Errorf("control plane: %s", got)
	}
	want := "kubeadm join 10.200.0.11:6443 --token abcdef.0123456789abcdef \\\n\t--discovery-token-ca-cert-hash sha256:aa \\\n\t--control-plane \\\n\t--certificate-key ff"
	if got := cp.Pretty(); got != want {
		t.Errorf("pretty:\n%s\nwant:\n%s", got, want)
	}
}
