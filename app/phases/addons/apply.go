// Package addons installs the CoreDNS and kube-proxy addons by creating or
// updating their API objects (built by manifests/addons). It is done when
// every object exists with this content; a re-run updates them in place.
package addons

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientset "k8s.io/client-go/kubernetes"

	"github.com/kubeadm-cleanroom/kubeadm/app/apiclient"
)

// Apply creates or updates objs, all at once: their controllers reconcile
// whatever order the API server sees them in.
func Apply(ctx context.Context, client clientset.Interface, objs []runtime.Object) error {
	var ops []func(context.Context) error
	for _, o := range objs {
		ops = append(ops, func(ctx context.Context) error { return apply(ctx, client, o) })
	}
	return apiclient.Parallel(ctx, ops...)
}

func apply(ctx context.Context, client clientset.Interface, o runtime.Object) error {
	{
		var err error
		switch v := o.(type) {
		case *corev1.ServiceAccount:
			err = apiclient.CreateOrUpdate(ctx, client.CoreV1().ServiceAccounts(v.Namespace), "ServiceAccount", v)
		case *corev1.ConfigMap:
			err = apiclient.CreateOrUpdate(ctx, client.CoreV1().ConfigMaps(v.Namespace), "ConfigMap", v)
		case *corev1.Service:
			svc := v.DeepCopy()
			svc.ResourceVersion = ""
			err = apiclient.CreateOrUpdate(ctx, client.CoreV1().Services(v.Namespace), "Service", svc)
		case *appsv1.Deployment:
			err = apiclient.CreateOrUpdate(ctx, client.AppsV1().Deployments(v.Namespace), "Deployment", v)
		case *appsv1.DaemonSet:
			err = apiclient.CreateOrUpdate(ctx, client.AppsV1().DaemonSets(v.Namespace), "DaemonSet", v)
		case *rbacv1.ClusterRole:
			err = apiclient.CreateOrUpdate(ctx, client.RbacV1().ClusterRoles(), "ClusterRole", v)
		case *rbacv1.ClusterRoleBinding:
			err = apiclient.CreateOrUpdate(ctx, client.RbacV1().ClusterRoleBindings(), "ClusterRoleBinding", v)
		case *rbacv1.Role:
			err = apiclient.CreateOrUpdate(ctx, client.RbacV1().Roles(v.Namespace), "Role", v)
		case *rbacv1.RoleBinding:
			err = apiclient.CreateOrUpdate(ctx, client.RbacV1().RoleBindings(v.Namespace), "RoleBinding", v)
		default:
			err = fmt.Errorf("addon object of type %T is not supported", o)
		}
		return err
	}
}
