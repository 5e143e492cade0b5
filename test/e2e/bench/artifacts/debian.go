package artifacts

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/kubeadm-cleanroom/kubeadm/test/e2e/bench/hostexec"
)

// debianPackage is a Debian package and a file that proves it is installed.
type debianPackage struct {
	name  string
	proof string
}

var debianPackages = []debianPackage{
	{"runc", "/usr/sbin/runc"},
	{"containernetworking-plugins", "/usr/lib/cni/bridge"},
	{"iptables", "/usr/sbin/iptables"},
	{"conntrack", "/usr/sbin/conntrack"},
	{"haproxy", "/usr/sbin/haproxy"},
	{"socat", "/usr/bin/socat"},
	{"iproute2", "/usr/sbin/ip"},
	{"util-linux", "/usr/bin/nsenter"},
	{"kmod", "/usr/sbin/modprobe"},
	// CRI-O's container monitor (CRI-O nodes).
	{"conmon", "/usr/bin/conmon"},
}

// EnsureDebianPackages installs, with apt-get, the packages whose files are
// missing. It does nothing when all are present.
func (c *Cache) EnsureDebianPackages(ctx context.Context) error {
	var missing []string
	for _, p := range debianPackages {
		if _, err := os.Stat(p.proof); err != nil {
			missing = append(missing, p.name)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	c.Log("installing Debian packages: %s", strings.Join(missing, " "))
	env := []string{"DEBIAN_FRONTEND=noninteractive"}
	if _, err := (hostexec.Cmd{Name: "apt-get", Args: []string{"update"}, Env: env}).Run(ctx); err != nil {
		return fmt.Errorf("apt-get update: %w", err)
	}
	args := append([]string{"install", "-y", "--no-install-recommends"}, missing...)
	if _, err := (hostexec.Cmd{Name: "apt-get", Args: args, Env: env}).Run(ctx); err != nil {
		return fmt.Errorf("install Debian packages %s: %w", strings.Join(missing, " "), err)
	}
	return nil
}
