package discovery

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
)

const testHash = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func validOptions() TokenOptions {
	return TokenOptions{Endpoint: "10.0.0.1:6443", Token: testToken, CACertHashes: []string{testHash}}
}

func TestValidateAccepts(t *testing.T) {
	cases := map[string]func(*TokenOptions){
		"pinned":           func(*TokenOptions) {},
		"unsafe skip":      func(o *TokenOptions) { o.CACertHashes, o.UnsafeSkipCAVerification = nil, true },
		"both":             func(o *TokenOptions) { o.UnsafeSkipCAVerification = true },
		"dns endpoint":     func(o *TokenOptions) { o.Endpoint = "cp.example.com:443" },
		"ipv6 endpoint":    func(o *TokenOptions) { o.Endpoint = "[fd00::1]:6443" },
		"upper-case hash":  func(o *TokenOptions) { o.CACertHashes = []string{"SHA256:" + strings.ToUpper(testHash[7:])} },
		"several hashes":   func(o *TokenOptions) { o.CACertHashes = []string{testHash, testHash} },
		"explicit timings": func(o *TokenOptions) { o.Timeout, o.RetryInterval = time.Minute, time.Second },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			o := validOptions()
			mutate(&o)
			if err := o.Validate(); err != nil {
				t.Errorf("Validate: %v", err)
			}
		})
	}
}

func TestValidateRejects(t *testing.T) {
	cases := map[string]struct {
		mutate func(*TokenOptions)
		want   []string
	}{
		"empty token":       {func(o *TokenOptions) { o.Token = "" }, []string{"[a-z0-9]{6}.[a-z0-9]{16}"}},
		"upper-case token":  {func(o *TokenOptions) { o.Token = "ABCDEF.0123456789abcdef" }, []string{"[a-z0-9]{6}.[a-z0-9]{16}"}},
		"short secret":      {func(o *TokenOptions) { o.Token = "abcdef.0123" }, []string{"bootstrap token"}},
		"no dot":            {func(o *TokenOptions) { o.Token = "abcdef0123456789abcdef" }, []string{"bootstrap token"}},
		"no pin, no skip":   {func(o *TokenOptions) { o.CACertHashes = nil }, []string{"--discovery-token-ca-cert-hash", "--discovery-token-unsafe-skip-ca-verification"}},
		"hash without alg":  {func(o *TokenOptions) { o.CACertHashes = []string{testHash[7:]} }, []string{"sha256:<64 hex digits>"}},
		"md5 hash":          {func(o *TokenOptions) { o.CACertHashes = []string{"md5:0123456789abcdef0123456789abcdef"} }, []string{`"md5:`}},
		"short hash":        {func(o *TokenOptions) { o.CACertHashes = []string{"sha256:abcd"} }, []string{`"sha256:abcd"`}},
		"non-hex hash":      {func(o *TokenOptions) { o.CACertHashes = []string{"sha256:" + strings.Repeat("zz", 32)} }, []string{"64 hex digits"}},
		"empty endpoint":    {func(o *TokenOptions) { o.Endpoint = "" }, []string{"host:port"}},
		"endpoint no port":  {func(o *TokenOptions) { o.Endpoint = "10.0.0.1" }, []string{`"10.0.0.1"`, "host:port"}},
		"endpoint no host":  {func(o *TokenOptions) { o.Endpoint = ":6443" }, []string{"has no host"}},
		"endpoint port 0":   {func(o *TokenOptions) { o.Endpoint = "cp:0" }, []string{"valid port"}},
		"endpoint big port": {func(o *TokenOptions) { o.Endpoint = "cp:70000" }, []string{"valid port"}},
		"endpoint URL":      {func(o *TokenOptions) { o.Endpoint = "https://cp:6443" }, []string{"host:port"}},
		"negative timeout":  {func(o *TokenOptions) { o.Timeout = -time.Second }, []string{"timeout -1s"}},
		"negative interval": {func(o *TokenOptions) { o.RetryInterval = -time.Second }, []string{"retry interval -1s"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			o := validOptions()
			tc.mutate(&o)
			err := o.Validate()
			wantErr(t, err, append([]string{"invalid token discovery options: "}, tc.want...)...)
			// Token validates first and so fails the same way, without
			// touching the network.
			_, terr := Token(context.Background(), o)
			if terr == nil || terr.Error() != err.Error() {
				t.Errorf("Token error %v, want the Validate error %v", terr, err)
			}
		})
	}
}

func TestValidateReportsAllProblemsOnOneLine(t *testing.T) {
	err := TokenOptions{Token: "secret.value"}.Validate()
	wantErr(t, err, "bootstrap token", "endpoint", "--discovery-token-ca-cert-hash")
	if strings.Contains(err.Error(), "secret.value") {
		t.Errorf("error echoes the token: %v", err)
	}
}

func TestTiming(t *testing.T) {
	cases := []struct {
		timeout, interval         time.Duration
		wantTimeout, wantInterval time.Duration
	}{
		{0, 0, constants.DefaultDiscoveryTimeout, DefaultRetryInterval},
		{time.Minute, 5 * time.Second, time.Minute, 5 * time.Second},
		{100 * time.Millisecond, 0, 100 * time.Millisecond, 100 * time.Millisecond},
	}
	for _, tc := range cases {
		gotT, gotI := TokenOptions{Timeout: tc.timeout, RetryInterval: tc.interval}.timing()
		if gotT != tc.wantTimeout || gotI != tc.wantInterval {
			t.Errorf("timing(%v, %v) = %v, %v; want %v, %v", tc.timeout, tc.interval, gotT, gotI, tc.wantTimeout, tc.wantInterval)
		}
	}
}

func TestTokenCancelledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	o := validOptions()
	o.Endpoint = closedEndpoint(t)
	o.RetryInterval = time.Hour
	_, err := Token(ctx, o)
	wantErr(t, err, "was cancelled", o.Endpoint)
}
