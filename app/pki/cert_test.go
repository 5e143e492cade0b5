package pki

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"net"
	"slices"
	"testing"
	"time"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
)

func TestNewCAEveryAlgorithm(t *testing.T) {
	for _, alg := range Algorithms {
		t.Run(string(alg), func(t *testing.T) {
			nb, na := Validity(time.Now(), 48*time.Hour)
			cert, key, err := NewCA(CertConfig{CommonName: "test-ca", NotBefore: nb, NotAfter: na, KeyAlgorithm: alg})
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := KeyAlgorithm(cert.PublicKey); got != alg {
				t.Errorf("certificate key is %s, want %s", got, alg)
			}
			if err := CheckKeyMatchesCert(cert, key); err != nil {
				t.Error(err)
			}
			if !cert.IsCA || !cert.BasicConstraintsValid {
				t.Error("not a CA")
			}
			want := x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment
			if cert.KeyUsage != want {
				t.Errorf("key usage %v, want %v", cert.KeyUsage, want)
			}
			if cert.Subject.CommonName != "test-ca" || !slices.Equal(cert.DNSNames, []string{"test-ca"}) {
				t.Errorf("subject %v DNS %v", cert.Subject, cert.DNSNames)
			}
			if !cert.NotBefore.Equal(nb.Truncate(time.Second)) || !cert.NotAfter.Equal(na.Truncate(time.Second)) {
				t.Errorf("validity %v..%v, want %v..%v", cert.NotBefore, cert.NotAfter, nb, na)
			}
			if err := cert.CheckSignatureFrom(cert); err != nil {
				t.Errorf("not self-signed: %v", err)
			}
			// A leaf of the same algorithm signed by this CA verifies.
			leaf, leafKey, err := NewCertAndKey(CertConfig{
				CommonName: "leaf", Usages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, KeyAlgorithm: alg,
			}, cert, key)
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := KeyAlgorithm(leafKey.Public()); got != alg {
				t.Errorf("leaf key is %s, want %s", got, alg)
			}
			if err := VerifySignedBy(leaf, nil, cert, time.Now()); err != nil {
				t.Error(err)
			}
			switch key.(type) {
			case *rsa.PrivateKey:
				if leaf.SignatureAlgorithm != x509.SHA256WithRSA {
					t.Errorf("signature algorithm %v", leaf.SignatureAlgorithm)
				}
			case *ecdsa.PrivateKey:
				if leaf.PublicKeyAlgorithm != x509.ECDSA {
					t.Errorf("public key algorithm %v", leaf.PublicKeyAlgorithm)
				}
			}
		})
	}
}

func TestNewSignedCertTemplate(t *testing.T) {
	ca, caKey := testCA(t, "ca", 100*24*time.Hour)
	nb, na := Validity(time.Now(), 365*24*time.Hour)
	cfg := CertConfig{
		CommonName:   "leaf",
		Organization: []string{"org-b", "org-a"},
		AltNames: AltNames{
			DNSNames: []string{"b.example", "a.example", "b.example"},
			IPs:      []net.IP{net.ParseIP("10.0.0.2"), net.ParseIP("::1"), net.ParseIP("10.0.0.2").To4()},
		},
		Usages:    []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		NotBefore: nb,
		NotAfter:  na,
	}
	cert, _ := testLeaf(t, ca, caKey, cfg)
	if cert.IsCA {
		t.Error("leaf is a CA")
	}
	if cert.KeyUsage != x509.KeyUsageDigitalSignature|x509.KeyUsageKeyEncipherment {
		t.Errorf("key usage %v", cert.KeyUsage)
	}
	if !slices.Equal(cert.ExtKeyUsage, cfg.Usages) {
		t.Errorf("ext key usage %v", cert.ExtKeyUsage)
	}
	// DER sorts the members of a SET OF, so the order is not kept.
	if !slices.Equal(cert.Subject.Organization, []string{"org-a", "org-b"}) {
		t.Errorf("organization %v", cert.Subject.Organization)
	}
	if !slices.Equal(cert.DNSNames, []string{"a.example", "b.example"}) {
		t.Errorf("DNS names %v, want sorted and unique", cert.DNSNames)
	}
	if len(cert.IPAddresses) != 2 || !cert.IPAddresses[0].Equal(net.ParseIP("10.0.0.2")) || !cert.IPAddresses[1].Equal(net.IPv6loopback) {
		t.Errorf("IPs %v, want unique in order", cert.IPAddresses)
	}
	// Not capped at the CA's end, as upstream.
	if !cert.NotAfter.Equal(na.Truncate(time.Second)) || !cert.NotAfter.After(ca.NotAfter) {
		t.Errorf("NotAfter %v, want %v", cert.NotAfter, na)
	}
	if cert.SerialNumber.Sign() <= 0 {
		t.Errorf("serial %v", cert.SerialNumber)
	}
}

