package addons

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientset "k8s.io/client-go/kubernetes"

	"github.com/kubeadm-cleanroom/kubeadm/app/apiclient"
)

// The ConfigMap kube-controller-manager's root-ca-cert-publisher keeps in
// every namespace, with the bytes of its --root-ca-file. Every Pod with a
// service account token mounts it, so the addons' Pods cannot start before
// it exists.
const (
	RootCAConfigMapName = "kube-root-ca.crt"
	rootCAKey           = "ca.crt"
	rootCADescriptionAn = "kubernetes.io/description"
	// rootCADescription is the publisher's text, word for word: with the
	// same data and a description, the publisher leaves the ConfigMap as
	// it is.
	rootCADescription = "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. " +
		"No other usage is guaranteed across distributions of Kubernetes clusters."
)

// RootCAConfigMap is the publisher's ConfigMap for namespace with rootCA,
// the content of the controller manager's --root-ca-file.
func RootCAConfigMap(namespace string, rootCA []byte) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{
			Name: RootCAConfigMapName, Namespace: namespace,
			Annotations: map[string]string{rootCADescriptionAn: rootCADescription},
		},
		Data: map[string]string{rootCAKey: string(rootCA)},
	}
}

// EnsureRootCA creates namespace's kube-root-ca.crt ahead of the
// controller manager, which on a new cluster publishes it only seconds
// after it was elected (its controllers first create their service
// accounts through its rate-limited client). The object is the one the
// publisher writes; one that exists already is left to the publisher.
func EnsureRootCA(ctx context.Context, c clientset.Interface, namespace string, rootCA []byte) error {
	return apiclient.CreateIfNotExists(ctx, c.CoreV1().ConfigMaps(namespace), "ConfigMap", RootCAConfigMap(namespace, rootCA))
}
