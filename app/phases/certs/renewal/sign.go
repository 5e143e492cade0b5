package renewal

import (
	"crypto"
	"crypto/x509"
	"fmt"
	"time"

	kc "github.com/kubeadm-cleanroom/kubeadm/app/kubeconfig"
	"github.com/kubeadm-cleanroom/kubeadm/app/pki"
)

// signer is a CA read from the certificates directory.
type signer struct {
	cert    *x509.Certificate
	key     crypto.Signer
	crtPath string
}

// loadCA reads a CA's certificate and key and checks that they belong
// together and that the certificate is a CA.
func loadCA(dir, base string) (signer, error) {
	cert, key, err := pki.ReadCertAndKey(dir, base)
	if err != nil {
		return signer{}, fmt.Errorf("load CA: %w", err)
	}
	path := pki.CertPath(dir, base)
	if !cert.IsCA {
		return signer{}, fmt.Errorf("load CA: %s is not a CA certificate", path)
	}
	return signer{cert: cert, key: key, crtPath: path}, nil
}

// resign signs a new certificate for pub with old's subject common name and
// organizations, DNS and IP SANs and extended key usages, valid from
// shortly before now for the configured period, cut at the CA's expiry.
func resign(opts RenewOptions, old *x509.Certificate, pub crypto.PublicKey, ca signer) (*x509.Certificate, bool, error) {
	now := opts.now()
	notBefore, notAfter := pki.Validity(now, opts.validity())
	capped := false
	if notAfter.After(ca.cert.NotAfter) {
		notAfter, capped = ca.cert.NotAfter, true
	}
	if !notAfter.After(now) {
		return nil, false, fmt.Errorf("CA certificate %s expired at %s: renew the CA first",
			ca.crtPath, ca.cert.NotAfter.UTC().Format(time.RFC3339))
	}
	cfg := pki.CertConfig{
		CommonName:   old.Subject.CommonName,
		Organization: old.Subject.Organization,
		AltNames:     pki.AltNames{DNSNames: old.DNSNames, IPs: old.IPAddresses},
		Usages:       old.ExtKeyUsage,
		NotBefore:    notBefore,
		NotAfter:     notAfter,
	}
	cert, err := pki.NewSignedCert(cfg, pub, ca.cert, ca.key, false)
	if err != nil {
		return nil, false, err
	}
	return cert, capped, nil
}

// renewPKIFile re-signs dir/base.crt for the key in dir/base.key, which is
// kept, and replaces the certificate file.
func renewPKIFile(opts RenewOptions, base string, ca signer) (time.Time, bool, error) {
	old, key, err := pki.ReadCertAndKey(opts.PKIDir, base)
	if err != nil {
		return time.Time{}, false, err
	}
	cert, capped, err := resign(opts, old, key.Public(), ca)
	if err != nil {
		return time.Time{}, false, err
	}
	if err := pki.WriteCert(opts.PKIDir, base, cert); err != nil {
		return time.Time{}, false, err
	}
	return cert.NotAfter, capped, nil
}

// renewKubeconfig re-signs the client certificate embedded in the
// kubeconfig at path for its embedded key, which is kept, refreshes the
// embedded cluster CA from ca (as upstream does) and replaces the file.
// The certificate and key must be embedded, as in the files kubeadm
// writes.
func renewKubeconfig(opts RenewOptions, path string, ca signer) (time.Time, bool, error) {
	cfg, err := kc.LoadFile(path)
	if err != nil {
		return time.Time{}, false, err
	}
	_, cluster, err := kc.CurrentCluster(cfg)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("kubeconfig %s: %w", path, err)
	}
	user, auth, err := kc.CurrentAuthInfo(cfg)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("kubeconfig %s: %w", path, err)
	}
	if len(auth.ClientCertificateData) == 0 || len(auth.ClientKeyData) == 0 {
		return time.Time{}, false, fmt.Errorf("kubeconfig %s: user %q has no embedded client certificate and key (client-certificate-data, client-key-data)", path, user)
	}
	certs, err := pki.ParseCertsPEM(auth.ClientCertificateData)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("kubeconfig %s: client certificate: %w", path, err)
	}
	key, err := pki.ParsePrivateKeyPEM(auth.ClientKeyData)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("kubeconfig %s: client key: %w", path, err)
	}
	if err := pki.CheckKeyMatchesCert(certs[0], key); err != nil {
		return time.Time{}, false, fmt.Errorf("kubeconfig %s: client key: %w", path, err)
	}
	cert, capped, err := resign(opts, certs[0], key.Public(), ca)
	if err != nil {
		return time.Time{}, false, err
	}
	cluster.CertificateAuthorityData = pki.EncodeCertPEM(ca.cert)
	auth.ClientCertificateData = pki.EncodeCertPEM(cert)
	if err := kc.WriteFile(path, cfg); err != nil {
		return time.Time{}, false, err
	}
	return cert.NotAfter, capped, nil
}
