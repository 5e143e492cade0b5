package manifests

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/images"
)

// The values of EtcdNode.InitialClusterState.
const (
	// EtcdClusterNew starts a new cluster (kubeadm init). Like upstream,
	// no --initial-cluster-state flag is written: "new" is etcd's default.
	EtcdClusterNew = "new"
	// EtcdClusterExisting joins a member to a running cluster (a joining
	// control-plane node); --initial-cluster-state=existing is written.
	EtcdClusterExisting = "existing"
)

// Names of the etcd Pod's volumes.
const (
	etcdDataVolume  = "etcd-data"
	etcdCertsVolume = "etcd-certs"
)

// EtcdMember is one member of the initial etcd cluster.
type EtcdMember struct {
	Name    string // member name, the node name
	PeerURL string // e.g. https://10.0.0.1:2380
}

// EtcdNode describes the etcd member a static Pod runs.
type EtcdNode struct {
	// Name is the member name, the node's name.
	Name string
	// AdvertiseAddress is the node's address, the API server's advertise
	// address; etcd serves clients on port 2379 and peers on 2380 of it.
	AdvertiseAddress string
	// InitialCluster lists every member including this one, in the order
	// the cluster reported them. Empty means this node alone.
	InitialCluster []EtcdMember
	// InitialClusterState is EtcdClusterNew (or "") or EtcdClusterExisting.
	InitialClusterState string
}

// ClientURL is the URL etcd advertises to clients on the node.
func (n EtcdNode) ClientURL() string {
	return "https://" + net.JoinHostPort(n.AdvertiseAddress, strconv.Itoa(constants.EtcdListenClientPort))
}

// PeerURL is the URL etcd advertises to its peers on the node.
func (n EtcdNode) PeerURL() string {
	return "https://" + net.JoinHostPort(n.AdvertiseAddress, strconv.Itoa(constants.EtcdListenPeerPort))
}

// Etcd builds the static Pod of the local (stacked) etcd member of node.
// cfg must be defaulted and use a local etcd.
func (o Options) Etcd(cfg *kubeadm.ClusterConfiguration, node EtcdNode) (*corev1.Pod, error) {
	if err := checkCommon(cfg, constants.Etcd); err != nil {
		return nil, err
	}
	if err := checkEtcd(cfg, node); err != nil {
		return nil, fmt.Errorf("building %s manifest: %w", constants.Etcd, err)
	}
	image, err := images.Etcd(cfg)
	if err != nil {
		return nil, fmt.Errorf("building %s manifest: choosing the image: %w", constants.Etcd, err)
	}

	local := cfg.Etcd.Local
	certsDir := cfg.CertificatesDir + "/etcd"
	volumes := map[string]corev1.Volume{
		etcdDataVolume:  hostPathVolume(etcdDataVolume, local.DataDir, corev1.HostPathDirectoryOrCreate),
		etcdCertsVolume: hostPathVolume(etcdCertsVolume, certsDir, corev1.HostPathDirectoryOrCreate),
	}
	host, port, scheme := etcdProbeEndpoint(local.ExtraArgs, loopbackFor(node.AdvertiseAddress))
	c := corev1.Container{
		Name:            constants.Etcd,
		Image:           image,
		ImagePullPolicy: corev1.PullIfNotPresent,
		Command:         command(constants.Etcd, etcdFlags(cfg, node), local.ExtraArgs),
		// Data first, then certificates: upstream does not sort these.
		VolumeMounts: []corev1.VolumeMount{
			{Name: etcdDataVolume, MountPath: local.DataDir},
			{Name: etcdCertsVolume, MountPath: certsDir},
		},
		Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{
				corev1.ResourceCPU:    resource.MustParse("100m"),
				corev1.ResourceMemory: resource.MustParse("100Mi"),
			},
		},
		// /livez and /readyz of etcd 3.6+ (kubernetes/kubeadm#3039); the
		// startup probe waits for readiness.
		LivenessProbe:  livenessProbe(host, "/livez", scheme),
		ReadinessProbe: readinessProbe(host, "/readyz", scheme),
		StartupProbe:   o.startupProbe(host, "/readyz", scheme),
		Env:            mergeEnv(local.ExtraEnvs),
		Ports:          probePort(port),
	}
	annotations := map[string]string{constants.AnnotationEtcdClientURL: node.ClientURL()}
	pod := staticPod(c, volumes, annotations)
	if err := o.applyNonRoot(cfg, pod); err != nil {
		return nil, err
	}
	return pod, nil
}

