package renewal

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/pki"
)

// RenewOptions say where the files are and how long renewed certificates
// last.
type RenewOptions struct {
	// PKIDir is the certificates directory (ClusterConfiguration
	// certificatesDir), normally /etc/kubernetes/pki.
	PKIDir string
	// KubernetesDir holds the kubeconfig files, normally /etc/kubernetes.
	KubernetesDir string
	// Validity is how long a renewed certificate lasts from Now
	// (ClusterConfiguration certificateValidityPeriod); zero means one
	// year. It is cut short at the signing CA's expiry.
	Validity time.Duration
	// Now is the clock; zero means time.Now(). The new certificate is
	// valid from pki.CertificateBackdate before Now.
	Now time.Time
	// ExternalEtcd skips the certificates of a local etcd (etcd-server,
	// etcd-peer, etcd-healthcheck-client, apiserver-etcd-client), which
	// upstream does not manage when etcd is external.
	ExternalEtcd bool
}

// OptionsFor returns the options for a cluster configuration with the
// kubeconfig files in kubernetesDir.
func OptionsFor(cluster *kubeadm.ClusterConfiguration, kubernetesDir string) RenewOptions {
	opts := RenewOptions{PKIDir: cluster.CertificatesDir, KubernetesDir: kubernetesDir, ExternalEtcd: cluster.Etcd.External != nil}
	if p := cluster.CertificateValidityPeriod; p != nil {
		opts.Validity = p.Duration
	}
	return opts
}

func (o RenewOptions) now() time.Time {
	if o.Now.IsZero() {
		return time.Now().UTC()
	}
	return o.Now.UTC()
}

func (o RenewOptions) validity() time.Duration {
	if o.Validity <= 0 {
		return constants.DefaultCertValidity
	}
	return o.Validity
}

// Status is what happened to one certificate.
type Status string

// The outcomes of Renew.
const (
	// StatusRenewed: a new certificate was signed and written.
	StatusRenewed Status = "renewed"
	// StatusMissing: the certificate or kubeconfig file is absent; nothing
	// was written. Upstream prints "MISSING! <long name>".
	StatusMissing Status = "missing"
	// StatusExternalCA: the signing CA's key is absent (external CA
	// mode), so kubeadm cannot renew the certificate; CAKeyPath names the
	// absent key.
	StatusExternalCA Status = "external-ca"
	// StatusExternalEtcd: an etcd certificate while etcd is external.
	StatusExternalEtcd Status = "external-etcd"
)

// Renewed reports one certificate.
type Renewed struct {
	Cert
	// Path is the certificate or kubeconfig file.
	Path   string
	Status Status
	// NotAfter is the new expiry, for StatusRenewed.
	NotAfter time.Time
	// CappedAtCA is set when the validity period would have outlived the
	// CA, so NotAfter is the CA's NotAfter.
	CappedAtCA bool
	// CAKeyPath is the absent CA key, for StatusExternalCA.
	CAKeyPath string
}

// Renew renews the named certificates (RenewableNames; none means all of
// them) in the order given. Unknown names are an error before anything is
// touched. A missing file, an external CA and an external etcd are
// reported in the results, not as errors; any other problem stops the
// renewal with an error naming the certificate and file, returned with the
// results so far.
func Renew(opts RenewOptions, names []string) ([]Renewed, error) {
	if opts.PKIDir == "" || opts.KubernetesDir == "" {
		return nil, errors.New("renew certificates: the certificates directory and the Kubernetes directory are required")
	}
	if len(names) == 0 {
		names = RenewableNames()
	}
	list := make([]Cert, 0, len(names))
	for _, n := range names {
		c, err := CertByName(n)
		if err != nil {
			return nil, fmt.Errorf("renew: %w", err)
		}
		list = append(list, c)
	}
	results := make([]Renewed, 0, len(list))
	for _, c := range list {
		r, err := renewOne(opts, c)
		if err != nil {
			return results, fmt.Errorf("renew %s: %w", c.Name, err)
		}
		results = append(results, r)
	}
	return results, nil
}

func renewOne(opts RenewOptions, c Cert) (Renewed, error) {
	r := Renewed{Cert: c, Path: c.Path(opts)}
	if c.Etcd && opts.ExternalEtcd {
		r.Status = StatusExternalEtcd
		return r, nil
	}
	if _, err := os.Stat(r.Path); errors.Is(err, fs.ErrNotExist) {
		r.Status = StatusMissing
		return r, nil
	}
	caKeyPath := pki.KeyPath(opts.PKIDir, c.CABaseName)
	if !pki.Exists(caKeyPath) && pki.Exists(pki.CertPath(opts.PKIDir, c.CABaseName)) {
		r.Status, r.CAKeyPath = StatusExternalCA, caKeyPath
		return r, nil
	}
	ca, err := loadCA(opts.PKIDir, c.CABaseName)
	if err != nil {
		return r, err
	}
	var notAfter time.Time
	if c.Kind == Kubeconfig {
		notAfter, r.CappedAtCA, err = renewKubeconfig(opts, r.Path, ca)
	} else {
		notAfter, r.CappedAtCA, err = renewPKIFile(opts, c.File, ca)
	}
	if err != nil {
		return r, err
	}
	r.Status, r.NotAfter = StatusRenewed, notAfter
	return r, nil
}