func TestNewSignedCertDefaults(t *testing.T) {
	ca, caKey := testCA(t, "ca", 100*24*time.Hour)
	cert, _ := testLeaf(t, ca, caKey, CertConfig{CommonName: "leaf"})
	if !cert.NotBefore.Equal(ca.NotBefore) {
		t.Errorf("NotBefore %v, want the CA's %v", cert.NotBefore, ca.NotBefore)
	}
	if want := ca.NotBefore.Add(365 * 24 * time.Hour); !cert.NotAfter.Equal(want) {
		t.Errorf("NotAfter %v, want %v", cert.NotAfter, want)
	}
	key := testKey(t, kubeadm.EncryptionAlgorithmECDSAP256)
	before := time.Now().Add(-time.Second)
	self, err := NewSelfSignedCACert(CertConfig{CommonName: "x"}, key)
	if err != nil {
		t.Fatal(err)
	}
	if self.NotBefore.Before(before.Truncate(time.Second)) || !self.NotAfter.Equal(self.NotBefore.Add(10*365*24*time.Hour)) {
		t.Errorf("CA validity %v..%v", self.NotBefore, self.NotAfter)
	}
}

func TestNewCertErrors(t *testing.T) {
	ca, caKey := testCA(t, "ca", time.Hour)
	key := testKey(t, kubeadm.EncryptionAlgorithmECDSAP256)
	if _, _, err := NewCertAndKey(CertConfig{CommonName: "x"}, ca, caKey); err == nil {
		t.Error("leaf without usages accepted")
	}
	if _, err := NewSignedCert(CertConfig{Usages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}, key.Public(), ca, caKey, false); err == nil {
		t.Error("leaf without CN accepted")
	}
	if _, err := NewSignedCert(CertConfig{CommonName: "x"}, key.Public(), nil, nil, false); err == nil {
		t.Error("leaf without CA accepted")
	}
	if _, err := NewSelfSignedCACert(CertConfig{}, key); err == nil {
		t.Error("CA without CN accepted")
	}
	if _, _, err := NewCA(CertConfig{CommonName: "x", KeyAlgorithm: "bogus"}); err == nil {
		t.Error("unknown algorithm accepted")
	}
}

func TestIntermediateCA(t *testing.T) {
	root, rootKey := testCA(t, "root", 24*time.Hour)
	key := testKey(t, kubeadm.EncryptionAlgorithmECDSAP384)
	inter, err := NewSignedCert(CertConfig{CommonName: "intermediate"}, key.Public(), root, rootKey, true)
	if err != nil {
		t.Fatal(err)
	}
	if !inter.IsCA || inter.KeyUsage&x509.KeyUsageCertSign == 0 {
		t.Fatal("intermediate cannot sign")
	}
	leaf, _ := testLeaf(t, inter, key, CertConfig{CommonName: "leaf"})
	if err := VerifySignedBy(leaf, []*x509.Certificate{inter}, root, time.Now()); err != nil {
		t.Errorf("chain: %v", err)
	}
	if err := VerifySignedBy(leaf, nil, root, time.Now()); err == nil {
		t.Error("verified without the intermediate")
	}
}

func TestValidity(t *testing.T) {
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600))
	nb, na := Validity(now, time.Hour)
	if !nb.Equal(now.Add(-5*time.Minute)) || !na.Equal(now.Add(time.Hour)) || nb.Location() != time.UTC {
		t.Errorf("got %v..%v", nb, na)
	}
}
