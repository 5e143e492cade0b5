package initflow

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	clienttesting "k8s.io/client-go/testing"

	"github.com/kubeadm-cleanroom/kubeadm/app/progress"
)

// newDryRunClient returns a clientset that changes nothing: every write is
// reported as "[dryrun] would create ..." and kept in memory, and the node
// being initialised reads as registered.
func newDryRunClient(out progress.Reporter, nodeName string) *fake.Clientset {
	c := fake.NewSimpleClientset(&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: nodeName}})
	c.PrependReactor("*", "*", func(action clienttesting.Action) (bool, runtime.Object, error) {
		switch a := action.(type) {
		case clienttesting.CreateAction:
			out.Info("dryrun", fmt.Sprintf("would create %s %s", a.GetResource().Resource, name(a.GetObject(), a.GetNamespace())))
		case clienttesting.UpdateAction:
			out.Info("dryrun", fmt.Sprintf("would update %s %s", a.GetResource().Resource, name(a.GetObject(), a.GetNamespace())))
		case clienttesting.DeleteAction:
			out.Info("dryrun", fmt.Sprintf("would delete %s %s", a.GetResource().Resource, qualify(a.GetNamespace(), a.GetName())))
		case clienttesting.PatchAction:
			out.Info("dryrun", fmt.Sprintf("would patch %s %s", a.GetResource().Resource, qualify(a.GetNamespace(), a.GetName())))
		}
		return false, nil, nil // let the tracker keep the object in memory
	})
	return c
}

func name(o runtime.Object, ns string) string {
	if m, ok := o.(metav1.Object); ok {
		return qualify(ns, m.GetName())
	}
	return qualify(ns, "?")
}

func qualify(ns, n string) string {
	if ns == "" {
		return n
	}
	return ns + "/" + n
}
