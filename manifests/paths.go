package manifests

import (
	"path/filepath"

	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
)

// crt and key name the certificate and key files of a base name (for
// example "etcd/server") inside the certificates directory.
func crt(certsDir, base string) string { return filepath.Join(certsDir, base+".crt") }
func key(certsDir, base string) string { return filepath.Join(certsDir, base+".key") }

// usingExternalCA reports whether the cluster CA is external: its
// certificate is on disk but its key is not. The controller manager then
// gets empty signing flags so that it cannot sign certificates.
func (o Options) usingExternalCA(certsDir string) bool {
	return o.pathExists(crt(certsDir, constants.CACertAndKeyBaseName)) &&
		!o.pathExists(key(certsDir, constants.CACertAndKeyBaseName))
}
