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

// PatchDeployment applies the user's patches for target to d in place and
// returns the patch files applied.
func PatchDeployment(set *patches.Set, target string, d *appsv1.Deployment) ([]string, error) {
	patched := &appsv1.Deployment{}
	applied, err := patchObject(set, target, d, patched)
	if err == nil && len(applied) > 0 {
		*d = *patched
	}
	return applied, err
}

// PatchDaemonSet applies the user's patches for target to ds in place.
func PatchDaemonSet(set *patches.Set, target string, ds *appsv1.DaemonSet) ([]string, error) {
	patched := &appsv1.DaemonSet{}
	applied, err := patchObject(set, target, ds, patched)
	if err == nil && len(applied) > 0 {
		*ds = *patched
	}
	return applied, err
}

// patchObject applies the patches for target to obj and decodes the result
// into out, a fresh object, so that what a patch removes is gone.
func patchObject(set *patches.Set, target string, obj, out any) ([]string, error) {
	b, err := yaml.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("encode the %s for patching: %w", target, err)
	}
	patched, applied, err := set.Apply(target, b, out)
	if err != nil || len(applied) == 0 {
		return applied, err
	}
	if err := yaml.UnmarshalStrict(patched, out); err != nil {
		return nil, fmt.Errorf("the patched %s is not valid: %w", target, err)
	}
	return applied, nil
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
