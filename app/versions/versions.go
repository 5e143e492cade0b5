// Package versions is the tool's own version table: which Kubernetes
// versions it installs, and which etcd, CoreDNS and pause go with each
// minor. Nothing is looked up on the network.
package versions

import (
	"fmt"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/util/version"
)

// Tool is this kubeadm's own version; it installs at most this minor.
var Tool = "v1.37.1"

// DefaultKubernetesVersion is installed when the configuration names none.
const DefaultKubernetesVersion = "v1.37.1"

// Components are the versions that go with one Kubernetes minor.
type Components struct {
	EtcdImageTag string // e.g. 3.7.0-0
	CoreDNS      string // e.g. v1.14.6
	Pause        string // e.g. 3.10.2
}

// table holds the supported minors: the tool's own and the one before.
var table = map[uint]Components{
	36: {EtcdImageTag: "3.6.8-0", CoreDNS: "v1.14.2", Pause: "3.10.2"},
	37: {EtcdImageTag: "3.7.0-0", CoreDNS: "v1.14.6", Pause: "3.10.2"},
}

// MinimumKubernetesVersion is the oldest version the tool can install.
const MinimumKubernetesVersion = "v1.36.0"

// Parse parses a Kubernetes version "vX.Y.Z" (a leading v is required, as
// upstream kubeadm requires it in configuration).
func Parse(v string) (*version.Version, error) {
	if !strings.HasPrefix(v, "v") {
		return nil, fmt.Errorf("version %q must start with 'v', e.g. %s", v, DefaultKubernetesVersion)
	}
	parsed, err := version.ParseSemantic(v)
	if err != nil {
		return nil, fmt.Errorf("version %q is not a semantic version like %s", v, DefaultKubernetesVersion)
	}
	return parsed, nil
}

// For returns the components of the minor of Kubernetes version v, or an
// error naming the supported range.
func For(v string) (Components, error) {
	parsed, err := Parse(v)
	if err != nil {
		return Components{}, err
	}
	c, ok := table[parsed.Minor()]
	if !ok || parsed.Major() != 1 {
		return Components{}, fmt.Errorf("kubernetes version %s is not supported by this kubeadm %s: use %s", v, Tool, SupportedRange())
	}
	return c, nil
}

// SupportedRange describes the versions For accepts, e.g. "v1.36.x to v1.37.x".
func SupportedRange() string {
	lo, hi := uint(0), uint(0)
	for m := range table {
		if lo == 0 || m < lo {
			lo = m
		}
		if m > hi {
			hi = m
		}
	}
	return "v1." + strconv.Itoa(int(lo)) + ".x to v1." + strconv.Itoa(int(hi)) + ".x"
}
