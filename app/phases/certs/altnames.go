package certs

import (
	"fmt"
	"math/big"
	"net"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/kubeadm-cleanroom/kubeadm/app/pki"
)

// apiServerAltNames are the apiserver serving certificate's SANs: the node
// name, the in-cluster names of the kubernetes Service, the Service's
// virtual IP, the advertise address, the control-plane endpoint's host and
// apiServer.certSANs.
func apiServerAltNames(in Inputs) (pki.AltNames, []string, error) {
	adv, err := advertiseIP(in)
	if err != nil {
		return pki.AltNames{}, nil, err
	}
	vip, err := serviceVIP(in.Cluster.Networking.ServiceSubnet)
	if err != nil {
		return pki.AltNames{}, nil, err
	}
	var alt pki.AltNames
	if in.NodeName != "" {
		alt.DNSNames = append(alt.DNSNames, in.NodeName)
	}
	alt.DNSNames = append(alt.DNSNames, "kubernetes", "kubernetes.default", "kubernetes.default.svc")
	if d := in.Cluster.Networking.DNSDomain; d != "" {
		alt.DNSNames = append(alt.DNSNames, "kubernetes.default.svc."+d)
	}
	alt.IPs = append(alt.IPs, vip, adv)
	if ep := in.Cluster.ControlPlaneEndpoint; ep != "" {
		host, err := endpointHost(ep)
		if err != nil {
			return pki.AltNames{}, nil, err
		}
		alt.Add(host)
	}
	rejected := alt.Add(in.Cluster.APIServer.CertSANs...)
	return alt, rejected, nil
}

func etcdServerAltNames(in Inputs) (pki.AltNames, []string, error) {
	var extra []string
	if l := in.Cluster.Etcd.Local; l != nil {
		extra = l.ServerCertSANs
	}
	return etcdAltNames(in, extra)
}

func etcdPeerAltNames(in Inputs) (pki.AltNames, []string, error) {
	var extra []string
	if l := in.Cluster.Etcd.Local; l != nil {
		extra = l.PeerCertSANs
	}
	return etcdAltNames(in, extra)
}

// etcdAltNames are the etcd server and peer SANs: the node name and
// localhost, the advertise address and both loopback addresses, and the
// configured extra SANs.
func etcdAltNames(in Inputs, extra []string) (pki.AltNames, []string, error) {
	adv, err := advertiseIP(in)
	if err != nil {
		return pki.AltNames{}, nil, err
	}
	var alt pki.AltNames
	if in.NodeName != "" {
		alt.DNSNames = append(alt.DNSNames, in.NodeName)
	}
	alt.DNSNames = append(alt.DNSNames, "localhost")
	alt.IPs = []net.IP{adv, net.IPv4(127, 0, 0, 1), net.IPv6loopback}
	rejected := alt.Add(extra...)
	return alt, rejected, nil
}

func advertiseIP(in Inputs) (net.IP, error) {
	ip := pki.ParseIP(in.AdvertiseAddress)
	if ip == nil {
		return nil, fmt.Errorf("advertise address %q is not an IP address", in.AdvertiseAddress)
	}
	return ip, nil
}

// serviceVIP returns the first address of the first of the comma-separated
// service subnets: the ClusterIP of the kubernetes Service.
func serviceVIP(subnets string) (net.IP, error) {
	first, _, _ := strings.Cut(subnets, ",")
	_, cidr, err := net.ParseCIDR(strings.TrimSpace(first))
	if err != nil {
		return nil, fmt.Errorf("service subnet %q: %w", subnets, err)
	}
	base := cidr.IP
	n := new(big.Int).SetBytes(base)
	n.Add(n, big.NewInt(1))
	raw := n.Bytes()
	ip := make(net.IP, len(base))
	if len(raw) <= len(ip) {
		copy(ip[len(ip)-len(raw):], raw)
	}
	if len(raw) > len(ip) || !cidr.Contains(ip) {
		return nil, fmt.Errorf("service subnet %q has no room for the kubernetes Service IP", subnets)
	}
	return ip, nil
}

// endpointHost returns the host of a "host" or "host:port" control-plane
// endpoint, which must be an IP address or a DNS name.
func endpointHost(ep string) (string, error) {
	host, port, err := net.SplitHostPort(ep)
	if err != nil {
		host, port = ep, ""
	}
	if port != "" {
		if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
			return "", fmt.Errorf("control-plane endpoint %q: port %q must be a number between 1 and 65535", ep, port)
		}
	}
	if pki.ParseIP(host) == nil && len(validation.IsDNS1123Subdomain(host)) != 0 {
		return "", fmt.Errorf("control-plane endpoint %q: host %q is neither an IP address nor a DNS name", ep, host)
	}
	return host, nil
}
