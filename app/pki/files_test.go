package pki

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
)

func TestPaths(t *testing.T) {
	if got := CertPath("/pki", "etcd/server"); got != "/pki/etcd/server.crt" {
		t.Error(got)
	}
	if got := KeyPath("/pki", "etcd/server"); got != "/pki/etcd/server.key" {
		t.Error(got)
	}
	if got := PublicKeyPath("/pki", "sa"); got != "/pki/sa.pub" {
		t.Error(got)
	}
}

func TestWriteReadCertAndKey(t *testing.T) {
	dir := t.TempDir()
	ca, caKey := testCA(t, "ca", time.Hour)
	cert, key := testLeaf(t, ca, caKey, CertConfig{CommonName: "server"})
	if err := WriteCertAndKey(dir, "etcd/server", cert, key); err != nil {
		t.Fatal(err)
	}
	for path, mode := range map[string]os.FileMode{
		filepath.Join(dir, "etcd/server.crt"): 0o644,
		filepath.Join(dir, "etcd/server.key"): 0o600,
	} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != mode {
			t.Errorf("%s: mode %v, want %v", path, fi.Mode().Perm(), mode)
		}
	}
	gotCert, gotKey, err := ReadCertAndKey(dir, "etcd/server")
	if err != nil {
		t.Fatal(err)
	}
	if !gotCert.Equal(cert) || !SamePublicKey(gotKey.Public(), key.Public()) {
		t.Error("read back differs")
	}
	exp, err := CertExpiry(dir, "etcd/server")
	if err != nil || !exp.Equal(cert.NotAfter) {
		t.Errorf("CertExpiry = %v, %v", exp, err)
	}
	if !CertOrKeyExists(dir, "etcd/server") || CertOrKeyExists(dir, "etcd/peer") {
		t.Error("CertOrKeyExists wrong")
	}
	// Rewriting replaces the file and keeps the mode.
	if err := WriteKey(dir, "etcd/server", caKey); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ReadCertAndKey(dir, "etcd/server"); err == nil || !strings.Contains(err.Error(), "server.key") {
		t.Errorf("mismatched pair: %v", err)
	}
}

func TestReadChain(t *testing.T) {
	dir := t.TempDir()
	ca, caKey := testCA(t, "ca", time.Hour)
	cert, _ := testLeaf(t, ca, caKey, CertConfig{CommonName: "leaf"})
	if err := os.WriteFile(CertPath(dir, "leaf"), EncodeCertsPEM(cert, ca), 0o644); err != nil {
		t.Fatal(err)
	}
	leaf, rest, err := ReadCertChain(dir, "leaf")
	if err != nil {
		t.Fatal(err)
	}
	if !leaf.Equal(cert) || len(rest) != 1 || !rest[0].Equal(ca) {
		t.Error("chain not read in order")
	}
}

func TestPublicKeyFile(t *testing.T) {
	dir := t.TempDir()
	key := testKey(t, kubeadm.EncryptionAlgorithmRSA2048)
	if err := WritePublicKey(dir, "sa", key.Public()); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, "sa.pub"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("sa.pub mode %v, want 0600", fi.Mode().Perm())
	}
	pub, err := ReadPublicKey(dir, "sa")
	if err != nil || !SamePublicKey(pub, key.Public()) {
		t.Errorf("read back: %v", err)
	}
}

func TestReadErrorsNameTheFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "bad.crt"), []byte("junk"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bad.key"), []byte("junk"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bad.pub"), []byte("junk"), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{
		"missing.crt": second(ReadCert(dir, "missing")),
		"missing.key": second(ReadKey(dir, "missing")),
		"missing.pub": second(ReadPublicKey(dir, "missing")),
		"bad.crt":     second(ReadCert(dir, "bad")),
		"bad.key":     second(ReadKey(dir, "bad")),
		"bad.pub":     second(ReadPublicKey(dir, "bad")),
	} {
		if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, name)) {
			t.Errorf("%s: error %v does not name the file", name, err)
		}
	}
	if err := WriteCert(dir, "x", nil); err == nil {
		t.Error("nil certificate written")
	}
	if err := WriteKey(dir, "x", nil); err == nil {
		t.Error("nil key written")
	}
}

func TestWriteErrorNamesTheFile(t *testing.T) {
	dir := t.TempDir()
	// A regular file where the etcd directory should be.
	if err := os.WriteFile(filepath.Join(dir, "etcd"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	key := testKey(t, kubeadm.EncryptionAlgorithmECDSAP256)
	err := WriteKey(dir, "etcd/server", key)
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "etcd")) {
		t.Errorf("got %v", err)
	}
}

func second[T any](_ T, err error) error { return err }
