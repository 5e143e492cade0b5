package certs

import (
	"crypto/x509"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/pki"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestSubPhases(t *testing.T) {
	want := []struct{ name, short string }{
		{"ca", "Generate the self-signed Kubernetes CA to provision identities for other Kubernetes components"},
		{"apiserver", "Generate the certificate for serving the Kubernetes API"},
		{"apiserver-kubelet-client", "Generate the certificate for the API server to connect to kubelet"},
		{"front-proxy-ca", "Generate the self-signed CA to provision identities for front proxy"},
		{"front-proxy-client", "Generate the certificate for the front proxy client"},
		{"etcd-ca", "Generate the self-signed CA to provision identities for etcd"},
		{"etcd-server", "Generate the certificate for serving etcd"},
		{"etcd-peer", "Generate the certificate for etcd nodes to communicate with each other"},
		{"etcd-healthcheck-client", "Generate the certificate for liveness probes to healthcheck etcd"},
		{"apiserver-etcd-client", "Generate the certificate the apiserver uses to access etcd"},
		{"sa", "Generate a private key for signing service account tokens along with its public key"},
	}
	got := SubPhases()
	if len(got) != len(want) {
		t.Fatalf("%d sub-phases, want %d", len(got), len(want))
	}
	for i, w := range want {
		if got[i].Name != w.name || got[i].Short != w.short || got[i].Run == nil {
			t.Errorf("sub-phase %d = %q %q, want %q %q", i, got[i].Name, got[i].Short, w.name, w.short)
		}
	}
}

var (
	server = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	client = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	both   = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
)

// expected describes one certificate of a full run with newInputs.
type expected struct {
	base   string
	cn     string
	ca     string // base name of the issuer; "" for a CA
	usages []x509.ExtKeyUsage
	dns    []string
	ips    []string
}

var fullRun = []expected{
	{base: "ca", cn: "kubernetes", dns: []string{"kubernetes"}},
	{base: "apiserver", cn: "kube-apiserver", ca: "ca", usages: server,
		dns: []string{"api.example.com", "cp.example.com", "kubernetes", "kubernetes.default",
			"kubernetes.default.svc", "kubernetes.default.svc.cluster.local", "node-1"},
		ips: []string{"10.96.0.1", "192.168.0.10", "10.10.10.10"}},
	{base: "apiserver-kubelet-client", cn: "kube-apiserver-kubelet-client", ca: "ca", usages: client},
	{base: "front-proxy-ca", cn: "front-proxy-ca", dns: []string{"front-proxy-ca"}},
	{base: "front-proxy-client", cn: "front-proxy-client", ca: "front-proxy-ca", usages: client},
	{base: "etcd/ca", cn: "etcd-ca", dns: []string{"etcd-ca"}},
	{base: "etcd/server", cn: "node-1", ca: "etcd/ca", usages: both,
		dns: []string{"etcd.example.com", "localhost", "node-1"},
		ips: []string{"192.168.0.10", "127.0.0.1", "::1", "10.0.0.50"}},
	{base: "etcd/peer", cn: "node-1", ca: "etcd/ca", usages: both,
		dns: []string{"localhost", "node-1", "peer.example.com"},
		ips: []string{"192.168.0.10", "127.0.0.1", "::1"}},
	{base: "etcd/healthcheck-client", cn: "kube-etcd-healthcheck-client", ca: "etcd/ca", usages: client},
	{base: "apiserver-etcd-client", cn: "kube-apiserver-etcd-client", ca: "etcd/ca", usages: client},
}

func TestRunCreatesEveryCertificate(t *testing.T) {
	in := newInputs(t, kubeadm.EncryptionAlgorithmECDSAP256)
	dir := in.Cluster.CertificatesDir
	results := mustRunAll(t, in)
	if len(results) != 11 {
		t.Fatalf("%d results", len(results))
	}
	for _, r := range results {
		if r.Action != Generated {
			t.Errorf("%s: %s, want generated", r.Name, r.Action)
		}
	}
	if w := results[1].Warnings; len(w) != 1 || !strings.Contains(w[0], "not_valid!") {
		t.Errorf("apiserver warnings %q, want one about the invalid SAN", w)
	}
	for _, e := range fullRun {
		t.Run(e.base, func(t *testing.T) {
			cert, key, err := pki.ReadCertAndKey(dir, e.base)
			if err != nil {
				t.Fatal(err)
			}
			if cert.Subject.CommonName != e.cn || len(cert.Subject.Organization) != 0 {
				t.Errorf("subject %v, want CN=%s and no O", cert.Subject, e.cn)
			}
			if alg, _ := pki.KeyAlgorithm(key.Public()); alg != kubeadm.EncryptionAlgorithmECDSAP256 {
				t.Errorf("key %s", alg)
			}
			var ips []string
			for _, ip := range cert.IPAddresses {
				ips = append(ips, ip.String())
			}
			if !slices.Equal(cert.DNSNames, e.dns) || !slices.Equal(ips, e.ips) {
				t.Errorf("SANs DNS %q IP %q, want %q %q", cert.DNSNames, ips, e.dns, e.ips)
			}
			if !slices.Equal(cert.ExtKeyUsage, e.usages) {
				t.Errorf("ext key usage %v, want %v", cert.ExtKeyUsage, e.usages)
			}
			wantNB := testNow.Add(-5 * time.Minute)
			wantNA := testNow.Add(365 * 24 * time.Hour)
			ku := x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment
			issuer := cert
			if e.ca == "" {
				wantNA = testNow.Add(10 * 365 * 24 * time.Hour)
				ku |= x509.KeyUsageCertSign
				if !cert.IsCA {
					t.Error("CA is not a CA")
				}
			} else {
				issuer = readCert(t, dir, e.ca)
				if cert.IsCA {
					t.Error("leaf is a CA")
				}
			}
			if !cert.BasicConstraintsValid || cert.KeyUsage != ku {
				t.Errorf("key usage %v, want %v", cert.KeyUsage, ku)
			}
			if err := cert.CheckSignatureFrom(issuer); err != nil {
				t.Errorf("not signed by %s: %v", e.ca, err)
			}
			if !cert.NotBefore.Equal(wantNB) || !cert.NotAfter.Equal(wantNA) {
				t.Errorf("validity %v..%v, want %v..%v", cert.NotBefore, cert.NotAfter, wantNB, wantNA)
			}
			checkModes(t, map[string]os.FileMode{pki.CertPath(dir, e.base): 0o644, pki.KeyPath(dir, e.base): 0o600})
		})
	}
	checkModes(t, map[string]os.FileMode{filepath.Join(dir, "sa.key"): 0o600, filepath.Join(dir, "sa.pub"): 0o600})
	key, err := pki.ReadKey(dir, "sa")
	if err != nil {
		t.Fatal(err)
	}
	pub, err := pki.ReadPublicKey(dir, "sa")
	if err != nil || !pki.SamePublicKey(pub, key.Public()) {
		t.Errorf("sa.pub does not match sa.key: %v", err)
	}
	if got := results[10].Files; !slices.Equal(got, []string{filepath.Join(dir, "sa.key"), filepath.Join(dir, "sa.pub")}) {
		t.Errorf("sa files %v", got)
	}
}

