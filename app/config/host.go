package config

import (
	"fmt"
	"net"
	"os"
	"path/filepath"

	utilnet "k8s.io/apimachinery/pkg/util/net"

	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/cri"
)

// Host answers the questions dynamic defaults ask about the machine.
type Host interface {
	Hostname() (string, error)
	// DefaultRouteIP returns an address of the interface the default route
	// of the family (IPv6 when ipv6) leaves through.
	DefaultRouteIP(ipv6 bool) (net.IP, error)
	// DetectCRISocket finds the one container runtime endpoint.
	DetectCRISocket() (string, error)
}

// LocalHost is the Host of the machine the command runs on.
type LocalHost struct{}

// Hostname returns the kernel's host name.
func (LocalHost) Hostname() (string, error) { return os.Hostname() }

// DetectCRISocket probes the known runtime sockets.
func (LocalHost) DetectCRISocket() (string, error) { return cri.Detect(cri.Answers) }

// RecordedCRISocket is the runtime endpoint init or join recorded for the
// kubelet in /var/lib/kubelet/instance-config.yaml, or "" when there is
// none.
func (LocalHost) RecordedCRISocket() string {
	return cri.RecordedSocket(filepath.Join(constants.KubeletDir, constants.KubeletInstanceFile))
}

// DefaultRouteIP returns the address of the default route's interface in
// the family asked for (IPv6 when ipv6), chosen as upstream chooses it
// (k8s.io/apimachinery's ResolveBindAddress: the default route of that
// family, then its interface's first global address).
func (LocalHost) DefaultRouteIP(ipv6 bool) (net.IP, error) {
	want := net.IPv4zero
	if ipv6 {
		want = net.IPv6zero
	}
	ip, err := utilnet.ResolveBindAddress(want)
	if err != nil {
		family := "IPv4"
		if ipv6 {
			family = "IPv6"
		}
		return nil, fmt.Errorf("no %s address on a default route (%v): set localAPIEndpoint.advertiseAddress or --apiserver-advertise-address", family, err)
	}
	return ip, nil
}
