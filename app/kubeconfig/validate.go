package kubeconfig

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// Sentinel errors of CheckFile, for errors.Is.
var (
	// ErrUntrustedCA: the file's cluster CA is not the expected CA. Upstream
	// refuses such a file.
	ErrUntrustedCA = errors.New("cluster CA differs from the expected CA")
	// ErrServerMismatch: the file points at another API server URL.
	// Upstream only warns about it.
	ErrServerMismatch = errors.New("unexpected API server URL")
	// ErrClientCert: the client certificate is missing, expired, for
	// another identity, not signed by the CA or not matching its key.
	// Upstream does not look at client certificates at all.
	ErrClientCert = errors.New("client certificate is not usable")
)

// Expectation is what an existing kubeconfig file is checked against.
type Expectation struct {
	// CACerts are the cluster CA and any intermediates; the first CA
	// certificate of the file must be one of them. Required.
	CACerts []*x509.Certificate
	// Servers are the acceptable API server URLs; empty skips the check.
	Servers []string
	// CommonName and Organizations are the expected client identity;
	// an empty CommonName skips every client certificate check.
	CommonName    string
	Organizations []string
	// Now is the time client certificate validity is judged at; zero
	// means time.Now().
	Now time.Time
}

// CheckFile loads the kubeconfig at path and compares it with want.
//
// err is set when the file cannot be used at all: it is missing (err
// wraps fs.ErrNotExist), unreadable, has no current context or cluster,
// or its CA is not the expected one (ErrUntrustedCA). Otherwise problems
// that upstream kubeadm tolerates are returned as warnings, each wrapping
// ErrServerMismatch or ErrClientCert.
func CheckFile(path string, want Expectation) (warnings []error, err error) {
	cfg, err := LoadFile(path)
	if err != nil {
		return nil, err
	}
	if len(want.CACerts) == 0 {
		return nil, fmt.Errorf("check kubeconfig %q: no expected CA given", path)
	}
	_, cluster, err := CurrentCluster(cfg)
	if err != nil {
		return nil, fmt.Errorf("kubeconfig file %q: %w", path, err)
	}
	have, err := CACertificates(cfg)
	if err != nil {
		return nil, fmt.Errorf("kubeconfig file %q: invalid CA: %w", path, err)
	}
	if !slices.ContainsFunc(want.CACerts, have[0].Equal) {
		return nil, fmt.Errorf("kubeconfig file %q: %w: file has %q (%d certificate(s)), want %q",
			path, ErrUntrustedCA, have[0].Subject.String(), len(have), want.CACerts[0].Subject.String())
	}
	if len(want.Servers) > 0 && !slices.Contains(want.Servers, cluster.Server) {
		warnings = append(warnings, fmt.Errorf("kubeconfig file %q: %w: %q, want %s",
			path, ErrServerMismatch, cluster.Server, quoteList(want.Servers)))
	}
	if want.CommonName != "" {
		if w := checkClientCert(cfg, want); w != "" {
			warnings = append(warnings, fmt.Errorf("kubeconfig file %q: %w: %s", path, ErrClientCert, w))
		}
	}
	return warnings, nil
}

// checkClientCert describes the first problem of the current user's
// client certificate, or returns "".
func checkClientCert(cfg *clientcmdapi.Config, want Expectation) string {
	certPEM, keyPEM, err := ClientCertAndKeyPEM(cfg)
	if err != nil {
		return err.Error()
	}
	cert, err := ClientCertificate(cfg)
	if err != nil {
		return err.Error()
	}
	if cert.Subject.CommonName != want.CommonName {
		return fmt.Sprintf("common name %q, want %q", cert.Subject.CommonName, want.CommonName)
	}
	if !sameSet(cert.Subject.Organization, want.Organizations) {
		return fmt.Sprintf("organizations [%s], want [%s]",
			strings.Join(cert.Subject.Organization, ","), strings.Join(want.Organizations, ","))
	}
	now := want.Now
	if now.IsZero() {
		now = time.Now()
	}
	if now.After(cert.NotAfter) {
		return fmt.Sprintf("expired at %s", cert.NotAfter.UTC().Format(time.RFC3339))
	}
	if now.Before(cert.NotBefore) {
		return fmt.Sprintf("not valid before %s", cert.NotBefore.UTC().Format(time.RFC3339))
	}
	signed := slices.ContainsFunc(want.CACerts, func(ca *x509.Certificate) bool {
		return cert.CheckSignatureFrom(ca) == nil
	})
	if !signed {
		return "not signed by the expected CA"
	}
	if len(keyPEM) > 0 {
		if _, err := tls.X509KeyPair(certPEM, keyPEM); err != nil {
			return fmt.Sprintf("certificate and key do not match: %v", err)
		}
	}
	return ""
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}

// quoteList renders ["a", "b"] as `"a" or "b"`.
func quoteList(items []string) string {
	quoted := make([]string, len(items))
	for i, s := range items {
		quoted[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(quoted, " or ")
}
