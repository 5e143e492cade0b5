package kubeadm

import (
	"encoding/json"
	"fmt"
	"sort"
)

// convertV1beta3 turns a v1beta3 kubeadm document into its v1beta4 form:
// extraArgs maps become ordered lists (sorted by name, as upstream converts
// them), and timeouts move to their v1beta4 places. It returns a warning
// when a setting had to move between documents and could not.
func convertV1beta3(kind string, js []byte) ([]byte, string, error) {
	var doc map[string]any
	if err := json.Unmarshal(js, &doc); err != nil {
		return nil, "", err
	}
	doc["apiVersion"] = V1beta4
	warning := ""
	switch kind {
	case KindCluster:
		for _, comp := range []string{"apiServer", "controllerManager", "scheduler"} {
			if m, ok := doc[comp].(map[string]any); ok {
				if err := argsMapToList(m, comp+".extraArgs"); err != nil {
					return nil, "", err
				}
			}
		}
		if api, ok := doc["apiServer"].(map[string]any); ok {
			if _, ok := api["timeoutForControlPlane"]; ok {
				delete(api, "timeoutForControlPlane")
				warning = "apiServer.timeoutForControlPlane is set in v1beta4 as InitConfiguration timeouts.controlPlaneComponentHealthCheck; the value was dropped"
			}
		}
		if etcd, ok := doc["etcd"].(map[string]any); ok {
			if local, ok := etcd["local"].(map[string]any); ok {
				if err := argsMapToList(local, "etcd.local.extraArgs"); err != nil {
					return nil, "", err
				}
			}
		}
	case KindInit, KindJoin:
		if nr, ok := doc["nodeRegistration"].(map[string]any); ok {
			if v, ok := nr["kubeletExtraArgs"]; ok {
				list, err := mapToArgs(v, "nodeRegistration.kubeletExtraArgs")
				if err != nil {
					return nil, "", err
				}
				nr["kubeletExtraArgs"] = list
			}
		}
		if kind == KindJoin {
			if disc, ok := doc["discovery"].(map[string]any); ok {
				if t, ok := disc["timeout"]; ok {
					delete(disc, "timeout")
					timeouts, _ := doc["timeouts"].(map[string]any)
					if timeouts == nil {
						timeouts = map[string]any{}
					}
					timeouts["discovery"] = t
					doc["timeouts"] = timeouts
				}
			}
		}
	default:
		return nil, "", fmt.Errorf("kind %s does not exist in %s", kind, V1beta3)
	}
	out, err := json.Marshal(doc)
	return out, warning, err
}

func argsMapToList(component map[string]any, path string) error {
	v, ok := component["extraArgs"]
	if !ok {
		return nil
	}
	list, err := mapToArgs(v, path)
	if err != nil {
		return err
	}
	component["extraArgs"] = list
	return nil
}

func mapToArgs(v any, path string) ([]any, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: in %s this is a map of argument names to values", path, V1beta3)
	}
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	var list []any
	for _, k := range names {
		s, ok := m[k].(string)
		if !ok {
			return nil, fmt.Errorf("%s.%s: the value must be a string", path, k)
		}
		list = append(list, map[string]any{"name": k, "value": s})
	}
	return list, nil
}
