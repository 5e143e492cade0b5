package sandbox

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/hostexec"
)

// ensureBridge creates the host bridge with the host's address unless it
// already exists; dual gives it the host's IPv6 address too.
func ensureBridge(ctx context.Context, dual bool) error {
	if _, err := net.InterfaceByName(BridgeName); err == nil {
		return ensureBridge6(ctx, dual)
	}
	for _, args := range [][]string{
		{"link", "add", BridgeName, "type", "bridge"},
		{"addr", "add", BridgeCIDR, "dev", BridgeName},
		{"link", "set", BridgeName, "up"},
	} {
		if _, err := hostexec.Run(ctx, "ip", args...); err != nil {
			return fmt.Errorf("create bridge %s: %w", BridgeName, err)
		}
	}
	return ensureBridge6(ctx, dual)
}

// ensureBridge6 gives the bridge the host's IPv6 address (without
// duplicate address detection, so that it is usable at once).
func ensureBridge6(ctx context.Context, dual bool) error {
	if !dual {
		return nil
	}
	if _, err := hostexec.Run(ctx, "ip", "-6", "addr", "replace", BridgeCIDR6, "dev", BridgeName, "nodad"); err != nil {
		return fmt.Errorf("bridge %s: IPv6 address: %w", BridgeName, err)
	}
	return nil
}

// removeBridge deletes the host bridge if present.
func removeBridge(ctx context.Context) error {
	if _, err := net.InterfaceByName(BridgeName); err != nil {
		return nil
	}
	if _, err := hostexec.Run(ctx, "ip", "link", "del", BridgeName); err != nil {
		return fmt.Errorf("remove bridge %s: %w", BridgeName, err)
	}
	return nil
}

// plugNetwork gives the booted node its veth, address, default route via the
// host, routes to the pod subnets of the other nodes, and makes the host
// route the node's pod subnet to it.
func (n *Node) plugNetwork(ctx context.Context) error {
	veth := vethName(n.Index)
	_, _ = hostexec.Run(ctx, "ip", "link", "del", veth) // left by an earlier boot
	if _, err := hostexec.Run(ctx, "ip", "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", strconv.Itoa(n.HolderPID)); err != nil {
		return fmt.Errorf("node %s: create veth: %w", n.Name, err)
	}
	if _, err := hostexec.Run(ctx, "ip", "link", "set", veth, "master", BridgeName, "up"); err != nil {
		return fmt.Errorf("node %s: attach veth: %w", n.Name, err)
	}
	script := []string{
		"set -e",
		"ip link set lo up",
		fmt.Sprintf("ip addr add %s/24 dev eth0", n.Address),
		"ip link set eth0 up",
		"ip route add default via " + HostAddress,
		// Nothing serves the Service range: a packet kube-proxy has not
		// (yet) translated is refused at once instead of timing out. (A
		// route would not do: the node's own connections are routed
		// before kube-proxy's OUTPUT rules translate them.)
		"iptables -w -A FORWARD -d " + ServiceNetwork + " -j REJECT --reject-with icmp-net-unreachable",
		"iptables -w -A OUTPUT -d " + ServiceNetwork + " -j REJECT --reject-with icmp-net-unreachable",
		"sysctl -qw net.ipv4.ip_forward=1",
		"if [ -e /proc/sys/net/bridge/bridge-nf-call-iptables ]; then sysctl -qw net.bridge.bridge-nf-call-iptables=1 net.bridge.bridge-nf-call-ip6tables=1; fi",
	}
	if n.Address6 != "" {
		script = append(script,
			fmt.Sprintf("ip -6 addr add %s/64 dev eth0 nodad", n.Address6),
			"ip -6 route add default via "+HostAddress6,
			"sysctl -qw net.ipv6.conf.all.forwarding=1")
	}
	for _, peer := range n.cluster.Nodes {
		if peer != n {
			script = append(script, fmt.Sprintf("ip route replace %s via %s", peer.PodCIDR, peer.Address))
			if n.Address6 != "" && peer.Address6 != "" {
				script = append(script, fmt.Sprintf("ip -6 route replace %s via %s", peer.PodCIDR6, peer.Address6))
			}
		}
	}
	if _, err := n.Run(ctx, "/bin/sh", "-c", strings.Join(script, "\n")); err != nil {
		return fmt.Errorf("node %s: configure network: %w", n.Name, err)
	}
	if _, err := hostexec.Run(ctx, "ip", "route", "replace", n.PodCIDR, "via", n.Address); err != nil {
		return fmt.Errorf("node %s: host route to pod subnet: %w", n.Name, err)
	}
	for _, peer := range n.cluster.Nodes {
		if peer != n && peer.HolderPID != 0 {
			if _, err := peer.Run(ctx, "ip", "route", "replace", n.PodCIDR, "via", n.Address); err != nil {
				return fmt.Errorf("node %s: route to pod subnet of %s: %w", peer.Name, n.Name, err)
			}
			if n.Address6 != "" && peer.Address6 != "" {
				if _, err := peer.Run(ctx, "ip", "-6", "route", "replace", n.PodCIDR6, "via", n.Address6); err != nil {
					return fmt.Errorf("node %s: route to IPv6 pod subnet of %s: %w", peer.Name, n.Name, err)
				}
			}
		}
	}
	return nil
}

// unplugNetwork removes what plugNetwork left on the host.
func (n *Node) unplugNetwork(ctx context.Context) error {
	if out, err := hostexec.Run(ctx, "ip", "route", "show", n.PodCIDR); err == nil && strings.TrimSpace(out) != "" {
		if _, err := hostexec.Run(ctx, "ip", "route", "del", n.PodCIDR); err != nil {
			return fmt.Errorf("node %s: remove host route: %w", n.Name, err)
		}
	}
	// The veth goes away with the node's network namespace, which the
	// kernel tears down shortly after its last process exits.
	veth := vethName(n.Index)
	for i := 0; i < 100; i++ {
		if _, err := net.InterfaceByName(veth); err != nil {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	if out, err := hostexec.Run(ctx, "ip", "link", "del", veth); err != nil && !strings.Contains(out, "Cannot find device") {
		return fmt.Errorf("node %s: remove veth: %w", n.Name, err)
	}
	return nil
}

// setLink brings the host side of the node's veth up or down: down cuts the
// node off from every other node and from the host.
func (n *Node) setLink(ctx context.Context, up bool) error {
	state := "down"
	if up {
		state = "up"
	}
	if _, err := hostexec.Run(ctx, "ip", "link", "set", vethName(n.Index), state); err != nil {
		return fmt.Errorf("node %s: set link %s: %w", n.Name, state, err)
	}
	return nil
}
