package addons

import (
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubeadm-cleanroom/kubeadm/app/componentconfig"
)

// ComponentConfigHashAnnotation is the ConfigMap annotation where kubeadm
// records a checksum of a component configuration it generated itself. A
// ConfigMap whose checksum still matches is known to be kubeadm's default
// and may be regenerated on upgrade; one without it (or with a stale one) is
// treated as user-supplied.
const ComponentConfigHashAnnotation = componentconfig.HashAnnotation

// PrepareForApply makes the objects what upstream writes to a live cluster,
// which differs slightly from what it prints in a dry run:
//
//   - every non-empty "*_proxy" variable (any case) of environ, typically
//     os.Environ() of the kubeadm process, is passed on to the kube-proxy
//     container after NODE_NAME, sorted by name, the last of duplicates
//     winning;
//   - unless configUserSupplied (the user gave a KubeProxyConfiguration), the
//     ConfigMap is signed with ComponentConfigHashAnnotation.
//
// Call it once, after any other change to the objects.
func (o *KubeProxyObjects) PrepareForApply(environ []string, configUserSupplied bool) {
	c := &o.DaemonSet.Spec.Template.Spec.Containers[0]
	c.Env = append(c.Env, ProxyEnvVars(environ)...)
	if !configUserSupplied {
		SignConfigMap(o.ConfigMap)
	}
}

// ProxyEnvVars returns the proxy settings among environ ("NAME=value"
// entries): variables whose name ends in "_proxy" in any case and whose
// value is not empty, sorted by name, later duplicates replacing earlier.
func ProxyEnvVars(environ []string) []corev1.EnvVar {
	byName := map[string]string{}
	for _, kv := range environ {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || value == "" || !strings.HasSuffix(strings.ToLower(name), "_proxy") {
			continue
		}
		byName[name] = value
	}
	out := make([]corev1.EnvVar, 0, len(byName))
	for name, value := range byName {
		out = append(out, corev1.EnvVar{Name: name, Value: value})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// ConfigMapChecksum returns kubeadm's content hash of cm.
func ConfigMapChecksum(cm *corev1.ConfigMap) string { return componentconfig.Checksum(cm) }

// SignConfigMap sets ComponentConfigHashAnnotation on cm to its checksum.
func SignConfigMap(cm *corev1.ConfigMap) { componentconfig.Sign(cm) }
