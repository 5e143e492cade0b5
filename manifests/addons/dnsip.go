package addons

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
)

// dnsIPIndex is the offset inside the service subnet at which kubeadm places
// the cluster DNS Service (10.96.0.0/12 gives 10.96.0.10).
const dnsIPIndex = 10

// DNSIP returns the cluster IP of the kube-dns Service for the given
// networking.serviceSubnet value. For a dual-stack list ("v4cidr,v6cidr")
// the first subnet decides, as it decides the cluster's primary service
// family. Every entry of the list must parse.
func DNSIP(serviceSubnet string) (net.IP, error) {
	subnet, err := primaryServiceCIDR(serviceSubnet)
	if err != nil {
		return nil, fmt.Errorf("computing the DNS service IP: %w", err)
	}
	ip, err := indexedIP(subnet, dnsIPIndex)
	if err != nil {
		return nil, fmt.Errorf("computing the DNS service IP from service subnet %s: %w", subnet, err)
	}
	return ip, nil
}

// primaryServiceCIDR parses a comma-separated list of CIDRs and returns the
// first one.
func primaryServiceCIDR(list string) (*net.IPNet, error) {
	var first *net.IPNet
	for _, item := range strings.Split(list, ",") {
		cidr, err := parseCIDRSloppy(item)
		if err != nil {
			return nil, fmt.Errorf("parsing service subnet %q: %w", list, err)
		}
		if first == nil {
			first = cidr
		}
	}
	if first == nil {
		return nil, errors.New("service subnet is empty")
	}
	return first, nil
}

// parseCIDRSloppy parses a CIDR like net.ParseCIDR but, like Kubernetes,
// also accepts IPv4 octets written with leading zeros ("010.096.0.0/12"),
// reading them as decimal.
func parseCIDRSloppy(s string) (*net.IPNet, error) {
	_, cidr, err := net.ParseCIDR(s)
	if err == nil {
		return cidr, nil
	}
	addr, bits, ok := strings.Cut(s, "/")
	if !ok {
		return nil, err
	}
	ip := parseIPSloppy(addr)
	if ip == nil || ip.To4() == nil {
		return nil, err
	}
	if _, cidr, err2 := net.ParseCIDR(ip.String() + "/" + bits); err2 == nil {
		return cidr, nil
	}
	return nil, err
}

// parseIPSloppy parses an IP address like net.ParseIP but also accepts
// IPv4 octets with leading zeros, read as decimal. It returns nil when s is
// not an address.
func parseIPSloppy(s string) net.IP {
	if ip := net.ParseIP(s); ip != nil {
		return ip
	}
	octets := strings.Split(s, ".")
	if len(octets) != 4 {
		return nil
	}
	ip := make(net.IP, net.IPv4len)
	for i, o := range octets {
		n, err := strconv.ParseUint(o, 10, 8)
		if err != nil {
			return nil
		}
		ip[i] = byte(n)
	}
	return ip
}

// indexedIP returns the address index positions after the network address
// of subnet, failing when that address falls outside the subnet.
func indexedIP(subnet *net.IPNet, index uint64) (net.IP, error) {
	base := subnet.IP.To4()
	if base == nil {
		base = subnet.IP.To16()
	}
	if base == nil {
		return nil, fmt.Errorf("subnet %s has no valid network address", subnet)
	}
	ip := make(net.IP, len(base))
	copy(ip, base)
	carry := index
	for i := len(ip) - 1; i >= 0 && carry > 0; i-- {
		sum := uint64(ip[i]) + carry&0xff
		ip[i] = byte(sum)
		carry = carry>>8 + sum>>8
	}
	if carry > 0 || !subnet.Contains(ip) {
		return nil, fmt.Errorf("subnet %s is too small to hold an address at index %d", subnet, index)
	}
	return ip, nil
}
