package kubeadm

import (
	"errors"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

var caHashPattern = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)

// ValidateJoin checks a JoinConfiguration.
func ValidateJoin(c *JoinConfiguration) field.ErrorList {
	var errs field.ErrorList
	errs = append(errs, validateNodeRegistration(&c.NodeRegistration, field.NewPath("nodeRegistration"))...)
	d := field.NewPath("discovery")
	switch {
	case c.Discovery.BootstrapToken == nil && c.Discovery.File == nil:
		errs = append(errs, field.Required(d, "bootstrapToken or file discovery (e.g. kubeadm join <endpoint> --token <token> --discovery-token-ca-cert-hash sha256:<hash>)"))
	case c.Discovery.BootstrapToken != nil && c.Discovery.File != nil:
		errs = append(errs, field.Invalid(d, "bootstrapToken and file", "use one of bootstrapToken and file discovery, not both"))
	}
	if bt := c.Discovery.BootstrapToken; bt != nil {
		p := d.Child("bootstrapToken")
		if !TokenPattern.MatchString(bt.Token) {
			errs = append(errs, field.Invalid(p.Child("token"), bt.Token, "must be of the form [a-z0-9]{6}.[a-z0-9]{16}"))
		}
		if bt.APIServerEndpoint == "" {
			errs = append(errs, field.Required(p.Child("apiServerEndpoint"), "the host:port of the API server or its load balancer"))
		} else if _, _, err := net.SplitHostPort(bt.APIServerEndpoint); err != nil {
			errs = append(errs, field.Invalid(p.Child("apiServerEndpoint"), bt.APIServerEndpoint, "must be host:port, e.g. 192.0.2.10:6443 or [2001:db8::10]:6443"))
		} else {
			errs = append(errs, validateHostPort(bt.APIServerEndpoint, p.Child("apiServerEndpoint"))...)
		}
		if len(bt.CACertHashes) == 0 && !bt.UnsafeSkipCAVerification {
			errs = append(errs, field.Required(p.Child("caCertHashes"),
				"pin the cluster CA with --discovery-token-ca-cert-hash sha256:<hash>, or accept an unverified CA with --discovery-token-unsafe-skip-ca-verification"))
		}
		for i, h := range bt.CACertHashes {
			if !caHashPattern.MatchString(h) {
				errs = append(errs, field.Invalid(p.Child("caCertHashes").Index(i), h, "must be sha256: followed by 64 hexadecimal characters"))
			}
		}
	}
	if f := c.Discovery.File; f != nil {
		errs = append(errs, validateDiscoveryFile(f.KubeConfigPath, d.Child("file", "kubeConfigPath"))...)
	}
	if c.Discovery.TLSBootstrapToken != "" && !TokenPattern.MatchString(c.Discovery.TLSBootstrapToken) {
		errs = append(errs, field.Invalid(d.Child("tlsBootstrapToken"), c.Discovery.TLSBootstrapToken, "must be of the form [a-z0-9]{6}.[a-z0-9]{16}"))
	}
	if cp := c.ControlPlane; cp != nil {
		p := field.NewPath("controlPlane")
		errs = append(errs, validateAPIEndpoint(&cp.LocalAPIEndpoint, p.Child("localAPIEndpoint"))...)
		if cp.CertificateKey != "" {
			errs = append(errs, ValidateCertificateKey(cp.CertificateKey, p.Child("certificateKey"))...)
		}
	}
	if !filepath.IsAbs(c.CACertPath) {
		errs = append(errs, field.Invalid(field.NewPath("caCertPath"), c.CACertPath, "must be an absolute path"))
	}
	return append(errs, validateTimeouts(c.Timeouts, field.NewPath("timeouts"))...)
}

// validateDiscoveryFile checks a discovery kubeconfig: an https URL, or a
// file that exists (it is only read later, once preflight has passed).
func validateDiscoveryFile(path string, p *field.Path) field.ErrorList {
	if path == "" {
		return field.ErrorList{field.Required(p, "a kubeconfig path or https URL")}
	}
	u, err := url.Parse(path)
	switch {
	case err != nil:
		return field.ErrorList{field.Invalid(p, path, "must be a file on disk or an https URL")}
	case u.Scheme == "":
		if _, err := os.Stat(path); err != nil {
			if inner := errors.Unwrap(err); inner != nil {
				err = inner
			}
			return field.ErrorList{field.Invalid(p, path, "the file cannot be read ("+err.Error()+"): give a kubeconfig file on disk or an https URL")}
		}
	case u.Scheme != "https":
		return field.ErrorList{field.Invalid(p, path, "a discovery URL must use https, so that the cluster information cannot be altered on the way")}
	}
	return nil
}
