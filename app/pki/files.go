package pki

import (
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/kubeadm-cleanroom/kubeadm/app/atomicfile"
)

// File modes of what this package writes, as upstream's keyutil and
// certutil use: private and public keys are readable by the owner only.
const (
	CertFileMode = 0o644
	KeyFileMode  = 0o600
)

// CertPath is dir/name.crt; name may contain a slash ("etcd/server").
func CertPath(dir, name string) string { return filepath.Join(dir, name+".crt") }

// KeyPath is dir/name.key.
func KeyPath(dir, name string) string { return filepath.Join(dir, name+".key") }

// PublicKeyPath is dir/name.pub.
func PublicKeyPath(dir, name string) string { return filepath.Join(dir, name+".pub") }

// WriteCert writes cert to dir/name.crt with mode 0644.
func WriteCert(dir, name string, cert *x509.Certificate) error {
	if cert == nil {
		return fmt.Errorf("write %s: no certificate", CertPath(dir, name))
	}
	return atomicfile.Write(CertPath(dir, name), EncodeCertPEM(cert), CertFileMode)
}

// WriteKey writes key to dir/name.key with mode 0600.
func WriteKey(dir, name string, key crypto.Signer) error {
	path := KeyPath(dir, name)
	if key == nil {
		return fmt.Errorf("write %s: no private key", path)
	}
	data, err := EncodePrivateKeyPEM(key)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return atomicfile.Write(path, data, KeyFileMode)
}

// WriteCertAndKey writes the key first and then the certificate, so that a
// certificate on disk always has its key next to it.
func WriteCertAndKey(dir, name string, cert *x509.Certificate, key crypto.Signer) error {
	if err := WriteKey(dir, name, key); err != nil {
		return err
	}
	return WriteCert(dir, name, cert)
}

// WritePublicKey writes pub to dir/name.pub with mode 0600, as upstream
// writes sa.pub.
func WritePublicKey(dir, name string, pub crypto.PublicKey) error {
	path := PublicKeyPath(dir, name)
	data, err := EncodePublicKeyPEM(pub)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return atomicfile.Write(path, data, KeyFileMode)
}

// ReadCert returns the first certificate of dir/name.crt.
func ReadCert(dir, name string) (*x509.Certificate, error) {
	cert, _, err := ReadCertChain(dir, name)
	return cert, err
}

// ReadCertChain returns the first certificate of dir/name.crt and the
// certificates after it, which are intermediates up to the root.
func ReadCertChain(dir, name string) (*x509.Certificate, []*x509.Certificate, error) {
	path := CertPath(dir, name)
	data, err := atomicfile.Read(path)
	if err != nil {
		return nil, nil, fmt.Errorf("read certificate: %w", err)
	}
	certs, err := ParseCertsPEM(data)
	if err != nil {
		return nil, nil, fmt.Errorf("read certificate %s: %w", path, err)
	}
	return certs[0], certs[1:], nil
}

// ReadKey returns the RSA or ECDSA private key in dir/name.key.
func ReadKey(dir, name string) (crypto.Signer, error) {
	path := KeyPath(dir, name)
	data, err := atomicfile.Read(path)
	if err != nil {
		return nil, fmt.Errorf("read private key: %w", err)
	}
	key, err := ParsePrivateKeyPEM(data)
	if err != nil {
		return nil, fmt.Errorf("read private key %s: %w", path, err)
	}
	return key, nil
}

// ReadCertAndKey reads dir/name.crt and dir/name.key and checks that the
// key belongs to the certificate.
func ReadCertAndKey(dir, name string) (*x509.Certificate, crypto.Signer, error) {
	cert, err := ReadCert(dir, name)
	if err != nil {
		return nil, nil, err
	}
	key, err := ReadKey(dir, name)
	if err != nil {
		return nil, nil, err
	}
	if err := CheckKeyMatchesCert(cert, key); err != nil {
		return nil, nil, fmt.Errorf("%s and %s: %w", CertPath(dir, name), KeyPath(dir, name), err)
	}
	return cert, key, nil
}

// ReadPublicKey returns the public key in dir/name.pub.
func ReadPublicKey(dir, name string) (crypto.PublicKey, error) {
	path := PublicKeyPath(dir, name)
	data, err := atomicfile.Read(path)
	if err != nil {
		return nil, fmt.Errorf("read public key: %w", err)
	}
	pub, err := ParsePublicKeyPEM(data)
	if err != nil {
		return nil, fmt.Errorf("read public key %s: %w", path, err)
	}
	return pub, nil
}

// Exists reports whether path exists; errors other than "not found" count
// as existing so that callers go on to read it and report the error
// instead of overwriting it.
func Exists(path string) bool {
	_, err := os.Stat(path)
	return !errors.Is(err, fs.ErrNotExist)
}

// CertOrKeyExists reports whether dir/name.crt or dir/name.key exists.
func CertOrKeyExists(dir, name string) bool {
	return Exists(CertPath(dir, name)) || Exists(KeyPath(dir, name))
}
