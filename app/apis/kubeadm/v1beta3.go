package kubeadm

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// convertV1beta3 turns a v1beta3 kubeadm document into its v1beta4 form:
// extraArgs maps become ordered lists (sorted by name, as upstream converts
// them), and timeouts move to their v1beta4 places. A ClusterConfiguration's
// apiServer.timeoutForControlPlane belongs to other documents in v1beta4
// (Init and Join timeouts.controlPlaneComponentHealthCheck): it is removed
// and returned for Decode to move. Its featureGates.PublicKeysECDSA, the
// way v1beta3 chose ECDSA keys, becomes encryptionAlgorithm; the returned
// warnings say so.
func convertV1beta3(kind string, js []byte) ([]byte, *metav1.Duration, []string, error) {
	var doc map[string]any
	if err := json.Unmarshal(js, &doc); err != nil {
		return nil, nil, nil, err
	}
	doc["apiVersion"] = V1beta4
	var cpTimeout *metav1.Duration
	var warnings []string
	switch kind {
	case KindCluster:
		for _, comp := range []string{"apiServer", "controllerManager", "scheduler"} {
			if m, ok := doc[comp].(map[string]any); ok {
				if err := argsMapToList(m, comp+".extraArgs"); err != nil {
					return nil, nil, nil, err
				}
			}
		}
		if w := convertPublicKeysECDSA(doc); w != "" {
			warnings = append(warnings, w)
		}
		if api, ok := doc["apiServer"].(map[string]any); ok {
			if v, ok := api["timeoutForControlPlane"]; ok {
				delete(api, "timeoutForControlPlane")
				d, err := parseV1beta3Duration(v, "apiServer.timeoutForControlPlane")
				if err != nil {
					return nil, nil, nil, err
				}
				if d.Duration != 0 {
					cpTimeout = d
				}
			}
		}
		if etcd, ok := doc["etcd"].(map[string]any); ok {
			if local, ok := etcd["local"].(map[string]any); ok {
				if err := argsMapToList(local, "etcd.local.extraArgs"); err != nil {
					return nil, nil, nil, err
				}
			}
		}
	case KindInit, KindJoin:
		if nr, ok := doc["nodeRegistration"].(map[string]any); ok {
			if v, ok := nr["kubeletExtraArgs"]; ok {
				list, err := mapToArgs(v, "nodeRegistration.kubeletExtraArgs")
				if err != nil {
					return nil, nil, nil, err
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
		return nil, nil, nil, fmt.Errorf("kind %s does not exist in %s", kind, V1beta3)
	}
	out, err := json.Marshal(doc)
	return out, cpTimeout, warnings, err
}

// publicKeysECDSA is the v1beta3 feature gate that chose ECDSA keys; it was
// removed with v1beta3.
const publicKeysECDSA = "PublicKeysECDSA"

// convertPublicKeysECDSA moves a ClusterConfiguration's PublicKeysECDSA
// gate to encryptionAlgorithm (true: ECDSA-P256, false: RSA-2048) unless
// that is set already, drops the gate and returns a warning; "" when the
// gate is not there. A value that is not a boolean is left for decoding to
// refuse.
func convertPublicKeysECDSA(doc map[string]any) string {
	gates, ok := doc["featureGates"].(map[string]any)
	if !ok {
		return ""
	}
	on, ok := gates[publicKeysECDSA].(bool)
	if !ok {
		return ""
	}
	delete(gates, publicKeysECDSA)
	if len(gates) == 0 {
		delete(doc, "featureGates")
	}
	if set, _ := doc["encryptionAlgorithm"].(string); set != "" {
		return fmt.Sprintf("featureGates.%s: the feature gate was removed; it is dropped and encryptionAlgorithm %s is used", publicKeysECDSA, set)
	}
	algo := EncryptionAlgorithmRSA2048
	if on {
		algo = EncryptionAlgorithmECDSAP256
	}
	doc["encryptionAlgorithm"] = string(algo)
	return fmt.Sprintf("featureGates.%s: the feature gate was removed; %s: %t is converted to encryptionAlgorithm: %s", publicKeysECDSA, publicKeysECDSA, on, algo)
}

// parseV1beta3Duration reads a duration field ("4m0s") of a v1beta3 document.
func parseV1beta3Duration(v any, path string) (*metav1.Duration, error) {
	s, ok := v.(string)
	if !ok {
		return nil, fmt.Errorf("%s: must be a duration like 4m0s", path)
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return nil, fmt.Errorf("%s: %q is not a duration like 4m0s", path, s)
	}
	return &metav1.Duration{Duration: d}, nil
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
