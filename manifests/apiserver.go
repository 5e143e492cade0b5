package manifests

import (
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/images"
)

// APIServer builds the kube-apiserver static Pod of the control-plane
// node whose API server listens on endpoint. cfg must be defaulted.
func (o Options) APIServer(cfg *kubeadm.ClusterConfiguration, endpoint kubeadm.APIEndpoint) (*corev1.Pod, error) {
	if err := checkCommon(cfg, constants.KubeAPIServer); err != nil {
		return nil, err
	}
	if endpoint.AdvertiseAddress == "" || endpoint.BindPort <= 0 {
		return nil, fmt.Errorf("building %s manifest: API endpoint %q has no advertise address or bind port",
			constants.KubeAPIServer, endpoint.AdvertiseAddress)
	}

	mounts := newHostMounts()
	mounts.add(certsVolume, cfg.CertificatesDir, cfg.CertificatesDir, true, corev1.HostPathDirectoryOrCreate)
	mounts.addCACerts(o)
	if cfg.Etcd.External != nil {
		mounts.addExternalEtcdCerts(cfg.Etcd.External, cfg.CertificatesDir)
	}
	mounts.addExtra(cfg.APIServer.ExtraVolumes)

	host := probeHost(endpoint.AdvertiseAddress)
	c := corev1.Container{
		Name:            constants.KubeAPIServer,
		Image:           images.Component(cfg, constants.KubeAPIServer),
		ImagePullPolicy: corev1.PullIfNotPresent,
		Command:         command(constants.KubeAPIServer, apiServerFlags(cfg, endpoint), cfg.APIServer.ExtraArgs),
		VolumeMounts:    sortedMounts(mounts.mounts),
		LivenessProbe:   livenessProbe(host, "/livez", corev1.URISchemeHTTPS),
		ReadinessProbe:  readinessProbe(host, "/readyz", corev1.URISchemeHTTPS),
		StartupProbe:    o.startupProbe(host, "/livez", corev1.URISchemeHTTPS),
		Resources:       cpuRequest("250m"),
		Env:             mergeEnv(proxyEnv(o.environ()), cfg.APIServer.ExtraEnvs),
		Ports:           probePort(endpoint.BindPort),
	}
	annotations := map[string]string{
		constants.AnnotationAPIServerEndpoint: net.JoinHostPort(endpoint.AdvertiseAddress, strconv.Itoa(int(endpoint.BindPort))),
	}
	pod := staticPod(c, mounts.volumes, annotations)
	if err := o.applyNonRoot(cfg, pod); err != nil {
		return nil, err
	}
	return pod, nil
}

// apiServerFlags are the API server's default flags for cfg.
func apiServerFlags(cfg *kubeadm.ClusterConfiguration, endpoint kubeadm.APIEndpoint) flags {
	dir := cfg.CertificatesDir
	f := flags{
		{Name: "advertise-address", Value: endpoint.AdvertiseAddress},
		{Name: "enable-admission-plugins", Value: "NodeRestriction"},
		{Name: "service-cluster-ip-range", Value: cfg.Networking.ServiceSubnet},
		{Name: "service-account-key-file", Value: filepath.Join(dir, constants.ServiceAccountPublicKeyName)},
		{Name: "service-account-signing-key-file", Value: filepath.Join(dir, constants.ServiceAccountPrivateKeyName)},
		{Name: "service-account-issuer", Value: "https://kubernetes.default.svc." + cfg.Networking.DNSDomain},
		{Name: "client-ca-file", Value: crt(dir, constants.CACertAndKeyBaseName)},
		{Name: "tls-cert-file", Value: crt(dir, constants.APIServerCertAndKeyBaseName)},
		{Name: "tls-private-key-file", Value: key(dir, constants.APIServerCertAndKeyBaseName)},
		{Name: "kubelet-client-certificate", Value: crt(dir, constants.APIServerKubeletClientCertAndKeyBase)},
		{Name: "kubelet-client-key", Value: key(dir, constants.APIServerKubeletClientCertAndKeyBase)},
		{Name: "enable-bootstrap-token-auth", Value: "true"},
		{Name: "secure-port", Value: strconv.Itoa(int(endpoint.BindPort))},
		{Name: "allow-privileged", Value: "true"},
		{Name: "kubelet-preferred-address-types", Value: "InternalIP,ExternalIP,Hostname"},
		{Name: "requestheader-username-headers", Value: "X-Remote-User"},
		{Name: "requestheader-group-headers", Value: "X-Remote-Group"},
		{Name: "requestheader-extra-headers-prefix", Value: "X-Remote-Extra-"},
		{Name: "requestheader-client-ca-file", Value: crt(dir, constants.FrontProxyCACertAndKeyBaseName)},
		{Name: "requestheader-allowed-names", Value: constants.FrontProxyClientCN},
		{Name: "proxy-client-cert-file", Value: crt(dir, constants.FrontProxyClientCertAndKeyBaseName)},
		{Name: "proxy-client-key-file", Value: key(dir, constants.FrontProxyClientCertAndKeyBaseName)},
	}
	f = etcdClientFlags(f, cfg, endpoint)
	if cfg.ControlPlaneEndpoint != "" {
		f = f.set(shutdownDelayFlag, DefaultAPIServerShutdownDelay.String())
	}

	// With structured authorization (--authorization-config) the modes
	// flag must not be set; otherwise Node,RBAC is the default, which an
	// extra --authorization-mode replaces.
	if _, ok := lastArg(cfg.APIServer.ExtraArgs, "authorization-config"); !ok {
		f = f.set("authorization-mode", "Node,RBAC")
	}
	return f
}

