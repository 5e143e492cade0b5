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

// decodeFile reads and decodes a configuration file.
func decodeFile(path string) (*kubeadm.Documents, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config file: %w", err)
	}
	return kubeadm.Decode(path, data)
}

// defaultNodeRegistration fills the node name from the host name and the
// CRI socket by probing (or normalizes the given one, returning a warning).
func defaultNodeRegistration(nr *kubeadm.NodeRegistrationOptions, host Host) (string, error) {
	if nr.Name == "" {
		h, err := host.Hostname()
		if err != nil {
			return "", fmt.Errorf("node name: %w", err)
		}
		nr.Name = strings.ToLower(h)
	}
	if nr.CRISocket == "" {
		s, err := host.DetectCRISocket()
		if err != nil {
			return "", err
		}
		nr.CRISocket = s
		return "", nil
	}
	var warn string
	nr.CRISocket, warn = cri.Normalize(nr.CRISocket)
	return warn, nil
}

// defaultAdvertiseAddress fills an empty API endpoint address from the
// default route's interface.
func defaultAdvertiseAddress(ep *kubeadm.APIEndpoint, host Host) error {
	if ep.AdvertiseAddress != "" {
		return nil
	}
	ip, err := host.DefaultRouteIP()
	if err != nil {
		return fmt.Errorf("advertise address: %w", err)
	}
	ep.AdvertiseAddress = ip.String()
	return nil
}

// invalid turns field errors into one error listing them all.
func invalid(errs field.ErrorList) error {
	if len(errs) == 0 {
		return nil
	}
	var msgs []string
	for _, e := range errs {
		msgs = append(msgs, e.Error())
	}
	return errors.New("invalid configuration: " + strings.Join(msgs, "; "))
}
