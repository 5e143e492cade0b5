package config

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/cri"
)

type host struct{ criErr error }

func (host) Hostname() (string, error) { return "Node-1", nil }
func (host) DefaultRouteIP(ipv6 bool) (net.IP, error) {
	if ipv6 {
		return net.ParseIP("fd00:200::12"), nil
	}
	return net.ParseIP("10.200.0.12"), nil
}
func (h host) DetectCRISocket() (string, error) {
	if h.criErr != nil {
		return "", h.criErr
	}
	return "unix:///var/run/containerd/containerd.sock", nil
}

func TestJoinDefaults(t *testing.T) {
	c := NewJoin()
	c.Join.ControlPlane = &kubeadm.JoinControlPlane{}
	c.Join.NodeRegistration.CRISocket = "/run/crio/crio.sock"
	if err := c.Default(host{}); err != nil {
		t.Fatal(err)
	}
	nr := c.Join.NodeRegistration
	if nr.Name != "node-1" || nr.CRISocket != "unix:///run/crio/crio.sock" || len(c.Warnings) != 1 {
		t.Errorf("node registration %+v, warnings %v", nr, c.Warnings)
	}
	if ep := c.Join.ControlPlane.LocalAPIEndpoint; ep.AdvertiseAddress != "10.200.0.12" || ep.BindPort != 6443 {
		t.Errorf("control-plane endpoint %+v", ep)
	}
	if len(nr.Taints) != 1 || nr.Taints[0].Key != "node-role.kubernetes.io/control-plane" {
		t.Errorf("a joining control plane gets the control-plane taint: %v", nr.Taints)
	}
	worker := NewJoin()
	worker.Join.Discovery.BootstrapToken = &kubeadm.BootstrapTokenDiscovery{APIServerEndpoint: "10.0.0.1:6443", Token: "abcdef.0123456789abcdef", UnsafeSkipCAVerification: true}
	if err := worker.Default(host{criErr: errors.New("no container runtime found")}); err != nil {
		t.Fatalf("a failed CRI detection is reported by Validate, after the configuration's own errors: %v", err)
	}
	if err := worker.Validate(); err == nil || !strings.Contains(err.Error(), "no container runtime") {
		t.Errorf("a failed CRI detection must stop: %v", err)
	}
	dry := NewJoin()
	dry.Join.Discovery = worker.Join.Discovery
	_ = dry.Default(host{criErr: fmt.Errorf("%w: tried ...", cri.ErrNoRuntime)})
	dry.NoRuntimeNeeded()
	if err := dry.Validate(); err != nil || dry.Join.NodeRegistration.CRISocket != DefaultCRISocket {
		t.Errorf("a dry run needs no runtime: %v, socket %q", err, dry.Join.NodeRegistration.CRISocket)
	}
	several := NewJoin()
	several.Join.Discovery = worker.Join.Discovery
	_ = several.Default(host{criErr: errors.New("found several container runtimes: a, b")})
	several.NoRuntimeNeeded()
	if err := several.Validate(); err == nil || !strings.Contains(err.Error(), "several") {
		t.Errorf("several runtimes must stay an error in a dry run: %v", err)
	}
}

func TestInitDefaultsAndTokens(t *testing.T) {
	c := NewInit()
	if err := c.Default(host{}); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.Init.NodeRegistration.Name != "node-1" || c.Init.LocalAPIEndpoint.AdvertiseAddress != "10.200.0.12" ||
		c.Init.NodeRegistration.CRISocket != "unix:///var/run/containerd/containerd.sock" {
		t.Errorf("dynamic defaults %+v %+v", c.Init.NodeRegistration, c.Init.LocalAPIEndpoint)
	}
	if tok := c.Init.BootstrapTokens[0].Token; tok == nil || !kubeadm.TokenPattern.MatchString(tok.String()) {
		t.Errorf("no bootstrap token generated: %v", tok)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("defaults do not validate: %v", err)
	}
}

func TestLoadFiles(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "join.yaml")
	if err := os.WriteFile(p, []byte("apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadJoinFile(p); err == nil || !strings.Contains(err.Error(), "no JoinConfiguration") {
		t.Errorf("join file without JoinConfiguration: %v", err)
	}
	if _, err := LoadInitFile(filepath.Join(dir, "missing.yaml")); err == nil {
		t.Error("a missing file must be an error")
	}
	cfg, err := LoadInitFile(p)
	if err != nil || cfg.Init == nil || cfg.Cluster == nil {
		t.Errorf("init file with only a ClusterConfiguration: %+v, %v", cfg, err)
	}
}

// probeCounter is a Host that counts runtime detections.
type probeCounter struct {
	host
	probes *int
}

func (p probeCounter) DetectCRISocket() (string, error) { *p.probes++; return p.host.DetectCRISocket() }

// TestInvalidConfigurationProbesNoRuntime checks that a configuration with
// an invalid field is refused before any runtime socket is dialled, and
// that a valid one then has its runtime found once.
func TestInvalidConfigurationProbesNoRuntime(t *testing.T) {
	n := 0
	bad := NewInit()
	bad.Cluster.Networking.PodSubnet = "10.0.0.0/26"
	if err := bad.Default(probeCounter{probes: &n}); err != nil {
		t.Fatal(err)
	}
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "podSubnet") || n != 0 {
		t.Errorf("error %v after %d runtime probes", err, n)
	}
	badJoin := NewJoin()
	badJoin.Join.Discovery.BootstrapToken = &kubeadm.BootstrapTokenDiscovery{APIServerEndpoint: "10.0.0.1", Token: "abcdef.0123456789abcdef", UnsafeSkipCAVerification: true}
	_ = badJoin.Default(probeCounter{probes: &n})
	if err := badJoin.Validate(); err == nil || !strings.Contains(err.Error(), "must be host:port") || n != 0 {
		t.Errorf("error %v after %d runtime probes", err, n)
	}
	good := NewInit()
	_ = good.Default(probeCounter{probes: &n})
	if err := good.Validate(); err != nil || n != 1 || good.Init.NodeRegistration.CRISocket == "" {
		t.Errorf("error %v after %d runtime probes, socket %q", err, n, good.Init.NodeRegistration.CRISocket)
	}
}
