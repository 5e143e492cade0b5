package discovery

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
)

// DefaultRetryInterval is how long discovery waits between two attempts to
// read cluster-info when RetryInterval is zero.
const DefaultRetryInterval = time.Second

// TokenOptions says how to discover the cluster with a bootstrap token.
type TokenOptions struct {
	// Endpoint is the host:port of the API server or its load balancer.
	Endpoint string
	// Token is the bootstrap token, "<id>.<secret>".
	Token string
	// CACertHashes pin the cluster CA public key, each "sha256:<hex>" of
	// the CA certificate's SubjectPublicKeyInfo.
	CACertHashes []string
	// UnsafeSkipCAVerification accepts any CA when CACertHashes is empty.
	UnsafeSkipCAVerification bool
	// Timeout bounds the whole discovery; zero means
	// constants.DefaultDiscoveryTimeout.
	Timeout time.Duration
	// RetryInterval is the pause between attempts to read cluster-info;
	// zero means DefaultRetryInterval.
	RetryInterval time.Duration
}

// tokenForm is the shape of a bootstrap token: a 6-character id and a
// 16-character secret, lower-case letters and digits.
var tokenForm = regexp.MustCompile(`^([a-z0-9]{6})\.([a-z0-9]{16})$`)

// Validate checks the options before any network use. All problems are
// reported together on one line; the token secret is never echoed.
func (o TokenOptions) Validate() error {
	var problems []string
	if !tokenForm.MatchString(o.Token) {
		problems = append(problems, "the bootstrap token must have the form [a-z0-9]{6}.[a-z0-9]{16}, as printed by 'kubeadm token create'")
	}
	if err := validateEndpoint(o.Endpoint); err != nil {
		problems = append(problems, err.Error())
	}
	for _, h := range o.CACertHashes {
		if _, err := normalizeHash(h); err != nil {
			problems = append(problems, err.Error())
		}
	}
	if len(o.CACertHashes) == 0 && !o.UnsafeSkipCAVerification {
		problems = append(problems, "token discovery without a CA public key pin cannot authenticate the cluster: pass --discovery-token-ca-cert-hash (printed by 'kubeadm init'), or --discovery-token-unsafe-skip-ca-verification to trust any CA")
	}
	if o.Timeout < 0 {
		problems = append(problems, fmt.Sprintf("the discovery timeout %v must not be negative", o.Timeout))
	}
	if o.RetryInterval < 0 {
		problems = append(problems, fmt.Sprintf("the discovery retry interval %v must not be negative", o.RetryInterval))
	}
	if len(problems) > 0 {
		return errors.New("invalid token discovery options: " + strings.Join(problems, "; "))
	}
	return nil
}

// tokenIDAndSecret splits a well-formed token; both are empty otherwise.
func (o TokenOptions) tokenIDAndSecret() (id, secret string) {
	m := tokenForm.FindStringSubmatch(o.Token)
	if m == nil {
		return "", ""
	}
	return m[1], m[2]
}

// timing returns the timeout and retry interval with defaults applied; the
// interval never exceeds the timeout.
func (o TokenOptions) timing() (timeout, interval time.Duration) {
	timeout, interval = o.Timeout, o.RetryInterval
	if timeout == 0 {
		timeout = constants.DefaultDiscoveryTimeout
	}
	if interval == 0 {
		interval = DefaultRetryInterval
	}
	return timeout, min(interval, timeout)
}

// validateEndpoint requires host:port with a non-empty host and a port
// number in 1-65535 (IPv6 hosts in brackets).
func validateEndpoint(ep string) error {
	host, port, err := net.SplitHostPort(ep)
	if err != nil {
		return fmt.Errorf("the API server endpoint %q must be host:port (IPv6 as [addr]:port): %w", ep, err)
	}
	if host == "" {
		return fmt.Errorf("the API server endpoint %q has no host", ep)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("the API server endpoint %q has no valid port number (1-65535)", ep)
	}
	return nil
}

// normalizeHash checks a "sha256:<hex>" pin and returns its lower-case hex
// digest. The algorithm name is accepted in any case, as upstream does.
func normalizeHash(h string) (string, error) {
	alg, digest, ok := strings.Cut(h, ":")
	if !ok || !strings.EqualFold(alg, "sha256") {
		return "", fmt.Errorf("CA cert hash %q must have the form sha256:<64 hex digits> (the only supported format)", h)
	}
	b, err := hex.DecodeString(digest)
	if err != nil || len(b) != sha256.Size {
		return "", fmt.Errorf("CA cert hash %q must have the form sha256:<64 hex digits>", h)
	}
	return hex.EncodeToString(b), nil
}
