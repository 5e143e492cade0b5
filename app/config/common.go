package config

import (
	"errors"
	"fmt"
	"net"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/cri"
)

// DefaultCRISocket is the runtime endpoint assumed where none is needed
// (a dry run on a host without a runtime), as upstream assumes containerd's.
const DefaultCRISocket = "unix:///var/run/containerd/containerd.sock"

// runtimeDetection finds the container runtime only once the configuration
// is known to be valid, so that bad input is refused before any socket on
// the host is dialled, and validation errors, which say more, come first.
type runtimeDetection struct {
	host Host
	// pending: no socket was given, so one is to be found on host.
	pending bool
	// noRuntime: the run uses no runtime (a dry run), so a host without
	// one gets DefaultCRISocket.
	noRuntime bool
}

// detect fills nr.CRISocket from the host when none was given. It returns a
// warning when a run that needs no runtime found none. Several runtimes
// stay an error even then: the run's files would name one of them.
func (r *runtimeDetection) detect(nr *kubeadm.NodeRegistrationOptions) (string, error) {
	if !r.pending {
		return "", nil
	}
	s, err := r.host.DetectCRISocket()
	switch {
	case err == nil:
		nr.CRISocket = s
	case r.noRuntime && errors.Is(err, cri.ErrNoRuntime):
		nr.CRISocket = DefaultCRISocket
		r.pending = false
		return "no container runtime was found; assuming " + DefaultCRISocket + " (this run does not use it)", nil
	default:
		return "", err
	}
	r.pending = false
	return "", nil
}

// defaultNodeRegistration fills the node name from the host name and
// normalizes a given CRI socket (returning a warning). An empty socket is
// left for det to find once the configuration has been validated.
func defaultNodeRegistration(nr *kubeadm.NodeRegistrationOptions, host Host, det *runtimeDetection) (string, error) {
	if nr.Name == "" {
		h, err := host.Hostname()
		if err != nil {
			return "", fmt.Errorf("node name: %w", err)
		}
		nr.Name = strings.ToLower(h)
	}
	if nr.CRISocket == "" {
		det.host, det.pending = host, true
		return "", nil
	}
	var warn string
	nr.CRISocket, warn = cri.Normalize(nr.CRISocket)
	return warn, nil
}

// defaultAdvertiseAddress fills an API endpoint address that is empty or
// unspecified ("0.0.0.0", "::") with the address of the default route's
// interface, of the family given (IPv4 when empty), as upstream does. It
// returns a warning when it replaces a value the user gave.
func defaultAdvertiseAddress(ep *kubeadm.APIEndpoint, host Host) (string, error) {
	given := ep.AdvertiseAddress
	ip := net.ParseIP(given)
	if given != "" && (ip == nil || !ip.IsUnspecified()) {
		return "", nil // an address, or something validation refuses
	}
	found, err := host.DefaultRouteIP(ip != nil && ip.To4() == nil)
	if err != nil {
		return "", fmt.Errorf("advertise address: %w", err)
	}
	ep.AdvertiseAddress = found.String()
	if given == "" {
		return "", nil
	}
	return fmt.Sprintf("advertiseAddress %q: using %s, the address of the default route's interface", given, ep.AdvertiseAddress), nil
}

// invalid turns field errors into one error listing them all.
func invalid(errs field.ErrorList) error {
	if len(errs) == 0 {
		return nil
	}
	var msgs []string
	for _, e := range errs {
		msgs = append(msgs, e.Error())
	}
	return errors.New("invalid configuration: " + strings.Join(msgs, "; "))
}
