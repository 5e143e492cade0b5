package upgrade

import (
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/version"

	"github.com/kubeadm-cleanroom/kubeadm/app/versions"
)

// Version skew limits, as upstream kubeadm enforces them.
const (
	// MaxMinorUpgradeSkew is how many minors one upgrade may move up.
	MaxMinorUpgradeSkew = 1
	// MaxMinorDowngradeSkew is how many minors one run may move down.
	MaxMinorDowngradeSkew = 1
	// MaxKubeletMinorSkew is how many minors a kubelet may lag the
	// control plane.
	MaxKubeletMinorSkew = 3
)

// PolicyOptions are the user's choices that relax the version policy.
type PolicyOptions struct {
	// Force turns skippable policy errors into warnings (--force).
	Force bool
	// AllowExperimental allows any pre-release target
	// (--allow-experimental-upgrades).
	AllowExperimental bool
	// AllowRC allows release-candidate targets
	// (--allow-release-candidate-upgrades).
	AllowRC bool
	// KubeletVersions are the versions of the cluster's kubelets, one per
	// node or deduplicated. Nil skips the kubelet skew check.
	KubeletVersions []string
}

// PolicyResult splits the policy violations of a target version into
// those nothing can bypass and those --force bypasses.
type PolicyResult struct {
	Mandatory []error
	Skippable []error
}

// OK reports whether the target breaks no rule at all.
func (r PolicyResult) OK() bool { return len(r.Mandatory) == 0 && len(r.Skippable) == 0 }

// CheckVersion decides whether a cluster whose newest API server runs
// current may be moved to target by a kubeadm of version tool. It fails on
// any mandatory violation, and on skippable ones unless o.Force is set, in
// which case they come back as warnings. Downgrades the policy lets through
// are reported as a warning too.
func CheckVersion(current, target, tool string, o PolicyOptions) (warnings []string, err error) {
	r := EvaluatePolicy(current, target, tool, o)
	if len(r.Mandatory) > 0 {
		return nil, fmt.Errorf("cannot move the cluster from %s to %s: %s (this cannot be bypassed: choose another version)",
			current, target, joinErrors(r.Mandatory))
	}
	if len(r.Skippable) > 0 {
		if !o.Force {
			return nil, fmt.Errorf("cannot move the cluster from %s to %s: %s (pass --force to bypass)",
				current, target, joinErrors(r.Skippable))
		}
		for _, e := range r.Skippable {
			warnings = append(warnings, e.Error()+" (bypassed by --force)")
		}
	}
	cur, errC := versions.Parse(current)
	tgt, errT := versions.Parse(target)
	if errC == nil && errT == nil && tgt.LessThan(cur) {
		warnings = append(warnings, fmt.Sprintf("%s is older than the cluster's %s: this is a downgrade", target, current))
	}
	return warnings, nil
}

// EvaluatePolicy lists every rule target breaks, following upstream
// kubeadm's split between mandatory and skippable violations. Versions must
// look like vX.Y.Z[-pre].
func EvaluatePolicy(current, target, tool string, o PolicyOptions) PolicyResult {
	var r PolicyResult
	must := func(format string, a ...any) { r.Mandatory = append(r.Mandatory, fmt.Errorf(format, a...)) }
	skip := func(format string, a ...any) { r.Skippable = append(r.Skippable, fmt.Errorf(format, a...)) }
	// Loosened for pre-releases: they may cross the minor limits with --force.
	mustUnlessPre := func(pre bool, format string, a ...any) {
		if pre {
			skip(format, a...)
		} else {
			must(format, a...)
		}
	}

	cur, err := versions.Parse(current)
	if err != nil {
		must("cannot read the cluster version: %v", err)
		return r
	}
	kv, err := versions.Parse(tool)
	if err != nil {
		must("cannot read the kubeadm version: %v", err)
		return r
	}
	tgt, err := versions.Parse(target)
	if err != nil {
		must("cannot read the target version: %v", err)
		return r
	}
	pre := tgt.PreRelease() != ""

	if minimum := minimumControlPlane(kv); !tgt.AtLeast(minimum) {
		must("%s is older than v%s, the oldest control plane kubeadm %s supports, so choose v%s or newer",
			target, minimum, tool, minimum)
	}
	if tgt.Minor() > cur.Minor()+MaxMinorUpgradeSkew {
		mustUnlessPre(pre, "%s is more than %d minor version above the cluster's %s, so upgrade to v%d.%d first",
			target, MaxMinorUpgradeSkew, current, cur.Major(), cur.Minor()+MaxMinorUpgradeSkew)
	}
	if tgt.Minor()+MaxMinorDowngradeSkew < cur.Minor() {
		mustUnlessPre(pre, "%s is more than %d minor version below the cluster's %s, so downgrade to v%d.%d first",
			target, MaxMinorDowngradeSkew, current, cur.Major(), cur.Minor()-MaxMinorDowngradeSkew)
	}
	if kv.LessThan(tgt) {
		if tgt.Minor() > kv.Minor() {
			mustUnlessPre(pre, "%s is a newer minor than this kubeadm %s, so use a kubeadm of v%d.%d to install it",
				target, tool, tgt.Major(), tgt.Minor())
		} else {
			skip("%s is newer than this kubeadm %s, so upgrade kubeadm to %s first", target, tool, target)
		}
	}
	if kv.Major() > tgt.Major() || kv.Minor() > tgt.Minor() {
		skip("kubeadm %s upgrades to v%d.%d versions, not to %s, so use a kubeadm of v%d.%d for it",
			tool, kv.Major(), kv.Minor(), target, tgt.Major(), tgt.Minor())
	}
	if err := unstableError(tgt, target, o); err != nil {
		r.Skippable = append(r.Skippable, err)
	}
	if o.KubeletVersions != nil {
		if err := CheckKubeletSkew(target, o.KubeletVersions); err != nil {
			r.Skippable = append(r.Skippable, err)
		}
	}
	return r
}

