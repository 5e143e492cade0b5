package kubeconfigtest

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"regexp"
	"strings"
	"time"

	certutil "k8s.io/client-go/util/cert"
	"k8s.io/client-go/util/keyutil"
)

var dataLine = regexp.MustCompile(`(?m)^(\s*)(client-certificate-data|client-key-data): (\S+)$`)

// Redact replaces the random client certificate and key of a serialised
// kubeconfig with a stable description: subject, validity, usages, issuer
// and whether it verifies against ca, and the key's PEM type and
// algorithm. Everything else is left as it is.
func Redact(yaml []byte, ca *x509.Certificate) []byte {
	return dataLine.ReplaceAllFunc(yaml, func(line []byte) []byte {
		m := dataLine.FindSubmatch(line)
		indent, field := string(m[1]), string(m[2])
		raw, err := base64.StdEncoding.DecodeString(string(m[3]))
		if err != nil {
			return fmt.Appendf(nil, "%s%s: <invalid base64: %v>", indent, field, err)
		}
		if field == "client-key-data" {
			return fmt.Appendf(nil, "%s%s: <%s>", indent, field, describeKey(raw))
		}
		return fmt.Appendf(nil, "%s%s: <%s>", indent, field, describeCert(raw, ca))
	})
}

func describeCert(data []byte, ca *x509.Certificate) string {
	certs, err := certutil.ParseCertsPEM(data)
	if err != nil {
		return "unparsable certificate: " + err.Error()
	}
	c := certs[0]
	var eku []string
	for _, u := range c.ExtKeyUsage {
		if u == x509.ExtKeyUsageClientAuth {
			eku = append(eku, "clientAuth")
		} else {
			eku = append(eku, fmt.Sprint(u))
		}
	}
	return fmt.Sprintf("CN=%s O=[%s] issuer=%s notBefore=%s notAfter=%s extKeyUsage=[%s] isCA=%t verifiesWithCA=%t",
		c.Subject.CommonName, strings.Join(c.Subject.Organization, ","), c.Issuer.CommonName,
		c.NotBefore.UTC().Format(time.RFC3339), c.NotAfter.UTC().Format(time.RFC3339),
		strings.Join(eku, ","), c.IsCA, ca != nil && c.CheckSignatureFrom(ca) == nil)
}

func describeKey(data []byte) string {
	block, _ := pem.Decode(data)
	if block == nil {
		return "unparsable key"
	}
	k, err := keyutil.ParsePrivateKeyPEM(data)
	if err != nil {
		return block.Type + " unparsable: " + err.Error()
	}
	switch k := k.(type) {
	case *ecdsa.PrivateKey:
		return fmt.Sprintf("%s ECDSA %s", block.Type, k.Curve.Params().Name)
	case *rsa.PrivateKey:
		return fmt.Sprintf("%s RSA-%d", block.Type, k.N.BitLen())
	default:
		return fmt.Sprintf("%s %T", block.Type, k)
	}
}
