package joinflow

import (
	"context"
	"fmt"
	"time"

	clientset "k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/kubeadm-cleanroom/kubeadm/app/apiclient"
	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/cri"
	"github.com/kubeadm-cleanroom/kubeadm/app/discovery"
	"github.com/kubeadm-cleanroom/kubeadm/app/etcd"
	"github.com/kubeadm-cleanroom/kubeadm/app/nodeenv"
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/waitcontrolplane"
)

// Deps are join's accesses to the host, the cluster, etcd and the
// container runtime, as reset's are; zero fields mean this machine's
// (tests inject fakes, so that every phase runs without root).
type Deps struct {
	// Machine gives the directories, the host the preflight checks read,
	// the init system that (re)starts the kubelet, and the clock.
	nodeenv.Machine
	// Discover finds and verifies the cluster (token or file discovery)
	// and returns the kubeconfig it found, within timeout.
	Discover func(ctx context.Context, disc kubeadm.Discovery, timeout time.Duration) (*clientcmdapi.Config, error)
	// NewClient builds an API client: the bootstrap token's, admin.conf's and
	// kubelet.conf's.
	NewClient func(cfg *rest.Config) (clientset.Interface, error)
	// Etcd connects to the etcd members at endpoints with the API server's
	// etcd client certificate from the certificates directory pkiDir.
	Etcd func(ctx context.Context, endpoints []string, pkiDir string) (EtcdClient, error)
	// Runtime connects to the container runtime at endpoint (preflight's
	// checks and a failed join's Pod stops).
	Runtime func(ctx context.Context, endpoint string) (Runtime, error)
	// RuntimeAnswers reports whether a server listens on a runtime's
	// socket path (preflight's CRI check).
	RuntimeAnswers func(path string) bool
	// HTTPGet asks a health endpoint for its status (the kubelet's and the
	// new control plane's).
	HTTPGet waitcontrolplane.Getter
}

// EtcdClient is what join needs of the etcd cluster: a health check, the
// learner join and the removals of a stale or its own member.
type EtcdClient interface {
	etcd.Cluster
	Healthy(ctx context.Context) error
	Close() error
}

// Runtime is what join needs of the container runtime.
type Runtime interface {
	RuntimeConfigImplemented(ctx context.Context) (bool, error)
	ListPodSandboxes(ctx context.Context) ([]cri.Sandbox, error)
	StopPodSandbox(ctx context.Context, id string) error
	Close() error
}

// defaults fills the zero fields with this machine's.
func (d *Deps) defaults() {
	d.Machine.Default()
	if d.Discover == nil {
		d.Discover = discover
	}
	if d.NewClient == nil {
		d.NewClient = func(cfg *rest.Config) (clientset.Interface, error) { return clientset.NewForConfig(cfg) }
	}
	if d.Etcd == nil {
		d.Etcd = dialEtcd
	}
	if d.Runtime == nil {
		d.Runtime = func(ctx context.Context, ep string) (Runtime, error) { return cri.Dial(ctx, ep) }
	}
	if d.RuntimeAnswers == nil {
		d.RuntimeAnswers = cri.Answers
	}
	if d.HTTPGet == nil {
		d.HTTPGet = waitcontrolplane.KeepAliveGet
	}
}

// discover is token discovery, or file discovery when the configuration
// gives a file.
func discover(ctx context.Context, disc kubeadm.Discovery, timeout time.Duration) (*clientcmdapi.Config, error) {
	if bt := disc.BootstrapToken; bt != nil {
		return discovery.Token(ctx, discovery.TokenOptions{
			Endpoint: bt.APIServerEndpoint, Token: bt.Token, CACertHashes: bt.CACertHashes,
			UnsafeSkipCAVerification: bt.UnsafeSkipCAVerification, Timeout: timeout,
		})
	}
	if disc.File == nil {
		return nil, fmt.Errorf("neither a bootstrap token nor a discovery file is configured")
	}
	return discovery.File(ctx, disc.File.KubeConfigPath, timeout)
}

// dialEtcd connects to etcd with the API server's etcd client certificate.
func dialEtcd(_ context.Context, endpoints []string, pkiDir string) (EtcdClient, error) {
	return etcd.NewFromPKI(endpoints, pkiDir, 5*time.Second)
}

// clientFromFile builds an API client from a kubeconfig file, with the
// rate limits of apiclient's clients (a join's writes come in bursts).
func (d *Data) clientFromFile(path string) (clientset.Interface, error) {
	cfg, err := apiclient.RESTConfig(path, "")
	if err != nil {
		return nil, err
	}
	return d.clientFor(cfg, path)
}

// clientFor builds an API client from a REST configuration with
// apiclient's timeout and rate limits; what names the credential in
// errors.
func (d *Data) clientFor(cfg *rest.Config, what string) (clientset.Interface, error) {
	apiclient.Tune(cfg)
	c, err := d.NewClient(cfg)
	if err != nil {
		return nil, fmt.Errorf("client from %s: %w", what, err)
	}
	return c, nil
}
