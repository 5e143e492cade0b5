package pki

import (
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"time"
)

// CheckKeyMatchesCert fails unless key is the private half of the public
// key in cert.
func CheckKeyMatchesCert(cert *x509.Certificate, key crypto.Signer) error {
	if !SamePublicKey(cert.PublicKey, key.Public()) {
		return errors.New("private key does not match the certificate's public key")
	}
	return nil
}

// CheckValidAt fails if cert is not yet valid or has expired at t.
func CheckValidAt(cert *x509.Certificate, t time.Time) error {
	switch {
	case t.Before(cert.NotBefore):
		return fmt.Errorf("not valid before %s", cert.NotBefore.UTC().Format(time.RFC3339))
	case t.After(cert.NotAfter):
		return fmt.Errorf("expired at %s", cert.NotAfter.UTC().Format(time.RFC3339))
	}
	return nil
}

// VerifySignedBy checks that cert chains up to the root ca, through
// intermediates if any, with every certificate valid at t. Any extended key
// usage is accepted, as upstream's VerifyCertChain does.
func VerifySignedBy(cert *x509.Certificate, intermediates []*x509.Certificate, ca *x509.Certificate, t time.Time) error {
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	inter := x509.NewCertPool()
	for _, c := range intermediates {
		inter.AddCert(c)
	}
	_, err := cert.Verify(x509.VerifyOptions{
		Roots:         roots,
		Intermediates: inter,
		CurrentTime:   t,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
	if err != nil {
		return fmt.Errorf("not signed by CA %q: %w", ca.Subject.CommonName, err)
	}
	return nil
}

// MissingSANs returns the entries of want that cert is not valid for, IPs
// as "IP:<addr>" and names as "DNS:<name>". A wildcard SAN in cert covers
// matching names, as in TLS host name verification.
func MissingSANs(cert *x509.Certificate, want AltNames) []string {
	var missing []string
	for _, name := range want.DNSNames {
		if cert.VerifyHostname(name) != nil {
			missing = append(missing, "DNS:"+name)
		}
	}
	for _, ip := range want.IPs {
		if cert.VerifyHostname(ip.String()) != nil {
			missing = append(missing, "IP:"+ip.String())
		}
	}
	return missing
}

// CertExpiry returns the NotAfter of dir/name.crt.
func CertExpiry(dir, name string) (time.Time, error) {
	cert, err := ReadCert(dir, name)
	if err != nil {
		return time.Time{}, err
	}
	return cert.NotAfter, nil
}
