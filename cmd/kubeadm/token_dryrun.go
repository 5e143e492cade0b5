package main

import (
	"context"
	"fmt"
	"io"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientset "k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"sigs.k8s.io/yaml"
)

// dryRunTokenClient is the client of `kubeadm token --dry-run`, as upstream's
// dry-run client: Secrets are read from the cluster, and every write is
// printed to w instead of being made.
func dryRunTokenClient(real clientset.Interface, w io.Writer) clientset.Interface {
	c := fake.NewSimpleClientset()
	c.PrependReactor("*", "*", func(a k8stesting.Action) (bool, runtime.Object, error) {
		ns := a.GetNamespace()
		switch act := a.(type) {
		case k8stesting.GetAction:
			if a.GetResource().Resource == "secrets" {
				obj, err := real.CoreV1().Secrets(ns).Get(context.Background(), act.GetName(), metav1.GetOptions{})
				return true, obj, err
			}
		case k8stesting.ListAction:
			if a.GetResource().Resource == "secrets" {
				obj, err := real.CoreV1().Secrets(ns).List(context.Background(), metav1.ListOptions{LabelSelector: act.GetListRestrictions().Labels.String(), FieldSelector: act.GetListRestrictions().Fields.String()})
				return true, obj, err
			}
		case k8stesting.CreateAction:
			printDryRunWrite(w, a, act.GetObject())
			return true, act.GetObject(), nil
		case k8stesting.UpdateAction:
			printDryRunWrite(w, a, act.GetObject())
			return true, act.GetObject(), nil
		case k8stesting.DeleteAction:
			fmt.Fprintf(w, "[dryrun] Would delete %s %s/%s\n", a.GetResource().Resource, ns, act.GetName())
			return true, nil, nil
		}
		return false, nil, nil
	})
	return c
}

func printDryRunWrite(w io.Writer, a k8stesting.Action, obj runtime.Object) {
	gv := a.GetResource().GroupVersion().String()
	if a.GetResource().Group == "" {
		gv = "core/" + a.GetResource().Version
	}
	fmt.Fprintf(w, "[dryrun] Would perform action %s on resource %q in API group %q\n", a.GetVerb(), a.GetResource().Resource, gv)
	if b, err := yaml.Marshal(obj); err == nil {
		fmt.Fprintf(w, "[dryrun] Attached object:\n%s", b)
	}
}
