package controllersa

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
)

func TestApplies(t *testing.T) {
	for _, tc := range []struct {
		args []kubeadm.Arg
		want bool
	}{
		{nil, true},
		{[]kubeadm.Arg{{Name: "v", Value: "2"}}, true},
		{[]kubeadm.Arg{{Name: "controllers", Value: "*,-ttl-controller"}}, false},
		{[]kubeadm.Arg{{Name: "use-service-account-credentials", Value: "false"}}, false},
	} {
		cfg := &kubeadm.ClusterConfiguration{}
		cfg.ControllerManager.ExtraArgs = tc.args
		if got := Applies(cfg); got != tc.want {
			t.Errorf("Applies(%v) = %v, want %v", tc.args, got, tc.want)
		}
	}
}

// TestCreate checks every account is made as the controller manager makes
// it (a name in kube-system, nothing else), and one already there is kept.
func TestCreate(t *testing.T) {
	kept := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "node-controller", Namespace: "kube-system", Labels: map[string]string{"x": "y"}}}
	c := fake.NewClientset(kept)
	if err := Create(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	list, err := c.CoreV1().ServiceAccounts("kube-system").List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != len(Names) {
		t.Fatalf("%d accounts, want %d", len(list.Items), len(Names))
	}
	for _, sa := range list.Items {
		if sa.Name == kept.Name {
			if sa.Labels["x"] != "y" {
				t.Errorf("the existing %s was replaced", sa.Name)
			}
			continue
		}
		if len(sa.Labels)+len(sa.Annotations)+len(sa.Secrets)+len(sa.ImagePullSecrets) > 0 || sa.AutomountServiceAccountToken != nil {
			t.Errorf("%s has more than its name: %+v", sa.Name, sa)
		}
	}
	// again: nothing to do, no error
	if err := Create(context.Background(), c); err != nil {
		t.Fatal(err)
	}
}
