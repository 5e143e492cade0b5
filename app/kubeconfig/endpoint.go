package kubeconfig

import (
	"fmt"
	"net"
	"net/url"
	"strconv"

	"k8s.io/apimachinery/pkg/util/validation"
	netutils "k8s.io/utils/net"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
)

// LocalAPIEndpointURL returns https://<advertiseAddress>:<bindPort> for
// this node's API server. The address must be an IP and the port must be
// in 1..65535.
func LocalAPIEndpointURL(ep kubeadm.APIEndpoint) (string, error) {
	if ep.BindPort < 1 || ep.BindPort > 65535 {
		return "", fmt.Errorf("local API endpoint: bind port %d is not in 1..65535", ep.BindPort)
	}
	ip := netutils.ParseIPSloppy(ep.AdvertiseAddress)
	if ip == nil {
		return "", fmt.Errorf("local API endpoint: advertise address %q is not an IP address", ep.AdvertiseAddress)
	}
	return httpsURL(ip.String(), strconv.Itoa(int(ep.BindPort))), nil
}

// ControlPlaneEndpointURL returns the URL clients outside this node should
// use: controlPlaneEndpoint when set (taking the local bind port when it
// names no port), else the local API endpoint. The local advertise
// address is only needed when there is no control plane endpoint.
func ControlPlaneEndpointURL(controlPlaneEndpoint string, local kubeadm.APIEndpoint) (string, error) {
	if controlPlaneEndpoint == "" {
		return LocalAPIEndpointURL(local)
	}
	host, port, err := splitHostPort(controlPlaneEndpoint)
	if err != nil {
		return "", fmt.Errorf("control plane endpoint %q: %w", controlPlaneEndpoint, err)
	}
	if port == "" {
		if local.BindPort < 1 || local.BindPort > 65535 {
			return "", fmt.Errorf("control plane endpoint %q names no port and the local bind port %d is not in 1..65535", controlPlaneEndpoint, local.BindPort)
		}
		port = strconv.Itoa(int(local.BindPort))
	}
	return httpsURL(host, port), nil
}

// splitHostPort accepts host, host:port, ip:port and [ipv6]:port; the host
// must be an IP or a DNS-1123 subdomain and a port, when given, 1..65535.
func splitHostPort(hostport string) (host, port string, err error) {
	host, port, err = net.SplitHostPort(hostport)
	if err != nil {
		host, port = hostport, ""
	}
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			return "", "", fmt.Errorf("port %q is not a number in 1..65535", port)
		}
	}
	if netutils.ParseIPSloppy(host) != nil {
		return host, port, nil
	}
	if errs := validation.IsDNS1123Subdomain(host); len(errs) != 0 {
		return "", "", fmt.Errorf("host %q is neither an IP address nor a DNS-1123 subdomain", host)
	}
	return host, port, nil
}

func httpsURL(host, port string) string {
	u := url.URL{Scheme: "https", Host: net.JoinHostPort(host, port)}
	return u.String()
}
