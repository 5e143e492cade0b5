package discovery

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	bootstrapapi "k8s.io/cluster-bootstrap/token/api"
	"k8s.io/cluster-bootstrap/token/jws"

	"github.com/kubeadm-cleanroom/kubeadm/app/phases/bootstraptoken"
	"github.com/kubeadm-cleanroom/kubeadm/app/pki"
)

const (
	testTokenID     = "abcdef"
	testTokenSecret = "0123456789abcdef"
	testToken       = testTokenID + "." + testTokenSecret
)

// testCA is a throw-away CA that can sign serving certificates.
type testCA struct {
	cert *x509.Certificate
	key  crypto.Signer
}

func (ca testCA) pem() []byte { return pki.EncodeCertPEM(ca.cert) }

func newTestCA(t *testing.T, cn string) testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	return testCA{cert: createCert(t, tmpl, tmpl, key.Public(), key), key: key}
}

// serving returns a serving certificate for 127.0.0.1 and localhost.
func (ca testCA) serving(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "kube-apiserver"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:     []string{"localhost"},
	}
	cert := createCert(t, tmpl, ca.cert, key.Public(), ca.key)
	return tls.Certificate{Certificate: [][]byte{cert.Raw}, PrivateKey: key, Leaf: cert}
}

func createCert(t *testing.T, tmpl, parent *x509.Certificate, pub crypto.PublicKey, signer crypto.Signer) *x509.Certificate {
	t.Helper()
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

// fakeAPI is a TLS server standing in for the API server. Each GET of
// cluster-info is answered by clusterInfo with its 1-based request number.
type fakeAPI struct {
	srv *httptest.Server

	mu          sync.Mutex
	hits        int
	authHeaders []string
	clusterInfo func(n int, w http.ResponseWriter)
	// extra serves paths other than cluster-info; nil means 404.
	extra http.HandlerFunc
}

// newFakeAPI starts a server whose certificate servingCA signs.
func newFakeAPI(t *testing.T, servingCA testCA) *fakeAPI {
	t.Helper()
	f := &fakeAPI{}
	f.srv = httptest.NewUnstartedServer(http.HandlerFunc(f.serve))
	f.srv.TLS = &tls.Config{Certificates: []tls.Certificate{servingCA.serving(t)}}
	f.srv.Config.ErrorLog = log.New(io.Discard, "", 0) // TLS handshake failures are expected
	f.srv.StartTLS()
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeAPI) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != clusterInfoPath {
		if f.extra != nil {
			f.extra(w, r)
			return
		}
		http.NotFound(w, r)
		return
	}
	f.mu.Lock()
	f.hits++
	n := f.hits
	f.authHeaders = append(f.authHeaders, r.Header.Get("Authorization"))
	handle := f.clusterInfo
	f.mu.Unlock()
	handle(n, w)
}

func (f *fakeAPI) endpoint() string { return f.srv.Listener.Addr().String() }
func (f *fakeAPI) url() string      { return "https://" + f.endpoint() }

func (f *fakeAPI) requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.hits
}

// always answers every request with cm.
func always(t *testing.T, cm *corev1.ConfigMap) func(int, http.ResponseWriter) {
	return func(_ int, w http.ResponseWriter) { writeJSON(t, w, cm) }
}

func writeJSON(t *testing.T, w http.ResponseWriter, cm *corev1.ConfigMap) {
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(cm); err != nil {
		t.Errorf("encode ConfigMap: %v", err)
	}
}

// clusterInfo builds cluster-info as init publishes it, signed for each
// token id in tokens (id -> secret).
func clusterInfo(t *testing.T, server string, caPEM []byte, tokens map[string]string) *corev1.ConfigMap {
	t.Helper()
	cm, err := bootstraptoken.ClusterInfo(server, caPEM)
	if err != nil {
		t.Fatal(err)
	}
	for id, secret := range tokens {
		sig, err := jws.ComputeDetachedSignature(cm.Data[bootstrapapi.KubeConfigKey], id, secret)
		if err != nil {
			t.Fatal(err)
		}
		cm.Data[bootstrapapi.JWSSignatureKeyPrefix+id] = sig
	}
	return cm
}

// signedFor is the usual cluster-info of f: its own URL and ca, signed
// with the test token.
func signedFor(t *testing.T, f *fakeAPI, ca testCA) *corev1.ConfigMap {
	return clusterInfo(t, f.url(), ca.pem(), map[string]string{testTokenID: testTokenSecret})
}

// closedEndpoint returns a loopback host:port nobody listens on.
func closedEndpoint(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

// wantErr fails unless err is a one-line error containing every part.
func wantErr(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want one containing %q", parts)
	}
	msg := err.Error()
	if strings.ContainsAny(msg, "\r\n") {
		t.Errorf("error is not one line: %q", msg)
	}
	for _, p := range parts {
		if !strings.Contains(msg, p) {
			t.Errorf("error %q does not contain %q", msg, p)
		}
	}
}
