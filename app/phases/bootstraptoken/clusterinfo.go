package bootstraptoken

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientset "k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	bootstrapapi "k8s.io/cluster-bootstrap/token/api"

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

// CreateClusterInfo creates cluster-info, or updates the kubeconfig of an
// existing one: the JWS signatures the bootstrap signer added to it stay.
// Each attempt reads the ConfigMap afresh, so that a failed read never
// turns into an overwrite and a conflict with the signer (which writes
// signatures concurrently) is retried on its latest version.
func CreateClusterInfo(ctx context.Context, client clientset.Interface, server string, caPEM []byte) error {
	cm, err := ClusterInfo(server, caPEM)
	if err != nil {
		return err
	}
	cms := client.CoreV1().ConfigMaps(cm.Namespace)
	return apiclient.Retry(ctx, fmt.Sprintf("create or update ConfigMap %s/%s", cm.Namespace, cm.Name), func(ctx context.Context) error {
		existing, err := cms.Get(ctx, cm.Name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			// AlreadyExists (created meanwhile) is retried as an update.
			_, err = cms.Create(ctx, cm, metav1.CreateOptions{})
			return err
		}
		if err != nil {
			return err
		}
		if existing.Data[bootstrapapi.KubeConfigKey] == cm.Data[bootstrapapi.KubeConfigKey] {
			return nil
		}
		if existing.Data == nil {
			existing.Data = map[string]string{}
		}
		existing.Data[bootstrapapi.KubeConfigKey] = cm.Data[bootstrapapi.KubeConfigKey]
		_, err = cms.Update(ctx, existing, metav1.UpdateOptions{})
		return err
	})
}
