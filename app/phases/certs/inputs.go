package certs

import (
	"crypto/x509"
	"errors"
	"path/filepath"
	"time"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/pki"
)

// Inputs is what the certs sub-phases read.
type Inputs struct {
	// Cluster is the cluster configuration; Cluster.CertificatesDir is
	// where existing certificates are looked for.
	Cluster *kubeadm.ClusterConfiguration
	// NodeName is this node's name, used in SANs and as the etcd CN.
	NodeName string
	// AdvertiseAddress is this node's API server address, an IP.
	AdvertiseAddress string
	// Dir is where new files are written: normally Cluster.CertificatesDir,
	// a temporary directory in dry-run. Empty means Cluster.CertificatesDir.
	Dir string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Keys supplies new keys; nil means generate each when needed.
	Keys pki.KeySource
}

// Action is what a sub-phase did.
type Action string

// The outcomes of a sub-phase.
const (
	Generated Action = "generated"
	Reused    Action = "reused"
	Skipped   Action = "skipped"
)

// Result reports one sub-phase.
type Result struct {
	// Name is the sub-phase name, e.g. "etcd-server".
	Name   string
	Action Action
	// Files are the paths written or reused: certificate then key, or
	// sa.key then sa.pub.
	Files []string
	// Cert is the certificate written or reused; nil for sa and skips.
	Cert *x509.Certificate
	// External is set for a CA whose key is absent (external CA mode).
	External bool
	// Reason says why the sub-phase was skipped.
	Reason string
	// Warnings are problems that did not stop the sub-phase, such as a
	// rejected SAN or a CA outside its validity period.
	Warnings []string
}

func (in Inputs) check() error {
	if in.Cluster == nil {
		return errors.New("no cluster configuration")
	}
	if in.readDir() == "" {
		return errors.New("no certificates directory")
	}
	return nil
}

func (in Inputs) now() time.Time {
	if in.Now != nil {
		return in.Now().UTC()
	}
	return time.Now().UTC()
}

// readDir is where existing files are looked for.
func (in Inputs) readDir() string {
	if in.Cluster.CertificatesDir != "" {
		return filepath.Clean(in.Cluster.CertificatesDir)
	}
	return cleanDir(in.Dir)
}

// writeDir is where new files go.
func (in Inputs) writeDir() string {
	if in.Dir != "" {
		return filepath.Clean(in.Dir)
	}
	return cleanDir(in.Cluster.CertificatesDir)
}

// locate returns the directory holding name's certificate or key, looking
// in the write directory first (a dry-run directory may already hold a CA
// copied there) and then in the certificates directory; "" if neither.
func (in Inputs) locate(name string) string {
	for _, dir := range []string{in.writeDir(), in.readDir()} {
		if pki.CertOrKeyExists(dir, name) {
			return dir
		}
	}
	return ""
}

func (in Inputs) certValidity() time.Duration {
	if p := in.Cluster.CertificateValidityPeriod; p != nil {
		return p.Duration
	}
	return constants.DefaultCertValidity
}

func (in Inputs) caValidity() time.Duration {
	if p := in.Cluster.CACertificateValidityPeriod; p != nil {
		return p.Duration
	}
	return constants.DefaultCACertValidity
}

// cleanDir cleans a directory path, keeping "" as "".
func cleanDir(dir string) string {
	if dir == "" {
		return ""
	}
	return filepath.Clean(dir)
}

func (in Inputs) etcdExternal() bool { return in.Cluster.Etcd.External != nil }
