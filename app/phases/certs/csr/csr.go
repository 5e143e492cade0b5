// Package csr writes the private keys and certificate signing requests of
// kubeadm's external CA workflow (`kubeadm certs generate-csr`): for every
// leaf certificate of the certs phase, <certificatesDir>/<name>.key and
// <name>.csr; for every kubeconfig file of the kubeconfig phase, a partial
// <file> holding only the server and the client key, and <file>.csr. The
// subjects and SANs are those init would put in the certificates. The
// user has an external CA sign the requests and puts the certificates next
// to the keys (<name>.crt, and client-certificate-data in each kubeconfig),
// after which init runs in external CA mode. Existing files are never
// overwritten: if any is present, nothing is written.
package csr

import (
	"crypto"
	"fmt"
	"path/filepath"

	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	kc "github.com/kubeadm-cleanroom/kubeadm/app/kubeconfig"
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/certs"
	kcphase "github.com/kubeadm-cleanroom/kubeadm/app/phases/kubeconfig"
	"github.com/kubeadm-cleanroom/kubeadm/app/pki"
)

// Options are the inputs of Generate.
type Options struct {
	// Cluster supplies certificatesDir (where the certificate keys and
	// CSRs go), the SAN inputs, clusterName, controlPlaneEndpoint and
	// encryptionAlgorithm (the type of the new keys).
	Cluster *kubeadm.ClusterConfiguration
	// NodeName is this node's name (SANs, the etcd CNs, kubelet.conf).
	NodeName string
	// LocalAPIEndpoint is this node's API server address and port.
	LocalAPIEndpoint kubeadm.APIEndpoint
	// KubeconfigDir receives the kubeconfig files and their CSRs.
	KubeconfigDir string
	// Keys supplies the new keys; nil generates each when needed.
	Keys pki.KeySource
}

// Result lists what Generate wrote.
type Result struct {
	CertDir string
	// Certs are the base names written under CertDir, e.g. "etcd/server".
	Certs         []string
	KubeconfigDir string
	// Kubeconfigs are the file names written under KubeconfigDir.
	Kubeconfigs []string
	// Warnings name configured SANs that were left out of a request.
	Warnings []string
}

// request is one key and CSR to write.
type request struct {
	name string // base name or kubeconfig file name
	cfg  pki.CertConfig
	spec *kcphase.FileSpec // set for a kubeconfig
}

// Generate writes a key and a CSR for each leaf certificate and each
// kubeconfig file, in init's order. It fails before writing anything if
// one of the files exists.
func Generate(opts Options) (*Result, error) {
	if opts.Cluster == nil || opts.Cluster.CertificatesDir == "" || opts.KubeconfigDir == "" {
		return nil, fmt.Errorf("generate CSRs: the cluster configuration, certificates directory and kubeconfig directory are required")
	}
	res := &Result{CertDir: opts.Cluster.CertificatesDir, KubeconfigDir: opts.KubeconfigDir}
	reqs, err := plan(opts, res)
	if err != nil {
		return nil, err
	}
	for _, r := range reqs {
		for _, path := range r.paths(opts) {
			if pki.Exists(path) {
				return nil, fmt.Errorf("generate CSRs: %s already exists; move it away or choose other directories, existing keys are never overwritten", path)
			}
		}
	}
	for _, r := range reqs {
		if err := r.write(opts); err != nil {
			return res, err
		}
		if r.spec != nil {
			res.Kubeconfigs = append(res.Kubeconfigs, r.name)
		} else {
			res.Certs = append(res.Certs, r.name)
		}
	}
	return res, nil
}

// plan lists the requests: every non-CA certificate, then every kubeconfig.
func plan(opts Options, res *Result) ([]request, error) {
	in := certs.Inputs{Cluster: opts.Cluster, NodeName: opts.NodeName, AdvertiseAddress: opts.LocalAPIEndpoint.AdvertiseAddress}
	var reqs []request
	for _, s := range certs.Specs() {
		if s.IsCA() {
			continue
		}
		cfg, warnings, err := s.Config(in)
		if err != nil {
			return nil, fmt.Errorf("generate CSRs: %w", err)
		}
		res.Warnings = append(res.Warnings, warnings...)
		reqs = append(reqs, request{name: s.BaseName, cfg: cfg})
	}
	kin := kcphase.Input{Cluster: opts.Cluster, NodeName: opts.NodeName, LocalAPIEndpoint: opts.LocalAPIEndpoint}
	for _, p := range kcphase.SubPhases() {
		spec, err := kcphase.Spec(kin, p.File)
		if err != nil {
			return nil, fmt.Errorf("generate CSRs: %w", err)
		}
		cfg := pki.CertConfig{CommonName: spec.ClientName, Organization: spec.Organizations}
		reqs = append(reqs, request{name: p.File, cfg: cfg, spec: &spec})
	}
	return reqs, nil
}

// paths are the files r writes; upstream refuses to run when any of
// them, or a key next to a kubeconfig's CSR, exists.
func (r request) paths(opts Options) []string {
	if r.spec != nil {
		return []string{filepath.Join(opts.KubeconfigDir, r.name), pki.CSRPath(opts.KubeconfigDir, r.name), pki.KeyPath(opts.KubeconfigDir, r.name)}
	}
	dir := opts.Cluster.CertificatesDir
	return []string{pki.KeyPath(dir, r.name), pki.CSRPath(dir, r.name)}
}

// write makes the key and CSR of r and writes them: the key before the
// CSR, so that a CSR on disk always has its key.
func (r request) write(opts Options) error {
	key, err := pki.NewKey(opts.Keys, opts.Cluster.EncryptionAlgorithm)
	if err != nil {
		return fmt.Errorf("generate CSR for %s: %w", r.name, err)
	}
	csr, err := pki.NewCSR(r.cfg, key)
	if err != nil {
		return fmt.Errorf("generate CSR for %s: %w", r.name, err)
	}
	dir := opts.Cluster.CertificatesDir
	if r.spec != nil {
		dir = opts.KubeconfigDir
		if err := writePartialKubeconfig(filepath.Join(dir, r.name), opts, r.spec, key); err != nil {
			return fmt.Errorf("generate CSR for %s: %w", r.name, err)
		}
	} else if err := pki.WriteKey(dir, r.name, key); err != nil {
		return fmt.Errorf("generate CSR for %s: %w", r.name, err)
	}
	if err := pki.WriteCSR(dir, r.name, csr); err != nil {
		return fmt.Errorf("generate CSR for %s: %w", r.name, err)
	}
	return nil
}

// writePartialKubeconfig writes a kubeconfig with the server, the context
// and the client key, but no CA and no client certificate yet.
func writePartialKubeconfig(path string, opts Options, spec *kcphase.FileSpec, key crypto.Signer) error {
	keyPEM, err := pki.EncodePrivateKeyPEM(key)
	if err != nil {
		return err
	}
	cluster := opts.Cluster.ClusterName
	if cluster == "" {
		cluster = constants.DefaultClusterName
	}
	cfg := kc.NewBasic(spec.Server, cluster, spec.ClientName, nil)
	cfg.AuthInfos[spec.ClientName] = &clientcmdapi.AuthInfo{ClientKeyData: keyPEM}
	return kc.WriteFile(path, cfg)
}
