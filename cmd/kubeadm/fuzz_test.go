package main

import (
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// FuzzInitAndJoinFlags feeds arbitrary values to the flags that become
// configuration fields of init and join. Loading must never panic; a
// refusal is one line; an accepted configuration validates again as it is.
func FuzzInitAndJoinFlags(f *testing.F) {
	f.Add("10.244.0.0/16", "10.96.0.0/12", "lb.example.com:6443", "v1.37.1", "abcdef.0123456789abcdef", "192.0.2.10", "node-1", "all")
	f.Add("fd00::/56,10.244.0.0/16", "fd01::/108", "[2001:db8::1]:6443", "stable-1", "", "::", "", "Swap,all")
	f.Add("10.0.0.0/26", "10.96.0.0/4", "lb:bar", "1.36.3", "nope", "0.0.0.0", "Node_1", "")
	f.Add("", "", "", "latest-1.36", "abcdef.0123456789abcdef", "", "a.b", "SystemVerification")
	f.Add(",", "10.96.0.0/12,10.97.0.0/16", ":6443", "v1.37.1-rc.0", "ABCDEF.0123456789ABCDEF", "not-an-ip", "x", "x,,y")
	saved := localHost
	probes := 0
	localHost = watchedHost{probes: &probes}
	defer func() { localHost = saved }()
	f.Fuzz(func(t *testing.T, podCIDR, svcCIDR, endpoint, version, token, address, nodeName, ignore string) {
		check := func(what string, err error) {
			if err != nil && strings.Contains(strings.TrimSpace(err.Error()), "\n") {
				t.Errorf("%s: a refusal of more than one line: %q", what, err)
			}
		}
		init := &initFlags{}
		fs := pflag.NewFlagSet("init", pflag.ContinueOnError)
		init.register(fs)
		args := []string{"--pod-network-cidr=" + podCIDR, "--service-cidr=" + svcCIDR, "--control-plane-endpoint=" + endpoint,
			"--kubernetes-version=" + version, "--token=" + token, "--apiserver-advertise-address=" + address, "--node-name=" + nodeName,
			"--ignore-preflight-errors=" + ignore, "--dry-run"}
		if err := fs.Parse(args); err == nil {
			cfg, err := init.loadConfig(fs, "")
			check("init", err)
			if err == nil {
				if err := cfg.Validate(); err != nil {
					t.Errorf("an accepted init configuration does not validate again: %v", err)
				}
			}
		}
		join := &joinFlags{}
		fs = pflag.NewFlagSet("join", pflag.ContinueOnError)
		join.register(fs)
		args = []string{"--token=" + token, "--discovery-token-unsafe-skip-ca-verification", "--node-name=" + nodeName,
			"--apiserver-advertise-address=" + address, "--control-plane", "--ignore-preflight-errors=" + ignore, "--dry-run"}
		if err := fs.Parse(args); err == nil {
			cfg, err := join.loadConfig(fs, []string{endpoint})
			check("join", err)
			if err == nil {
				if err := cfg.Validate(); err != nil {
					t.Errorf("an accepted join configuration does not validate again: %v", err)
				}
			}
		}
	})
}
