package discovery

import (
	"bytes"
	"context"
	"crypto/x509"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/kubeadm-cleanroom/kubeadm/app/kubeconfig"
)

// writeKubeconfig writes cfg to a file in a fresh directory.
func writeKubeconfig(t *testing.T, cfg *clientcmdapi.Config) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "discovery.conf")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestFileFromPathEmbedsReferencedFiles(t *testing.T) {
	ca := newTestCA(t, "kubernetes")
	f := newFakeAPI(t, ca)
	f.clusterInfo = always(t, signedFor(t, f, ca))

	// The CA and token are files next to the kubeconfig, referenced by
	// relative paths.
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "ca.crt"), ca.pem(), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "token"), []byte(testToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := kubeconfig.NewBasic(f.url(), "kubernetes", "joiner", nil)
	cfg.Clusters["kubernetes"].CertificateAuthority = "ca.crt"
	cfg.AuthInfos["joiner"] = &clientcmdapi.AuthInfo{TokenFile: "token"}
	path := filepath.Join(dir, "discovery.conf")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}

	got, err := File(context.Background(), path, 3*time.Second)
	if err != nil {
		t.Fatalf("File: %v", err)
	}
	c := got.Clusters["kubernetes"]
	if c.Server != f.url() || !bytes.Equal(c.CertificateAuthorityData, ca.pem()) || c.CertificateAuthority != "" {
		t.Errorf("cluster = %+v, want the server and the CA embedded", c)
	}
	u := got.AuthInfos["joiner"]
	if u.Token != testToken || u.TokenFile != "" {
		t.Errorf("user token = %q (file %q), want the token embedded", u.Token, u.TokenFile)
	}
	if len(f.authHeaders) == 0 || f.authHeaders[0] != "Bearer "+testToken {
		t.Errorf("cluster-info requests sent Authorization %q, want the file's token", f.authHeaders)
	}
}

func TestFileFromHTTPSURL(t *testing.T) {
	ca := newTestCA(t, "kubernetes")
	f := newFakeAPI(t, ca)
	f.clusterInfo = always(t, signedFor(t, f, ca))
	data, err := kubeconfig.Marshal(kubeconfig.NewWithToken(f.url(), "kubernetes", "joiner", ca.pem(), testToken))
	if err != nil {
		t.Fatal(err)
	}
	f.extra = func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/discovery.yaml" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(data)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca.cert)

	got, err := fileDiscovery(context.Background(), f.url()+"/discovery.yaml", 3*time.Second, roots)
	if err != nil {
		t.Fatalf("fileDiscovery: %v", err)
	}
	if s, _ := kubeconfig.ServerURL(got); s != f.url() {
		t.Errorf("server = %q, want %q", s, f.url())
	}
	if f.requests() != 1 {
		t.Errorf("cluster-info read %d times, want 1", f.requests())
	}

	_, err = fileDiscovery(context.Background(), f.url()+"/missing.yaml", 3*time.Second, roots)
	wantErr(t, err, "HTTP 404", "missing.yaml")

	// File itself trusts only the system roots, which do not include the
	// test CA.
	_, err = File(context.Background(), f.url()+"/discovery.yaml", 3*time.Second)
	wantErr(t, err, "cannot download the discovery kubeconfig", "trusted")
}

func TestFileRefusals(t *testing.T) {
	noCluster := writeKubeconfig(t, clientcmdapi.NewConfig())
	cases := map[string]struct {
		path string
		want []string
	}{
		"missing file": {"/nonexistent/discovery.conf", []string{"cannot read the discovery kubeconfig", "--discovery-file", "/nonexistent/discovery.conf"}},
		"http URL":     {"http://example.com/discovery.yaml", []string{"must use https"}},
		"no cluster":   {noCluster, []string{"defines no cluster"}},
		"missing CA file": {writeKubeconfig(t, func() *clientcmdapi.Config {
			c := kubeconfig.NewWithToken("https://127.0.0.1:1", "k", "u", nil, testToken)
			c.Clusters["k"].CertificateAuthority = "/nonexistent/ca.crt"
			return c
		}()), []string{"/nonexistent/ca.crt"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := File(context.Background(), tc.path, time.Second)
			wantErr(t, err, tc.want...)
		})
	}
	_, err := File(context.Background(), noCluster, -time.Second)
	wantErr(t, err, "must not be negative")
}

func TestFileForbiddenClusterInfoIsAccepted(t *testing.T) {
	ca := newTestCA(t, "kubernetes")
	f := newFakeAPI(t, ca)
	f.clusterInfo = func(_ int, w http.ResponseWriter) { http.Error(w, "forbidden", http.StatusForbidden) }
	path := writeKubeconfig(t, kubeconfig.NewWithToken(f.url(), "kubernetes", "joiner", ca.pem(), testToken))

	if _, err := File(context.Background(), path, 3*time.Second); err != nil {
		t.Fatalf("File: %v", err)
	}
}

func TestFileTakesCAFromClusterInfo(t *testing.T) {
	ca := newTestCA(t, "kubernetes")
	f := newFakeAPI(t, ca)
	f.clusterInfo = always(t, signedFor(t, f, ca))
	cfg := kubeconfig.NewWithToken(f.url(), "kubernetes", "joiner", nil, testToken)
	cfg.Clusters["kubernetes"].InsecureSkipTLSVerify = true
	path := writeKubeconfig(t, cfg)

	got, err := File(context.Background(), path, 3*time.Second)
	if err != nil {
		t.Fatalf("File: %v", err)
	}
	if !bytes.Equal(got.Clusters["kubernetes"].CertificateAuthorityData, ca.pem()) {
		t.Error("the CA published in cluster-info was not copied into the config")
	}
}

func TestFileRetriesUntilTimeout(t *testing.T) {
	ep := closedEndpoint(t)
	ca := newTestCA(t, "kubernetes")
	path := writeKubeconfig(t, kubeconfig.NewWithToken("https://"+ep, "kubernetes", "joiner", ca.pem(), testToken))

	start := time.Now()
	_, err := File(context.Background(), path, 300*time.Millisecond)
	wantErr(t, err, "file discovery gave up after 300ms", ep)
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v, want about the 300ms timeout", d)
	}
}

func TestFileServerNotSignedByItsCA(t *testing.T) {
	real, impostor := newTestCA(t, "kubernetes"), newTestCA(t, "impostor")
	f := newFakeAPI(t, impostor)
	f.clusterInfo = always(t, signedFor(t, f, real))
	path := writeKubeconfig(t, kubeconfig.NewWithToken(f.url(), "kubernetes", "joiner", real.pem(), testToken))

	start := time.Now()
	_, err := File(context.Background(), path, 5*time.Second)
	wantErr(t, err, "certificate the cluster CA does not verify")
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v; a refused certificate should not be retried", d)
	}
}
