// Package tokens creates, lists and deletes bootstrap tokens in a cluster
// (the day-2 `kubeadm token` commands), and builds join commands from a
// kubeconfig's cluster.
package tokens

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientset "k8s.io/client-go/kubernetes"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	bootstrapapi "k8s.io/cluster-bootstrap/token/api"

	"github.com/kubeadm-cleanroom/kubeadm/app/apiclient"
	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/bootstraptoken"
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/showjoin"
)

// Create stores token in the cluster.
func Create(ctx context.Context, c clientset.Interface, t kubeadm.BootstrapToken, now time.Time) error {
	s := bootstraptoken.Secret(&t, now)
	return apiclient.CreateOrUpdate(ctx, c.CoreV1().Secrets(s.Namespace), "Secret", s)
}

// Info is one listed token, in upstream's output shape.
type Info struct {
	Kind        string    `json:"kind"`
	APIVersion  string    `json:"apiVersion"`
	Token       string    `json:"token"`
	Description string    `json:"description,omitempty"`
	Expires     *string   `json:"expires,omitempty"`
	Usages      []string  `json:"usages"`
	Groups      []string  `json:"groups,omitempty"`
	expiresAt   time.Time `json:"-"`
}

// TTL returns the time left, "<forever>" or "<invalid>" as upstream prints.
func (i Info) TTL(now time.Time) string {
	if i.Expires == nil {
		return "<forever>"
	}
	left := i.expiresAt.Sub(now)
	if left <= 0 {
		return "<invalid>"
	}
	return left.Round(time.Minute).String()
}

// List returns the bootstrap tokens of the cluster.
func List(ctx context.Context, c clientset.Interface) ([]Info, error) {
	secrets, err := c.CoreV1().Secrets(metav1.NamespaceSystem).List(ctx, metav1.ListOptions{FieldSelector: "type=" + string(bootstrapapi.SecretTypeBootstrapToken)})
	if err != nil {
		return nil, fmt.Errorf("list bootstrap token Secrets: %w", err)
	}
	var out []Info
	for _, s := range secrets.Items {
		if i, ok := fromSecret(&s); ok {
			out = append(out, i)
		}
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Token < out[b].Token })
	return out, nil
}

func fromSecret(s *corev1.Secret) (Info, bool) {
	id, secret := string(s.Data[bootstrapapi.BootstrapTokenIDKey]), string(s.Data[bootstrapapi.BootstrapTokenSecretKey])
	if id == "" || secret == "" {
		return Info{}, false
	}
	i := Info{Kind: "BootstrapToken", APIVersion: "output.kubeadm.k8s.io/v1alpha3", Token: id + "." + secret,
		Description: string(s.Data[bootstrapapi.BootstrapTokenDescriptionKey])}
	if e := string(s.Data[bootstrapapi.BootstrapTokenExpirationKey]); e != "" {
		i.Expires = &e
		i.expiresAt, _ = time.Parse(time.RFC3339, e)
	}
	for k, v := range s.Data {
		if strings.HasPrefix(k, bootstrapapi.BootstrapTokenUsagePrefix) && string(v) == "true" {
			i.Usages = append(i.Usages, strings.TrimPrefix(k, bootstrapapi.BootstrapTokenUsagePrefix))
		}
	}
	sort.Strings(i.Usages)
	if g := string(s.Data[bootstrapapi.BootstrapTokenExtraGroupsKey]); g != "" {
		i.Groups = strings.Split(g, ",")
	}
	return i, true
}

// Delete removes the token with the given id or "id.secret".
func Delete(ctx context.Context, c clientset.Interface, token string) error {
	id, _, _ := strings.Cut(token, ".")
	if !regexpID(id) {
		return fmt.Errorf("%q is not a token ID ([a-z0-9]{6}) or token", token)
	}
	if err := c.CoreV1().Secrets(metav1.NamespaceSystem).Delete(ctx, bootstrapapi.BootstrapTokenSecretPrefix+id, metav1.DeleteOptions{}); err != nil {
		return fmt.Errorf("delete bootstrap token %s: %w", id, err)
	}
	return nil
}

func regexpID(id string) bool {
	if len(id) != 6 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// JoinCommand builds a join command for token from a kubeconfig's current
// cluster (its server and CA); certificateKey makes it a control-plane one.
func JoinCommand(cfg *clientcmdapi.Config, token, certificateKey string) (showjoin.Command, error) {
	ctx, ok := cfg.Contexts[cfg.CurrentContext]
	if !ok {
		return showjoin.Command{}, fmt.Errorf("the kubeconfig has no current context")
	}
	cluster, ok := cfg.Clusters[ctx.Cluster]
	if !ok {
		return showjoin.Command{}, fmt.Errorf("the kubeconfig has no cluster %q", ctx.Cluster)
	}
	block, _ := pem.Decode(cluster.CertificateAuthorityData)
	if block == nil {
		return showjoin.Command{}, fmt.Errorf("the kubeconfig's cluster has no embedded CA")
	}
	ca, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return showjoin.Command{}, fmt.Errorf("parse the cluster CA: %w", err)
	}
	endpoint := strings.TrimPrefix(cluster.Server, "https://")
	return showjoin.Command{Endpoint: endpoint, Token: token, CAHashes: []string{showjoin.CACertHash(ca)},
		ControlPlane: certificateKey != "", CertificateKey: certificateKey}, nil
}
