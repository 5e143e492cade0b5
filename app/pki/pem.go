package pki

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
)

// PEM block types read and written by this package.
const (
	CertificateBlockType   = "CERTIFICATE"
	RSAPrivateKeyBlockType = "RSA PRIVATE KEY"
	ECPrivateKeyBlockType  = "EC PRIVATE KEY"
	PKCS8KeyBlockType      = "PRIVATE KEY"
	PublicKeyBlockType     = "PUBLIC KEY"
)

// EncodeCertPEM returns cert as one CERTIFICATE block.
func EncodeCertPEM(cert *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: CertificateBlockType, Bytes: cert.Raw})
}

// EncodeCertsPEM returns certs as consecutive CERTIFICATE blocks, leaf
// first, as a chain file holds them.
func EncodeCertsPEM(certs ...*x509.Certificate) []byte {
	var buf bytes.Buffer
	for _, c := range certs {
		buf.Write(EncodeCertPEM(c))
	}
	return buf.Bytes()
}

// ParseCertsPEM returns every certificate in data, in file order. Blocks of
// other types are ignored; data without any certificate is an error.
func ParseCertsPEM(data []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		if block.Type != CertificateBlockType || len(block.Headers) != 0 {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse certificate %d: %w", len(certs)+1, err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, errors.New("no CERTIFICATE block found")
	}
	return certs, nil
}

// EncodePrivateKeyPEM returns key as an "RSA PRIVATE KEY" (PKCS#1) or
// "EC PRIVATE KEY" (SEC 1) block, the forms upstream writes.
func EncodePrivateKeyPEM(key crypto.Signer) ([]byte, error) {
	switch k := key.(type) {
	case *rsa.PrivateKey:
		return pem.EncodeToMemory(&pem.Block{Type: RSAPrivateKeyBlockType, Bytes: x509.MarshalPKCS1PrivateKey(k)}), nil
	case *ecdsa.PrivateKey:
		der, err := x509.MarshalECPrivateKey(k)
		if err != nil {
			return nil, fmt.Errorf("marshal EC private key: %w", err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: ECPrivateKeyBlockType, Bytes: der}), nil
	}
	return nil, fmt.Errorf("unsupported private key type %T", key)
}

// ParsePrivateKeyPEM returns the first RSA or ECDSA private key in data,
// accepting PKCS#1, SEC 1 and unencrypted PKCS#8 blocks; other blocks (such
// as "EC PARAMETERS") are skipped.
func ParsePrivateKeyPEM(data []byte) (crypto.Signer, error) {
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			return nil, errors.New("no RSA or ECDSA private key found")
		}
		switch block.Type {
		case RSAPrivateKeyBlockType:
			k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("parse RSA private key: %w", err)
			}
			return k, nil
		case ECPrivateKeyBlockType:
			k, err := x509.ParseECPrivateKey(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("parse EC private key: %w", err)
			}
			return k, nil
		case PKCS8KeyBlockType:
			k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("parse PKCS#8 private key: %w", err)
			}
			switch s := k.(type) {
			case *rsa.PrivateKey:
				return s, nil
			case *ecdsa.PrivateKey:
				return s, nil
			}
			return nil, fmt.Errorf("private key is %T, neither RSA nor ECDSA", k)
		}
	}
}

// EncodePublicKeyPEM returns pub as a PKIX "PUBLIC KEY" block.
func EncodePublicKeyPEM(pub crypto.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("marshal public key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: PublicKeyBlockType, Bytes: der}), nil
}

// ParsePublicKeyPEM returns the first RSA or ECDSA public key in data, from
// a "PUBLIC KEY" block or, failing that, from a private key block.
func ParsePublicKeyPEM(data []byte) (crypto.PublicKey, error) {
	rest := data
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != PublicKeyBlockType {
			continue
		}
		pub, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse public key: %w", err)
		}
		switch pub.(type) {
		case *rsa.PublicKey, *ecdsa.PublicKey:
			return pub, nil
		}
		return nil, fmt.Errorf("public key is %T, neither RSA nor ECDSA", pub)
	}
	if key, err := ParsePrivateKeyPEM(data); err == nil {
		return key.Public(), nil
	}
	return nil, errors.New("no RSA or ECDSA public key found")
}
