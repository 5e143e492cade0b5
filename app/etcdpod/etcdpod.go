// Package etcdpod reads what a node's etcd static Pod manifest says about
// its member: name, peer and client URLs, data directory and certificates.
package etcdpod

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubeadm-cleanroom/kubeadm/app/atomicfile"
	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/manifests"
)

// Member is what the node's etcd static Pod says about its member.
type Member struct {
	Name     string
	PeerURLs []string
	// ClientURLs are the advertised client URLs, then loopback listen URLs.
	ClientURLs []string
	DataDir    string
	// PKIDir is the certificates directory holding etcd/ca.crt, from
	// --trusted-ca-file; "" when the manifest does not say.
	PKIDir string
}

// String names the member for messages.
func (l Member) String() string { return l.Name + " (" + strings.Join(l.PeerURLs, ",") + ")" }

// DataVolume is the name of the etcd Pod's data volume.
const DataVolume = "etcd-data"

// Read reads the etcd static Pod at path. A missing file is an
// error wrapping fs.ErrNotExist.
func Read(path string) (Member, error) {
	b, err := atomicfile.Read(path)
	if err != nil {
		return Member{}, fmt.Errorf("read the etcd manifest: %w", err)
	}
	pod, err := manifests.Unmarshal(b)
	if err != nil {
		return Member{}, fmt.Errorf("read the etcd manifest %s: %w", path, err)
	}
	l, err := FromPod(pod)
	if err != nil {
		return Member{}, fmt.Errorf("read the etcd manifest %s: %w", path, err)
	}
	return l, nil
}

// FromPod reads the member from an etcd static Pod.
func FromPod(pod *corev1.Pod) (Member, error) {
	var c *corev1.Container
	for i := range pod.Spec.Containers {
		if pod.Spec.Containers[i].Name == constants.Etcd {
			c = &pod.Spec.Containers[i]
		}
	}
	if c == nil {
		return Member{}, errors.New("no container named etcd")
	}
	flags := LastFlags(append(append([]string{}, c.Command...), c.Args...))
	l := Member{Name: flags["name"], PeerURLs: SplitURLs(flags["initial-advertise-peer-urls"]), DataDir: flags["data-dir"]}
	if l.Name == "" || len(l.PeerURLs) == 0 {
		return Member{}, errors.New("the etcd command has no --name or no --initial-advertise-peer-urls")
	}
	l.ClientURLs = SplitURLs(flags["advertise-client-urls"])
	for _, u := range SplitURLs(flags["listen-client-urls"]) {
		if isLoopbackURL(u) && !ContainsURL(l.ClientURLs, u) {
			l.ClientURLs = append(l.ClientURLs, u)
		}
	}
	if len(l.ClientURLs) == 0 {
		return Member{}, errors.New("the etcd command has no --advertise-client-urls")
	}
	if l.DataDir == "" {
		for _, v := range pod.Spec.Volumes {
			if v.Name == DataVolume && v.HostPath != nil {
				l.DataDir = v.HostPath.Path
			}
		}
	}
	if l.DataDir == "" {
		l.DataDir = constants.EtcdDataDir
	}
	if ca := flags["trusted-ca-file"]; ca != "" {
		l.PKIDir = filepath.Dir(filepath.Dir(ca)) // <pki>/etcd/ca.crt
	}
	return l, nil
}

// LastFlags maps "--name=value" arguments to their last value.
func LastFlags(args []string) map[string]string {
	m := map[string]string{}
	for _, a := range args {
		if k, v, ok := strings.Cut(strings.TrimPrefix(a, "--"), "="); ok && strings.HasPrefix(a, "--") {
			m[k] = v
		}
	}
	return m
}

// SplitURLs splits a comma-separated list of URLs.
func SplitURLs(s string) []string {
	var out []string
	for _, u := range strings.Split(s, ",") {
		if u = strings.TrimSpace(u); u != "" {
			out = append(out, u)
		}
	}
	return out
}

func isLoopbackURL(s string) bool {
	u, err := url.Parse(s)
	if err != nil {
		return false
	}
	if u.Hostname() == "localhost" {
		return true
	}
	ip := net.ParseIP(u.Hostname())
	return ip != nil && ip.IsLoopback()
}

// ContainsURL reports whether list holds s, ignoring a trailing slash.
func ContainsURL(list []string, s string) bool {
	for _, l := range list {
		if strings.TrimSuffix(l, "/") == strings.TrimSuffix(s, "/") {
			return true
		}
	}
	return false
}
