package config

import (
	"fmt"
	"slices"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/cri"
)

// UnmountFlags are the unmount2() flags a ResetConfiguration may name.
var UnmountFlags = []string{"MNT_FORCE", "MNT_DETACH", "MNT_EXPIRE", "UMOUNT_NOFOLLOW"}

// Reset is the complete configuration of `kubeadm reset`.
type Reset struct {
	Reset    *kubeadm.ResetConfiguration
	Warnings []string
	// host finds the CRI socket in Validate when none was given.
	host Host
}

// LoadResetFile decodes a configuration file for reset. Other documents
// in the file are ignored with a warning, as upstream does.
func LoadResetFile(path string) (*Reset, error) {
	docs, err := Load(path)
	if err != nil {
		return nil, err
	}
	if docs.Reset == nil {
		return nil, fmt.Errorf("%s: no %s document", path, kubeadm.KindReset)
	}
	r := &Reset{Reset: docs.Reset, Warnings: docs.Warnings}
	for _, d := range []struct {
		kind    string
		present bool
	}{
		{kubeadm.KindInit, docs.Init != nil}, {kubeadm.KindCluster, docs.Cluster != nil}, {kubeadm.KindJoin, docs.Join != nil},
		{kubeadm.KindUpgrade, docs.Upgrade != nil}, {kubeadm.KindKubelet, docs.Kubelet != nil}, {kubeadm.KindKubeProxy, docs.KubeProxy != nil},
	} {
		if d.present {
			r.Warnings = append(r.Warnings, fmt.Sprintf("%s: the %s document is ignored by reset", path, d.kind))
		}
	}
	return r, nil
}

// NewReset returns an empty configuration to which flags are applied.
func NewReset() *Reset { return &Reset{Reset: &kubeadm.ResetConfiguration{}} }

// Default applies the static defaults and normalizes a given CRI socket.
// An empty one is found on host by Validate, once the rest is valid.
func (c *Reset) Default(host Host) {
	kubeadm.SetResetDefaults(c.Reset)
	if c.Reset.CRISocket == "" {
		c.host = host
		return
	}
	var warn string
	if c.Reset.CRISocket, warn = cri.Normalize(c.Reset.CRISocket); warn != "" {
		c.Warnings = append(c.Warnings, warn)
	}
}

// Validate returns one error listing every invalid field, or nil. A valid
// configuration without a CRI socket then has it found on the host. Reset
// must work on a node whose runtime is gone, so a socket that cannot be
// found leaves criSocket empty with a warning.
func (c *Reset) Validate() error {
	errs := kubeadm.ValidateReset(c.Reset)
	for i, f := range c.Reset.UnmountFlags {
		if !slices.Contains(UnmountFlags, f) {
			errs = append(errs, field.NotSupported(field.NewPath("unmountFlags").Index(i), f, UnmountFlags))
		}
	}
	if err := invalid(errs); err != nil {
		return err
	}
	if c.host == nil {
		return nil
	}
	host := c.host
	c.host = nil
	// The socket this node's kubelet was set up with comes first: with
	// several runtimes running, detection alone cannot choose.
	if r, ok := host.(interface{ RecordedCRISocket() string }); ok {
		if s := r.RecordedCRISocket(); s != "" {
			c.Reset.CRISocket = s
			return nil
		}
	}
	s, err := host.DetectCRISocket()
	if err != nil {
		c.Warnings = append(c.Warnings, fmt.Sprintf("%v: the pods of this node are not removed", err))
		return nil
	}
	c.Reset.CRISocket = s
	return nil
}
