package bootstraptoken

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
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

// CreateClusterInfo creates cluster-info unless it exists: the JWS
// signatures the bootstrap signer added to an existing one stay.
func CreateClusterInfo(ctx context.Context, client clientset.Interface, server string, caPEM []byte) error {
	cm, err := ClusterInfo(server, caPEM)
	if err != nil {
		return err
	}
	existing, err := client.CoreV1().ConfigMaps(cm.Namespace).Get(ctx, cm.Name, metav1.GetOptions{})
	if err == nil {
		if existing.Data[bootstrapapi.KubeConfigKey] == cm.Data[bootstrapapi.KubeConfigKey] {
			return nil
		}
		existing.Data[bootstrapapi.KubeConfigKey] = cm.Data[bootstrapapi.KubeConfigKey]
		return apiclient.CreateOrUpdate(ctx, client.CoreV1().ConfigMaps(cm.Namespace), "ConfigMap", existing)
	}
	return apiclient.CreateOrUpdate(ctx, client.CoreV1().ConfigMaps(cm.Namespace), "ConfigMap", cm)
}
