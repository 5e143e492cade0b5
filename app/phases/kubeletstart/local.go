package kubeletstart

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	"k8s.io/apimachinery/pkg/util/strategicpatch"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	kubeletv1beta1 "k8s.io/kubelet/config/v1beta1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
)

// ServiceActiveFunc reports whether systemd-resolved is running on the
// node. kubeadm asks the init system (systemctl is-active); tests and dry
// runs pass a stub.
type ServiceActiveFunc func() (bool, error)

// MarshalKubeletConfig serializes cfg the way kubeadm's codec does: JSON
// field rules (zero durations appear as 0s, omitempty fields vanish),
// converted to YAML with keys in alphabetical order, and apiVersion/kind
// set to kubelet.config.k8s.io/v1beta1 KubeletConfiguration.
func MarshalKubeletConfig(cfg *kubeletv1beta1.KubeletConfiguration) ([]byte, error) {
	if cfg == nil {
		return nil, errors.New("marshal KubeletConfiguration: nil configuration")
	}
	out := cfg.DeepCopy()
	out.APIVersion = kubeadm.KubeletGroupV
	out.Kind = kubeadm.KindKubelet
	b, err := yaml.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("marshal KubeletConfiguration: %w", err)
	}
	return b, nil
}

// MutateLocal returns a copy of the cluster-wide configuration with the
// node-local changes kubeadm makes before writing config.yaml: when
// systemd-resolved is active, resolvConf points at its upstream list
// unless the user chose another file (then a warning is returned). A
// failing probe is reported as a warning and its answer is still used.
// cfg is not modified, so the changes never reach the ConfigMap.
func MutateLocal(cfg *kubeletv1beta1.KubeletConfiguration, resolvedActive ServiceActiveFunc) (*kubeletv1beta1.KubeletConfiguration, []string) {
	local := cfg.DeepCopy()
	var w warnings
	if local == nil || resolvedActive == nil {
		return local, nil
	}
	active, err := resolvedActive()
	if err != nil {
		w.list = append(w.list, fmt.Sprintf("cannot determine if systemd-resolved is active: %v", err))
	}
	if !active {
		return local, w.list
	}
	if local.ResolverConfig == nil {
		local.ResolverConfig = ptr.To(systemdResolvConf)
	} else if *local.ResolverConfig != systemdResolvConf {
		w.add("resolvConf", systemdResolvConf, *local.ResolverConfig)
	}
	return local, w.list
}

// InstanceConfig returns /var/lib/kubelet/instance-config.yaml: the node's
// container runtime endpoint as a one-line, double-quoted YAML document.
func InstanceConfig(criSocket string) []byte {
	return fmt.Appendf(nil, "containerRuntimeEndpoint: %q\n", criSocket)
}

// LocalKubeletConfig returns the node's /var/lib/kubelet/config.yaml: the
// cluster-wide configuration with MutateLocal applied, marshalled, and
// then patched with InstanceConfig(nodeReg.CRISocket). It also returns
// MutateLocal's warnings. Callers that apply user patches (--patches) do
// so between MarshalKubeletConfig and PatchWithInstanceConfig, as kubeadm
// does.
func LocalKubeletConfig(clusterCfg *kubeletv1beta1.KubeletConfiguration, nodeReg *kubeadm.NodeRegistrationOptions, resolvedActive ServiceActiveFunc) ([]byte, []string, error) {
	if clusterCfg == nil {
		return nil, nil, errors.New("local kubelet configuration: no cluster KubeletConfiguration given")
	}
	if nodeReg == nil {
		return nil, nil, errors.New("local kubelet configuration: no NodeRegistrationOptions given")
	}
	local, warns := MutateLocal(clusterCfg, resolvedActive)
	b, err := MarshalKubeletConfig(local)
	if err != nil {
		return nil, warns, fmt.Errorf("local kubelet configuration: %w", err)
	}
	b, err = PatchWithInstanceConfig(b, InstanceConfig(nodeReg.CRISocket))
	if err != nil {
		return nil, warns, fmt.Errorf("local kubelet configuration: %w", err)
	}
	return b, warns, nil
}

// PatchWithInstanceConfig applies instance (the contents of
// instance-config.yaml, possibly several YAML documents) to the kubelet
// configuration YAML as strategic merge patches, in order, and returns the
// result as YAML with sorted keys, which is how kubeadm merges the file.
func PatchWithInstanceConfig(config, instance []byte) ([]byte, error) {
	data, err := yaml.YAMLToJSON(config)
	if err != nil {
		return nil, fmt.Errorf("convert kubelet configuration to JSON: %w", err)
	}
	patches, err := splitPatches(instance)
	if err != nil {
		return nil, err
	}
	for _, p := range patches {
		data, err = strategicpatch.StrategicMergePatch(data, p, kubeletv1beta1.KubeletConfiguration{})
		if err != nil {
			return nil, fmt.Errorf("apply instance configuration patch %s: %w", p, err)
		}
	}
	out, err := yaml.JSONToYAML(data)
	if err != nil {
		return nil, fmt.Errorf("convert patched kubelet configuration to YAML: %w", err)
	}
	return out, nil
}

// splitPatches splits a YAML stream into non-empty documents, each
// converted to JSON.
func splitPatches(stream []byte) ([][]byte, error) {
	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(stream)))
	var out [][]byte
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("split instance configuration documents: %w", err)
		}
		doc = bytes.TrimSpace(doc)
		if len(doc) == 0 {
			continue
		}
		j, err := yaml.YAMLToJSON(doc)
		if err != nil {
			return nil, fmt.Errorf("convert instance configuration to JSON: %w", err)
		}
		out = append(out, j)
	}
}
