// Package componentconfig holds what kubeadm does with the component
// configuration ConfigMaps it generates (kubelet-config, kube-proxy): the
// content hash annotation that tells a generated ConfigMap from one a user
// edited.
package componentconfig

import (
	"crypto/sha256"
	"encoding/hex"
	"sort"

	corev1 "k8s.io/api/core/v1"
)

// HashAnnotation carries the checksum of a kubeadm-generated ConfigMap.
const HashAnnotation = "kubeadm.kubernetes.io/component-config.hash"

// Checksum returns "sha256:<hex>" over the ConfigMap's data values in key
// order followed by its binary data values in key order (keys themselves
// are not hashed), as kubeadm computes it.
func Checksum(cm *corev1.ConfigMap) string {
	h := sha256.New()
	for _, k := range sortedKeys(cm.Data) {
		h.Write([]byte(cm.Data[k]))
	}
	for _, k := range sortedKeys(cm.BinaryData) {
		h.Write(cm.BinaryData[k])
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// Sign sets HashAnnotation on cm to its checksum.
func Sign(cm *corev1.ConfigMap) {
	if cm.Annotations == nil {
		cm.Annotations = map[string]string{}
	}
	cm.Annotations[HashAnnotation] = Checksum(cm)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
