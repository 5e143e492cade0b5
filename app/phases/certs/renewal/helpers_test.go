package renewal

import (
	"crypto"
	"crypto/x509"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/atomicfile"
	kc "github.com/kubeadm-cleanroom/kubeadm/app/kubeconfig"
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/certs"
	kcphase "github.com/kubeadm-cleanroom/kubeadm/app/phases/kubeconfig"
	"github.com/kubeadm-cleanroom/kubeadm/app/pki"
	"github.com/kubeadm-cleanroom/kubeadm/internal/golden"
)

var update = flag.Bool("update", false, "rewrite golden files")

// t0 is when the test PKI is made; every certificate lasts a year from it
// and every CA ten years.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// cluster is a fixture: a complete PKI and kubeconfig set made at t0.
type cluster struct {
	opts RenewOptions
	cfg  *kubeadm.ClusterConfiguration
}

// newCluster makes a PKI and the kubeconfig files, as init does, with keys
// of alg in a fresh directory: <tmp>/pki and <tmp>/*.conf.
func newCluster(t *testing.T, alg kubeadm.EncryptionAlgorithmType) cluster {
	t.Helper()
	dir := t.TempDir()
	cfg := &kubeadm.ClusterConfiguration{
		ClusterName:          "kubernetes",
		CertificatesDir:      filepath.Join(dir, "pki"),
		EncryptionAlgorithm:  alg,
		ControlPlaneEndpoint: "cp.example.com:6443",
		Networking:           kubeadm.Networking{ServiceSubnet: "10.96.0.0/12", DNSDomain: "cluster.local"},
		APIServer:            kubeadm.APIServer{CertSANs: []string{"api.example.com", "10.10.10.10"}},
		Etcd:                 kubeadm.Etcd{Local: &kubeadm.LocalEtcd{}},
	}
	now := func() time.Time { return t0 }
	if _, err := certs.Run(certs.Inputs{Cluster: cfg, NodeName: "cp-1", AdvertiseAddress: "192.0.2.10", Now: now}); err != nil {
		t.Fatal(err)
	}
	ca, caKey, err := pki.ReadCertAndKey(cfg.CertificatesDir, "ca")
	if err != nil {
		t.Fatal(err)
	}
	_, err = kcphase.Run(kcphase.Input{
		Cluster: cfg, NodeName: "cp-1", LocalAPIEndpoint: kubeadm.APIEndpoint{AdvertiseAddress: "192.0.2.10", BindPort: 6443},
		CACert: ca, CAKey: caKey, OutDir: dir, Now: now,
	})
	if err != nil {
		t.Fatal(err)
	}
	return cluster{opts: RenewOptions{PKIDir: cfg.CertificatesDir, KubernetesDir: dir, Now: t0.Add(100 * 24 * time.Hour)}, cfg: cfg}
}

// template is a PKI made once per key type and copied for each test,
// since making keys is the slow part.
var templates = map[kubeadm.EncryptionAlgorithmType]string{}

// fixture returns a fresh copy of the test PKI for alg.
func fixture(t *testing.T, alg kubeadm.EncryptionAlgorithmType) cluster {
	t.Helper()
	src, ok := templates[alg]
	if !ok {
		c := newCluster(t, alg)
		src = c.opts.KubernetesDir
		// Keep the template beyond this test: copy it out of its TempDir.
		keep, err := os.MkdirTemp("", "renewal-template-")
		if err != nil {
			t.Fatal(err)
		}
		copyTree(t, src, keep)
		templates[alg], src = keep, keep
	}
	dst := t.TempDir()
	copyTree(t, src, dst)
	cfg := &kubeadm.ClusterConfiguration{CertificatesDir: filepath.Join(dst, "pki"), Etcd: kubeadm.Etcd{Local: &kubeadm.LocalEtcd{}}}
	return cluster{opts: RenewOptions{PKIDir: cfg.CertificatesDir, KubernetesDir: dst, Now: t0.Add(100 * 24 * time.Hour)}, cfg: cfg}
}

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	for _, dir := range templates {
		os.RemoveAll(dir)
	}
	os.Exit(code)
}

