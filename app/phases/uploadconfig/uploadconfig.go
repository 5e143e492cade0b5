// Package uploadconfig stores the cluster's configuration in the cluster:
// the ClusterConfiguration in kube-system/kubeadm-config (read by join and
// upgrade) and the RBAC that lets nodes and bootstrapping nodes read it.
// It is done when those objects hold this configuration; running it again
// replaces them with the same content.
package uploadconfig

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientset "k8s.io/client-go/kubernetes"

	"github.com/kubeadm-cleanroom/kubeadm/app/apiclient"
	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
)

// NodesKubeadmConfigRole is the Role (and RoleBinding) that lets nodes read
// the kubeadm-config ConfigMap.
const NodesKubeadmConfigRole = "kubeadm:nodes-kubeadm-config"

// ConfigMap returns kube-system/kubeadm-config holding cfg as v1beta4 YAML.
func ConfigMap(cfg *kubeadm.ClusterConfiguration) (*corev1.ConfigMap, error) {
	c := *cfg
	c.APIVersion, c.Kind = kubeadm.V1beta4, kubeadm.KindCluster
	b, err := kubeadm.Encode(&c)
	if err != nil {
		return nil, fmt.Errorf("encode ClusterConfiguration: %w", err)
	}
	return &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: constants.KubeadmConfigConfigMap, Namespace: constants.KubeSystemNamespace},
		Data:       map[string]string{constants.ClusterConfigurationKey: string(b)},
	}, nil
}

// RBAC returns the Role and RoleBinding that let nodes and bootstrap tokens
// read kubeadm-config.
func RBAC() (*rbacv1.Role, *rbacv1.RoleBinding) {
	meta := metav1.ObjectMeta{Name: NodesKubeadmConfigRole, Namespace: constants.KubeSystemNamespace}
	role := &rbacv1.Role{ObjectMeta: meta, Rules: []rbacv1.PolicyRule{{
		Verbs: []string{"get"}, APIGroups: []string{""}, Resources: []string{"configmaps"}, ResourceNames: []string{constants.KubeadmConfigConfigMap},
	}}}
	binding := &rbacv1.RoleBinding{
		ObjectMeta: meta,
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: NodesKubeadmConfigRole},
		Subjects: []rbacv1.Subject{
			{Kind: rbacv1.GroupKind, Name: constants.NodeBootstrapTokenAuthGroup},
			{Kind: rbacv1.GroupKind, Name: constants.NodesGroup},
		},
	}
	return role, binding
}

// UploadKubeadmConfig creates or updates kubeadm-config and its RBAC.
func UploadKubeadmConfig(ctx context.Context, client clientset.Interface, cfg *kubeadm.ClusterConfiguration) error {
	cm, err := ConfigMap(cfg)
	if err != nil {
		return err
	}
	if err := apiclient.CreateOrUpdate(ctx, client.CoreV1().ConfigMaps(cm.Namespace), "ConfigMap", cm); err != nil {
		return err
	}
	role, binding := RBAC()
	if err := apiclient.CreateOrUpdate(ctx, client.RbacV1().Roles(role.Namespace), "Role", role); err != nil {
		return err
	}
	return apiclient.CreateOrUpdate(ctx, client.RbacV1().RoleBindings(binding.Namespace), "RoleBinding", binding)
}

// ReadClusterConfiguration reads the ClusterConfiguration stored in the
// cluster, as join and upgrade do.
func ReadClusterConfiguration(ctx context.Context, client clientset.Interface) (*kubeadm.ClusterConfiguration, error) {
	cm, err := getKubeadmConfig(ctx, client)
	if err != nil {
		return nil, err
	}
	return decodeClusterConfiguration(cm)
}

// FetchClusterConfiguration is ReadClusterConfiguration for a cluster that
// may not answer yet: a failed read is tried again every interval until ctx
// ends (the caller's KubernetesAPICall timeout), and then the last failure
// is returned. A refusal of the credentials (401 or 403) is returned at
// once: waiting does not change it. A ConfigMap that cannot be decoded is
// not read again.
func FetchClusterConfiguration(ctx context.Context, client clientset.Interface, interval time.Duration) (*kubeadm.ClusterConfiguration, error) {
	var last error
	for {
		cm, err := getKubeadmConfig(ctx, client)
		if err == nil {
			return decodeClusterConfiguration(cm)
		}
		if apierrors.IsUnauthorized(err) || apierrors.IsForbidden(err) {
			return nil, err
		}
		if last == nil || ctx.Err() == nil {
			// A read cut short by the end of ctx says less than the one before.
			last = err
		}
		t := time.NewTimer(interval)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, last
		case <-t.C:
		}
	}
}

func getKubeadmConfig(ctx context.Context, client clientset.Interface) (*corev1.ConfigMap, error) {
	cm, err := client.CoreV1().ConfigMaps(constants.KubeSystemNamespace).Get(ctx, constants.KubeadmConfigConfigMap, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("read ConfigMap %s/%s: %w", constants.KubeSystemNamespace, constants.KubeadmConfigConfigMap, err)
	}
	return cm, nil
}

func decodeClusterConfiguration(cm *corev1.ConfigMap) (*kubeadm.ClusterConfiguration, error) {
	data, ok := cm.Data[constants.ClusterConfigurationKey]
	if !ok {
		return nil, fmt.Errorf("ConfigMap %s/%s has no %s key", constants.KubeSystemNamespace, constants.KubeadmConfigConfigMap, constants.ClusterConfigurationKey)
	}
	docs, err := kubeadm.Decode("ConfigMap kube-system/kubeadm-config", []byte(data))
	if err != nil {
		return nil, err
	}
	if docs.Cluster == nil {
		return nil, fmt.Errorf("ConfigMap kube-system/kubeadm-config holds no ClusterConfiguration")
	}
	return docs.Cluster, nil
}
