package sandbox

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// LoadBalancer is a host-side haproxy in front of the API servers of some
// nodes, reachable from the host and every node at HostAddress:Port.
type LoadBalancer struct {
	Port     int      `json:"port"`
	Backends []string `json:"backends"` // node names
	PID      int      `json:"pid"`
}

// Endpoint is the controlPlaneEndpoint the load balancer serves.
func (lb *LoadBalancer) Endpoint() string { return fmt.Sprintf("%s:%d", HostAddress, lb.Port) }

// LBLog is the host path of the load balancer's log, which records each
// backend's changes of state (DOWN, UP) with their reason.
func (c *Cluster) LBLog() string { return filepath.Join(c.dir(), "haproxy.log") }

func (c *Cluster) lbCgroup() string { return filepath.Join(cgroupParent, c.Name, "lb") }

// haproxyConfig balances TCP over the backends' :6443, checking each with an
// HTTPS GET /readyz every second so that a stopping, dead or not yet ready
// API server is out of the pool. As in kubeadm's high-availability guide, a
// connection a backend refuses is retried once on another one (redispatch).
func haproxyConfig(port int, backends []*Node) string {
	var b strings.Builder
	fmt.Fprintf(&b, `global
  maxconn 4096

defaults
  mode tcp
  timeout connect 3s
  retries 1
  option redispatch
  timeout client 1h
  timeout server 1h

frontend kube-apiserver
  bind %s:%d
  default_backend control-plane

backend control-plane
  option httpchk GET /readyz
  http-check expect status 200
  default-server check check-ssl verify none inter 1s fall 2 rise 1
`, HostAddress, port)
	for _, n := range backends {
		fmt.Fprintf(&b, "  server %s %s:6443\n", n.Name, n.Address)
	}
	return b.String()
}

// StartLB (re)starts haproxy on HostAddress:port in front of the named nodes.
func (c *Cluster) StartLB(ctx context.Context, port int, nodeNames []string) error {
	if port <= 0 || port > 65535 {
		return fmt.Errorf("load balancer port %d is out of range 1-65535", port)
	}
	var backends []*Node
	for _, name := range nodeNames {
		n, err := c.Node(name)
		if err != nil {
			return err
		}
		backends = append(backends, n)
	}
	if len(backends) == 0 {
		return fmt.Errorf("load balancer needs at least one backend node")
	}
	if c.LB != nil {
		if err := c.stopLB(); err != nil {
			return err
		}
	}
	cfg := filepath.Join(c.dir(), "haproxy.cfg")
	if err := writeFileAtomic(cfg, []byte(haproxyConfig(port, backends)), 0o644); err != nil {
		return err
	}
	if _, err := cgroupCreate(c.lbCgroup()); err != nil {
		return err
	}
	logFile, err := os.OpenFile(filepath.Join(c.dir(), "haproxy.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logFile.Close()
	cmd, err := inCgroup(context.Background(), c.lbCgroup(), "haproxy", "-db", "-f", cfg)
	if err != nil {
		return err
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start haproxy: %w", err)
	}
	go cmd.Wait() //nolint:errcheck // reaped here while this process lives
	c.LB = &LoadBalancer{Port: port, Backends: nodeNames, PID: cmd.Process.Pid}
	if err := c.save(); err != nil {
		return err
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", c.LB.Endpoint(), time.Second)
		if err == nil {
			conn.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("haproxy does not listen on %s (see %s/haproxy.log): %w", c.LB.Endpoint(), c.dir(), err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (c *Cluster) stopLB() error {
	if err := cgroupKill(c.lbCgroup(), 10*time.Second); err != nil {
		return fmt.Errorf("stop haproxy: %w", err)
	}
	c.LB = nil
	return c.save()
}
