package manifests

import (
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
)

// Volume names and paths the control-plane Pods share with upstream's.
const (
	certsVolume   = "k8s-certs"
	caCertsVolume = "ca-certs"
	caCertsPath   = "/etc/ssl/certs"
	kubeconfigVol = "kubeconfig"
)

// optionalCAPaths are host directories that /etc/ssl/certs may link into
// on some distributions; each is mounted read-only into the API server and
// the controller manager when it exists on the host.
var optionalCAPaths = []string{
	"/etc/pki/ca-trust",
	"/etc/pki/tls/certs",
	"/etc/ca-certificates",
	"/usr/share/ca-certificates",
	"/usr/local/share/ca-certificates",
}

// hostMounts collects one component's hostPath volumes and their mounts,
// keyed by name so that a later entry with the same name replaces an
// earlier one (extra volumes may replace defaults this way).
type hostMounts struct {
	volumes map[string]corev1.Volume
	mounts  map[string]corev1.VolumeMount
}

func newHostMounts() *hostMounts {
	return &hostMounts{volumes: map[string]corev1.Volume{}, mounts: map[string]corev1.VolumeMount{}}
}

// add mounts host path hostPath at containerPath under name.
func (h *hostMounts) add(name, hostPath, containerPath string, readOnly bool, pathType corev1.HostPathType) {
	h.volumes[name] = hostPathVolume(name, hostPath, pathType)
	h.mounts[name] = corev1.VolumeMount{Name: name, MountPath: containerPath, ReadOnly: readOnly}
}

// addCACerts mounts /etc/ssl/certs and the optional CA directories that
// exist on the host. The volume name of an optional directory is its path
// with slashes turned into dashes, e.g. "usr-share-ca-certificates".
func (h *hostMounts) addCACerts(o Options) {
	h.add(caCertsVolume, caCertsPath, caCertsPath, true, corev1.HostPathDirectoryOrCreate)
	for _, p := range optionalCAPaths {
		if o.pathExists(p) {
			name := strings.ReplaceAll(strings.TrimPrefix(p, "/"), "/", "-")
			h.add(name, p, p, true, corev1.HostPathDirectoryOrCreate)
		}
	}
}

// addExtra adds the user's extra volumes, replacing defaults of the same
// name. An unset pathType stays unset ("") as upstream writes it.
func (h *hostMounts) addExtra(extra []kubeadm.HostPathMount) {
	for _, v := range extra {
		h.add(v.Name, v.HostPath, v.MountPath, v.ReadOnly, v.PathType)
	}
}

// addKubeconfig mounts /etc/kubernetes/<file> read-only.
func (h *hostMounts) addKubeconfig(file string) {
	p := filepath.Join(constants.KubernetesDir, file)
	h.add(kubeconfigVol, p, p, true, corev1.HostPathFileOrCreate)
}

// addExternalEtcdCerts mounts the directories holding the external etcd
// CA, certificate and key, named etcd-certs-0, etcd-certs-1, ... in path
// order. Directories already mounted (the certificates directory,
// /etc/ssl/certs and the optional CA directories) are skipped, and a
// directory inside another one is covered by its parent.
func (h *hostMounts) addExternalEtcdCerts(ext *kubeadm.ExternalEtcd, certsDir string) {
	dirs := map[string]bool{}
	for _, file := range []string{ext.CAFile, ext.CertFile, ext.KeyFile} {
		dir := filepath.ToSlash(filepath.Dir(file))
		if dir == "." || alreadyMounted(dir, certsDir) {
			continue
		}
		covered := false
		for _, existing := range sortedKeys(dirs) {
			if strings.HasPrefix(existing, dir) {
				delete(dirs, existing)
			} else if strings.HasPrefix(dir, existing) {
				covered = true
			}
		}
		if !covered {
			dirs[dir] = true
		}
	}
	for i, dir := range sortedKeys(dirs) {
		h.add("etcd-certs-"+strconv.Itoa(i), dir, dir, true, corev1.HostPathDirectoryOrCreate)
	}
}

// alreadyMounted reports whether dir lies under a directory every API
// server mounts anyway. Like upstream this is a plain string-prefix test.
func alreadyMounted(dir, certsDir string) bool {
	if strings.HasPrefix(dir, caCertsPath) || strings.HasPrefix(dir, certsDir) {
		return true
	}
	for _, p := range optionalCAPaths {
		if strings.HasPrefix(dir, p) {
			return true
		}
	}
	return false
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
