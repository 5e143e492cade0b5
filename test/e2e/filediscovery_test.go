//go:build e2e

package e2e

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	certificatesv1 "k8s.io/api/certificates/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/sandbox"
)

// discoveryPath is where the joining nodes get their discovery file, as
// kinder's /kinder/discovery.conf, but under the node's own /etc/kubernetes.
const discoveryPath = "/etc/kubernetes/discovery.conf"

// discoveryFile is admin.conf of the first control plane made into one of
// kinder's discovery files: mode "file" keeps no credentials,
// "file-with-token" gives the bootstrap token as the user's token,
// "file-with-embedded-client-certificates" keeps admin.conf's embedded
// client certificate, and "file-with-external-client-certificates" moves
// it to the files certPath and keyPath (whose contents it returns).
func discoveryFile(t *testing.T, admin []byte, mode, certPath, keyPath string) (file, cert, key []byte) {
	t.Helper()
	kc, err := clientcmd.Load(admin)
	must(t, err, "parse admin.conf")
	ctx := kc.Contexts[kc.CurrentContext]
	user := kc.AuthInfos[ctx.AuthInfo]
	switch mode {
	case "file":
		*user = clientcmdapi.AuthInfo{}
	case "file-with-token":
		*user = clientcmdapi.AuthInfo{Token: e2eToken}
	case "file-with-embedded-client-certificates":
	case "file-with-external-client-certificates":
		cert, key = user.ClientCertificateData, user.ClientKeyData
		*user = clientcmdapi.AuthInfo{ClientCertificate: certPath, ClientKey: keyPath}
	default:
		t.Fatalf("unknown discovery mode %s", mode)
	}
	file, err = clientcmd.Write(*kc)
	must(t, err, "render the %s discovery file", mode)
	return file, cert, key
}

// fileJoinConfig is a JoinConfiguration with file discovery from
// pathOrURL, with a separate TLS bootstrap token when token is set and a
// control plane when certificateKey is.
func fileJoinConfig(name, pathOrURL, token, certificateKey string) string {
	cfg := fmt.Sprintf(`apiVersion: kubeadm.k8s.io/v1beta4
kind: JoinConfiguration
nodeRegistration:
  name: %s
  ignorePreflightErrors: [SystemVerification]
discovery:
  file:
    kubeConfigPath: %s
`, name, pathOrURL)
	if token != "" {
		cfg += "  tlsBootstrapToken: " + token + "\n"
	}
	if certificateKey != "" {
		cfg += "controlPlane:\n  certificateKey: " + certificateKey + "\n"
	}
	return cfg
}

// serveHTTPS serves file at https://<node>:port/discovery.conf from node n
// with a certificate of a new CA, until the test ends; it returns the URL
// and the CA certificate (PEM) a client must trust.
func serveHTTPS(t *testing.T, n *sandbox.Node, port int, file []byte) (url string, caPEM []byte) {
	t.Helper()
	ctx := context.Background()
	ca := newOutsideCA(t, "discovery-file-server-ca")
	cert, key := ca.issue(t, n.Name, []string{n.Address}, x509.ExtKeyUsageServerAuth)
	dir := fmt.Sprintf("/etc/kubernetes/serve-%d", port)
	must(t, n.WriteFile(ctx, dir+"/tls.crt", cert, 0o644), "write the server certificate")
	must(t, n.WriteFile(ctx, dir+"/tls.key", key, 0o600), "write the server key")
	must(t, n.WriteFile(ctx, dir+"/discovery.conf", file, 0o600), "write the served file")
	srvCtx, cancel := context.WithCancel(ctx)
	cmd, err := n.Command(srvCtx, env.benchBinary, "serve", "--listen", fmt.Sprintf(":%d", port), "--file", dir+"/discovery.conf",
		"--tls-cert", dir+"/tls.crt", "--tls-key", dir+"/tls.key")
	must(t, err, "the https server's command")
	must(t, cmd.Start(), "start the https server on %s", n.Name)
	t.Cleanup(func() { cancel(); _ = cmd.Wait() })
	url = fmt.Sprintf("https://%s:%d/discovery.conf", n.Address, port)
	eventually(t, 30*time.Second, "the https server on "+n.Name+" listens", func(ctx context.Context) error {
		conn, err := net.DialTimeout("tcp", fmt.Sprintf("%s:%d", n.Address, port), time.Second)
		if err == nil {
			conn.Close()
		}
		return err
	})
	return url, ca.certPEM()
}

