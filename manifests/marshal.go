package manifests

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// Marshal renders pod as upstream kubeadm writes a static Pod manifest:
// the JSON form of the v1 Pod converted to YAML, keys sorted, with
// apiVersion and kind set and an empty "status: {}". (With apimachinery
// v0.37 an unset creationTimestamp is omitted, so no
// "creationTimestamp: null" line appears.)
func Marshal(pod *corev1.Pod) ([]byte, error) {
	if pod == nil {
		return nil, fmt.Errorf("marshalling static Pod: pod is nil")
	}
	p := pod
	if p.APIVersion == "" || p.Kind == "" {
		p = pod.DeepCopy()
		p.APIVersion, p.Kind = "v1", "Pod"
	}
	out, err := yaml.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("marshalling static Pod %q: %w", pod.Name, err)
	}
	return out, nil
}

// Unmarshal parses a static Pod manifest.
func Unmarshal(data []byte) (*corev1.Pod, error) {
	pod := &corev1.Pod{}
	if err := yaml.Unmarshal(data, pod); err != nil {
		return nil, fmt.Errorf("parsing static Pod manifest: %w", err)
	}
	if pod.APIVersion != "v1" || pod.Kind != "Pod" {
		return nil, fmt.Errorf("parsing static Pod manifest: apiVersion %q, kind %q is not a v1 Pod", pod.APIVersion, pod.Kind)
	}
	return pod, nil
}
