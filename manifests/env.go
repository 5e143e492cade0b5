package manifests

import (
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
)

// proxyEnv picks from environ ("NAME=value" strings) every variable whose
// name ends in "_proxy", in any case, and has a non-empty value: the
// variables upstream passes on to the API server, controller manager and
// scheduler.
func proxyEnv(environ []string) []kubeadm.EnvVar {
	var out []kubeadm.EnvVar
	for _, kv := range environ {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || value == "" || !strings.HasSuffix(strings.ToLower(name), "_proxy") {
			continue
		}
		out = append(out, kubeadm.EnvVar{EnvVar: corev1.EnvVar{Name: name, Value: value}})
	}
	return out
}

// mergeEnv merges lists of variables; a later list wins on a name clash.
// The result is sorted by name, and nil when empty.
func mergeEnv(lists ...[]kubeadm.EnvVar) []corev1.EnvVar {
	byName := map[string]corev1.EnvVar{}
	for _, list := range lists {
		for _, e := range list {
			byName[e.Name] = e.EnvVar
		}
	}
	if len(byName) == 0 {
		return nil
	}
	out := make([]corev1.EnvVar, 0, len(byName))
	for _, e := range byName {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
