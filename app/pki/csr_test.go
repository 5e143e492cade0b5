package pki

import (
	"encoding/pem"
	"net"
	"os"
	"slices"
	"testing"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
)

func TestCSRRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		cfg  CertConfig
		dns  []string
		ips  []string
	}{
		{name: "client", cfg: CertConfig{CommonName: "kubernetes-admin", Organization: []string{"kubeadm:cluster-admins"}}},
		{name: "server", cfg: CertConfig{CommonName: "kube-apiserver", AltNames: AltNames{
			DNSNames: []string{"b", "a", "b"}, IPs: []net.IP{net.ParseIP("10.0.0.1"), net.ParseIP("::1")},
		}}, dns: []string{"a", "b"}, ips: []string{"10.0.0.1", "::1"}},
	}
	for _, alg := range []kubeadm.EncryptionAlgorithmType{kubeadm.EncryptionAlgorithmECDSAP256, kubeadm.EncryptionAlgorithmRSA2048} {
		key := testKey(t, alg)
		for _, tc := range tests {
			t.Run(string(alg)+"/"+tc.name, func(t *testing.T) {
				dir := t.TempDir()
				csr, err := NewCSR(tc.cfg, key)
				if err != nil {
					t.Fatal(err)
				}
				if err := WriteCSR(dir, "etcd/x", csr); err != nil {
					t.Fatal(err)
				}
				data, err := os.ReadFile(CSRPath(dir, "etcd/x"))
				if err != nil {
					t.Fatal(err)
				}
				if st, _ := os.Stat(CSRPath(dir, "etcd/x")); st.Mode().Perm() != 0o600 {
					t.Errorf("mode %v, want 0600", st.Mode().Perm())
				}
				if b, _ := pem.Decode(data); b == nil || b.Type != "CERTIFICATE REQUEST" {
					t.Fatalf("block %v", b)
				}
				back, err := ParseCSRPEM(data)
				if err != nil {
					t.Fatal(err)
				}
				if back.Subject.CommonName != tc.cfg.CommonName || !slices.Equal(back.Subject.Organization, tc.cfg.Organization) {
					t.Errorf("subject %v", back.Subject)
				}
				if !slices.Equal(back.DNSNames, tc.dns) {
					t.Errorf("DNS %v, want %v", back.DNSNames, tc.dns)
				}
				var ips []string
				for _, ip := range back.IPAddresses {
					ips = append(ips, ip.String())
				}
				if !slices.Equal(ips, tc.ips) {
					t.Errorf("IPs %v, want %v", ips, tc.ips)
				}
				if !SamePublicKey(back.PublicKey, key.Public()) {
					t.Error("CSR is for another key")
				}
			})
		}
	}
}

func TestCSRErrors(t *testing.T) {
	key := testKey(t, kubeadm.EncryptionAlgorithmECDSAP256)
	if _, err := NewCSR(CertConfig{}, key); err == nil {
		t.Error("CSR without common name accepted")
	}
	if _, err := ParseCSRPEM([]byte("junk")); err == nil {
		t.Error("CSR from junk")
	}
	if err := WriteCSR(t.TempDir(), "x", nil); err == nil {
		t.Error("nil CSR written")
	}
}
