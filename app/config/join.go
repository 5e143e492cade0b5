package config

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/cri"
)

// Join is the complete configuration of `kubeadm join`.
type Join struct {
	Join     *kubeadm.JoinConfiguration
	Warnings []string
}

// LoadJoinFile decodes a configuration file for join.
func LoadJoinFile(path string) (*Join, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config file: %w", err)
	}
	docs, err := kubeadm.Decode(path, data)
	if err != nil {
		return nil, err
	}
	if docs.Join == nil {
		return nil, fmt.Errorf("%s: no JoinConfiguration document", path)
	}
	return &Join{Join: docs.Join, Warnings: docs.Warnings}, nil
}

// NewJoin returns an empty configuration to which flags are applied.
func NewJoin() *Join { return &Join{Join: &kubeadm.JoinConfiguration{}} }

// Default applies static defaults, then the node name and CRI socket from
// host and, for a control plane, the advertise address.
func (c *Join) Default(host Host) error {
	kubeadm.SetJoinDefaults(c.Join)
	nr := &c.Join.NodeRegistration
	if nr.Name == "" {
		h, err := host.Hostname()
		if err != nil {
			return fmt.Errorf("node name: %w", err)
		}
		nr.Name = strings.ToLower(h)
	}
	if nr.CRISocket == "" {
		s, err := host.DetectCRISocket()
		if err != nil {
			return err
		}
		nr.CRISocket = s
	} else {
		var warn string
		nr.CRISocket, warn = cri.Normalize(nr.CRISocket)
		if warn != "" {
			c.Warnings = append(c.Warnings, warn)
		}
	}
	if cp := c.Join.ControlPlane; cp != nil && cp.LocalAPIEndpoint.AdvertiseAddress == "" {
		ip, err := host.DefaultRouteIP()
		if err != nil {
			return fmt.Errorf("advertise address: %w", err)
		}
		cp.LocalAPIEndpoint.AdvertiseAddress = ip.String()
	}
	return nil
}

// Validate returns one error listing every invalid field, or nil.
func (c *Join) Validate() error {
	errs := kubeadm.ValidateJoin(c.Join)
	if len(errs) == 0 {
		return nil
	}
	return joinErrors(errs)
}

func joinErrors(errs field.ErrorList) error {
	var msgs []string
	for _, e := range errs {
		msgs = append(msgs, e.Error())
	}
	return errors.New("invalid configuration: " + strings.Join(msgs, "; "))
}
