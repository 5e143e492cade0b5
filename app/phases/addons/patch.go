package addons

import (
	"fmt"
	"io"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	"github.com/kubeadm-cleanroom/kubeadm/app/patches"
)

// Patch target names of the addon objects, as upstream's.
const (
	CoreDNSDeploymentTarget  = "corednsdeployment"
	KubeProxyDaemonSetTarget = "kubeproxydaemonset"
)

// PatchCoreDNS applies the user's corednsdeployment patches to d in place,
// telling infof of each patch file applied.
func PatchCoreDNS(set *patches.Set, d *appsv1.Deployment, infof func(string, ...any)) error {
	return patchInPlace(set, CoreDNSDeploymentTarget, "the CoreDNS Deployment", d, infof)
}

// PatchKubeProxy applies the user's kubeproxydaemonset patches to ds in
// place, telling infof of each patch file applied.
func PatchKubeProxy(set *patches.Set, ds *appsv1.DaemonSet, infof func(string, ...any)) error {
	return patchInPlace(set, KubeProxyDaemonSetTarget, "the kube-proxy DaemonSet", ds, infof)
}

// patchInPlace applies the patches for target to obj and decodes the result
// into a fresh object that replaces obj, so that what a patch removes is gone.
func patchInPlace[T any](set *patches.Set, target, what string, obj *T, infof func(string, ...any)) error {
	b, err := yaml.Marshal(obj)
	if err != nil {
		return fmt.Errorf("encode %s for patching: %w", what, err)
	}
	var out T
	patched, applied, err := set.Apply(target, b, &out)
	if err != nil || len(applied) == 0 {
		return err
	}
	if err := yaml.UnmarshalStrict(patched, &out); err != nil {
		return fmt.Errorf("%s after the %s patches is not valid: %w", what, target, err)
	}
	*obj = out
	for _, p := range applied {
		infof("applied patch %s to %s", p, what)
	}
	return nil
}

// Print writes objs as a multi-document YAML manifest (--print-manifest).
func Print(w io.Writer, objs []runtime.Object) error {
	for _, o := range objs {
		b, err := yaml.Marshal(o)
		if err != nil {
			return fmt.Errorf("encode %T: %w", o, err)
		}
		if _, err := fmt.Fprintf(w, "---\n%s", b); err != nil {
			return err
		}
	}
	return nil
}
