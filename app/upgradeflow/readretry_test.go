package upgradeflow

import (
	"context"
	"net"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

// TestReadRetryingWaitsForAStartingAPIServer checks that refused
// connections are waited out, and that an answer (403) is returned at once
// unless the control plane was just put back.
func TestReadRetryingWaitsForAStartingAPIServer(t *testing.T) {
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "kubeadm-config", Namespace: "kube-system"},
		Data: map[string]string{"ClusterConfiguration": "apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nkubernetesVersion: v1.36.3\n"}}
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	forbidden := apierrors.NewForbidden(schema.GroupResource{Resource: "configmaps"}, "kubeadm-config", nil)
	for _, tc := range []struct {
		name    string
		fail    error
		retry   func(error) bool
		wantErr bool
	}{
		{"refused, then answers", refused, isConnectionError, false},
		{"forbidden is an answer", forbidden, isConnectionError, true},
		{"forbidden while put back", forbidden, func(error) bool { return true }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := fake.NewSimpleClientset(cm)
			calls := 0
			c.PrependReactor("get", "configmaps", func(k8stesting.Action) (bool, runtime.Object, error) {
				calls++
				if calls <= 2 {
					return true, nil, tc.fail
				}
				return false, nil, nil
			})
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			cfg, err := readRetrying(ctx, c, tc.retry)
			if (err != nil) != tc.wantErr {
				t.Fatalf("error %v after %d calls", err, calls)
			}
			if err == nil && cfg.KubernetesVersion != "v1.36.3" {
				t.Errorf("read %+v", cfg)
			}
		})
	}
}
