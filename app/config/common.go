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

// runtimeDetection remembers a failed CRI socket detection, so that
// validation errors, which say more, are reported before it.
type runtimeDetection struct{ criErr error }

// err is the detection failure, if any.
func (r *runtimeDetection) err() error { return r.criErr }

// noRuntimeNeeded is for runs that use no runtime (dry-run): when no
// runtime was found, the socket becomes DefaultCRISocket, with a warning.
// Several runtimes stay an error: the run's files would name one of them.
func (r *runtimeDetection) noRuntimeNeeded(nr *kubeadm.NodeRegistrationOptions) string {
	if r.criErr == nil || !errors.Is(r.criErr, cri.ErrNoRuntime) {
		return ""
	}
	r.criErr = nil
	nr.CRISocket = DefaultCRISocket
	return "no container runtime was found; assuming " + DefaultCRISocket + " (this run does not use it)"
}

// defaultNodeRegistration fills the node name from the host name and the
// CRI socket by probing (or normalizes the given one, returning a warning).
// A failed probe is kept in det, not returned.
func defaultNodeRegistration(nr *kubeadm.NodeRegistrationOptions, host Host, det *runtimeDetection) (string, error) {
	if nr.Name == "" {
		h, err := host.Hostname()
		if err != nil {
			return "", fmt.Errorf("node name: %w", err)
		}
		nr.Name = strings.ToLower(h)
	}
	if nr.CRISocket == "" {
		s, err := host.DetectCRISocket()
		if err != nil {
			det.criErr = err
			return "", nil
		}
		nr.CRISocket = s
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
