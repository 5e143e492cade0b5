package bootstraptoken

import (
	"context"
	"fmt"
	"maps"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientset "k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	bootstrapapi "k8s.io/cluster-bootstrap/token/api"
	"k8s.io/cluster-bootstrap/token/jws"
	bootstrapsecret "k8s.io/cluster-bootstrap/util/secrets"

	"github.com/kubeadm-cleanroom/kubeadm/app/apiclient"
)

// ClusterInfo returns kube-public/cluster-info: a kubeconfig with the
// cluster's server and CA only.
func ClusterInfo(server string, caPEM []byte) (*corev1.ConfigMap, error) {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters[""] = &clientcmdapi.Cluster{Server: server, CertificateAuthorityData: caPEM}
	b, err := clientcmd.Write(*cfg)
	if err != nil {
		return nil, fmt.Errorf("encode cluster-info kubeconfig: %w", err)
	}
	return &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: bootstrapapi.ConfigMapClusterInfo, Namespace: metav1.NamespacePublic},
		Data:       map[string]string{bootstrapapi.KubeConfigKey: string(b)},
	}, nil
}

// Signatures returns the detached JWS of content for each token Secret
// that kube-controller-manager's bootstrap signer would sign: a bootstrap
// token Secret whose name matches its token ID, with a secret, the signing
// usage, and not expired at now. The values are the signer's own (the same
// library, and HS256 is deterministic), keyed as in cluster-info, so the
// signer finds them current and leaves them alone.
func Signatures(content string, tokens []*corev1.Secret, now time.Time) (map[string]string, error) {
	sigs := map[string]string{}
	for _, s := range tokens {
		nameID, ok := bootstrapsecret.ParseName(s.Name)
		id := bootstrapsecret.GetData(s, bootstrapapi.BootstrapTokenIDKey)
		secret := bootstrapsecret.GetData(s, bootstrapapi.BootstrapTokenSecretKey)
		if !ok || id == "" || id != nameID || secret == "" || bootstrapsecret.HasExpired(s, now) ||
			bootstrapsecret.GetData(s, bootstrapapi.BootstrapTokenUsageSigningKey) != "true" {
			continue
		}
		sig, err := jws.ComputeDetachedSignature(content, id, secret)
		if err != nil {
			return nil, fmt.Errorf("sign %s for bootstrap token %q: %w", bootstrapapi.ConfigMapClusterInfo, id, err)
		}
		sigs[bootstrapapi.JWSSignatureKeyPrefix+id] = sig
	}
	return sigs, nil
}

// CreateClusterInfo creates cluster-info, or updates the kubeconfig of an
// existing one, signed for tokens (see Signatures). A joining node then
// finds its token's signature at once instead of waiting for the bootstrap
// signer, which starts only once kube-controller-manager is elected. The
// signatures of other tokens, which the signer keeps, stay. Each attempt
// reads the ConfigMap afresh, so that a failed read never turns into an
// overwrite and a conflict with the signer (which writes signatures
// concurrently) is retried on its latest version.
func CreateClusterInfo(ctx context.Context, client clientset.Interface, server string, caPEM []byte, tokens []*corev1.Secret, now time.Time) error {
	cm, err := ClusterInfo(server, caPEM)
	if err != nil {
		return err
	}
	return writeClusterInfo(ctx, client, cm.Data[bootstrapapi.KubeConfigKey], tokens, now)
}

// SignClusterInfo adds the signatures of tokens (see Signatures) to the
// cluster's cluster-info, as `kubeadm token create` does for a new token so
// that it can be used for discovery at once. Without a cluster-info, or
// without a kubeconfig in it, there is nothing to sign and it does nothing.
func SignClusterInfo(ctx context.Context, client clientset.Interface, tokens []*corev1.Secret, now time.Time) error {
	return writeClusterInfo(ctx, client, "", tokens, now)
}

// writeClusterInfo makes cluster-info hold kubeconfig (kept as it is when
// empty) and the current signatures of tokens, writing only what differs.
// Without a kubeconfig there is nothing to sign, and nothing is created.
func writeClusterInfo(ctx context.Context, client clientset.Interface, kubeconfig string, tokens []*corev1.Secret, now time.Time) error {
	cms := client.CoreV1().ConfigMaps(metav1.NamespacePublic)
	name := bootstrapapi.ConfigMapClusterInfo
	return apiclient.Retry(ctx, fmt.Sprintf("write ConfigMap %s/%s", metav1.NamespacePublic, name), func(ctx context.Context) error {
		existing, err := cms.Get(ctx, name, metav1.GetOptions{})
		missing := apierrors.IsNotFound(err)
		if missing {
			existing = &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: metav1.NamespacePublic}}
		} else if err != nil {
			return err
		}
		want := existing.DeepCopy()
		if want.Data == nil {
			want.Data = map[string]string{}
		}
		if kubeconfig != "" {
			want.Data[bootstrapapi.KubeConfigKey] = kubeconfig
		}
		content := want.Data[bootstrapapi.KubeConfigKey]
		if content == "" {
			return nil
		}
		sigs, err := Signatures(content, tokens, now)
		if err != nil {
			return err
		}
		maps.Copy(want.Data, sigs)
		switch {
		case missing:
			// AlreadyExists (created meanwhile) is retried as an update.
			_, err = cms.Create(ctx, want, metav1.CreateOptions{})
		case !maps.Equal(want.Data, existing.Data):
			_, err = cms.Update(ctx, want, metav1.UpdateOptions{})
		}
		return err
	})
}
