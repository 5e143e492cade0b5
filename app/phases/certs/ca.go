package certs

import (
	"crypto"
	"crypto/x509"
	"fmt"
	"os"

	"github.com/kubeadm-cleanroom/kubeadm/app/atomicfile"
	"github.com/kubeadm-cleanroom/kubeadm/app/pki"
)

// runCA reuses the CA on disk or creates it. A reused CA found outside the
// write directory (dry-run) is copied there so the leaves can be signed.
func runCA(s CertSpec, in Inputs) (Result, error) {
	if err := in.check(); err != nil {
		return Result{}, fmt.Errorf("%s: %w", s.Name, err)
	}
	res := Result{Name: s.Name}
	if s.Etcd && in.etcdExternal() {
		res.Action, res.Reason = Skipped, "external etcd"
		return res, nil
	}
	if dir := in.locate(s.BaseName); dir != "" {
		cert, key, err := loadCA(s, dir)
		if err != nil {
			return Result{}, err
		}
		if err := pki.CheckValidAt(cert, in.now()); err != nil {
			res.Warnings = append(res.Warnings, fmt.Sprintf("CA certificate %s is %v", pki.CertPath(dir, s.BaseName), err))
		}
		if dir != in.writeDir() {
			if err := copyCA(s, dir, in.writeDir(), key != nil); err != nil {
				return Result{}, fmt.Errorf("%s: %w", s.Name, err)
			}
		}
		res.Action, res.Cert, res.External = Reused, cert, key == nil
		res.Files = []string{pki.CertPath(dir, s.BaseName)}
		if key != nil {
			res.Files = append(res.Files, pki.KeyPath(dir, s.BaseName))
		}
		return res, nil
	}
	cfg, warnings, err := s.Config(in)
	if err != nil {
		return Result{}, err
	}
	cert, key, err := pki.NewCA(cfg)
	if err != nil {
		return Result{}, fmt.Errorf("%s: %w", s.Name, err)
	}
	dir := in.writeDir()
	if err := pki.WriteCertAndKey(dir, s.BaseName, cert, key); err != nil {
		return Result{}, fmt.Errorf("%s: %w", s.Name, err)
	}
	res.Action, res.Cert, res.Warnings = Generated, cert, warnings
	res.Files = []string{pki.CertPath(dir, s.BaseName), pki.KeyPath(dir, s.BaseName)}
	return res, nil
}

// loadCA reads the CA certificate in dir and its key if present; a nil key
// without error means an external CA. The certificate must be a CA and a
// present key must match it.
func loadCA(s CertSpec, dir string) (*x509.Certificate, crypto.Signer, error) {
	cert, err := pki.ReadCert(dir, s.BaseName)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", s.Name, err)
	}
	if !cert.IsCA {
		return nil, nil, fmt.Errorf("%s: %s is not a CA certificate", s.Name, pki.CertPath(dir, s.BaseName))
	}
	if !pki.Exists(pki.KeyPath(dir, s.BaseName)) {
		return cert, nil, nil
	}
	key, err := pki.ReadKey(dir, s.BaseName)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", s.Name, err)
	}
	if err := pki.CheckKeyMatchesCert(cert, key); err != nil {
		return nil, nil, fmt.Errorf("%s: %s: %w", s.Name, pki.KeyPath(dir, s.BaseName), err)
	}
	return cert, key, nil
}

// copyCA copies the CA's files byte for byte from src to dst.
func copyCA(s CertSpec, src, dst string, withKey bool) error {
	type job struct {
		from, to string
		mode     os.FileMode
	}
	jobs := []job{{pki.CertPath(src, s.BaseName), pki.CertPath(dst, s.BaseName), pki.CertFileMode}}
	if withKey {
		jobs = append(jobs, job{pki.KeyPath(src, s.BaseName), pki.KeyPath(dst, s.BaseName), pki.KeyFileMode})
	}
	for _, j := range jobs {
		data, err := atomicfile.Read(j.from)
		if err != nil {
			return fmt.Errorf("copy CA file: %w", err)
		}
		if err := atomicfile.Write(j.to, data, j.mode); err != nil {
			return err
		}
	}
	return nil
}
