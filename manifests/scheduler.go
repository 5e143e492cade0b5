package manifests

import (
	"path/filepath"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/images"
)

// Scheduler builds the kube-scheduler static Pod. cfg must be defaulted.
func (o Options) Scheduler(cfg *kubeadm.ClusterConfiguration) (*corev1.Pod, error) {
	if err := checkCommon(cfg, constants.KubeScheduler); err != nil {
		return nil, err
	}

	mounts := newHostMounts()
	mounts.addKubeconfig(constants.SchedulerKubeConfig)
	mounts.addExtra(cfg.Scheduler.ExtraVolumes)

	kubeconfig := filepath.Join(constants.KubernetesDir, constants.SchedulerKubeConfig)
	defaults := flags{
		{Name: "bind-address", Value: "127.0.0.1"},
		{Name: "leader-elect", Value: "true"},
		{Name: "kubeconfig", Value: kubeconfig},
		{Name: "authentication-kubeconfig", Value: kubeconfig},
		{Name: "authorization-kubeconfig", Value: kubeconfig},
	}

	host := localProbeHost(cfg.Scheduler.ExtraArgs)
	c := corev1.Container{
		Name:            constants.KubeScheduler,
		Image:           images.Component(cfg, constants.KubeScheduler),
		ImagePullPolicy: corev1.PullIfNotPresent,
		Command:         command(constants.KubeScheduler, defaults, cfg.Scheduler.ExtraArgs),
		VolumeMounts:    sortedMounts(mounts.mounts),
		LivenessProbe:   livenessProbe(host, "/livez", corev1.URISchemeHTTPS),
		ReadinessProbe:  readinessProbe(host, "/readyz", corev1.URISchemeHTTPS),
		StartupProbe:    o.startupProbe(host, "/livez", corev1.URISchemeHTTPS),
		Resources:       cpuRequest("100m"),
		Env:             mergeEnv(proxyEnv(o.environ()), cfg.Scheduler.ExtraEnvs),
		Ports:           probePort(constants.KubeSchedulerPort),
	}
	pod := staticPod(c, mounts.volumes, nil)
	if err := o.applyNonRoot(cfg, pod); err != nil {
		return nil, err
	}
	return pod, nil
}