func checkModes(t *testing.T, modes map[string]os.FileMode) {
	t.Helper()
	for path, mode := range modes {
		fi, err := os.Stat(path)
		if err != nil {
			t.Error(err)
			continue
		}
		if fi.Mode().Perm() != mode {
			t.Errorf("%s: mode %v, want %v", path, fi.Mode().Perm(), mode)
		}
	}
}

func TestKeyAlgorithms(t *testing.T) {
	for _, alg := range append([]kubeadm.EncryptionAlgorithmType{""}, pki.Algorithms...) {
		t.Run(string(alg), func(t *testing.T) {
			in := newInputs(t, alg)
			dir := in.Cluster.CertificatesDir
			runNamed(t, in, "ca", "apiserver", "sa")
			want := alg
			if want == "" {
				want = kubeadm.EncryptionAlgorithmRSA2048
			}
			for _, name := range []string{"ca", "apiserver", "sa"} {
				key, err := pki.ReadKey(dir, name)
				if err != nil {
					t.Fatal(err)
				}
				if got, _ := pki.KeyAlgorithm(key.Public()); got != want {
					t.Errorf("%s key is %s, want %s", name, got, want)
				}
			}
			if err := pki.VerifySignedBy(readCert(t, dir, "apiserver"), nil, readCert(t, dir, "ca"), testNow); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestValidityPeriods(t *testing.T) {
	in := newInputs(t, kubeadm.EncryptionAlgorithmECDSAP384)
	in.Cluster.CertificateValidityPeriod = &metav1.Duration{Duration: 48 * time.Hour}
	in.Cluster.CACertificateValidityPeriod = &metav1.Duration{Duration: 30 * 24 * time.Hour}
	dir := in.Cluster.CertificatesDir
	runNamed(t, in, "front-proxy-ca", "front-proxy-client")
	ca, leaf := readCert(t, dir, "front-proxy-ca"), readCert(t, dir, "front-proxy-client")
	if !ca.NotAfter.Equal(testNow.Add(30 * 24 * time.Hour)) {
		t.Errorf("CA NotAfter %v", ca.NotAfter)
	}
	if !leaf.NotAfter.Equal(testNow.Add(48 * time.Hour)) {
		t.Errorf("leaf NotAfter %v", leaf.NotAfter)
	}
	if !leaf.NotBefore.Equal(testNow.Add(-5 * time.Minute)) {
		t.Errorf("leaf NotBefore %v", leaf.NotBefore)
	}
}

func TestExternalEtcdSkipsEtcdCertificates(t *testing.T) {
	in := newInputs(t, kubeadm.EncryptionAlgorithmECDSAP256)
	in.Cluster.Etcd = kubeadm.Etcd{External: &kubeadm.ExternalEtcd{Endpoints: []string{"https://10.0.0.1:2379"}}}
	results := mustRunAll(t, in)
	for _, r := range results {
		etcd := strings.HasPrefix(r.Name, "etcd-") || r.Name == "apiserver-etcd-client"
		if etcd != (r.Action == Skipped) {
			t.Errorf("%s: %s", r.Name, r.Action)
		}
		if etcd && r.Reason == "" {
			t.Errorf("%s: skipped without a reason", r.Name)
		}
	}
	if _, err := os.Stat(filepath.Join(in.Cluster.CertificatesDir, "etcd")); !os.IsNotExist(err) {
		t.Errorf("etcd directory created: %v", err)
	}
	if pki.Exists(filepath.Join(in.Cluster.CertificatesDir, "apiserver-etcd-client.crt")) {
		t.Error("apiserver-etcd-client written")
	}
}
