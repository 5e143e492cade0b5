package manifests

import (
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
)

func arg(name, value string) kubeadm.Arg { return kubeadm.Arg{Name: name, Value: value} }

func env(name, value string) kubeadm.EnvVar {
	return kubeadm.EnvVar{EnvVar: corev1.EnvVar{Name: name, Value: value}}
}

// goldenCases maps a case name to the Pods it renders; each Pod is
// compared with testdata/<case>.<component>.yaml.
func goldenCases() map[string]renderer {
	cases := map[string]renderer{
		"default": controlPlane(debianHost, defaultConfig(), defaultEndpoint, defaultNode),
	}

	podSubnet := defaultConfig()
	podSubnet.Networking.PodSubnet = "10.244.0.0/16"
	cases["pod-subnet"] = func(t *testing.T) map[string]*corev1.Pod {
		return map[string]*corev1.Pod{"kube-controller-manager": must(t)(debianHost.ControllerManager(podSubnet))}
	}

	external := defaultConfig()
	external.Etcd = kubeadm.Etcd{External: &kubeadm.ExternalEtcd{
		Endpoints: []string{"https://10.0.0.51:2379", "https://10.0.0.52:2379"},
		CAFile:    "/etc/etcd/pki/ca.crt",
		CertFile:  "/etc/etcd/pki/client/apiserver-etcd-client.crt",
		KeyFile:   "/srv/keys/apiserver-etcd-client.key",
	}}
	cases["external-etcd"] = controlPlane(debianHost, external, defaultEndpoint, defaultNode)

	extraArgs := defaultConfig()
	extraArgs.APIServer.ExtraArgs = []kubeadm.Arg{
		arg("enable-admission-plugins", "NodeRestriction,PodNodeSelector"),
		arg("audit-log-path", "/var/log/kubernetes/audit.log"),
		arg("authorization-mode", "Node,RBAC,Webhook"),
		arg("tls-cipher-suites", "TLS_AES_128_GCM_SHA256"),
		arg("tls-cipher-suites", "TLS_AES_256_GCM_SHA384"),
	}
	extraArgs.ControllerManager.ExtraArgs = []kubeadm.Arg{
		arg("bind-address", "0.0.0.0"),
		arg("node-monitor-grace-period", "20s"),
	}
	extraArgs.Scheduler.ExtraArgs = []kubeadm.Arg{
		arg("bind-address", "10.0.0.10"),
		arg("v", "4"),
	}
	extraArgs.Etcd.Local.ExtraArgs = []kubeadm.Arg{
		arg("snapshot-count", "5000"),
		arg("quota-backend-bytes", "8589934592"),
		arg("listen-metrics-urls", "https://127.0.0.1:2382,http://10.0.0.10:2381"),
		arg("advertise-client-urls", "https://etcd.internal:2379"),
	}
	cases["extra-args"] = controlPlane(debianHost, extraArgs, defaultEndpoint, defaultNode)

	authzConfig := defaultConfig()
	authzConfig.APIServer.ExtraArgs = []kubeadm.Arg{arg("authorization-config", "/etc/kubernetes/authz.yaml")}
	cases["authorization-config"] = func(t *testing.T) map[string]*corev1.Pod {
		return map[string]*corev1.Pod{"kube-apiserver": must(t)(debianHost.APIServer(authzConfig, defaultEndpoint))}
	}

	extraVolumes := defaultConfig()
	extraVolumes.APIServer.ExtraVolumes = []kubeadm.HostPathMount{
		{Name: "audit", HostPath: "/var/log/kubernetes", MountPath: "/var/log/kubernetes", PathType: corev1.HostPathDirectoryOrCreate},
		{Name: "ca-certs", HostPath: "/opt/ssl/certs", MountPath: "/etc/ssl/certs", ReadOnly: true},
	}
	extraVolumes.ControllerManager.ExtraVolumes = []kubeadm.HostPathMount{
		{Name: "flexvolume-dir", HostPath: "/usr/libexec/kubernetes/kubelet-plugins/volume/exec", MountPath: "/usr/libexec/kubernetes/kubelet-plugins/volume/exec", PathType: corev1.HostPathDirectoryOrCreate},
	}
	extraVolumes.Scheduler.ExtraVolumes = []kubeadm.HostPathMount{
		{Name: "scheduler-config", HostPath: "/etc/kubernetes/scheduler-config.yaml", MountPath: "/etc/kubernetes/scheduler-config.yaml", ReadOnly: true, PathType: corev1.HostPathFile},
	}
	cases["extra-volumes"] = controlPlane(debianHost, extraVolumes, defaultEndpoint, defaultNode)

	extraEnvs := defaultConfig()
	extraEnvs.APIServer.ExtraEnvs = []kubeadm.EnvVar{env("NO_PROXY", "10.0.0.0/8,.svc"), env("GOMAXPROCS", "2")}
	extraEnvs.ControllerManager.ExtraEnvs = []kubeadm.EnvVar{env("GODEBUG", "x509sha1=1")}
	extraEnvs.Etcd.Local.ExtraEnvs = []kubeadm.EnvVar{env("ETCD_UNSUPPORTED_ARCH", "arm64")}
	proxied := debianHost
	proxied.Environ = func() []string {
		return []string{"PATH=/usr/bin", "HTTPS_PROXY=http://proxy:3128", "NO_PROXY=localhost", "http_proxy=http://proxy:3128", "ftp_proxy=", "LANG=C"}
	}
	cases["extra-envs"] = controlPlane(proxied, extraEnvs, defaultEndpoint, defaultNode)

	endpoint := defaultConfig()
	endpoint.ControlPlaneEndpoint = "k8s.example.com:6443"
	cases["control-plane-endpoint"] = controlPlane(debianHost, endpoint, defaultEndpoint, defaultNode)

	join := EtcdNode{
		Name:             "cp-2",
		AdvertiseAddress: "10.0.0.12",
		InitialCluster: []EtcdMember{
			{Name: "cp-0", PeerURL: "https://10.0.0.10:2380"},
			{Name: "cp-1", PeerURL: "https://10.0.0.11:2380"},
			{Name: "cp-2", PeerURL: "https://10.0.0.12:2380"},
		},
		InitialClusterState: EtcdClusterExisting,
	}
	joinCfg := defaultConfig()
	cases["etcd-join"] = func(t *testing.T) map[string]*corev1.Pod {
		return map[string]*corev1.Pod{"etcd": must(t)(debianHost.Etcd(joinCfg, join))}
	}

	v6 := defaultConfig()
	v6.Networking.ServiceSubnet = "fd00:10:96::/112"
	cases["ipv6"] = controlPlane(debianHost, v6,
		kubeadm.APIEndpoint{AdvertiseAddress: "fd00::10", BindPort: 6443},
		EtcdNode{Name: "cp-0", AdvertiseAddress: "fd00::10"})

	rhel := debianHost
	rhel.PathExists = func(p string) bool {
		switch p {
		case "/etc/pki/ca-trust", "/etc/pki/tls/certs", "/etc/kubernetes/pki/ca.crt":
			return true
		}
		return false
	}
	cases["rhel-external-ca"] = func(t *testing.T) map[string]*corev1.Pod {
		return map[string]*corev1.Pod{
			"kube-apiserver":          must(t)(rhel.APIServer(defaultConfig(), defaultEndpoint)),
			"kube-controller-manager": must(t)(rhel.ControllerManager(defaultConfig())),
		}
	}

	rootless := defaultConfig()
	rootless.FeatureGates = map[string]bool{RootlessControlPlane: true}
	nonRoot := debianHost
	nonRoot.NonRoot = &NonRootIDs{
		Etcd:                     UserGroup{UID: 2000, GID: 2000},
		APIServer:                UserGroup{UID: 2001, GID: 2001},
		ControllerManager:        UserGroup{UID: 2002, GID: 2002},
		Scheduler:                UserGroup{UID: 2003, GID: 2003},
		ServiceAccountKeyReaders: 2004,
	}
	cases["rootless"] = controlPlane(nonRoot, rootless, defaultEndpoint, defaultNode)
	return cases
}
