package kubeconfig

import (
	"os"
	"path/filepath"
	"testing"

	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/kubeconfig/kubeconfigtest"
)

func TestReadHelpersEmbedded(t *testing.T) {
	ca, caKey := kubeconfigtest.LoadCA(t, "testdata")
	path := filepath.Join(t.TempDir(), "admin.conf")
	cfg := adminConfig(t, ca, caKey, "https://cp.example.com:6443", constants.AdminUser, fixedNow().AddDate(1, 0, 0))
	if err := WriteFile(path, cfg); err != nil {
		t.Fatal(err)
	}
	got, err := LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if s, err := ServerURL(got); err != nil || s != "https://cp.example.com:6443" {
		t.Errorf("server %q, %v", s, err)
	}
	cas, err := CACertificates(got)
	if err != nil || len(cas) != 1 || !cas[0].Equal(ca) {
		t.Errorf("CA %v, %v", cas, err)
	}
	cert, err := ClientCertificate(got)
	if err != nil {
		t.Fatal(err)
	}
	assertIdentity(t, cert, constants.AdminUser, []string{constants.ClusterAdminsGroupAndClusterRoleBinding})
	name, cluster, err := CurrentCluster(got)
	if err != nil || name != "kubernetes" || cluster == nil {
		t.Errorf("cluster %q %v %v", name, cluster, err)
	}
}

// A kubelet.conf after TLS bootstrap names its CA and client certificate
// by path; relative paths resolve against the kubeconfig's directory.
func TestReadHelpersFromFiles(t *testing.T) {
	ca, caKey := kubeconfigtest.LoadCA(t, "testdata")
	dir := t.TempDir()
	certPEM, keyPEM, err := NewClientCert(ClientCertSpec{
		CACert: ca, CAKey: caKey, CommonName: "system:node:n1",
		Organizations: []string{"system:nodes"}, NotAfter: fixedNow().AddDate(1, 0, 0),
		EncryptionAlgorithm: "ECDSA-P256",
	})
	if err != nil {
		t.Fatal(err)
	}
	pemFile := filepath.Join(dir, "pki", "kubelet-client-current.pem")
	if err := os.MkdirAll(filepath.Dir(pemFile), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pemFile, append(certPEM, keyPEM...), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ca.crt"), EncodeCertPEM(ca.Raw), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := NewBasic("https://192.0.2.10:6443", "kubernetes", "default-auth", nil)
	cfg.Clusters["kubernetes"].CertificateAuthority = "ca.crt"
	cfg.AuthInfos["default-auth"] = newFileAuth(pemFile)
	path := filepath.Join(dir, "kubelet.conf")
	if err := WriteFile(path, cfg); err != nil {
		t.Fatal(err)
	}
	got, err := LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if cas, err := CACertificates(got); err != nil || !cas[0].Equal(ca) {
		t.Errorf("CA from file: %v", err)
	}
	cert, err := ClientCertificate(got)
	if err != nil {
		t.Fatal(err)
	}
	assertIdentity(t, cert, "system:node:n1", []string{"system:nodes"})
}

func TestReadHelpersErrors(t *testing.T) {
	cfg := NewWithToken("https://192.0.2.10:6443", "kubernetes", "u", nil, "tok")
	if _, err := CACertificates(cfg); err == nil {
		t.Error("CA of a config without CA: want error")
	}
	if _, err := ClientCertificate(cfg); err == nil {
		t.Error("client certificate of a token user: want error")
	}
	cfg.CurrentContext = "missing"
	if _, err := ServerURL(cfg); err == nil {
		t.Error("server of a missing context: want error")
	}
}

func newFileAuth(pemFile string) *clientcmdapi.AuthInfo {
	return &clientcmdapi.AuthInfo{ClientCertificate: pemFile, ClientKey: pemFile}
}
