package initflow

import (
	"context"
	"testing"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

// TestWaitAdminAuthorized: admin.conf is refused (403) until the
// authorizer has seen the new binding; the wait ends once it is allowed,
// and gives up in one line when it never is.
func TestWaitAdminAuthorized(t *testing.T) {
	c := fake.NewClientset(&rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "kubeadm:cluster-admins"}})
	refusals := 2
	c.PrependReactor("get", "clusterrolebindings", func(k8stesting.Action) (bool, runtime.Object, error) {
		if refusals > 0 {
			refusals--
			return true, nil, apierrors.NewForbidden(schema.GroupResource{Group: "rbac.authorization.k8s.io", Resource: "clusterrolebindings"}, "kubeadm:cluster-admins", nil)
		}
		return false, nil, nil
	})
	if err := waitAdminAuthorized(context.Background(), c, "kubeadm:cluster-admins"); err != nil || refusals != 0 {
		t.Fatalf("wait: %v (refusals left %d)", err, refusals)
	}
	never := fake.NewClientset()
	never.PrependReactor("get", "clusterrolebindings", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(schema.GroupResource{Resource: "clusterrolebindings"}, "x", nil)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	if err := waitAdminAuthorized(ctx, never, "x"); err == nil {
		t.Fatal("a binding that never takes effect was waited out")
	}
}