func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.Walk(src, func(path string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return atomicfile.Write(filepath.Join(dst, rel), data, fi.Mode().Perm())
	})
	if err != nil {
		t.Fatal(err)
	}
}

// readBytes returns the content of path, failing the test if unreadable.
func readBytes(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// goldenFile compares got with testdata/name, or rewrites it with -update.
func goldenFile(t *testing.T, name string, got []byte) {
	t.Helper()
	golden.File(t, filepath.Join("testdata", name), got, *update)
}

// sameIdentity fails unless b says what a says: subject, SANs and usages.
func sameIdentity(t *testing.T, name string, a, b *x509.Certificate) {
	t.Helper()
	if a.Subject.String() != b.Subject.String() {
		t.Errorf("%s: subject %q, was %q", name, b.Subject, a.Subject)
	}
	if len(a.DNSNames) != len(b.DNSNames) || len(a.IPAddresses) != len(b.IPAddresses) {
		t.Errorf("%s: SANs %v %v, were %v %v", name, b.DNSNames, b.IPAddresses, a.DNSNames, a.IPAddresses)
	}
	for i := range a.DNSNames {
		if i < len(b.DNSNames) && a.DNSNames[i] != b.DNSNames[i] {
			t.Errorf("%s: DNS SANs %v, were %v", name, b.DNSNames, a.DNSNames)
		}
	}
	for i := range a.IPAddresses {
		if i < len(b.IPAddresses) && !a.IPAddresses[i].Equal(b.IPAddresses[i]) {
			t.Errorf("%s: IP SANs %v, were %v", name, b.IPAddresses, a.IPAddresses)
		}
	}
	if len(a.ExtKeyUsage) != len(b.ExtKeyUsage) {
		t.Errorf("%s: usages %v, were %v", name, b.ExtKeyUsage, a.ExtKeyUsage)
	}
	for i := range a.ExtKeyUsage {
		if i < len(b.ExtKeyUsage) && a.ExtKeyUsage[i] != b.ExtKeyUsage[i] {
			t.Errorf("%s: usages %v, were %v", name, b.ExtKeyUsage, a.ExtKeyUsage)
		}
	}
	if a.KeyUsage != b.KeyUsage {
		t.Errorf("%s: key usage %v, was %v", name, b.KeyUsage, a.KeyUsage)
	}
}

// certAndKey is a certificate with the private key it certifies.
type certAndKey struct {
	cert *x509.Certificate
	key  crypto.Signer
}

// readCertAndKey reads c from disk; nil when its file is absent.
func readCertAndKey(t *testing.T, c Cert, opts RenewOptions) *certAndKey {
	t.Helper()
	if !pki.Exists(c.Path(opts)) {
		return nil
	}
	if c.Kind == PKIFile {
		cert, key, err := pki.ReadCertAndKey(opts.PKIDir, c.File)
		if err != nil {
			t.Fatal(err)
		}
		return &certAndKey{cert, key}
	}
	cfg, err := kc.LoadFile(c.Path(opts))
	if err != nil {
		t.Fatal(err)
	}
	certPEM, keyPEM, err := kc.ClientCertAndKeyPEM(cfg)
	if err != nil {
		t.Fatal(err)
	}
	certs, err := pki.ParseCertsPEM(certPEM)
	if err != nil {
		t.Fatal(err)
	}
	key, err := pki.ParsePrivateKeyPEM(keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	return &certAndKey{certs[0], key}
}

func remove(t *testing.T, dir, rel string) {
	t.Helper()
	if err := os.Remove(filepath.Join(dir, rel)); err != nil {
		t.Fatal(err)
	}
}

func copyFile(t *testing.T, dir, from, to string) {
	t.Helper()
	write(t, filepath.Join(dir, to), string(readBytes(t, filepath.Join(dir, from))))
}

func write(t *testing.T, path, data string) {
	t.Helper()
	if err := atomicfile.Write(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}
