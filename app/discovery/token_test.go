package discovery

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	bootstrapapi "k8s.io/cluster-bootstrap/token/api"
	"k8s.io/cluster-bootstrap/token/jws"

	"github.com/kubeadm-cleanroom/kubeadm/app/phases/showjoin"
)

// opts returns options for f with a short timeout and the pin of ca.
func opts(f *fakeAPI, ca testCA) TokenOptions {
	return TokenOptions{
		Endpoint:      f.endpoint(),
		Token:         testToken,
		CACertHashes:  []string{showjoin.CACertHash(ca.cert)},
		Timeout:       3 * time.Second,
		RetryInterval: 20 * time.Millisecond,
	}
}

func TestTokenWithPin(t *testing.T) {
	ca := newTestCA(t, "kubernetes")
	f := newFakeAPI(t, ca)
	f.clusterInfo = always(t, signedFor(t, f, ca))

	cfg, err := Token(context.Background(), opts(f, ca))
	if err != nil {
		t.Fatalf("Token: %v", err)
	}
	c := cfg.Clusters[""]
	if c == nil || c.Server != f.url() || !bytes.Equal(c.CertificateAuthorityData, ca.pem()) {
		t.Fatalf("got cluster %+v, want server %s and the test CA", c, f.url())
	}
	if len(cfg.AuthInfos) != 0 {
		t.Errorf("got users %v, want none", cfg.AuthInfos)
	}
	if n := f.requests(); n != 2 {
		t.Errorf("cluster-info read %d times, want 2 (insecure, then pinned)", n)
	}
	for i, h := range f.authHeaders {
		if h != "" {
			t.Errorf("request %d sent Authorization %q, want anonymous", i+1, h)
		}
	}
}

func TestTokenKeepsServerFromClusterInfo(t *testing.T) {
	// The endpoint given may be a load balancer; like upstream, the server
	// URL published in cluster-info is the one returned.
	ca := newTestCA(t, "kubernetes")
	f := newFakeAPI(t, ca)
	const published = "https://cp.example:6443"
	f.clusterInfo = always(t, clusterInfo(t, published, ca.pem(), map[string]string{testTokenID: testTokenSecret}))

	cfg, err := Token(context.Background(), opts(f, ca))
	if err != nil {
		t.Fatalf("Token: %v", err)
	}
	if got := cfg.Clusters[""].Server; got != published {
		t.Errorf("server = %q, want %q", got, published)
	}
}

func TestTokenUnsafeSkipCAVerification(t *testing.T) {
	ca := newTestCA(t, "kubernetes")
	f := newFakeAPI(t, ca)
	f.clusterInfo = always(t, signedFor(t, f, ca))
	o := opts(f, ca)
	o.CACertHashes, o.UnsafeSkipCAVerification = nil, true

	cfg, err := Token(context.Background(), o)
	if err != nil {
		t.Fatalf("Token: %v", err)
	}
	if !bytes.Equal(cfg.Clusters[""].CertificateAuthorityData, ca.pem()) {
		t.Error("CA of the result is not the published one")
	}
	if n := f.requests(); n != 1 {
		t.Errorf("cluster-info read %d times, want 1 (no pinned re-read without pins)", n)
	}
}

func TestTokenPinsWinOverUnsafeSkip(t *testing.T) {
	ca, other := newTestCA(t, "kubernetes"), newTestCA(t, "other")
	f := newFakeAPI(t, ca)
	f.clusterInfo = always(t, signedFor(t, f, ca))
	o := opts(f, other)
	o.UnsafeSkipCAVerification = true

	_, err := Token(context.Background(), o)
	wantErr(t, err, "matches none of the pins")
}

func TestTokenWrongSecret(t *testing.T) {
	ca := newTestCA(t, "kubernetes")
	f := newFakeAPI(t, ca)
	f.clusterInfo = always(t, signedFor(t, f, ca))
	o := opts(f, ca)
	o.Token = testTokenID + ".ffffffffffffffff"

	_, err := Token(context.Background(), o)
	wantErr(t, err, "the token does not verify the cluster-info signature")
	if strings.Contains(err.Error(), "ffffffffffffffff") {
		t.Errorf("error leaks the token secret: %v", err)
	}
	if n := f.requests(); n != 1 {
		t.Errorf("cluster-info read %d times, want 1 (a bad signature is not retried)", n)
	}
}

func TestTokenUnknownTokenID(t *testing.T) {
	ca := newTestCA(t, "kubernetes")
	f := newFakeAPI(t, ca)
	f.clusterInfo = always(t, clusterInfo(t, f.url(), ca.pem(), map[string]string{"zzzzzz": testTokenSecret}))
	o := opts(f, ca)
	o.Timeout = 300 * time.Millisecond

	start := time.Now()
	_, err := Token(context.Background(), o)
	wantErr(t, err, `no JWS signature for token ID "abcdef" in cluster-info`, "kubeadm token create", "gave up after 300ms", f.endpoint())
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v, want about the 300ms timeout", d)
	}
	if n := f.requests(); n < 2 {
		t.Errorf("cluster-info read %d times, want retries until the timeout", n)
	}
}

func TestTokenWaitsForSignatureAndServer(t *testing.T) {
	// cluster-info is missing at first, then unsigned (the signer has not
	// caught up yet), then signed: discovery keeps trying.
	ca := newTestCA(t, "kubernetes")
	f := newFakeAPI(t, ca)
	signed := signedFor(t, f, ca)
	unsigned := clusterInfo(t, f.url(), ca.pem(), nil)
	f.clusterInfo = func(n int, w http.ResponseWriter) {
		switch {
		case n == 1:
			http.Error(w, "not found", http.StatusNotFound)
		case n <= 3:
			writeJSON(t, w, unsigned)
		default:
			writeJSON(t, w, signed)
		}
	}
	if _, err := Token(context.Background(), opts(f, ca)); err != nil {
		t.Fatalf("Token: %v", err)
	}
	if n := f.requests(); n != 5 {
		t.Errorf("cluster-info read %d times, want 5", n)
	}
}

