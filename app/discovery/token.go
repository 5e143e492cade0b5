package discovery

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	bootstrapapi "k8s.io/cluster-bootstrap/token/api"
	"k8s.io/cluster-bootstrap/token/jws"

	"github.com/kubeadm-cleanroom/kubeadm/app/kubeconfig"
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/showjoin"
	"github.com/kubeadm-cleanroom/kubeadm/app/pki"
)

// Token returns the cluster's kubeconfig (server and CA, no user) as
// published in kube-public/cluster-info, once authenticated:
//
//  1. cluster-info is read over TLS without verifying the server, retrying
//     until it is there and carries a signature for the token's id;
//  2. the detached JWS signature of its kubeconfig must verify with the
//     token, which proves the publisher knows the token secret;
//  3. the CA in that kubeconfig must match one of the pins, unless there
//     are none and UnsafeSkipCAVerification is set (then discovery ends
//     here);
//  4. cluster-info is read again over TLS verified with that CA and must
//     carry exactly the same kubeconfig.
//
// The server URL is the one in cluster-info, not o.Endpoint. Everything
// happens within o.Timeout (and ctx).
func Token(ctx context.Context, o TokenOptions) (*clientcmdapi.Config, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	timeout, interval := o.timing()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	server := "https://" + o.Endpoint
	id, secret := o.tokenIDAndSecret()

	insecure := &http.Client{Transport: newTransport(nil)}
	defer insecure.CloseIdleConnections()
	cm, err := getSignedClusterInfo(ctx, insecure, server, id, interval)
	if err != nil {
		return nil, giveUp(ctx, o.Endpoint, timeout, err)
	}
	content, err := verifySignature(cm, id, secret)
	if err != nil {
		return nil, err
	}
	cfg, cas, err := parseClusterInfo(content)
	if err != nil {
		return nil, err
	}
	if len(o.CACertHashes) == 0 {
		// Only reachable with UnsafeSkipCAVerification (see Validate).
		return cfg, nil
	}
	if err := checkPins(cas, o.CACertHashes); err != nil {
		return nil, err
	}

	pool := x509.NewCertPool()
	for _, ca := range cas {
		pool.AddCert(ca)
	}
	secure := &http.Client{Transport: newTransport(pool)}
	defer secure.CloseIdleConnections()
	cm, err = getSignedClusterInfo(ctx, secure, server, id, interval)
	if err != nil {
		return nil, giveUp(ctx, o.Endpoint, timeout, err)
	}
	if cm.Data[bootstrapapi.KubeConfigKey] != content {
		return nil, fmt.Errorf("the %s kubeconfig read from %s over TLS verified with the pinned CA differs from the one read first: it changed in between or the connection is being tampered with; retry the join",
			bootstrapapi.ConfigMapClusterInfo, o.Endpoint)
	}
	return cfg, nil
}

// getSignedClusterInfo reads cluster-info until it carries a signature for
// token id: the bootstrap signer adds it shortly after the token appears.
func getSignedClusterInfo(ctx context.Context, client *http.Client, server, id string, interval time.Duration) (*corev1.ConfigMap, error) {
	var cm *corev1.ConfigMap
	err := retry(ctx, interval, func(ctx context.Context) error {
		got, err := getClusterInfo(ctx, client, server)
		if err != nil {
			return err
		}
		if got.Data[bootstrapapi.JWSSignatureKeyPrefix+id] == "" {
			return fmt.Errorf("no JWS signature for token ID %q in %s: the token is wrong or has expired, create one with 'kubeadm token create'",
				id, bootstrapapi.ConfigMapClusterInfo)
		}
		cm = got
		return nil
	})
	return cm, err
}

// giveUp words the error of a failed read of cluster-info: when the
// deadline passed, it says so and keeps the last attempt's cause.
func giveUp(ctx context.Context, endpoint string, timeout time.Duration, err error) error {
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return fmt.Errorf("token discovery from %s gave up after %v: %w", endpoint, timeout, err)
	case ctx.Err() != nil:
		return fmt.Errorf("token discovery from %s was cancelled: %w", endpoint, err)
	}
	return fmt.Errorf("token discovery from %s: %w", endpoint, err)
}

// verifySignature returns the kubeconfig of cm once its detached JWS for
// token id verifies with secret.
func verifySignature(cm *corev1.ConfigMap, id, secret string) (string, error) {
	content := cm.Data[bootstrapapi.KubeConfigKey]
	if content == "" {
		return "", fmt.Errorf("the %s ConfigMap has no %q key: this API server is not set up for token discovery; use file discovery or re-run the bootstrap-token phase of 'kubeadm init'",
			bootstrapapi.ConfigMapClusterInfo, bootstrapapi.KubeConfigKey)
	}
	sig := cm.Data[bootstrapapi.JWSSignatureKeyPrefix+id]
	if !jws.DetachedTokenIsValid(sig, content, id, secret) {
		return "", fmt.Errorf("the token does not verify the %s signature: check the token, or the endpoint is not the cluster the token was made for",
			bootstrapapi.ConfigMapClusterInfo)
	}
	return content, nil
}

// parseClusterInfo decodes the cluster-info kubeconfig and returns it with
// the CA certificates of its cluster, which must be there.
func parseClusterInfo(content string) (*clientcmdapi.Config, []*x509.Certificate, error) {
	cfg, err := clientcmd.Load([]byte(content))
	if err != nil {
		return nil, nil, fmt.Errorf("cannot parse the kubeconfig in the %s ConfigMap: %w", bootstrapapi.ConfigMapClusterInfo, err)
	}
	_, cluster, err := kubeconfig.CurrentCluster(cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("malformed kubeconfig in the %s ConfigMap: %w", bootstrapapi.ConfigMapClusterInfo, err)
	}
	if cluster.Server == "" {
		return nil, nil, fmt.Errorf("malformed kubeconfig in the %s ConfigMap: its cluster has no server URL", bootstrapapi.ConfigMapClusterInfo)
	}
	if len(cluster.CertificateAuthorityData) == 0 {
		return nil, nil, fmt.Errorf("the kubeconfig in the %s ConfigMap embeds no CA certificate: re-run the bootstrap-token phase of 'kubeadm init'", bootstrapapi.ConfigMapClusterInfo)
	}
	cas, err := pki.ParseCertsPEM(cluster.CertificateAuthorityData)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot parse the CA certificate in the %s ConfigMap: %w", bootstrapapi.ConfigMapClusterInfo, err)
	}
	return cfg, cas, nil
}

// checkPins succeeds when the public key of one of cas has one of the
// pinned hashes (already validated).
func checkPins(cas []*x509.Certificate, pins []string) error {
	allowed := map[string]bool{}
	for _, p := range pins {
		digest, err := normalizeHash(p)
		if err != nil {
			return err
		}
		allowed[digest] = true
	}
	found := make([]string, 0, len(cas))
	for _, ca := range cas {
		h := showjoin.CACertHash(ca)
		if allowed[strings.TrimPrefix(h, "sha256:")] {
			return nil
		}
		found = append(found, h)
	}
	return fmt.Errorf("the cluster CA in %s has public key hash %s, which matches none of the pins given with --discovery-token-ca-cert-hash (%s): check the hash printed by 'kubeadm init', or the endpoint is not the cluster you meant",
		bootstrapapi.ConfigMapClusterInfo, strings.Join(found, ", "), strings.Join(pins, ", "))
}
