// Package controllersa creates ahead the service accounts that
// kube-controller-manager (run with --use-service-account-credentials, as
// kubeadm runs it) gives its controllers in kube-system.
//
// On a new cluster the controller manager creates them itself, one
// controller after another, each with three requests (get, get the
// namespace, create) through its one client limited to 20 requests a
// second: about 120 requests and 5 s before its first controller runs,
// and so before the addons' Pods are created. Made ahead, each is one
// request. The objects are the ones it would make: a name in kube-system
// and nothing else.
package controllersa

import (
	"context"
	"slices"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientset "k8s.io/client-go/kubernetes"

	"github.com/kubeadm-cleanroom/kubeadm/app/apiclient"
	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
)

// Names are the service accounts of the controllers that
// kube-controller-manager v1.36 and v1.37 run by default with kubeadm's
// --controllers=*,bootstrapsigner,tokencleaner and that no feature gate
// turns on or off (device-taint-eviction-controller,
// kube-apiserver-serving-clustertrustbundle-publisher,
// podcertificaterequestcleaner and storage-version-migrator-controller
// are left to it).
var Names = []string{
	"attachdetach-controller", "bootstrap-signer", "certificate-controller", "clusterrole-aggregation-controller",
	"cronjob-controller", "daemon-set-controller", "deployment-controller", "disruption-controller",
	"endpoint-controller", "endpointslice-controller", "endpointslicemirroring-controller", "ephemeral-volume-controller",
	"expand-controller", "generic-garbage-collector", "horizontal-pod-autoscaler", "job-controller",
	"legacy-service-account-token-cleaner", "namespace-controller", "node-controller", "persistent-volume-binder",
	"pod-garbage-collector", "pv-protection-controller", "pvc-protection-controller", "replicaset-controller",
	"replication-controller", "resource-claim-controller", "resourcequota-controller", "root-ca-cert-publisher",
	"service-account-controller", "service-cidrs-controller", "statefulset-controller", "token-cleaner",
	"ttl-after-finished-controller", "ttl-controller", "validatingadmissionpolicy-status-controller",
	"volumeattributesclass-protection-controller",
}

// Applies says whether the controller manager of cfg makes exactly these
// accounts: it does unless its extra arguments choose other controllers or
// other credentials, and for an external one nothing is known.
func Applies(cfg *kubeadm.ClusterConfiguration) bool {
	return !slices.ContainsFunc(cfg.ControllerManager.ExtraArgs, func(a kubeadm.Arg) bool {
		return a.Name == "controllers" || a.Name == "use-service-account-credentials"
	})
}

// Create creates every account in Names that does not exist yet, all at
// once.
func Create(ctx context.Context, c clientset.Interface) error {
	ops := make([]func(context.Context) error, 0, len(Names))
	accounts := c.CoreV1().ServiceAccounts(constants.KubeSystemNamespace)
	for _, name := range Names {
		sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: constants.KubeSystemNamespace}}
		ops = append(ops, func(ctx context.Context) error {
			return apiclient.CreateIfNotExists(ctx, accounts, "ServiceAccount", sa)
		})
	}
	return apiclient.Parallel(ctx, ops...)
}
