package kubeletstart

import (
	"context"
	"path/filepath"

	kubeletv1beta1 "k8s.io/kubelet/config/v1beta1"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/atomicfile"
	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/host"
	"github.com/kubeadm-cleanroom/kubeadm/app/patches"
)

// Files are the kubelet files kubeadm writes on a node.
type Files struct {
	Config   []byte // config.yaml
	Instance []byte // instance-config.yaml
	FlagsEnv []byte // kubeadm-flags.env
}

// BuildFiles renders the node's kubelet files from the cluster-wide
// KubeletConfiguration.
func BuildFiles(clusterCfg *kubeletv1beta1.KubeletConfiguration, nodeReg *kubeadm.NodeRegistrationOptions, hostname string, registerTaints bool, resolvedActive ServiceActiveFunc) (*Files, []string, error) {
	cfg, warnings, err := LocalKubeletConfig(clusterCfg, nodeReg, resolvedActive)
	if err != nil {
		return nil, nil, err
	}
	return &Files{Config: cfg, Instance: InstanceConfig(nodeReg.CRISocket), FlagsEnv: FlagsEnv(nodeReg, hostname, registerTaints)}, warnings, nil
}

// Write writes the files into kubeletDir (normally /var/lib/kubelet),
// flags and instance config first so that a supervisor restarting the
// kubelet on config.yaml sees a complete set.
func (f *Files) Write(kubeletDir string) error {
	for _, w := range []struct {
		name string
		data []byte
	}{
		{constants.KubeletFlagsEnvFile, f.FlagsEnv},
		{constants.KubeletInstanceFile, f.Instance},
		{constants.KubeletConfigFile, f.Config},
	} {
		if err := atomicfile.Write(filepath.Join(kubeletDir, w.name), w.data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// Unchanged reports whether kubeletDir already holds exactly these files.
func (f *Files) Unchanged(kubeletDir string) bool {
	for name, want := range map[string][]byte{
		constants.KubeletFlagsEnvFile: f.FlagsEnv, constants.KubeletInstanceFile: f.Instance, constants.KubeletConfigFile: f.Config,
	} {
		have, err := atomicfile.Read(filepath.Join(kubeletDir, name))
		if err != nil || string(have) != string(want) {
			return false
		}
	}
	return true
}

// ResolvedActive reports, through the init system, whether
// systemd-resolved runs, as the kubelet's resolvConf default depends on it.
func ResolvedActive(ctx context.Context, init host.InitSystem) ServiceActiveFunc {
	return func() (bool, error) {
		return init.Present(ctx) && init.ServiceActive(ctx, "systemd-resolved"), nil
	}
}

// Patch applies the user's kubeletconfiguration patches to config.yaml,
// then the instance configuration again, which always wins (as upstream:
// patches first, instance-config.yaml last). It returns the files applied.
func (f *Files) Patch(set *patches.Set) ([]string, error) {
	out, applied, err := set.Apply("kubeletconfiguration", f.Config, &kubeletv1beta1.KubeletConfiguration{})
	if err != nil || len(applied) == 0 {
		return nil, err
	}
	if f.Config, err = PatchWithInstanceConfig(out, f.Instance); err != nil {
		return nil, err
	}
	return applied, nil
}
