package certs

import (
	"fmt"

	"github.com/kubeadm-cleanroom/kubeadm/app/pki"
)

// UsingExternalCA reports whether the CA called caName ("ca",
// "front-proxy-ca" or "etcd-ca") is external: its certificate is present
// and its key is not. For an external CA it also checks every certificate
// that CA signs, as upstream's UsingExternalCA, UsingExternalFrontProxyCA
// and UsingExternalEtcdCA do, and returns true with the first problem,
// since kubeadm cannot create those certificates itself. An absent CA is
// not external; a CA certificate that cannot be read is an error.
func UsingExternalCA(in Inputs, caName string) (bool, error) {
	if err := in.check(); err != nil {
		return false, err
	}
	external, err := usingExternal(in, caName)
	if err != nil || !external {
		return external, err
	}
	caSpec, _ := SpecByName(caName)
	dir := in.locate(caSpec.BaseName)
	caCert, err := pki.ReadCert(dir, caSpec.BaseName)
	if err != nil {
		return true, err
	}
	for _, s := range Specs() {
		if s.CAName != caName {
			continue
		}
		leafDir := in.locate(s.BaseName)
		if leafDir == "" {
			return true, fmt.Errorf("%s: %s is missing and cannot be generated: external CA mode (%s absent)",
				s.Name, pki.CertPath(in.readDir(), s.BaseName), pki.KeyPath(dir, caSpec.BaseName))
		}
		cfg, _, err := s.Config(in)
		if err != nil {
			return true, err
		}
		if _, err := checkExisting(s, leafDir, caCert, cfg.AltNames, in.now()); err != nil {
			return true, err
		}
	}
	return true, nil
}

// usingExternal reports whether caName's certificate exists without its key.
func usingExternal(in Inputs, caName string) (bool, error) {
	caSpec, ok := SpecByName(caName)
	if !ok || !caSpec.IsCA() {
		return false, fmt.Errorf("%q is not a CA of the certs phase", caName)
	}
	dir := in.locate(caSpec.BaseName)
	if dir == "" {
		return false, nil
	}
	_, key, err := loadCA(caSpec, dir)
	if err != nil {
		return false, err
	}
	return key == nil, nil
}