// TestFileDiscovery: nodes join with a discovery file, as kinder's
// discovery workflow makes them (its four modes, from the first control
// plane's admin.conf), and at an https URL served inside the bench: a
// worker by the --discovery-file flag, a control plane by its
// JoinConfiguration. Each kubelet bootstraps with the credential its mode
// gives (the token's or the embedded admin certificate's CSR requester),
// an https URL whose server is not trusted is refused in one line with
// nothing written, and the cluster works.
func TestFileDiscovery(t *testing.T) {
	c := newCluster(t, sandbox.NodeOptions{Name: "cp1"}, sandbox.NodeOptions{Name: "cp2"},
		sandbox.NodeOptions{Name: "w1"}, sandbox.NodeOptions{Name: "w2"}, sandbox.NodeOptions{Name: "w3"}, sandbox.NodeOptions{Name: "w4"})
	haInit(t, c, []string{"cp1"})
	cp1 := c.Nodes[0]
	ctx := context.Background()
	admin, err := cp1.ReadFile(ctx, "/etc/kubernetes/admin.conf")
	must(t, err, "read admin.conf")
	client := adminClient(t, cp1)

	// The https servers: w2's file-with-token file, and a credential-less
	// file for the control plane (which gets a TLS bootstrap token).
	tokenFile, _, _ := discoveryFile(t, admin, "file-with-token", "", "")
	tokenURL, tokenTrust := serveHTTPS(t, cp1, 8443, tokenFile)
	plainFile, _, _ := discoveryFile(t, admin, "file", "", "")
	cpURL, cpTrust := serveHTTPS(t, cp1, 8444, plainFile)
	const caPath = "/etc/kubernetes/discovery-server-ca.pem"

	// kinder's four modes on w1..w4, from a local path in its JoinConfiguration;
	// w2's file-with-token from the https URL by the --discovery-file flag.
	requester := map[string]string{}
	for i, mode := range []string{"file", "file-with-token", "file-with-embedded-client-certificates", "file-with-external-client-certificates"} {
		n := c.Nodes[2+i]
		var out string
		var err error
		if mode == "file-with-token" {
			installKubeadm(t, n, "")
			must(t, n.WriteFile(ctx, caPath, tokenTrust, 0o644), "write the server's CA on %s", n.Name)
			out, err = runKubeadm(t, n, ctx, "env", "SSL_CERT_FILE="+caPath, "kubeadm", "join", "--discovery-file", tokenURL,
				"--node-name", n.Name, "--ignore-preflight-errors=SystemVerification")
		} else {
			certPath, keyPath := "/etc/kubernetes/discovery-client-cert.pem", "/etc/kubernetes/discovery-client-key.pem"
			file, cert, key := discoveryFile(t, admin, mode, certPath, keyPath)
			token := ""
			if mode == "file" {
				token = e2eToken // kinder sets discovery.tlsBootstrapToken for this mode
			}
			installKubeadm(t, n, fileJoinConfig(n.Name, discoveryPath, token, ""))
			must(t, n.WriteFile(ctx, discoveryPath, file, 0o600), "write the discovery file on %s", n.Name)
			if cert != nil {
				must(t, n.WriteFile(ctx, certPath, cert, 0o644), "write the client certificate on %s", n.Name)
				must(t, n.WriteFile(ctx, keyPath, key, 0o600), "write the client key on %s", n.Name)
			}
			out, err = kubeadm(t, n, ctx, "join", "--config", nodeConfigPath)
		}
		must(t, err, "join of %s with discovery mode %s: %s", n.Name, mode, out)
		requester[n.Name] = "system:bootstrap:abcdef"
		if strings.Contains(mode, "client-certificates") {
			requester[n.Name] = "kubernetes-admin"
		}
	}

	// A control plane from an https URL in its JoinConfiguration: refused
	// while the server is not trusted, then joined.
	cp2 := c.Nodes[1]
	installKubeadm(t, cp2, fileJoinConfig("cp2", cpURL, e2eToken, e2eCertificateKey))
	out, err := kubeadm(t, cp2, ctx, "join", "--config", nodeConfigPath)
	if err == nil || !strings.Contains(out, "cannot download the discovery kubeconfig") || !strings.Contains(out, "certificate") {
		t.Fatalf("join from an https URL whose server is not trusted: want a refusal naming the certificate, got %v:\n%s", err, out)
	}
	checkNothingWritten(t, cp2)
	must(t, cp2.WriteFile(ctx, caPath, cpTrust, 0o644), "write the server's CA on cp2")
	out, err = runKubeadm(t, cp2, ctx, "env", "SSL_CERT_FILE="+caPath, "kubeadm", "join", "--config", nodeConfigPath)
	must(t, err, "control-plane join of cp2 from %s: %s", cpURL, out)
	requester["cp2"] = "system:bootstrap:abcdef"

	for _, n := range c.Nodes {
		eventually(t, 3*time.Minute, "node "+n.Name+" Ready", func(ctx context.Context) error { return nodeReady(ctx, client, n.Name) })
	}
	checkEtcdVoters(t, cp1, etcdEndpoints(c.Nodes[0], c.Nodes[1]), 2)
	csrs, err := client.CertificatesV1().CertificateSigningRequests().List(ctx, metav1.ListOptions{})
	must(t, err, "list CSRs")
	for name, want := range requester {
		found := false
		for _, csr := range csrs.Items {
			if csr.Spec.SignerName == certificatesv1.KubeAPIServerClientKubeletSignerName && csrFor(t, &csr) == "system:node:"+name {
				found = true
				if csr.Spec.Username != want {
					t.Errorf("the kubelet of %s bootstrapped as %s, want %s", name, csr.Spec.Username, want)
				}
			}
		}
		if !found {
			t.Errorf("no kubelet client CSR of %s", name)
		}
	}
	checkWorkingDNS(t, client) // CoreDNS Ready; a Pod resolves through the kube-dns Service
}

// csrFor is the common name a certificate signing request asks for.
func csrFor(t *testing.T, csr *certificatesv1.CertificateSigningRequest) string {
	t.Helper()
	block, _ := pem.Decode(csr.Spec.Request)
	if block == nil {
		return ""
	}
	req, err := x509.ParseCertificateRequest(block.Bytes)
	if err != nil {
		return ""
	}
	return req.Subject.CommonName
}
