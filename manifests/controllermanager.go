package manifests

import (
	"path/filepath"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/images"
)

// ControllerManager builds the kube-controller-manager static Pod. cfg
// must be defaulted.
func (o Options) ControllerManager(cfg *kubeadm.ClusterConfiguration) (*corev1.Pod, error) {
	if err := checkCommon(cfg, constants.KubeControllerManager); err != nil {
		return nil, err
	}

	mounts := newHostMounts()
	mounts.add(certsVolume, cfg.CertificatesDir, cfg.CertificatesDir, true, corev1.HostPathDirectoryOrCreate)
	mounts.addKubeconfig(constants.ControllerManagerKubeConfig)
	mounts.addCACerts(o)
	mounts.addExtra(cfg.ControllerManager.ExtraVolumes)

	host := localProbeHost(cfg.ControllerManager.ExtraArgs)
	c := corev1.Container{
		Name:            constants.KubeControllerManager,
		Image:           images.Component(cfg, constants.KubeControllerManager),
		ImagePullPolicy: corev1.PullIfNotPresent,
		Command:         command(constants.KubeControllerManager, o.controllerManagerFlags(cfg), cfg.ControllerManager.ExtraArgs),
		VolumeMounts:    sortedMounts(mounts.mounts),
		LivenessProbe:   livenessProbe(host, "/healthz", corev1.URISchemeHTTPS),
		StartupProbe:    o.startupProbe(host, "/healthz", corev1.URISchemeHTTPS),
		Resources:       cpuRequest("200m"),
		Env:             mergeEnv(proxyEnv(o.environ()), cfg.ControllerManager.ExtraEnvs),
		Ports:           probePort(constants.KubeControllerManagerPort),
	}
	pod := staticPod(c, mounts.volumes, nil)
	if err := o.applyNonRoot(cfg, pod); err != nil {
		return nil, err
	}
	return pod, nil
}

// controllerManagerFlags are the controller manager's default flags.
func (o Options) controllerManagerFlags(cfg *kubeadm.ClusterConfiguration) flags {
	dir := cfg.CertificatesDir
	kubeconfig := filepath.Join(constants.KubernetesDir, constants.ControllerManagerKubeConfig)
	caCert := crt(dir, constants.CACertAndKeyBaseName)
	f := flags{
		{Name: "bind-address", Value: "127.0.0.1"},
		{Name: "leader-elect", Value: "true"},
		{Name: "kubeconfig", Value: kubeconfig},
		{Name: "authentication-kubeconfig", Value: kubeconfig},
		{Name: "authorization-kubeconfig", Value: kubeconfig},
		{Name: "client-ca-file", Value: caCert},
		{Name: "requestheader-client-ca-file", Value: crt(dir, constants.FrontProxyCACertAndKeyBaseName)},
		{Name: "root-ca-file", Value: caCert},
		{Name: "service-account-private-key-file", Value: filepath.Join(dir, constants.ServiceAccountPrivateKeyName)},
		{Name: "cluster-signing-cert-file", Value: caCert},
		{Name: "cluster-signing-key-file", Value: key(dir, constants.CACertAndKeyBaseName)},
		{Name: "use-service-account-credentials", Value: "true"},
		{Name: "controllers", Value: "*,bootstrapsigner,tokencleaner"},
	}

	// Without the CA key the signing controller must not start; empty
	// signing flags make sure it does not.
	if o.usingExternalCA(dir) {
		f = f.set("cluster-signing-key-file", "")
		f = f.set("cluster-signing-cert-file", "")
	}

	// With a Pod subnet the controller manager hands each node a slice of it.
	if cfg.Networking.PodSubnet != "" {
		f = f.set("allocate-node-cidrs", "true")
		f = f.set("cluster-cidr", cfg.Networking.PodSubnet)
		if cfg.Networking.ServiceSubnet != "" {
			f = f.set("service-cluster-ip-range", cfg.Networking.ServiceSubnet)
		}
	}

	if cfg.ClusterName != "" {
		f = f.set("cluster-name", cfg.ClusterName)
	}
	return f
}

// localProbeHost is the probe host of a component bound to loopback by
// default: the last --bind-address extra argument when there is one.
func localProbeHost(extra []kubeadm.Arg) string {
	if addr, ok := lastArg(extra, "bind-address"); ok {
		return probeHost(addr)
	}
	return "127.0.0.1"
}