// shutdownDelayFlag is how long kube-apiserver keeps serving, with its
// /readyz failing, after it was told to stop.
const shutdownDelayFlag = "shutdown-delay-duration"

// DefaultAPIServerShutdownDelay is the shutdown delay of an API server
// that clients reach through a controlPlaneEndpoint (a load balancer).
// In that time a load balancer checking /readyz takes the server out of
// its pool before the server closes its port, so that no request is sent
// to a server that is gone or, once it restarts, not yet ready. 8 s covers
// the load balancer of kubeadm's high-availability guide (checks every 2 s,
// 3 failures to take a server out) and one check in flight. Upstream runs
// with 0: every restart of an API server drops requests through the load
// balancer. apiServer.extraArgs shutdown-delay-duration replaces it.
const DefaultAPIServerShutdownDelay = 8 * time.Second

// APIServerShutdownDelay is the shutdown delay the API servers of cfg run
// with: that of apiServer.extraArgs when it is set and valid, the default
// when cfg has a controlPlaneEndpoint, and otherwise 0.
func APIServerShutdownDelay(cfg *kubeadm.ClusterConfiguration) time.Duration {
	if v, ok := lastArg(cfg.APIServer.ExtraArgs, shutdownDelayFlag); ok {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return 0
		}
		return d
	}
	if cfg.ControlPlaneEndpoint != "" {
		return DefaultAPIServerShutdownDelay
	}
	return 0
}

// etcdClientFlags adds how the API server reaches etcd: the external
// endpoints and the user's client certificate, or the local member over
// loopback (of the advertise address's family) with kubeadm's client
// certificate.
func etcdClientFlags(f flags, cfg *kubeadm.ClusterConfiguration, endpoint kubeadm.APIEndpoint) flags {
	if ext := cfg.Etcd.External; ext != nil {
		f = f.set("etcd-servers", strings.Join(ext.Endpoints, ","))
		if ext.CAFile != "" {
			f = f.set("etcd-cafile", ext.CAFile)
		}
		if ext.CertFile != "" && ext.KeyFile != "" {
			f = f.set("etcd-certfile", ext.CertFile)
			f = f.set("etcd-keyfile", ext.KeyFile)
		}
		return f
	}

	dir := cfg.CertificatesDir
	servers := "https://" + net.JoinHostPort(loopbackFor(endpoint.AdvertiseAddress), strconv.Itoa(constants.EtcdListenClientPort))
	// A local etcd whose client URLs the user replaced is reached there.
	if l := cfg.Etcd.Local; l != nil {
		if urls, ok := lastArg(l.ExtraArgs, "advertise-client-urls"); ok {
			servers = urls
		}
	}
	f = f.set("etcd-servers", servers)
	f = f.set("etcd-cafile", crt(dir, constants.EtcdCACertAndKeyBaseName))
	f = f.set("etcd-certfile", crt(dir, constants.APIServerEtcdClientCertAndKeyBaseName))
	f = f.set("etcd-keyfile", key(dir, constants.APIServerEtcdClientCertAndKeyBaseName))
	return f
}

// loopbackFor returns the loopback address of address's IP family.
func loopbackFor(address string) string {
	if ip := net.ParseIP(address); ip != nil && ip.To4() == nil {
		return "::1"
	}
	return "127.0.0.1"
}

// checkCommon rejects a configuration that was evidently not defaulted.
func checkCommon(cfg *kubeadm.ClusterConfiguration, component string) error {
	switch {
	case cfg == nil:
		return fmt.Errorf("building %s manifest: %w", component, errNilConfig)
	case cfg.CertificatesDir == "":
		return fmt.Errorf("building %s manifest: certificatesDir is empty (configuration not defaulted?)", component)
	case cfg.KubernetesVersion == "":
		return fmt.Errorf("building %s manifest: kubernetesVersion is empty (configuration not defaulted?)", component)
	}
	return nil
}
