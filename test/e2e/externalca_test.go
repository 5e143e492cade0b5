//go:build e2e

package e2e

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"path"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/sandbox"
)

// outsideCA is a certificate authority whose key stays in the test
// process: the "external CA" of kubeadm's external CA mode.
type outsideCA struct {
	cert *x509.Certificate
	key  crypto.Signer
}

func newOutsideCA(t *testing.T, cn string) *outsideCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(t, err, "CA key")
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(10 * 365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	must(t, err, "CA certificate %s", cn)
	cert, err := x509.ParseCertificate(der)
	must(t, err, "parse CA certificate")
	return &outsideCA{cert: cert, key: key}
}

func (ca *outsideCA) certPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.cert.Raw})
}

// sign issues a certificate for a CSR with the request's subject and
// SANs, for a server, a client or both, valid one year.
func (ca *outsideCA) sign(t *testing.T, csrPEM []byte, usages []x509.ExtKeyUsage) []byte {
	t.Helper()
	block, _ := pem.Decode(csrPEM)
	if block == nil {
		t.Fatalf("not a PEM CSR: %q", csrPEM)
	}
	csr, err := x509.ParseCertificateRequest(block.Bytes)
	must(t, err, "parse CSR")
	must(t, csr.CheckSignature(), "CSR signature")
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: csr.Subject,
		DNSNames: csr.DNSNames, IPAddresses: csr.IPAddresses,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(365 * 24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment, ExtKeyUsage: usages,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, csr.PublicKey, ca.key)
	must(t, err, "sign %s", csr.Subject.CommonName)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// TestExternalCA: kubeadm's external CA mode. The node holds the three CA
// certificates but none of their keys; `certs generate-csr` writes the
// keys and requests, an outside signer (this test) signs them, and init
// builds a working control plane from them without any CA key.
// `certs check-expiration` marks them externally managed and `certs renew`
// refuses them in one line.
func TestExternalCA(t *testing.T) {
	c := newCluster(t, sandbox.NodeOptions{Name: "cp1", Version: "v1.37.1"})
	cp1 := c.Nodes[0]
	ctx := context.Background()
	installKubeadm(t, cp1, initConfig("v1.37.1", ""))

	cas := map[string]*outsideCA{"ca": newOutsideCA(t, "kubernetes"), "front-proxy-ca": newOutsideCA(t, "front-proxy-ca"), "etcd/ca": newOutsideCA(t, "etcd-ca")}
	for name, ca := range cas {
		must(t, cp1.WriteFile(ctx, "/etc/kubernetes/pki/"+name+".crt", ca.certPEM(), 0o644), "write %s.crt", name)
	}
	out, err := kubeadm(t, cp1, ctx, "certs", "generate-csr", "--config", nodeConfigPath)
	must(t, err, "certs generate-csr: %s", out)
	list, err := cp1.Run(ctx, "find", "/etc/kubernetes", "-name", "*.csr")
	must(t, err, "list the CSRs")
	csrs := strings.Fields(list)
	if len(csrs) != 12 { // 7 certificates, 5 kubeconfig files
		t.Fatalf("generate-csr wrote %d CSRs, want 12:\n%s", len(csrs), list)
	}

	server := []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	client := []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	both := []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
	for _, csrPath := range csrs {
		req, err := cp1.ReadFile(ctx, csrPath)
		must(t, err, "read %s", csrPath)
		base := strings.TrimSuffix(csrPath, ".csr")
		name := strings.TrimPrefix(base, "/etc/kubernetes/pki/")
		if strings.HasSuffix(base, ".conf") {
			// A kubeconfig file: the certificate goes into its user.
			cert := cas["ca"].sign(t, req, client)
			raw, err := cp1.ReadFile(ctx, base)
			must(t, err, "read %s", base)
			kc, err := clientcmd.Load(raw)
			must(t, err, "parse %s", base)
			for _, u := range kc.AuthInfos {
				u.ClientCertificateData = cert
			}
			// The file trusts the cluster's CA, which generate-csr, as
			// upstream's, leaves for the user to add.
			for _, cl := range kc.Clusters {
				cl.CertificateAuthorityData = cas["ca"].certPEM()
			}
			raw, err = clientcmd.Write(*kc)
			must(t, err, "render %s", base)
			must(t, cp1.WriteFile(ctx, base, raw, 0o600), "write %s", base)
			continue
		}
		ca, usages := cas["ca"], client
		switch {
		case name == "front-proxy-client":
			ca = cas["front-proxy-ca"]
		case name == "apiserver-etcd-client" || name == "etcd/healthcheck-client":
			ca = cas["etcd/ca"]
		case name == "etcd/server" || name == "etcd/peer":
			ca, usages = cas["etcd/ca"], both
		case name == "apiserver":
			usages = server
		}
		must(t, cp1.WriteFile(ctx, base+".crt", ca.sign(t, req, usages), 0o644), "write %s.crt", name)
	}

	// The service-account key pair, which upstream too wants made
	// beforehand in external CA mode (it signs no certificate).
	saKey, err := rsa.GenerateKey(rand.Reader, 2048)
	must(t, err, "service-account key")
	saPub, err := x509.MarshalPKIXPublicKey(saKey.Public())
	must(t, err, "service-account public key")
	must(t, cp1.WriteFile(ctx, "/etc/kubernetes/pki/sa.key", pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(saKey)}), 0o600), "write sa.key")
	must(t, cp1.WriteFile(ctx, "/etc/kubernetes/pki/sa.pub", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: saPub}), 0o644), "write sa.pub")

	out, err = kubeadm(t, cp1, ctx, "init", "--config", nodeConfigPath, "--ignore-preflight-errors=SystemVerification")
	must(t, err, "init in external CA mode: %s", out)
	for _, ca := range []string{"ca", "front-proxy-ca", "etcd-ca"} {
		if !strings.Contains(out, "using the external "+ca+" certificate authority") {
			t.Errorf("init does not say it uses the external %s:\n%s", ca, out)
		}
	}
	keys, _ := cp1.Run(ctx, "/bin/sh", "-c", "ls /etc/kubernetes/pki/ca.key /etc/kubernetes/pki/front-proxy-ca.key /etc/kubernetes/pki/etcd/ca.key 2>/dev/null; true")
	if strings.TrimSpace(keys) != "" {
		t.Errorf("init wrote CA keys in external CA mode: %s", keys)
	}

	admin := adminClient(t, cp1)
	eventually(t, 3*time.Minute, "node cp1 Ready", func(ctx context.Context) error { return nodeReady(ctx, admin, "cp1") })
	eventually(t, 3*time.Minute, "the four control-plane Pods Ready", func(ctx context.Context) error {
		for _, comp := range []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"} {
			p, err := admin.CoreV1().Pods("kube-system").Get(ctx, comp+"-cp1", metav1.GetOptions{})
			if err != nil {
				return err
			}
			if !podReady(p) {
				return fmt.Errorf("%s not Ready", p.Name)
			}
		}
		return nil
	})
	checkWorkingDNS(t, admin) // CoreDNS Ready; a Pod resolves through the kube-dns Service
	kcm, err := cp1.ReadFile(ctx, "/etc/kubernetes/manifests/kube-controller-manager.yaml")
	must(t, err, "read the controller-manager manifest")
	if !strings.Contains(string(kcm), "- --cluster-signing-key-file=\n") {
		t.Errorf("kube-controller-manager is not told it has no signing key (external CA):\n%s", kcm)
	}

	out, err = stdout(t, cp1, "certs", "check-expiration", "-o", "json")
	must(t, err, "certs check-expiration: %s", out)
	var info struct {
		Certificates, CertificateAuthorities []struct {
			Name              string `json:"name"`
			ExternallyManaged bool   `json:"externallyManaged"`
			Missing           bool   `json:"missing"`
		}
	}
	must(t, json.Unmarshal([]byte(out), &info), "decode check-expiration: %s", out)
	if len(info.Certificates) == 0 || len(info.CertificateAuthorities) != 3 {
		t.Fatalf("check-expiration lists %d certificates and %d CAs:\n%s", len(info.Certificates), len(info.CertificateAuthorities), out)
	}
	for _, c := range append(info.Certificates, info.CertificateAuthorities...) {
		if c.Missing || !c.ExternallyManaged {
			t.Errorf("check-expiration: %s missing=%v externallyManaged=%v, want present and externally managed", c.Name, c.Missing, c.ExternallyManaged)
		}
	}
	text, err := kubeadm(t, cp1, ctx, "certs", "check-expiration")
	must(t, err, "certs check-expiration: %s", text)
	t.Logf("check-expiration:\n%s", text)

	before, err := cp1.ReadFile(ctx, "/etc/kubernetes/pki/apiserver.crt")
	must(t, err, "read apiserver.crt")
	for _, args := range [][]string{{"certs", "renew", "apiserver"}, {"certs", "renew", "all"}} {
		out, err = kubeadm(t, cp1, ctx, args...)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		last := lines[len(lines)-1]
		if err == nil || !strings.Contains(last, "external CA mode") || !strings.Contains(last, path.Join("/etc/kubernetes/pki", "ca.key")) {
			t.Errorf("%s: want a refusal naming the external CA and its absent key, got %v:\n%s", strings.Join(args, " "), err, out)
		}
	}
	after, err := cp1.ReadFile(ctx, "/etc/kubernetes/pki/apiserver.crt")
	must(t, err, "read apiserver.crt")
	if string(after) != string(before) {
		t.Error("a refused renew changed apiserver.crt")
	}
}
