package manifests

import (
	"errors"
	"math"
	"os"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
)

// defaultHealthCheckTimeout is upstream's default for
// timeouts.controlPlaneComponentHealthCheck; it sizes the startup probes.
const defaultHealthCheckTimeout = 4 * time.Minute

// Options holds the inputs of a manifest that are not in the cluster
// configuration. The zero value reads the real host: os.Stat for paths,
// os.Environ for the environment, and the default health-check timeout.
type Options struct {
	// PathExists reports whether a path exists on the host. It decides
	// which optional CA directories are mounted and whether the cluster
	// CA is external (ca.crt present, ca.key absent). Nil uses os.Stat.
	PathExists func(path string) bool

	// Environ returns the environment, as "NAME=value" strings, from which
	// *_proxy variables are copied into the control-plane containers. Nil
	// uses os.Environ.
	Environ func() []string

	// HealthCheckTimeout is timeouts.controlPlaneComponentHealthCheck; it
	// sets the failure threshold of the startup probes. Zero means four
	// minutes, upstream's default.
	HealthCheckTimeout time.Duration

	// NonRoot holds the host users and groups the components run as when
	// the RootlessControlPlane feature gate is on. It must be set then.
	NonRoot *NonRootIDs
}

func (o Options) pathExists(path string) bool {
	if o.PathExists != nil {
		return o.PathExists(path)
	}
	_, err := os.Stat(path)
	return err == nil
}

func (o Options) environ() []string {
	if o.Environ != nil {
		return o.Environ()
	}
	return os.Environ()
}

// startupFailureThreshold is how many 10-second periods fit in the
// health-check timeout, rounded up, as upstream computes it.
func (o Options) startupFailureThreshold() int32 {
	timeout := o.HealthCheckTimeout
	if timeout <= 0 {
		timeout = defaultHealthCheckTimeout
	}
	return int32(math.Ceil(timeout.Seconds() / float64(probePeriodSeconds)))
}

// errNilConfig is returned when a builder is given no configuration.
var errNilConfig = errors.New("cluster configuration is nil")

// Etcd builds the local etcd static Pod with Options{}; see Options.Etcd.
func Etcd(cfg *kubeadm.ClusterConfiguration, node EtcdNode) (*corev1.Pod, error) {
	return Options{}.Etcd(cfg, node)
}

// APIServer builds the kube-apiserver static Pod with Options{}; see
// Options.APIServer.
func APIServer(cfg *kubeadm.ClusterConfiguration, endpoint kubeadm.APIEndpoint) (*corev1.Pod, error) {
	return Options{}.APIServer(cfg, endpoint)
}

// ControllerManager builds the kube-controller-manager static Pod with
// Options{}; see Options.ControllerManager.
func ControllerManager(cfg *kubeadm.ClusterConfiguration) (*corev1.Pod, error) {
	return Options{}.ControllerManager(cfg)
}

// Scheduler builds the kube-scheduler static Pod with Options{}; see
// Options.Scheduler.
func Scheduler(cfg *kubeadm.ClusterConfiguration) (*corev1.Pod, error) {
	return Options{}.Scheduler(cfg)
}
