// Package artifacts builds and caches every binary the test bench runs:
// Kubernetes components, etcd, CoreDNS, pause and containerd, all compiled
// from the Go module proxy, plus the Debian packages the nodes need. Results
// live outside the repository, one directory per component and version, and
// are reused as long as their recipe does not change.
package artifacts

import (
	"fmt"
	"sort"
	"strings"
)

// Release pins everything one Kubernetes version runs with, as upstream
// kubeadm of that version names it.
type Release struct {
	Kubernetes string // e.g. v1.37.1
	Etcd       string // etcd server version, e.g. 3.7.0
	EtcdImage  string // etcd image tag, e.g. 3.7.0-0
	CoreDNS    string // e.g. v1.14.6
	Pause      string // e.g. 3.10.2
}

// Minor returns the minor version number of the release, e.g. "37".
func (r Release) Minor() string {
	parts := strings.Split(strings.TrimPrefix(r.Kubernetes, "v"), ".")
	if len(parts) < 2 {
		return ""
	}
	return parts[1]
}

// Releases is the list of Kubernetes versions the bench can run.
var Releases = map[string]Release{
	"v1.36.3": {Kubernetes: "v1.36.3", Etcd: "3.6.8", EtcdImage: "3.6.8-0", CoreDNS: "v1.14.2", Pause: "3.10.2"},
	"v1.37.1": {Kubernetes: "v1.37.1", Etcd: "3.7.0", EtcdImage: "3.7.0-0", CoreDNS: "v1.14.6", Pause: "3.10.2"},
}

// DefaultVersion is the Kubernetes version a node runs when none is asked for.
const DefaultVersion = "v1.37.1"

// ContainerdVersion is the containerd release every node runs.
const ContainerdVersion = "v2.2.1"

// Lookup returns the release for a Kubernetes version or an error that lists
// the versions the bench knows.
func Lookup(version string) (Release, error) {
	r, ok := Releases[version]
	if !ok {
		return Release{}, fmt.Errorf("kubernetes version %q is not in the bench's list (known: %s)", version, strings.Join(KnownVersions(), ", "))
	}
	return r, nil
}

// KnownVersions returns the Kubernetes versions of Releases, sorted.
func KnownVersions() []string {
	var vs []string
	for v := range Releases {
		vs = append(vs, v)
	}
	sort.Strings(vs)
	return vs
}

// KubernetesBinaries are built for every release. kubeadm is upstream's,
// kept only for side-by-side comparisons; kubectl is for tests and people.
var KubernetesBinaries = []string{
	"kube-apiserver", "kube-controller-manager", "kube-scheduler",
	"kube-proxy", "kubelet", "kubeadm", "kubectl",
}
