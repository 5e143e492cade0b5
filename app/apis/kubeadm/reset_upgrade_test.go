package kubeadm

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestSetUpgradeFileDefaults(t *testing.T) {
	f := false
	c := &UpgradeConfiguration{Apply: UpgradeApplyConfiguration{EtcdUpgrade: &f}}
	SetUpgradeFileDefaults(c)
	if *c.Apply.EtcdUpgrade || !*c.Apply.CertificateRenewal || !*c.Node.EtcdUpgrade || !*c.Plan.EtcdUpgrade || c.Node.ImagePullPolicy != "IfNotPresent" {
		t.Errorf("true-valued defaults: %+v", c)
	}
	if c.Apply.DryRun != nil || c.Apply.ForceUpgrade != nil || c.Plan.AllowRCUpgrades != nil || c.Diff.DiffContextLines != 0 {
		t.Errorf("false-valued switches and contextLines stay unset in a file: %+v", c)
	}
	if c.Timeouts == nil || c.Timeouts.UpgradeManifests == nil {
		t.Errorf("timeouts: %+v", c.Timeouts)
	}
}

func TestValidateResetUpgrade(t *testing.T) {
	r := &ResetConfiguration{CertificatesDir: "pki", CRISocket: "/run/containerd.sock", IgnorePreflightErrors: []string{"all", "Swap"},
		Timeouts: &Timeouts{Discovery: &metav1.Duration{Duration: -time.Second}}}
	got := ValidateReset(r).ToAggregate().Error()
	for _, want := range []string{"certificatesDir", "criSocket", "ignorePreflightErrors", "timeouts.discovery"} {
		if !strings.Contains(got, want) {
			t.Errorf("reset validation lacks %q: %s", want, got)
		}
	}
	u := &UpgradeConfiguration{Apply: UpgradeApplyConfiguration{ImagePullPolicy: "Sometimes"}, Diff: UpgradeDiffConfiguration{DiffContextLines: -1},
		Plan: UpgradePlanConfiguration{IgnorePreflightErrors: []string{"all", "Swap"}}}
	got = ValidateUpgrade(u).ToAggregate().Error()
	for _, want := range []string{"apply.imagePullPolicy", "diff.contextLines", "plan.ignorePreflightErrors"} {
		if !strings.Contains(got, want) {
			t.Errorf("upgrade validation lacks %q: %s", want, got)
		}
	}
	r, u = &ResetConfiguration{}, &UpgradeConfiguration{}
	SetResetDefaults(r)
	SetUpgradeDefaults(u)
	if errs := append(ValidateReset(r), ValidateUpgrade(u)...); len(errs) > 0 {
		t.Errorf("defaults do not validate: %v", errs)
	}
}
