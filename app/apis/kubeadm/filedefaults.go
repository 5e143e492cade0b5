package kubeadm

import corev1 "k8s.io/api/core/v1"

// SetUpgradeFileDefaults fills the defaults upstream writes into a v1beta4
// UpgradeConfiguration file (`config print upgrade-defaults`, `config
// migrate`): the switches that default to true, the image pull policy and
// seriality, and the timeouts. Switches that default to false and
// diff.contextLines stay unset, as in upstream's files; SetUpgradeDefaults
// fills those too when a command runs.
func SetUpgradeFileDefaults(c *UpgradeConfiguration) {
	c.APIVersion, c.Kind = V1beta4, KindUpgrade
	t := true
	for _, p := range []**bool{&c.Apply.CertificateRenewal, &c.Apply.EtcdUpgrade, &c.Apply.ImagePullSerial,
		&c.Node.CertificateRenewal, &c.Node.EtcdUpgrade, &c.Node.ImagePullSerial, &c.Plan.EtcdUpgrade} {
		if *p == nil {
			v := t
			*p = &v
		}
	}
	if c.Apply.ImagePullPolicy == "" {
		c.Apply.ImagePullPolicy = corev1.PullIfNotPresent
	}
	if c.Node.ImagePullPolicy == "" {
		c.Node.ImagePullPolicy = corev1.PullIfNotPresent
	}
	c.Timeouts = SetTimeoutDefaults(c.Timeouts)
}
