// Package staticpod writes the static Pod manifests of init, join and
// upgrade: the user's patches for the component applied, the file written
// atomically (0600) only when its content changes, so that a re-run leaves
// a running component alone.
package staticpod

import (
	"fmt"
	"path/filepath"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubeadm-cleanroom/kubeadm/app/atomicfile"
	"github.com/kubeadm-cleanroom/kubeadm/app/patches"
	"github.com/kubeadm-cleanroom/kubeadm/app/progress"
	"github.com/kubeadm-cleanroom/kubeadm/manifests"
)

// Result says what Write did.
type Result struct {
	Path      string
	Unchanged bool
	Patches   []string // patch files applied
}

// Render returns the manifest of pod with the patches for name applied.
func Render(name string, pod *corev1.Pod, set *patches.Set) ([]byte, []string, error) {
	b, err := manifests.Marshal(pod)
	if err != nil {
		return nil, nil, err
	}
	out, applied, err := set.Apply(name, b, &corev1.Pod{})
	if err != nil {
		return nil, nil, err
	}
	if len(applied) > 0 { // re-serialize as the manifests package does
		p, err := manifests.Unmarshal(out)
		if err != nil {
			return nil, nil, fmt.Errorf("patched %s manifest: %w", name, err)
		}
		if out, err = manifests.Marshal(p); err != nil {
			return nil, nil, err
		}
	}
	return out, applied, nil
}

// Write writes dir/name.yaml unless it already holds exactly this manifest.
func Write(dir, name string, pod *corev1.Pod, set *patches.Set) (Result, error) {
	path := filepath.Join(dir, name+".yaml")
	b, applied, err := Render(name, pod, set)
	if err != nil {
		return Result{}, err
	}
	r := Result{Path: path, Patches: applied}
	if old, err := atomicfile.Read(path); err == nil && string(old) == string(b) {
		r.Unchanged = true
		return r, nil
	}
	return r, atomicfile.Write(path, b, 0o600)
}

// WriteReported is Write with its outcome reported to out.
func WriteReported(out progress.Phase, dir, name string, pod *corev1.Pod, set *patches.Set) error {
	r, err := Write(dir, name, pod, set)
	if err != nil {
		return err
	}
	for _, p := range r.Patches {
		out.Infof("applied patch %s to %s", p, name)
	}
	if r.Unchanged {
		out.Infof("%s is already in place", r.Path)
	} else {
		out.Infof("wrote %s", r.Path)
	}
	return nil
}
