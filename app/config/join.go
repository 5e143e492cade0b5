package config

import (
	"fmt"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
)

// Join is the complete configuration of `kubeadm join`.
type Join struct {
	Join     *kubeadm.JoinConfiguration
	Warnings []string
	// Source is the file the configuration came from ("" for flags).
	Source string
	runtimeDetection
}

// LoadJoinFile decodes a configuration file for join.
func LoadJoinFile(path string) (*Join, error) {
	docs, err := Load(path)
	if err != nil {
		return nil, err
	}
	if docs.Join == nil {
		return nil, fmt.Errorf("%s: no JoinConfiguration found in the supplied config", path)
	}
	return &Join{Join: docs.Join, Warnings: docs.Warnings, Source: path}, nil
}

// NewJoin returns an empty configuration to which flags are applied.
func NewJoin() *Join { return &Join{Join: &kubeadm.JoinConfiguration{}} }

// Default applies static defaults, then the node name and CRI socket from
// host and, for a control plane, the advertise address.
func (c *Join) Default(host Host) error {
	kubeadm.SetJoinDefaults(c.Join)
	warn, err := defaultNodeRegistration(&c.Join.NodeRegistration, host, &c.runtimeDetection)
	if err != nil {
		return err
	}
	if warn != "" {
		c.Warnings = append(c.Warnings, warn)
	}
	if cp := c.Join.ControlPlane; cp != nil {
		warn, err := defaultAdvertiseAddress(&cp.LocalAPIEndpoint, host)
		if err != nil {
			return err
		}
		if warn != "" {
			c.Warnings = append(c.Warnings, warn)
		}
	}
	return nil
}

// Validate returns one error listing every invalid field. Only a valid
// configuration without a CRI socket then has its runtime found on the
// host, and a failure to find it is the error.
func (c *Join) Validate() error {
	if err := invalid(kubeadm.ValidateJoin(c.Join)); err != nil {
		return prefixed(c.Source, kubeadm.KindJoin, err)
	}
	warn, err := c.detect(&c.Join.NodeRegistration)
	if warn != "" {
		c.Warnings = append(c.Warnings, warn)
	}
	return err
}

// NoRuntimeNeeded is for a dry run: when no runtime is found, containerd's
// socket is assumed, with a warning.
func (c *Join) NoRuntimeNeeded() { c.noRuntime = true }
