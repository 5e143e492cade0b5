// Package tokens creates, lists and deletes bootstrap tokens in a cluster
// (the day-2 `kubeadm token` commands), and builds join commands from a
// kubeconfig's cluster.
package tokens

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"regexp"
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

// Sign adds the signature of a created token to cluster-info when the
// token signs (see bootstraptoken.SignClusterInfo), so that a join can use
// it at once rather than after the bootstrap signer's next pass.
func Sign(ctx context.Context, c clientset.Interface, t kubeadm.BootstrapToken, now time.Time) error {
	if err := bootstraptoken.SignClusterInfo(ctx, c, []*corev1.Secret{bootstraptoken.Secret(&t, now)}, now); err != nil {
		return fmt.Errorf("sign ConfigMap kube-public/cluster-info for token %q: %w", t.Token.ID, err)
	}
	return nil
}

// OutputAPIVersion and OutputKind name the objects `token list -o json|yaml`
// prints, as upstream does.
const (
	OutputAPIVersion = "output.kubeadm.k8s.io/v1alpha3"
	OutputKind       = "BootstrapToken"
)

// Info is one listed token in upstream's output shape
// (output.kubeadm.k8s.io/v1alpha3 BootstrapToken).
type Info struct {
	Kind        string       `json:"kind"`
	APIVersion  string       `json:"apiVersion"`
	Token       string       `json:"token"`
	Description string       `json:"description,omitempty"`
	Expires     *metav1.Time `json:"expires,omitempty"`
	Usages      []string     `json:"usages,omitempty"`
	Groups      []string     `json:"groups,omitempty"`
}

// List returns the bootstrap tokens of the cluster, sorted by token, and a
// note for each bootstrap token Secret it could not read.
func List(ctx context.Context, c clientset.Interface) ([]Info, []string, error) {
	secrets, err := c.CoreV1().Secrets(metav1.NamespaceSystem).List(ctx, metav1.ListOptions{FieldSelector: "type=" + string(bootstrapapi.SecretTypeBootstrapToken)})
	if err != nil {
		return nil, nil, fmt.Errorf("list bootstrap token Secrets: %w", err)
	}
	var out []Info
	var skipped []string
	for i := range secrets.Items {
		s := &secrets.Items[i]
		if s.Type != bootstrapapi.SecretTypeBootstrapToken {
			continue // the field selector is not applied by every client
		}
		info, err := fromSecret(s)
		if err != nil {
			skipped = append(skipped, fmt.Sprintf("Secret %s/%s: %v", s.Namespace, s.Name, err))
			continue
		}
		out = append(out, info)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Token < out[b].Token })
	return out, skipped, nil
}

func fromSecret(s *corev1.Secret) (Info, error) {
	id, secret := string(s.Data[bootstrapapi.BootstrapTokenIDKey]), string(s.Data[bootstrapapi.BootstrapTokenSecretKey])
	if _, err := kubeadm.ParseBootstrapToken(id + "." + secret); err != nil {
		return Info{}, fmt.Errorf("no valid token-id and token-secret: %w", err)
	}
	if s.Name != bootstrapapi.BootstrapTokenSecretPrefix+id {
		return Info{}, fmt.Errorf("the name must be %s%s", bootstrapapi.BootstrapTokenSecretPrefix, id)
	}
	i := Info{Kind: OutputKind, APIVersion: OutputAPIVersion, Token: id + "." + secret,
		Description: string(s.Data[bootstrapapi.BootstrapTokenDescriptionKey])}
	if e := string(s.Data[bootstrapapi.BootstrapTokenExpirationKey]); e != "" {
		t, err := time.Parse(time.RFC3339, e)
		if err != nil {
			return Info{}, fmt.Errorf("expiration %q is not an RFC 3339 time", e)
		}
		i.Expires = &metav1.Time{Time: t}
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
	return i, nil
}

// TokenID returns the ID of a token ID or a full token, or an error naming
// both accepted forms.
func TokenID(idOrToken string) (string, error) {
	if tokenIDPattern.MatchString(idOrToken) {
		return idOrToken, nil
	}
	if t, err := kubeadm.ParseBootstrapToken(idOrToken); err == nil {
		return t.ID, nil
	}
	return "", fmt.Errorf("%q is neither a token ID ([a-z0-9]{6}) nor a token ([a-z0-9]{6}.[a-z0-9]{16})", idOrToken)
}

var tokenIDPattern = regexp.MustCompile(`^[a-z0-9]{6}$`)

// Delete removes the token with the given ID or "id.secret".
func Delete(ctx context.Context, c clientset.Interface, token string) error {
	id, err := TokenID(token)
	if err != nil {
		return err
	}
	if err := c.CoreV1().Secrets(metav1.NamespaceSystem).Delete(ctx, bootstrapapi.BootstrapTokenSecretPrefix+id, metav1.DeleteOptions{}); err != nil {
		return fmt.Errorf("delete bootstrap token %s: %w", id, err)
	}
	return nil
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
