package addons

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

// TestEnsureRootCA checks the ConfigMap is the publisher's (its data and
// description, which make the publisher leave it alone) and that one
// already there is not touched.
func TestEnsureRootCA(t *testing.T) {
	c := fake.NewClientset()
	ca := []byte("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
	if err := EnsureRootCA(context.Background(), c, "kube-system", ca); err != nil {
		t.Fatal(err)
	}
	cm, err := c.CoreV1().ConfigMaps("kube-system").Get(context.Background(), "kube-root-ca.crt", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if cm.Data["ca.crt"] != string(ca) || len(cm.Data) != 1 {
		t.Errorf("data %v", cm.Data)
	}
	if cm.Annotations["kubernetes.io/description"] != rootCADescription || len(cm.Annotations) != 1 {
		t.Errorf("annotations %v", cm.Annotations)
	}
	// The publisher's (or an earlier run's) ConfigMap stays as it is.
	cm.Data["ca.crt"] = "other"
	if _, err := c.CoreV1().ConfigMaps("kube-system").Update(context.Background(), cm, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := EnsureRootCA(context.Background(), c, "kube-system", ca); err != nil {
		t.Fatal(err)
	}
	cm, _ = c.CoreV1().ConfigMaps("kube-system").Get(context.Background(), "kube-root-ca.crt", metav1.GetOptions{})
	if cm.Data["ca.crt"] != "other" {
		t.Errorf("an existing kube-root-ca.crt was changed: %v", cm.Data)
	}
}
