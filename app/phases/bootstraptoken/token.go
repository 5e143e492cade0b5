// Package bootstraptoken creates what joining nodes need to find and trust
// the cluster: bootstrap token Secrets, the RBAC that lets token holders post
// CSRs and lets the CSR approver sign and renew node certificates, and the
// kube-public/cluster-info ConfigMap (readable anonymously; the
// controller-manager's bootstrap signer adds a JWS signature per token). It
// is done when these objects exist with this content; a re-run updates them.
package bootstraptoken

import (
	"context"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientset "k8s.io/client-go/kubernetes"
	bootstrapapi "k8s.io/cluster-bootstrap/token/api"

	"github.com/kubeadm-cleanroom/kubeadm/app/apiclient"
	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
)

// Secret returns the kube-system Secret of a bootstrap token. now fixes
// the expiration of a token given with a TTL.
func Secret(t *kubeadm.BootstrapToken, now time.Time) *corev1.Secret {
	data := map[string][]byte{
		bootstrapapi.BootstrapTokenIDKey:     []byte(t.Token.ID),
		bootstrapapi.BootstrapTokenSecretKey: []byte(t.Token.Secret),
	}
	if t.Description != "" {
		data[bootstrapapi.BootstrapTokenDescriptionKey] = []byte(t.Description)
	}
	switch {
	case t.Expires != nil:
		data[bootstrapapi.BootstrapTokenExpirationKey] = []byte(t.Expires.UTC().Format(time.RFC3339))
	case t.TTL != nil && t.TTL.Duration > 0:
		data[bootstrapapi.BootstrapTokenExpirationKey] = []byte(now.Add(t.TTL.Duration).UTC().Format(time.RFC3339))
	}
	for _, u := range t.Usages {
		data[bootstrapapi.BootstrapTokenUsagePrefix+u] = []byte("true")
	}
	if len(t.Groups) > 0 {
		data[bootstrapapi.BootstrapTokenExtraGroupsKey] = []byte(strings.Join(t.Groups, ","))
	}
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: bootstrapapi.BootstrapTokenSecretPrefix + t.Token.ID, Namespace: metav1.NamespaceSystem},
		Type:       bootstrapapi.SecretTypeBootstrapToken,
		Data:       data,
	}
}

// Secrets returns the Secret of every token (see Secret).
func Secrets(tokens []kubeadm.BootstrapToken, now time.Time) []*corev1.Secret {
	out := make([]*corev1.Secret, 0, len(tokens))
	for i := range tokens {
		out = append(out, Secret(&tokens[i], now))
	}
	return out
}

// CreateTokens creates or updates the Secret of every token.
func CreateTokens(ctx context.Context, client clientset.Interface, tokens []kubeadm.BootstrapToken, now time.Time) error {
	for _, s := range Secrets(tokens, now) {
		if err := apiclient.CreateOrUpdate(ctx, client.CoreV1().Secrets(s.Namespace), "Secret", s); err != nil {
			return err
		}
	}
	return nil
}
