package initflow

import (
	"context"
	"fmt"

	clientset "k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/kubeadm-cleanroom/kubeadm/app/apiclient"
	"github.com/kubeadm-cleanroom/kubeadm/app/cri"
	"github.com/kubeadm-cleanroom/kubeadm/app/nodeenv"
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/preflight"
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/waitcontrolplane"
)

// Deps are init's accesses to the host, the API server it starts and the
// container runtime, as join's and reset's are; zero fields mean this
// machine's (tests inject fakes).
type Deps struct {
	// Machine gives the directories, the host the preflight checks read,
	// the init system that (re)starts the kubelet, and the clock.
	nodeenv.Machine
	// NewClient builds an API client (admin.conf's and super-admin.conf's).
	NewClient func(cfg *rest.Config) (clientset.Interface, error)
	// HTTPGet asks a health endpoint for its status (the kubelet's and the
	// control plane's).
	HTTPGet waitcontrolplane.Getter
	// Runtime connects to the container runtime at endpoint (preflight).
	Runtime preflight.RuntimeDialer
	// RuntimeAnswers reports whether a server listens on a runtime's
	// socket path (preflight's CRI check).
	RuntimeAnswers func(path string) bool
}

// defaults fills the zero fields with this machine's.
func (d *Deps) defaults() {
	d.Machine.Default()
	if d.NewClient == nil {
		d.NewClient = func(cfg *rest.Config) (clientset.Interface, error) { return clientset.NewForConfig(cfg) }
	}
	if d.HTTPGet == nil {
		d.HTTPGet = waitcontrolplane.KeepAliveGet
	}
	if d.Runtime == nil {
		d.Runtime = func(ctx context.Context, ep string) (preflight.RuntimeConfigAsker, error) { return cri.Dial(ctx, ep) }
	}
	if d.RuntimeAnswers == nil {
		d.RuntimeAnswers = cri.Answers
	}
}

// clientFromFile builds an API client from a kubeconfig file, talking to
// server instead of the file's when server is not "", with the rate limits
// a bootstrap's bursts of writes need.
func (d *Data) clientFromFile(path, server string) (clientset.Interface, error) {
	cfg, err := apiclient.RESTConfig(path, server)
	if err != nil {
		return nil, err
	}
	c, err := d.NewClient(cfg)
	if err != nil {
		return nil, fmt.Errorf("client from %s: %w", path, err)
	}
	return c, nil
}
