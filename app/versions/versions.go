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

// table holds the supported minors: the tool's own and the one before,
// with the images upstream kubeadm v1.37.1 gives them (its etcd map puts
// 3.7.0-0 under v1.36, and it has one CoreDNS and one pause version), so
// that `config images list` and air-gapped preloads agree with upstream's.
var table = map[uint]Components{
	36: {EtcdImageTag: "3.7.0-0", CoreDNS: "v1.14.6", Pause: "3.10.2"},
	37: {EtcdImageTag: "3.7.0-0", CoreDNS: "v1.14.6", Pause: "3.10.2"},
}

// newestPatch is the newest release of each supported minor this tool
// knows, which the labels stable-1.X and latest-1.X stand for.
var newestPatch = map[uint]string{36: "v1.36.3", 37: "v1.37.1"}

// Resolve turns what a user may write as kubernetesVersion into a version
// "vX.Y.Z", offline: a version without its leading v gets one, and the
// release labels upstream looks up on the network (stable, stable-1,
// stable-1.X, latest, latest-1, latest-1.X, each optionally with a .txt
// suffix or a release/ prefix) are answered from this tool's own table.
// It reports whether v was a label. Anything else is returned unchanged for
// validation to refuse.
func Resolve(v string) (string, bool) {
	label := strings.TrimSuffix(strings.TrimPrefix(v, "release/"), ".txt")
	switch label {
	case "stable", "latest", "stable-1", "latest-1":
		return DefaultKubernetesVersion, true
	}
	for _, prefix := range []string{"stable-1.", "latest-1."} {
		if rest, ok := strings.CutPrefix(label, prefix); ok {
			minor, err := strconv.Atoi(rest)
			if err != nil || minor < 0 {
				return v, false
			}
			if patch, ok := newestPatch[uint(minor)]; ok {
				return patch, true
			}
			return v, false
		}
	}
	if v != "" && v[0] >= '0' && v[0] <= '9' {
		if _, err := version.ParseSemantic("v" + v); err == nil {
			return "v" + v, false
		}
	}
	return v, false
}

// DefaultLabel is the --kubernetes-version default, as upstream's; it
// resolves to DefaultKubernetesVersion.
const DefaultLabel = "stable-1"

// Labels lists the release labels Resolve answers, for error messages.
const Labels = "stable, stable-1, stable-1.X, latest, latest-1, latest-1.X"

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
