package upgradeflow

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/atomicfile"
	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/patches"
	"github.com/kubeadm-cleanroom/kubeadm/app/staticpod"
	"github.com/kubeadm-cleanroom/kubeadm/manifests"
)

// LocalControlPlane is what a node's own static Pods say about it: the
// parts of the manifests that are the node's, not the cluster's.
type LocalControlPlane struct {
	Endpoint kubeadm.APIEndpoint
	// Etcd is the local etcd member; nil with external etcd.
	Etcd *manifests.EtcdNode
	// EtcdToken is the etcd --initial-cluster-token, "" for etcd's default.
	EtcdToken string
	// EtcdDataDir is the local member's data directory.
	EtcdDataDir string
}

// ReadLocalControlPlane reads the node's kube-apiserver and etcd
// manifests in dir. ok is false when the node runs no API server (a
// worker).
func ReadLocalControlPlane(dir string) (lcp LocalControlPlane, ok bool, err error) {
	api, err := readPod(filepath.Join(dir, constants.KubeAPIServer+".yaml"))
	if os.IsNotExist(err) {
		return lcp, false, nil
	}
	if err != nil {
		return lcp, false, err
	}
	ep := api.Annotations[constants.AnnotationAPIServerEndpoint]
	host, port, err := net.SplitHostPort(ep)
	if err != nil {
		return lcp, false, fmt.Errorf("read the API server endpoint of this node: annotation %s of %s is %q: %w", constants.AnnotationAPIServerEndpoint, constants.KubeAPIServer, ep, err)
	}
	p, err := strconv.ParseInt(port, 10, 32)
	if err != nil {
		return lcp, false, fmt.Errorf("read the API server endpoint of this node: port %q: %w", port, err)
	}
	lcp.Endpoint = kubeadm.APIEndpoint{AdvertiseAddress: host, BindPort: int32(p)}
	etcdPod, err := readPod(filepath.Join(dir, constants.Etcd+".yaml"))
	if os.IsNotExist(err) {
		return lcp, true, nil
	}
	if err != nil {
		return lcp, true, err
	}
	node, token, dataDir, err := etcdNodeFromPod(etcdPod)
	if err != nil {
		return lcp, true, err
	}
	lcp.Etcd, lcp.EtcdToken, lcp.EtcdDataDir = &node, token, dataDir
	return lcp, true, nil
}

func readPod(path string) (*corev1.Pod, error) {
	b, err := atomicfile.Read(path)
	if err != nil {
		return nil, err
	}
	p, err := manifests.Unmarshal(b)
	if err != nil {
		return nil, fmt.Errorf("read static Pod %s: %w", path, err)
	}
	if len(p.Spec.Containers) == 0 {
		return nil, fmt.Errorf("read static Pod %s: no container", path)
	}
	return p, nil
}

// etcdNodeFromPod recovers the member's identity from its manifest's
// flags, so that the upgraded manifest names the same member.
func etcdNodeFromPod(p *corev1.Pod) (node manifests.EtcdNode, token, dataDir string, err error) {
	flags := map[string]string{}
	for _, a := range p.Spec.Containers[0].Command {
		if k, v, ok := strings.Cut(strings.TrimPrefix(a, "--"), "="); ok && strings.HasPrefix(a, "--") {
			flags[k] = v
		}
	}
	node.Name = flags["name"]
	client := strings.Split(flags["advertise-client-urls"], ",")[0]
	host := strings.TrimPrefix(client, "https://")
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	node.AdvertiseAddress = host
	if node.Name == "" || host == "" {
		return node, "", "", fmt.Errorf("read the local etcd member: the etcd manifest has no --name or --advertise-client-urls")
	}
	node.InitialClusterState = flags["initial-cluster-state"]
	if node.InitialClusterState == manifests.EtcdClusterExisting {
		for _, m := range strings.Split(flags["initial-cluster"], ",") {
			name, url, ok := strings.Cut(m, "=")
			if !ok {
				return node, "", "", fmt.Errorf("read the local etcd member: --initial-cluster entry %q is not name=url", m)
			}
			node.InitialCluster = append(node.InitialCluster, manifests.EtcdMember{Name: name, PeerURL: url})
		}
	}
	dataDir = flags["data-dir"]
	if dataDir == "" {
		dataDir = constants.EtcdDataDir
	}
	return node, flags["initial-cluster-token"], dataDir, nil
}

// PeerURL is the local member's advertised peer URL.
func (l LocalControlPlane) PeerURL() string { return l.Etcd.PeerURL() }

// Render builds the manifest component should have at cfg's version on
// this node, with opts (the non-root IDs of RootlessControlPlane) and the
// user's patches.
func Render(cfg *kubeadm.ClusterConfiguration, lcp LocalControlPlane, component string, opts manifests.Options, set *patches.Set) ([]byte, error) {
	var pod *corev1.Pod
	var err error
	switch component {
	case constants.Etcd:
		if lcp.Etcd == nil {
			return nil, fmt.Errorf("render %s: this node runs no local etcd", component)
		}
		pod, err = opts.Etcd(cfg, *lcp.Etcd)
	case constants.KubeAPIServer:
		pod, err = opts.APIServer(cfg, lcp.Endpoint)
	case constants.KubeControllerManager:
		pod, err = opts.ControllerManager(cfg)
	case constants.KubeScheduler:
		pod, err = opts.Scheduler(cfg)
	default:
		return nil, fmt.Errorf("render %s: not a control-plane component", component)
	}
	if err != nil {
		return nil, err
	}
	b, _, err := staticpod.Render(component, pod, set)
	return b, err
}
