package upgradeflow

import (
	"context"
	"io"
	"time"

	clientset "k8s.io/client-go/kubernetes"

	"github.com/kubeadm-cleanroom/kubeadm/app/cri"
	"github.com/kubeadm-cleanroom/kubeadm/app/etcd"
	"github.com/kubeadm-cleanroom/kubeadm/app/host"
	"github.com/kubeadm-cleanroom/kubeadm/app/nodeenv"
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/waitcontrolplane"
)

// Deps are the upgrade's accesses to the host, the cluster, etcd and the
// container runtime, as reset's and join's are; zero fields mean this
// machine's (tests inject fakes).
type Deps struct {
	// Machine gives the directories, the init system and the clock.
	nodeenv.Machine
	// Client replaces the API client built from Kubeconfig.
	Client clientset.Interface
	// HTTPGet asks a health endpoint for its status: the local API
	// server's /readyz and the new components' health endpoints.
	HTTPGet waitcontrolplane.Getter
	// Etcd connects to the etcd members at endpoints with the API
	// server's etcd client certificate from the certificates directory
	// pkiDir.
	Etcd func(endpoints []string, pkiDir string, dialTimeout time.Duration) (EtcdClient, error)
	// Runtime connects to the container runtime at endpoint.
	Runtime func(ctx context.Context, endpoint string) (Runtime, error)
	// DetectRuntime finds the runtime's endpoint when the kubelet's
	// instance-config.yaml names none.
	DetectRuntime func() (string, error)
	// Listening reports whether a TCP address (host:port) accepts
	// connections: the old API server's and etcd's, until they stop.
	Listening func(addr string) bool
}

// EtcdClient is what the upgrade needs of etcd: the members and their
// health, the backup snapshot and the version a member runs.
type EtcdClient interface {
	Members(ctx context.Context) ([]etcd.Member, error)
	Health(ctx context.Context) ([]string, error)
	Snapshot(ctx context.Context, w io.Writer) error
	EndpointVersion(ctx context.Context, endpoint string) (string, error)
	Endpoints() []string
	Close() error
}

// Runtime is what the upgrade needs of the container runtime: the new
// images, the old API server's containers and the crash loops of new ones.
type Runtime interface {
	ImagePresent(ctx context.Context, image string) (bool, error)
	PullImage(ctx context.Context, image string) error
	RunningContainers(ctx context.Context, podUID string) ([]string, error)
	StopContainer(ctx context.Context, id string, timeout int64) error
	ExitedSince(ctx context.Context, labels map[string]string, since time.Time) ([]cri.Exited, error)
	Close() error
}

// defaults fills the zero fields with this machine's.
func (d *Deps) defaults() {
	d.Machine.Default()
	if d.HTTPGet == nil {
		d.HTTPGet = waitcontrolplane.HTTPGet
	}
	if d.Etcd == nil {
		d.Etcd = dialEtcd
	}
	if d.Runtime == nil {
		d.Runtime = func(ctx context.Context, ep string) (Runtime, error) { return cri.Dial(ctx, ep) }
	}
	if d.DetectRuntime == nil {
		d.DetectRuntime = func() (string, error) { return cri.Detect(cri.Answers) }
	}
	if d.Listening == nil {
		d.Listening = host.Listening
	}
}

// dialEtcd connects with the API server's etcd client identity, which
// kubeadm uses too.
func dialEtcd(endpoints []string, pkiDir string, dialTimeout time.Duration) (EtcdClient, error) {
	return etcd.NewFromPKI(endpoints, pkiDir, dialTimeout)
}
