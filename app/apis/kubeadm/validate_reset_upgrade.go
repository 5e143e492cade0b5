package kubeadm

import (
	"net/url"
	"path/filepath"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ValidateReset checks a ResetConfiguration and returns every problem with
// its field path.
func ValidateReset(c *ResetConfiguration) field.ErrorList {
	var errs field.ErrorList
	if c.CertificatesDir != "" && !filepath.IsAbs(c.CertificatesDir) {
		errs = append(errs, field.Invalid(field.NewPath("certificatesDir"), c.CertificatesDir, "must be an absolute path"))
	}
	if c.CRISocket != "" {
		if u, err := url.Parse(c.CRISocket); err != nil || u.Scheme != "unix" || u.Path == "" {
			errs = append(errs, field.Invalid(field.NewPath("criSocket"), c.CRISocket, "must be a unix socket URL, e.g. unix:///run/containerd/containerd.sock"))
		}
	}
	errs = append(errs, ValidateIgnorePreflightErrors(c.IgnorePreflightErrors, field.NewPath("ignorePreflightErrors"))...)
	return append(errs, validateTimeouts(c.Timeouts, field.NewPath("timeouts"))...)
}

// ValidateUpgrade checks an UpgradeConfiguration and returns every problem
// with its field path. Target versions are left to the upgrade policy.
func ValidateUpgrade(c *UpgradeConfiguration) field.ErrorList {
	var errs field.ErrorList
	if c.Diff.DiffContextLines < 0 {
		errs = append(errs, field.Invalid(field.NewPath("diff", "contextLines"), c.Diff.DiffContextLines, "must not be negative"))
	}
	for _, pp := range []struct {
		p      *field.Path
		policy corev1.PullPolicy
	}{{field.NewPath("apply", "imagePullPolicy"), c.Apply.ImagePullPolicy}, {field.NewPath("node", "imagePullPolicy"), c.Node.ImagePullPolicy}} {
		switch pp.policy {
		case "", corev1.PullAlways, corev1.PullIfNotPresent, corev1.PullNever:
		default:
			errs = append(errs, field.NotSupported(pp.p, pp.policy, []corev1.PullPolicy{corev1.PullAlways, corev1.PullIfNotPresent, corev1.PullNever}))
		}
	}
	errs = append(errs, ValidateIgnorePreflightErrors(c.Apply.IgnorePreflightErrors, field.NewPath("apply", "ignorePreflightErrors"))...)
	errs = append(errs, ValidateIgnorePreflightErrors(c.Node.IgnorePreflightErrors, field.NewPath("node", "ignorePreflightErrors"))...)
	errs = append(errs, ValidateIgnorePreflightErrors(c.Plan.IgnorePreflightErrors, field.NewPath("plan", "ignorePreflightErrors"))...)
	return append(errs, validateTimeouts(c.Timeouts, field.NewPath("timeouts"))...)
}
