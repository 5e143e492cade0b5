package apiclient

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	clienttesting "k8s.io/client-go/testing"
)

// NewDryRun returns the clientset of a dry run: it changes nothing. Every
// write is told to report ("would create secrets kube-system/x") and kept
// in memory, so that what the run reads back is what it would have
// written; objs are there from the start. Deletes always succeed.
func NewDryRun(report func(msg string), objs ...runtime.Object) *fake.Clientset {
	c := fake.NewSimpleClientset(objs...)
	c.PrependReactor("*", "*", func(action clienttesting.Action) (bool, runtime.Object, error) {
		res := action.GetResource().Resource
		switch a := action.(type) {
		case clienttesting.CreateAction:
			report(fmt.Sprintf("would create %s %s", res, objectName(a.GetObject(), a.GetNamespace())))
		case clienttesting.UpdateAction:
			report(fmt.Sprintf("would update %s %s", res, objectName(a.GetObject(), a.GetNamespace())))
		case clienttesting.DeleteAction:
			report(fmt.Sprintf("would delete %s %s", res, qualify(a.GetNamespace(), a.GetName())))
			return true, nil, nil // whether or not it exists here
		case clienttesting.PatchAction:
			report(fmt.Sprintf("would patch %s %s", res, qualify(a.GetNamespace(), a.GetName())))
		}
		return false, nil, nil // let the tracker keep the object in memory
	})
	return c
}

func objectName(o runtime.Object, ns string) string {
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