func TestTokenCAHashMismatch(t *testing.T) {
	ca, other := newTestCA(t, "kubernetes"), newTestCA(t, "other")
	f := newFakeAPI(t, ca)
	f.clusterInfo = always(t, signedFor(t, f, ca))
	o := opts(f, other)

	_, err := Token(context.Background(), o)
	wantErr(t, err, showjoin.CACertHash(ca.cert), showjoin.CACertHash(other.cert), "--discovery-token-ca-cert-hash")
	if n := f.requests(); n != 1 {
		t.Errorf("cluster-info read %d times, want 1", n)
	}
}

func TestTokenPinMatchesAnyCAInBundleAndHashCase(t *testing.T) {
	ca, other := newTestCA(t, "kubernetes"), newTestCA(t, "other")
	f := newFakeAPI(t, ca)
	bundle := append(other.pem(), ca.pem()...)
	f.clusterInfo = always(t, clusterInfo(t, f.url(), bundle, map[string]string{testTokenID: testTokenSecret}))
	o := opts(f, ca)
	o.CACertHashes = []string{"SHA256:" + strings.ToUpper(strings.TrimPrefix(o.CACertHashes[0], "sha256:"))}

	if _, err := Token(context.Background(), o); err != nil {
		t.Fatalf("Token: %v", err)
	}
}

func TestTokenEndpointUnreachable(t *testing.T) {
	ep := closedEndpoint(t)
	o := TokenOptions{Endpoint: ep, Token: testToken, UnsafeSkipCAVerification: true,
		Timeout: 400 * time.Millisecond, RetryInterval: 50 * time.Millisecond}

	start := time.Now()
	_, err := Token(context.Background(), o)
	wantErr(t, err, ep, "gave up after 400ms", "check that the API server is up and reachable")
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v, want about the 400ms timeout", d)
	}
}

func TestTokenServerHangsWithinTimeout(t *testing.T) {
	ca := newTestCA(t, "kubernetes")
	f := newFakeAPI(t, ca)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	f.clusterInfo = func(int, http.ResponseWriter) { <-release }
	o := opts(f, ca)
	o.Timeout = 300 * time.Millisecond

	start := time.Now()
	_, err := Token(context.Background(), o)
	wantErr(t, err, "gave up after 300ms", f.endpoint())
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v, want about the 300ms timeout", d)
	}
}

func TestTokenContentChangesBetweenReads(t *testing.T) {
	ca := newTestCA(t, "kubernetes")
	f := newFakeAPI(t, ca)
	first := signedFor(t, f, ca)
	second := clusterInfo(t, "https://elsewhere.example:6443", ca.pem(), map[string]string{testTokenID: testTokenSecret})
	f.clusterInfo = func(n int, w http.ResponseWriter) {
		if n == 1 {
			writeJSON(t, w, first)
			return
		}
		writeJSON(t, w, second)
	}
	_, err := Token(context.Background(), opts(f, ca))
	wantErr(t, err, "differs from the one read first")
}

func TestTokenServerNotSignedByPinnedCA(t *testing.T) {
	// A server that relays the real, signed cluster-info (with the real,
	// pinned CA) but cannot present a certificate of that CA fails the
	// second, verified read at once.
	real, impostor := newTestCA(t, "kubernetes"), newTestCA(t, "impostor")
	f := newFakeAPI(t, impostor)
	f.clusterInfo = always(t, signedFor(t, f, real))
	o := opts(f, real)
	o.Timeout = 5 * time.Second

	start := time.Now()
	_, err := Token(context.Background(), o)
	wantErr(t, err, "certificate the cluster CA does not verify", f.endpoint())
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v; a certificate the pinned CA rejects should not be retried", d)
	}
}

func TestTokenBadClusterInfo(t *testing.T) {
	ca := newTestCA(t, "kubernetes")
	cases := map[string]struct {
		data map[string]string
		want string
	}{
		"no kubeconfig": {
			data: map[string]string{bootstrapapi.JWSSignatureKeyPrefix + testTokenID: "x..y"},
			want: `has no "kubeconfig" key`,
		},
		"kubeconfig without CA": {
			data: signedData(t, "apiVersion: v1\nkind: Config\nclusters:\n- name: \"\"\n  cluster:\n    server: https://x:6443\n"),
			want: "embeds no CA certificate",
		},
		"garbage kubeconfig": {
			data: signedData(t, "{not yaml"),
			want: "cannot parse the kubeconfig in the cluster-info ConfigMap",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			f := newFakeAPI(t, ca)
			cm := signedFor(t, f, ca)
			cm.Data = tc.data
			f.clusterInfo = always(t, cm)
			_, err := Token(context.Background(), opts(f, ca))
			wantErr(t, err, tc.want)
		})
	}
}

// signedData is cluster-info data holding kubeconfig signed with the test
// token.
func signedData(t *testing.T, kubeconfig string) map[string]string {
	t.Helper()
	sig, err := jws.ComputeDetachedSignature(kubeconfig, testTokenID, testTokenSecret)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{
		bootstrapapi.KubeConfigKey:                       kubeconfig,
		bootstrapapi.JWSSignatureKeyPrefix + testTokenID: sig,
	}
}
