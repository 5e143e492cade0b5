package reset

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

// localEtcd is what the node's etcd static Pod says about its member.
type localEtcd struct {
	Name     string
	PeerURLs []string
	// ClientURLs are the advertised client URLs, then loopback listen URLs.
	ClientURLs []string
	DataDir    string
	// PKIDir is the certificates directory holding etcd/ca.crt, from
	// --trusted-ca-file; "" when the manifest does not say.
	PKIDir string
}

// member names the member for messages.
func (l localEtcd) member() string { return l.Name + " (" + strings.Join(l.PeerURLs, ",") + ")" }

// etcdDataVolume is the name of the etcd Pod's data volume.
const etcdDataVolume = "etcd-data"

// readEtcdManifest reads the etcd static Pod at path. A missing file is an
// error wrapping fs.ErrNotExist.
func readEtcdManifest(path string) (localEtcd, error) {
	b, err := atomicfile.Read(path)
	if err != nil {
		return localEtcd{}, fmt.Errorf("read the etcd manifest: %w", err)
	}
	pod, err := manifests.Unmarshal(b)
	if err != nil {
		return localEtcd{}, fmt.Errorf("read the etcd manifest %s: %w", path, err)
	}
	l, err := etcdFromPod(pod)
	if err != nil {
		return localEtcd{}, fmt.Errorf("read the etcd manifest %s: %w", path, err)
	}
	return l, nil
}

func etcdFromPod(pod *corev1.Pod) (localEtcd, error) {
	var c *corev1.Container
	for i := range pod.Spec.Containers {
		if pod.Spec.Containers[i].Name == constants.Etcd {
			c = &pod.Spec.Containers[i]
		}
	}
	if c == nil {
		return localEtcd{}, errors.New("no container named etcd")
	}
	flags := lastFlags(append(append([]string{}, c.Command...), c.Args...))
	l := localEtcd{Name: flags["name"], PeerURLs: splitURLs(flags["initial-advertise-peer-urls"]), DataDir: flags["data-dir"]}
	if l.Name == "" || len(l.PeerURLs) == 0 {
		return localEtcd{}, errors.New("the etcd command has no --name or no --initial-advertise-peer-urls")
	}
	l.ClientURLs = splitURLs(flags["advertise-client-urls"])
	for _, u := range splitURLs(flags["listen-client-urls"]) {
		if isLoopbackURL(u) && !contains(l.ClientURLs, u) {
			l.ClientURLs = append(l.ClientURLs, u)
		}
	}
	if len(l.ClientURLs) == 0 {
		return localEtcd{}, errors.New("the etcd command has no --advertise-client-urls")
	}
	if l.DataDir == "" {
		for _, v := range pod.Spec.Volumes {
			if v.Name == etcdDataVolume && v.HostPath != nil {
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

// lastFlags maps "--name=value" arguments to their last value.
func lastFlags(args []string) map[string]string {
	m := map[string]string{}
	for _, a := range args {
		if k, v, ok := strings.Cut(strings.TrimPrefix(a, "--"), "="); ok && strings.HasPrefix(a, "--") {
			m[k] = v
		}
	}
	return m
}

func splitURLs(s string) []string {
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

func contains(list []string, s string) bool {
	for _, l := range list {
		if strings.TrimSuffix(l, "/") == strings.TrimSuffix(s, "/") {
			return true
		}
	}
	return false
}