// checkEtcd rejects a node or configuration etcd cannot be built from.
func checkEtcd(cfg *kubeadm.ClusterConfiguration, node EtcdNode) error {
	switch {
	case cfg.Etcd.External != nil:
		return errors.New("the cluster uses an external etcd")
	case cfg.Etcd.Local == nil:
		return errors.New("etcd.local is not set (configuration not defaulted?)")
	case cfg.Etcd.Local.DataDir == "":
		return errors.New("etcd.local.dataDir is empty (configuration not defaulted?)")
	case node.Name == "" || node.AdvertiseAddress == "":
		return fmt.Errorf("etcd node %q has no name or advertise address", node.Name)
	}
	switch node.InitialClusterState {
	case "", EtcdClusterNew:
	case EtcdClusterExisting:
		if len(node.InitialCluster) == 0 {
			return errors.New("joining an existing etcd cluster needs its members")
		}
	default:
		return fmt.Errorf("initial cluster state %q is neither %q nor %q",
			node.InitialClusterState, EtcdClusterNew, EtcdClusterExisting)
	}
	return nil
}

// etcdFlags are etcd's default flags for node.
func etcdFlags(cfg *kubeadm.ClusterConfiguration, node EtcdNode) flags {
	dir := cfg.CertificatesDir
	loopback := loopbackFor(node.AdvertiseAddress)
	loopbackClientURL := "https://" + net.JoinHostPort(loopback, strconv.Itoa(constants.EtcdListenClientPort))
	f := flags{
		{Name: "name", Value: node.Name},
		{Name: "listen-client-urls", Value: loopbackClientURL + "," + node.ClientURL()},
		{Name: "advertise-client-urls", Value: node.ClientURL()},
		{Name: "listen-peer-urls", Value: node.PeerURL()},
		{Name: "initial-advertise-peer-urls", Value: node.PeerURL()},
		{Name: "data-dir", Value: cfg.Etcd.Local.DataDir},
		{Name: "cert-file", Value: crt(dir, constants.EtcdServerCertAndKeyBaseName)},
		{Name: "key-file", Value: key(dir, constants.EtcdServerCertAndKeyBaseName)},
		{Name: "trusted-ca-file", Value: crt(dir, constants.EtcdCACertAndKeyBaseName)},
		{Name: "client-cert-auth", Value: "true"},
		{Name: "peer-cert-file", Value: crt(dir, constants.EtcdPeerCertAndKeyBaseName)},
		{Name: "peer-key-file", Value: key(dir, constants.EtcdPeerCertAndKeyBaseName)},
		{Name: "peer-trusted-ca-file", Value: crt(dir, constants.EtcdCACertAndKeyBaseName)},
		{Name: "peer-client-cert-auth", Value: "true"},
		{Name: "snapshot-count", Value: "10000"},
		{Name: "listen-metrics-urls", Value: "http://" + net.JoinHostPort(loopback, strconv.Itoa(constants.EtcdMetricsPort))},
		{Name: "feature-gates", Value: "InitialCorruptCheck=true"},
		{Name: "watch-progress-notify-interval", Value: "5s"},
	}

	if len(node.InitialCluster) == 0 {
		return f.set("initial-cluster", node.Name+"="+node.PeerURL())
	}
	members := make([]string, 0, len(node.InitialCluster))
	for _, m := range node.InitialCluster {
		members = append(members, m.Name+"="+m.PeerURL)
	}
	f = f.set("initial-cluster", strings.Join(members, ","))
	if node.InitialClusterState == EtcdClusterExisting {
		f = f.set("initial-cluster-state", EtcdClusterExisting)
	}
	return f
}
