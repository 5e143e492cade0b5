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
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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
			err = applyService(ctx, client, v)
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

// applyService creates the Service or updates the existing one, keeping
// its allocated cluster IPs: a create of an existing Service with a fixed
// cluster IP fails on the IP before the name, and the IPs are immutable.
func applyService(ctx context.Context, client clientset.Interface, v *corev1.Service) error {
	svc := v.DeepCopy()
	svc.ResourceVersion = ""
	return apiclient.Retry(ctx, "create or update Service "+v.Namespace+"/"+v.Name, func(ctx context.Context) error {
		cur, err := client.CoreV1().Services(v.Namespace).Get(ctx, v.Name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			_, err = client.CoreV1().Services(v.Namespace).Create(ctx, svc, metav1.CreateOptions{})
			return err
		}
		if err != nil {
			return err
		}
		upd := svc.DeepCopy()
		upd.ResourceVersion = cur.ResourceVersion
		upd.Spec.ClusterIP, upd.Spec.ClusterIPs = cur.Spec.ClusterIP, cur.Spec.ClusterIPs
		upd.Spec.IPFamilies, upd.Spec.IPFamilyPolicy = cur.Spec.IPFamilies, cur.Spec.IPFamilyPolicy
		_, err = client.CoreV1().Services(v.Namespace).Update(ctx, upd, metav1.UpdateOptions{})
		return err
	})
}
