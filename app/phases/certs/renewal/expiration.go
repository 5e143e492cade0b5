package renewal

import (
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	kc "github.com/kubeadm-cleanroom/kubeadm/app/kubeconfig"
	"github.com/kubeadm-cleanroom/kubeadm/app/pki"
)

// The group, version and kind `kubeadm certs check-expiration -o json|yaml`
// prints.
const (
	OutputAPIVersion = "output.kubeadm.k8s.io/v1alpha3"
	ExpirationKind   = "CertificateExpirationInfo"
)

// ExpirationInfo is the expiration report, field for field the shape of
// upstream's output.kubeadm.k8s.io/v1alpha3 CertificateExpirationInfo.
type ExpirationInfo struct {
	metav1.TypeMeta `json:",inline"`

	Certificates           []CertificateExpiration `json:"certificates"`
	CertificateAuthorities []CertificateExpiration `json:"certificateAuthorities"`
}

// CertificateExpiration is one row of the report. A missing certificate
// has only its name and Missing set (its expirationDate is null).
type CertificateExpiration struct {
	Name string `json:"name"`
	// ExpirationDate is the certificate's NotAfter, in UTC.
	ExpirationDate metav1.Time `json:"expirationDate"`
	// ResidualTimeSeconds is the time left, negative once expired.
	ResidualTimeSeconds int64 `json:"residualTime"`
	// ExternallyManaged: the signing CA's key (the CA's own key, for a CA
	// row) is absent, so kubeadm cannot renew it.
	ExternallyManaged bool `json:"externallyManaged"`
	// CAName is the signing CA; empty for the CAs themselves.
	CAName  string `json:"caName,omitempty"`
	Missing bool   `json:"missing"`
}

// CheckExpiration reads every renewable certificate and every CA (without
// the etcd ones when etcd is external) and reports when each expires,
// relative to opts.Now. Absent files are reported as missing; a file that
// cannot be read or parsed is an error naming it.
func CheckExpiration(opts RenewOptions) (*ExpirationInfo, error) {
	if opts.PKIDir == "" || opts.KubernetesDir == "" {
		return nil, errors.New("check expiration: the certificates directory and the Kubernetes directory are required")
	}
	now := opts.now()
	info := &ExpirationInfo{
		TypeMeta:               metav1.TypeMeta{APIVersion: OutputAPIVersion, Kind: ExpirationKind},
		Certificates:           []CertificateExpiration{},
		CertificateAuthorities: []CertificateExpiration{},
	}
	for _, c := range Certs() {
		if c.Etcd && opts.ExternalEtcd {
			continue
		}
		row := CertificateExpiration{Name: c.Name, Missing: true}
		if path := c.Path(opts); exists(path) {
			cert, err := readForExpiration(c, path, opts.PKIDir)
			if err != nil {
				return nil, fmt.Errorf("check expiration of %s: %w", c.Name, err)
			}
			row = expirationRow(c.Name, cert, now, externalCA(opts.PKIDir, c.CABaseName))
			row.CAName = c.CAName
		}
		info.Certificates = append(info.Certificates, row)
	}
	for _, ca := range CAs() {
		if ca.Etcd && opts.ExternalEtcd {
			continue
		}
		row := CertificateExpiration{Name: ca.Name, Missing: true}
		if exists(pki.CertPath(opts.PKIDir, ca.BaseName)) {
			cert, err := pki.ReadCert(opts.PKIDir, ca.BaseName)
			if err != nil {
				return nil, fmt.Errorf("check expiration of %s: %w", ca.Name, err)
			}
			row = expirationRow(ca.Name, cert, now, externalCA(opts.PKIDir, ca.BaseName))
		}
		info.CertificateAuthorities = append(info.CertificateAuthorities, row)
	}
	return info, nil
}

// readForExpiration returns the certificate of c: the PKI file's first
// certificate or the kubeconfig's client certificate, embedded or not.
func readForExpiration(c Cert, path, pkiDir string) (*x509.Certificate, error) {
	if c.Kind == PKIFile {
		return pki.ReadCert(pkiDir, c.File)
	}
	cfg, err := kc.LoadFile(path)
	if err != nil {
		return nil, err
	}
	cert, err := kc.ClientCertificate(cfg)
	if err != nil {
		return nil, fmt.Errorf("kubeconfig %s: %w", path, err)
	}
	return cert, nil
}

func expirationRow(name string, cert *x509.Certificate, now time.Time, external bool) CertificateExpiration {
	return CertificateExpiration{
		Name:                name,
		ExpirationDate:      metav1.NewTime(cert.NotAfter.UTC()),
		ResidualTimeSeconds: int64(cert.NotAfter.Sub(now) / time.Second),
		ExternallyManaged:   external,
	}
}

// externalCA reports external CA mode for the CA at base: its certificate
// is present and its key is not.
func externalCA(dir, base string) bool {
	return exists(pki.CertPath(dir, base)) && !exists(pki.KeyPath(dir, base))
}

// exists reports whether path exists; only "not found" counts as absent.
func exists(path string) bool {
	_, err := os.Stat(path)
	return !errors.Is(err, fs.ErrNotExist)
}