// minimumControlPlane is the oldest control plane a kubeadm of version kv
// deploys: vX.(Y-1).0.
func minimumControlPlane(kv *version.Version) *version.Version {
	m := kv.Minor()
	if m > 0 {
		m--
	}
	return version.MustParseSemantic(fmt.Sprintf("v%d.%d.0", kv.Major(), m))
}

// unstableError refuses pre-release targets the user did not opt into.
func unstableError(tgt *version.Version, target string, o PolicyOptions) error {
	pre := tgt.PreRelease()
	switch {
	case pre == "", o.AllowExperimental:
		return nil
	case strings.HasPrefix(pre, "rc") && o.AllowRC:
		return nil
	case strings.HasPrefix(pre, "rc"):
		return fmt.Errorf("%s is a release candidate, so pass --allow-release-candidate-upgrades to use it", target)
	}
	return fmt.Errorf("%s is a pre-release, so pass --allow-experimental-upgrades to use it", target)
}

// CheckKubeletSkew fails when any kubelet is more than MaxKubeletMinorSkew
// minors behind target, or cannot be read; upstream treats both as
// skippable with --force.
func CheckKubeletSkew(target string, kubelets []string) error {
	tgt, err := versions.Parse(target)
	if err != nil {
		return fmt.Errorf("cannot read the target version: %v", err)
	}
	var old []string
	for _, k := range kubelets {
		kv, err := versions.Parse(k)
		if err != nil {
			return fmt.Errorf("cannot read kubelet version %q, so check the nodes' kubelets: %v", k, err)
		}
		if tgt.Minor() > kv.Minor()+MaxKubeletMinorSkew && !slices.Contains(old, k) {
			old = append(old, k)
		}
	}
	if len(old) == 0 {
		return nil
	}
	slices.Sort(old)
	return fmt.Errorf("kubelets at %s are more than %d minor versions behind %s, so upgrade them first",
		strings.Join(old, ", "), MaxKubeletMinorSkew, target)
}

func joinErrors(errs []error) string {
	s := make([]string, len(errs))
	for i, e := range errs {
		s[i] = e.Error()
	}
	return strings.Join(s, "; ")
}

// CheckTarget applies, before anything else happens, the rules that need no
// cluster: target must be a version (a label or a version without its v is
// resolved offline, as init resolves them), one this kubeadm of version tool
// installs, and stable unless o allows pre-releases. It returns the
// resolved version. The skew against the cluster is checked in preflight.
func CheckTarget(target, tool string, o PolicyOptions) (string, error) {
	resolved, _ := versions.Resolve(target)
	if _, err := versions.Parse(resolved); err != nil {
		return "", fmt.Errorf("invalid upgrade version %q: %w (or a label: %s)", target, err, versions.Labels)
	}
	r := EvaluatePolicy(resolved, resolved, tool, PolicyOptions{AllowExperimental: o.AllowExperimental, AllowRC: o.AllowRC})
	if len(r.Mandatory) > 0 {
		return "", fmt.Errorf("upgrade version %s: %s (this cannot be bypassed: choose another version)", resolved, joinErrors(r.Mandatory))
	}
	if len(r.Skippable) > 0 && !o.Force {
		return "", fmt.Errorf("upgrade version %s: %s (pass --force to bypass)", resolved, joinErrors(r.Skippable))
	}
	return resolved, nil
}
