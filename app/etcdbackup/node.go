package etcdbackup

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientset "k8s.io/client-go/kubernetes"

	"github.com/kubeadm-cleanroom/kubeadm/app/atomicfile"
	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/etcdpod"
	"github.com/kubeadm-cleanroom/kubeadm/manifests"
)

// DefaultDir is where save writes and list looks by default: off the etcd
// data directory and off /etc/kubernetes, which a lost node takes along.
const DefaultDir = "/var/backups/kubeadm-etcd"

// LocalMember reads this control-plane node's etcd member from its static
// Pod manifest.
func LocalMember(kubernetesDir string) (etcdpod.Member, error) {
	m, err := etcdpod.Read(filepath.Join(kubernetesDir, constants.ManifestsSubDir, constants.Etcd+".yaml"))
	if err != nil {
		return etcdpod.Member{}, fmt.Errorf("this node has no local etcd member to back up: %w", err)
	}
	if m.PKIDir == "" {
		m.PKIDir = filepath.Join(kubernetesDir, "pki")
	}
	return m, nil
}

// KubernetesVersion is the version of this node's kube-apiserver image,
// "" when its manifest cannot be read.
func KubernetesVersion(kubernetesDir string) string {
	b, err := atomicfile.Read(filepath.Join(kubernetesDir, constants.ManifestsSubDir, constants.KubeAPIServer+".yaml"))
	if err != nil {
		return ""
	}
	p, err := manifests.Unmarshal(b)
	if err != nil || len(p.Spec.Containers) == 0 {
		return ""
	}
	img := p.Spec.Containers[0].Image
	if i := strings.LastIndex(img, ":"); i >= 0 && !strings.Contains(img[i:], "/") {
		return img[i+1:]
	}
	return ""
}

// ClusterConfiguration reads the cluster's kubeadm configuration: the
// ClusterConfiguration document of the kubeadm-config ConfigMap, followed
// by the KubeletConfiguration and KubeProxyConfiguration documents of the
// kubelet-config and kube-proxy ConfigMaps when they exist, so that a
// control plane rebuilt from the backup configures them as they were.
func ClusterConfiguration(ctx context.Context, client clientset.Interface) ([]byte, error) {
	cm, err := client.CoreV1().ConfigMaps(metav1.NamespaceSystem).Get(ctx, constants.KubeadmConfigConfigMap, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("read the ClusterConfiguration: %w", err)
	}
	cfg := cm.Data[constants.ClusterConfigurationKey]
	if cfg == "" {
		return nil, fmt.Errorf("read the ClusterConfiguration: ConfigMap %s/%s has no %s", metav1.NamespaceSystem, constants.KubeadmConfigConfigMap, constants.ClusterConfigurationKey)
	}
	docs := []string{cfg}
	for _, c := range []struct{ name, key string }{{constants.KubeletConfigConfigMap, constants.KubeletConfigConfigMapKey}, {constants.KubeProxyConfigMap, constants.KubeProxyConfigMapKey}} {
		cm, err := client.CoreV1().ConfigMaps(metav1.NamespaceSystem).Get(ctx, c.name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read ConfigMap %s/%s: %w", metav1.NamespaceSystem, c.name, err)
		}
		if d := cm.Data[c.key]; d != "" {
			docs = append(docs, d)
		}
	}
	for i := range docs {
		docs[i] = strings.TrimRight(docs[i], "\n") + "\n"
	}
	return []byte(strings.Join(docs, "---\n")), nil
}
