package addons

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientset "k8s.io/client-go/kubernetes"

	manifestaddons "github.com/kubeadm-cleanroom/kubeadm/manifests/addons"
)

// MigrateKubeDNS sets cm's Corefile to one that keeps the stub domains and
// upstream name servers of the cluster's kube-dns ConfigMap, when the
// cluster has that ConfigMap configured and no CoreDNS ConfigMap yet (the
// CoreDNS addon replaces kube-dns). When the CoreDNS ConfigMap exists, cm
// takes its data if keepExisting (the upgrade keeps a user's Corefile) and
// is left as it is otherwise. It returns a line saying what it kept from
// kube-dns, "" when there was nothing to migrate.
func MigrateKubeDNS(ctx context.Context, c clientset.Interface, cm *corev1.ConfigMap, dnsDomain string, keepExisting bool) (string, error) {
	if existing, err := c.CoreV1().ConfigMaps(metav1.NamespaceSystem).Get(ctx, cm.Name, metav1.GetOptions{}); err == nil {
		if keepExisting {
			cm.Data = existing.Data
		}
		return "", nil
	} else if !apierrors.IsNotFound(err) {
		return "", fmt.Errorf("read ConfigMap %s/%s: %w", metav1.NamespaceSystem, cm.Name, err)
	}
	old, err := c.CoreV1().ConfigMaps(metav1.NamespaceSystem).Get(ctx, manifestaddons.KubeDNSConfigMap, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read ConfigMap %s/%s: %w", metav1.NamespaceSystem, manifestaddons.KubeDNSConfigMap, err)
	}
	k, err := manifestaddons.ParseKubeDNS(old.Data)
	if err != nil || k.Empty() {
		return "", err
	}
	cm.Data = map[string]string{manifestaddons.CoreDNSCorefileKey: k.Corefile(dnsDomain)}
	var kept []string
	if len(k.StubDomains) > 0 {
		kept = append(kept, "stub domains "+strings.Join(slices.Sorted(maps.Keys(k.StubDomains)), ", "))
	}
	if len(k.UpstreamNameservers) > 0 {
		kept = append(kept, "upstream name servers "+strings.Join(k.UpstreamNameservers, ", "))
	}
	return fmt.Sprintf("the Corefile keeps the kube-dns configuration of ConfigMap %s/%s: %s", metav1.NamespaceSystem, manifestaddons.KubeDNSConfigMap, strings.Join(kept, "; ")), nil
}
