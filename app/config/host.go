package config

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"

	"github.com/kubeadm-cleanroom/kubeadm/app/cri"
)

// Host answers the questions dynamic defaults ask about the machine.
type Host interface {
	Hostname() (string, error)
	// DefaultRouteIP returns an address of the interface the IPv4 default
	// route leaves through.
	DefaultRouteIP() (net.IP, error)
	// DetectCRISocket finds the one container runtime endpoint.
	DetectCRISocket() (string, error)
}

// LocalHost is the Host of the machine the command runs on.
type LocalHost struct{}

// Hostname returns the kernel's host name.
func (LocalHost) Hostname() (string, error) { return os.Hostname() }

// DetectCRISocket probes the known runtime sockets.
func (LocalHost) DetectCRISocket() (string, error) { return cri.Detect(cri.Answers) }

// DefaultRouteIP reads /proc/net/route for the default route's interface
// and returns that interface's first global unicast IPv4 address.
func (LocalHost) DefaultRouteIP() (net.IP, error) {
	f, err := os.Open("/proc/net/route")
	if err != nil {
		return nil, fmt.Errorf("read routes: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	iface := ""
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) > 2 && fields[1] == "00000000" && fields[0] != "Iface" {
			iface = fields[0]
			break
		}
	}
	if iface == "" {
		return nil, errors.New("no default route: set localAPIEndpoint.advertiseAddress or --apiserver-advertise-address")
	}
	ifi, err := net.InterfaceByName(iface)
	if err != nil {
		return nil, fmt.Errorf("default route interface %s: %w", iface, err)
	}
	addrs, err := ifi.Addrs()
	if err != nil {
		return nil, fmt.Errorf("addresses of %s: %w", iface, err)
	}
	for _, a := range addrs {
		if ipn, ok := a.(*net.IPNet); ok && ipn.IP.To4() != nil && ipn.IP.IsGlobalUnicast() {
			return ipn.IP, nil
		}
	}
	return nil, fmt.Errorf("interface %s of the default route has no IPv4 address: set --apiserver-advertise-address", iface)
}
