package config

import "github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"

// PlaceholderCRISocket stands in for the detected container runtime in
// printed defaults, as upstream prints it.
const PlaceholderCRISocket = "unix:///var/run/containerd/containerd.sock"

// ResetDefaults is the ResetConfiguration `kubeadm config print
// reset-defaults` writes: its static defaults, with the placeholder CRI
// socket where reset would detect one.
func ResetDefaults() *kubeadm.ResetConfiguration {
	c := &kubeadm.ResetConfiguration{CRISocket: PlaceholderCRISocket}
	kubeadm.SetResetDefaults(c)
	return c
}

// UpgradeDefaults is the UpgradeConfiguration `kubeadm config print
// upgrade-defaults` writes: the defaults upstream writes into a file.
func UpgradeDefaults() *kubeadm.UpgradeConfiguration {
	c := &kubeadm.UpgradeConfiguration{}
	kubeadm.SetUpgradeFileDefaults(c)
	return c
}
