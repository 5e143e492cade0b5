package uploadconfig

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

// TestFetchClusterConfiguration: the read of kubeadm-config is tried again
// until it succeeds or the context ends, except after a refusal of the
// credentials; the last failure is returned, wrapped.
func TestFetchClusterConfiguration(t *testing.T) {
	cmRes := corev1.Resource("configmaps")
	unavailable := apierrors.NewServiceUnavailable("etcdserver: leader changed")
	notFound := apierrors.NewNotFound(cmRes, "kubeadm-config")
	refused := errors.New("dial tcp 10.0.0.1:6443: connect: connection refused")
	tests := []struct {
		name string
		// failures are returned by the first Gets, in order; with always
		// set the last one is returned for ever.
		failures  []error
		always    bool
		wantCalls int32 // 0: at least two
		wantErr   func(error) bool
		errText   string
	}{
		{name: "first read", wantCalls: 1},
		{name: "fails twice, then succeeds", failures: []error{unavailable, notFound}, wantCalls: 3},
		{name: "connection refused, then succeeds", failures: []error{refused}, wantCalls: 2},
		{name: "never found", failures: []error{notFound}, always: true, wantErr: apierrors.IsNotFound, errText: "read ConfigMap kube-system/kubeadm-config: "},
		{name: "unauthorized at once", failures: []error{apierrors.NewUnauthorized("bad token")}, always: true, wantCalls: 1, wantErr: apierrors.IsUnauthorized},
		{name: "forbidden at once", failures: []error{apierrors.NewForbidden(cmRes, "kubeadm-config", errors.New("no RBAC"))}, always: true, wantCalls: 1, wantErr: apierrors.IsForbidden},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cm, err := ConfigMap(fullCluster())
			if err != nil {
				t.Fatal(err)
			}
			client := fake.NewClientset(cm)
			var calls atomic.Int32
			client.PrependReactor("get", "configmaps", func(k8stesting.Action) (bool, runtime.Object, error) {
				n := int(calls.Add(1))
				switch {
				case n <= len(tc.failures):
					return true, nil, tc.failures[n-1]
				case tc.always:
					return true, nil, tc.failures[len(tc.failures)-1]
				}
				return false, nil, nil
			})
			ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
			defer cancel()
			got, err := FetchClusterConfiguration(ctx, client, 20*time.Millisecond)
			if tc.wantErr == nil {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if got.ClusterName != "prod" {
					t.Fatalf("read %+v", got)
				}
			} else {
				if err == nil || !tc.wantErr(err) || !strings.HasPrefix(err.Error(), tc.errText) {
					t.Fatalf("error %v: not the last failure, wrapped", err)
				}
				if errors.Is(err, context.DeadlineExceeded) {
					t.Fatalf("error %v is the context's, not the read's", err)
				}
			}
			switch n := calls.Load(); {
			case tc.wantCalls > 0 && n != tc.wantCalls:
				t.Fatalf("%d reads, want %d", n, tc.wantCalls)
			case tc.wantCalls == 0 && n < 2:
				t.Fatalf("%d reads: the failure was not retried", n)
			}
		})
	}
}

// TestFetchClusterConfigurationUndecodable: a ConfigMap that is there but
// cannot be decoded is not read again.
func TestFetchClusterConfigurationUndecodable(t *testing.T) {
	client := fake.NewClientset(&corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "kubeadm-config", Namespace: "kube-system"},
		Data:       map[string]string{"other": "x"},
	})
	var calls atomic.Int32
	client.PrependReactor("get", "configmaps", func(k8stesting.Action) (bool, runtime.Object, error) {
		calls.Add(1)
		return false, nil, nil
	})
	if _, err := FetchClusterConfiguration(t.Context(), client, time.Millisecond); err == nil || !strings.Contains(err.Error(), "no ClusterConfiguration key") || calls.Load() != 1 {
		t.Fatalf("error %v after %d reads", err, calls.Load())
	}
}
