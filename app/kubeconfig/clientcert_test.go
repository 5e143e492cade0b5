package kubeconfig

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"slices"
	"testing"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/kubeconfig/kubeconfigtest"
)

func assertIdentity(t *testing.T, cert *x509.Certificate, cn string, orgs []string) {
	t.Helper()
	if cert.Subject.CommonName != cn {
		t.Errorf("CN %q, want %q", cert.Subject.CommonName, cn)
	}
	if !slices.Equal(cert.Subject.Organization, orgs) {
		t.Errorf("O %v, want %v", cert.Subject.Organization, orgs)
	}
}

func TestNewClientCert(t *testing.T) {
	ca, caKey := kubeconfigtest.LoadCA(t, "testdata")
	notAfter := fixedNow().AddDate(1, 0, 0)
	tests := []struct {
		alg     kubeadm.EncryptionAlgorithmType
		wantErr bool
		check   func(any) bool
	}{
		{alg: kubeadm.EncryptionAlgorithmECDSAP256, check: func(k any) bool { e, ok := k.(*ecdsa.PublicKey); return ok && e.Curve.Params().Name == "P-256" }},
		{alg: kubeadm.EncryptionAlgorithmECDSAP384, check: func(k any) bool { e, ok := k.(*ecdsa.PublicKey); return ok && e.Curve.Params().Name == "P-384" }},
		{alg: kubeadm.EncryptionAlgorithmRSA2048, check: func(k any) bool { r, ok := k.(*rsa.PublicKey); return ok && r.N.BitLen() == 2048 }},
		{alg: "", check: func(k any) bool { r, ok := k.(*rsa.PublicKey); return ok && r.N.BitLen() == 2048 }},
		{alg: "ED25519", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(string(tt.alg), func(t *testing.T) {
			certPEM, keyPEM, err := NewClientCert(ClientCertSpec{
				CACert: ca, CAKey: caKey, CommonName: "system:node:n1",
				Organizations: []string{"system:nodes"}, NotAfter: notAfter, EncryptionAlgorithm: tt.alg,
			})
			if tt.wantErr {
				if err == nil {
					t.Fatal("want error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			pair, err := tls.X509KeyPair(certPEM, keyPEM)
			if err != nil {
				t.Fatalf("certificate and key do not match: %v", err)
			}
			cert := pair.Leaf
			assertIdentity(t, cert, "system:node:n1", []string{"system:nodes"})
			if !tt.check(cert.PublicKey) {
				t.Errorf("key type %T not as %q asks", cert.PublicKey, tt.alg)
			}
			if err := cert.CheckSignatureFrom(ca); err != nil {
				t.Errorf("not signed by CA: %v", err)
			}
			if !cert.NotBefore.Equal(ca.NotBefore) || !cert.NotAfter.Equal(notAfter) {
				t.Errorf("validity %v..%v, want %v..%v", cert.NotBefore, cert.NotAfter, ca.NotBefore, notAfter)
			}
			if !slices.Equal(cert.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}) || cert.IsCA {
				t.Errorf("usages %v isCA %v", cert.ExtKeyUsage, cert.IsCA)
			}
		})
	}
	if _, _, err := NewClientCert(ClientCertSpec{CACert: ca, CAKey: caKey}); err == nil {
		t.Error("empty common name accepted")
	}
}
