package upgradeflow

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kubeletv1beta1 "k8s.io/kubelet/config/v1beta1"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/atomicfile"
	"github.com/kubeadm-cleanroom/kubeadm/app/componentconfig"
	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/bootstraptoken"
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/kubeletstart"
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/uploadconfig"
	"github.com/kubeadm-cleanroom/kubeadm/app/progress"
)

func runUploadConfig(ctx context.Context, out progress.Phase, d *Data) error {
	if d.Settings.DryRun {
		out.Infof("would store the ClusterConfiguration at %s in ConfigMap %s/%s", d.target, constants.KubeSystemNamespace, constants.KubeadmConfigConfigMap)
		return nil
	}
	c, err := d.apiClient()
	if err != nil {
		return err
	}
	ctx, cancel := d.withAPITimeout(ctx)
	defer cancel()
	if err := uploadconfig.UploadKubeadmConfig(ctx, c, d.cluster); err != nil {
		return err
	}
	out.Infof("stored the ClusterConfiguration (kubernetesVersion %s) in ConfigMap %s/%s", d.target, constants.KubeSystemNamespace, constants.KubeadmConfigConfigMap)
	return nil
}

// signed reports whether kubeadm generated cm (it carries kubeadm's hash
// of its own content); a ConfigMap the user wrote or edited is not.
func signed(cm *corev1.ConfigMap) bool {
	h, ok := cm.Annotations[componentconfig.HashAnnotation]
	return ok && h == componentconfig.Checksum(cm)
}

// clusterKubeletConfig reads the kubelet-config ConfigMap and, for apply,
// brings it to the target version: a kubeadm-generated configuration is
// generated anew, a user's is kept with the cluster's settings laid over.
func (d *Data) clusterKubeletConfig(ctx context.Context, out progress.Phase, regenerate bool) (*kubeletv1beta1.KubeletConfiguration, *corev1.ConfigMap, error) {
	c, err := d.apiClient()
	if err != nil {
		return nil, nil, err
	}
	cm, err := c.CoreV1().ConfigMaps(constants.KubeSystemNamespace).Get(ctx, constants.KubeletConfigConfigMap, metav1.GetOptions{})
	if err != nil {
		return nil, nil, fmt.Errorf("read ConfigMap %s/%s: %w", constants.KubeSystemNamespace, constants.KubeletConfigConfigMap, err)
	}
	docs, err := kubeadm.Decode("ConfigMap kube-system/kubelet-config", []byte(cm.Data[constants.KubeletConfigConfigMapKey]))
	if err != nil {
		return nil, nil, err
	}
	if docs.Kubelet == nil {
		return nil, nil, fmt.Errorf("ConfigMap %s/%s holds no KubeletConfiguration", constants.KubeSystemNamespace, constants.KubeletConfigConfigMap)
	}
	if !regenerate {
		return docs.Kubelet, nil, nil
	}
	user := docs.Kubelet
	if signed(cm) {
		user = nil
	}
	cfg, warnings, err := kubeletstart.ClusterKubeletConfig(d.cluster, user)
	if err != nil {
		return nil, nil, err
	}
	for _, w := range warnings {
		out.Warnf("%s", w)
	}
	newCM, err := kubeletstart.KubeletConfigMap(cfg, user != nil)
	return cfg, newCM, err
}

// runUploadKubeletConfig (upgrade apply's upload-config/kubelet) brings
// the cluster's kubelet-config ConfigMap to the target version and stores
// it; kubelet-config then writes this node's file from it.
func runUploadKubeletConfig(ctx context.Context, out progress.Phase, d *Data) error {
	ctx, cancel := d.withAPITimeout(ctx)
	defer cancel()
	cfg, cm, err := d.clusterKubeletConfig(ctx, out, true)
	if err != nil {
		return err
	}
	if cm != nil && !d.Settings.DryRun {
		c, _ := d.apiClient()
		if err := kubeletstart.UploadConfigMap(ctx, c, cm); err != nil {
			return err
		}
		out.Infof("stored the kubelet configuration for %s in ConfigMap %s/%s", d.target, cm.Namespace, cm.Name)
	}
	d.kubeletCfg = cfg
	return nil
}

// runKubeletConfig writes this node's kubelet configuration from the
// cluster's: the one upload-config/kubelet just made, else the ConfigMap's.
func runKubeletConfig(ctx context.Context, out progress.Phase, d *Data) error {
	cfg := d.kubeletCfg
	if cfg == nil {
		ctx, cancel := d.withAPITimeout(ctx)
		defer cancel()
		var err error
		if cfg, _, err = d.clusterKubeletConfig(ctx, out, false); err != nil {
			return err
		}
	}
	return d.writeLocalKubeletConfig(ctx, out, cfg)
}

// writeLocalKubeletConfig writes /var/lib/kubelet/config.yaml from the
// cluster's configuration, this node's instance-config.yaml and the
// user's patches, keeping the old file in the backup directory.
func (d *Data) writeLocalKubeletConfig(ctx context.Context, out progress.Phase, cfg *kubeletv1beta1.KubeletConfiguration) error {
	local, warnings := kubeletstart.MutateLocal(cfg, kubeletstart.ResolvedActive(ctx, d.InitSystem))
	for _, w := range warnings {
		out.Warnf("%s", w)
	}
	b, err := kubeletstart.MarshalKubeletConfig(local)
	if err != nil {
		return err
	}
	b, applied, err := d.run.Patches.Apply("kubeletconfiguration", b, &kubeletv1beta1.KubeletConfiguration{})
	if err != nil {
		return err
	}
	for _, p := range applied {
		out.Infof("applied patch %s to the kubelet configuration", p)
	}
	if instance, err := atomicfile.Read(filepath.Join(d.KubeletDir, constants.KubeletInstanceFile)); err == nil {
		if b, err = kubeletstart.PatchWithInstanceConfig(b, instance); err != nil {
			return err
		}
	}
	path := filepath.Join(d.KubeletDir, constants.KubeletConfigFile)
	old, err := atomicfile.Read(path)
	if err == nil && string(old) == string(b) {
		out.Infof("%s is already up to date", path)
		return nil
	}
	if d.Settings.DryRun {
		out.Infof("would write %s", path)
		return atomicfile.Write(filepath.Join(d.DryRunDir, constants.KubeletConfigFile), b, 0o644)
	}
	if err == nil {
		dir := d.backupDir("kubelet-config")
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("create kubelet config backup directory: %w", err)
		}
		if err := atomicfile.Write(filepath.Join(dir, constants.KubeletConfigFile), old, 0o600); err != nil {
			return err
		}
	}
	if err := atomicfile.Write(path, b, 0o644); err != nil {
		return err
	}
	out.Infof("wrote %s; restart the kubelet for it to take effect (systemctl restart kubelet)", path)
	return nil
}

func runBootstrapToken(ctx context.Context, out progress.Phase, d *Data) error {
	if d.Settings.DryRun {
		out.Infof("would update the RBAC rules of bootstrap tokens")
		return nil
	}
	c, err := d.apiClient()
	if err != nil {
		return err
	}
	ctx, cancel := d.withAPITimeout(ctx)
	defer cancel()
	if err := bootstraptoken.CreateRBAC(ctx, c); err != nil {
		return err
	}
	out.Infof("updated the RBAC rules that let bootstrap tokens join nodes and rotate certificates")
	return nil
}
