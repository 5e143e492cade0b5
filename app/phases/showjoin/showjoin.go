// Package showjoin builds the join commands init prints: the bootstrap
// token, the API endpoint and the pinned CA public key hash, plus
// --control-plane and --certificate-key for control-plane joins.
package showjoin

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"strings"
)

// CACertHash returns "sha256:<hex>" of the CA's SubjectPublicKeyInfo, the
// form --discovery-token-ca-cert-hash takes.
func CACertHash(ca *x509.Certificate) string {
	sum := sha256.Sum256(ca.RawSubjectPublicKeyInfo)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// Command is a join command's parts.
type Command struct {
	Endpoint       string // host:port
	Token          string
	CAHashes       []string
	ControlPlane   bool
	CertificateKey string // only with ControlPlane
}

// Args returns the command as arguments (without "kubeadm").
func (c Command) Args() []string {
	args := []string{"join", c.Endpoint, "--token", c.Token}
	for _, h := range c.CAHashes {
		args = append(args, "--discovery-token-ca-cert-hash", h)
	}
	if c.ControlPlane {
		args = append(args, "--control-plane")
		if c.CertificateKey != "" {
			args = append(args, "--certificate-key", c.CertificateKey)
		}
	}
	return args
}

// String returns the command on one line.
func (c Command) String() string { return "kubeadm " + strings.Join(c.Args(), " ") }

// Pretty returns the command broken over lines as people copy it: the
// endpoint and token on the first line, then one flag per line.
func (c Command) Pretty() string {
	args := c.Args()
	lines := []string{"kubeadm " + strings.Join(args[:4], " ")}
	for i := 4; i < len(args); i++ {
		line := args[i]
		if i+1 < len(args) && !strings.HasPrefix(args[i+1], "--") {
			line += " " + args[i+1]
			i++
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, " \\\n\t")
}
