package discovery

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	bootstrapapi "k8s.io/cluster-bootstrap/token/api"
)

// clusterInfoPath is the API path of the kube-public/cluster-info ConfigMap.
var clusterInfoPath = "/api/v1/namespaces/" + metav1.NamespacePublic + "/configmaps/" + bootstrapapi.ConfigMapClusterInfo

// maxClusterInfoBytes bounds the size of a cluster-info response; the real
// object is a few kilobytes.
const maxClusterInfoBytes = 4 << 20

// errPermanent marks an attempt error that retrying cannot cure.
type errPermanent struct{ err error }

func (e errPermanent) Error() string { return e.err.Error() }
func (e errPermanent) Unwrap() error { return e.err }

// retry runs attempt until it succeeds, returns an errPermanent, or ctx
// ends, pausing interval between attempts. On the end of ctx it returns
// the most telling attempt error: the last one that did not merely report
// the end of ctx itself.
func retry(ctx context.Context, interval time.Duration, attempt func(context.Context) error) error {
	var last error
	for {
		err := attempt(ctx)
		if err == nil {
			return nil
		}
		if p, ok := errors.AsType[errPermanent](err); ok {
			return p.err
		}
		if last == nil || ctx.Err() == nil {
			last = err
		}
		t := time.NewTimer(interval)
		select {
		case <-ctx.Done():
			t.Stop()
			return last
		case <-t.C:
		}
	}
}

// newTransport returns an HTTP transport that trusts roots, or trusts any
// server certificate when roots is nil. Proxies come from the environment
// as for every other client of the API server.
func newTransport(roots *x509.CertPool) *http.Transport {
	tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if roots == nil {
		// The first read of cluster-info cannot authenticate the server;
		// its content is authenticated by the JWS signature instead.
		tlsCfg.InsecureSkipVerify = true
	} else {
		tlsCfg.RootCAs = roots
	}
	return &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:     tlsCfg,
		TLSHandshakeTimeout: 10 * time.Second,
		ForceAttemptHTTP2:   true,
	}
}

// getClusterInfo makes one GET of cluster-info from server (a URL without
// the path) and decodes the ConfigMap. A certificate the client refuses is
// a permanent error; everything else may be transient.
func getClusterInfo(ctx context.Context, client *http.Client, server string) (*corev1.ConfigMap, error) {
	url := strings.TrimRight(server, "/") + clusterInfoPath
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, errPermanent{fmt.Errorf("build request for %s: %w", url, err)}
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		if _, ok := errors.AsType[*tls.CertificateVerificationError](err); ok {
			return nil, errPermanent{fmt.Errorf("the API server at %s presented a certificate the cluster CA does not verify (its serving certificate must be signed by that CA and name the host used): %w", server, err)}
		}
		return nil, fmt.Errorf("cannot read %s/%s from %s (check that the API server is up and reachable there): %w",
			metav1.NamespacePublic, bootstrapapi.ConfigMapClusterInfo, server, err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxClusterInfoBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read the %s ConfigMap response from %s: %w", bootstrapapi.ConfigMapClusterInfo, server, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, &statusError{server: server, code: resp.StatusCode}
	}
	if len(body) > maxClusterInfoBytes {
		return nil, errPermanent{fmt.Errorf("the %s ConfigMap from %s is larger than %d bytes", bootstrapapi.ConfigMapClusterInfo, server, maxClusterInfoBytes)}
	}
	cm := &corev1.ConfigMap{}
	if err := json.Unmarshal(body, cm); err != nil {
		return nil, fmt.Errorf("decode the %s ConfigMap from %s (is this a Kubernetes API server?): %w", bootstrapapi.ConfigMapClusterInfo, server, err)
	}
	return cm, nil
}

// statusError is a non-200 answer to the cluster-info GET.
type statusError struct {
	server string
	code   int
}

func (e *statusError) Error() string {
	hint := "check the endpoint and the API server"
	switch e.code {
	case http.StatusNotFound:
		hint = "the cluster has not published it (yet); check that 'kubeadm init' completed"
	case http.StatusUnauthorized:
		hint = "the API server refused the request as unauthenticated; anonymous access must be enabled, or the credentials are wrong"
	case http.StatusForbidden:
		hint = "reading it is not allowed; 'kubeadm init' grants anonymous reads of it with an RBAC rule, check that it is there"
	}
	return fmt.Sprintf("reading %s/%s from %s returned HTTP %d %s: %s",
		metav1.NamespacePublic, bootstrapapi.ConfigMapClusterInfo, e.server, e.code, http.StatusText(e.code), hint)
}
