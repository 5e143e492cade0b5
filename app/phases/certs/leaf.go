package certs

import (
	"crypto/x509"
	"fmt"
	"strings"
	"time"

	"github.com/kubeadm-cleanroom/kubeadm/app/pki"
)

// runLeaf reuses a matching certificate on disk or signs a new one with the
// CA. With an external CA (no CA key) the certificate must already exist.
func runLeaf(s CertSpec, in Inputs) (Result, error) {
	if err := in.check(); err != nil {
		return Result{}, fmt.Errorf("%s: %w", s.Name, err)
	}
	res := Result{Name: s.Name}
	if s.Etcd && in.etcdExternal() {
		res.Action, res.Reason = Skipped, "external etcd"
		return res, nil
	}
	caSpec, ok := SpecByName(s.CAName)
	if !ok {
		return Result{}, fmt.Errorf("%s: unknown CA %q", s.Name, s.CAName)
	}
	cfg, warnings, err := s.Config(in)
	if err != nil {
		return Result{}, err
	}
	res.Warnings = warnings
	caDir := in.locate(caSpec.BaseName)
	if caDir == "" {
		return Result{}, fmt.Errorf("%s: CA certificate %s not found; the %s phase creates it",
			s.Name, pki.CertPath(in.readDir(), caSpec.BaseName), caSpec.Name)
	}
	caCert, caKey, err := loadCA(caSpec, caDir)
	if err != nil {
		return Result{}, fmt.Errorf("%s: %w", s.Name, err)
	}

	if dir := in.locate(s.BaseName); dir != "" {
		cert, err := checkExisting(s, dir, caCert, cfg.AltNames, in.now())
		if err != nil {
			return Result{}, err
		}
		res.Action, res.Cert = Reused, cert
		res.Files = []string{pki.CertPath(dir, s.BaseName), pki.KeyPath(dir, s.BaseName)}
		return res, nil
	}
	if caKey == nil {
		return Result{}, fmt.Errorf("%s: %s is missing and cannot be generated: external CA mode (%s present, %s absent)",
			s.Name, pki.CertPath(in.readDir(), s.BaseName), pki.CertPath(caDir, caSpec.BaseName), pki.KeyPath(caDir, caSpec.BaseName))
	}
	cert, key, err := pki.NewCertAndKey(cfg, caCert, caKey)
	if err != nil {
		return Result{}, fmt.Errorf("%s: %w", s.Name, err)
	}
	dir := in.writeDir()
	if err := pki.WriteCertAndKey(dir, s.BaseName, cert, key); err != nil {
		return Result{}, fmt.Errorf("%s: %w", s.Name, err)
	}
	res.Action, res.Cert = Generated, cert
	res.Files = []string{pki.CertPath(dir, s.BaseName), pki.KeyPath(dir, s.BaseName)}
	return res, nil
}

// checkExisting validates the certificate and key of s in dir: the key
// matches, the certificate is signed by ca, is valid at now and carries
// every SAN of want. The error names the file and the first problem.
func checkExisting(s CertSpec, dir string, ca *x509.Certificate, want pki.AltNames, now time.Time) (*x509.Certificate, error) {
	certPath, keyPath := pki.CertPath(dir, s.BaseName), pki.KeyPath(dir, s.BaseName)
	switch {
	case !pki.Exists(keyPath):
		return nil, fmt.Errorf("%s: existing certificate %s has no key: %s is missing", s.Name, certPath, keyPath)
	case !pki.Exists(certPath):
		return nil, fmt.Errorf("%s: existing key %s has no certificate: %s is missing", s.Name, keyPath, certPath)
	}
	cert, chain, err := pki.ReadCertChain(dir, s.BaseName)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.Name, err)
	}
	key, err := pki.ReadKey(dir, s.BaseName)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.Name, err)
	}
	if err := pki.CheckKeyMatchesCert(cert, key); err != nil {
		return nil, fmt.Errorf("%s: existing %s: %w", s.Name, keyPath, err)
	}
	if err := pki.CheckValidAt(cert, now); err != nil {
		return nil, fmt.Errorf("%s: existing certificate %s is %w", s.Name, certPath, err)
	}
	if err := pki.VerifySignedBy(cert, chain, ca, now); err != nil {
		return nil, fmt.Errorf("%s: existing certificate %s is %w", s.Name, certPath, err)
	}
	if missing := pki.MissingSANs(cert, want); len(missing) > 0 {
		return nil, fmt.Errorf("%s: existing certificate %s lacks required SANs %s",
			s.Name, certPath, strings.Join(missing, ", "))
	}
	return cert, nil
}
