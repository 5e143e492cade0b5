package main

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

type ipvsTestHost struct{}

func (ipvsTestHost) Hostname() (string, error)           { return "node-1", nil }
func (ipvsTestHost) DefaultRouteIP(bool) (net.IP, error) { return net.ParseIP("192.0.2.10"), nil }
func (ipvsTestHost) DetectCRISocket() (string, error)    { return "unix:///run/test.sock", nil }

// TestInitConfigWarnsIPVS: init's configuration load gives the deprecation
// of kube-proxy mode ipvs once, with the configuration's warnings.
func TestInitConfigWarnsIPVS(t *testing.T) {
	saved := localHost
	localHost = ipvsTestHost{}
	defer func() { localHost = saved }()
	const head = "apiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\nnodeRegistration:\n  criSocket: unix:///run/test.sock\n---\n" +
		"apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\n"
	tests := []struct {
		mode string
		want int
	}{{"ipvs", 1}, {"nftables", 0}, {"iptables", 0}}
	for _, tc := range tests {
		t.Run(tc.mode, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "init.yaml")
			if err := os.WriteFile(path, []byte(head+"mode: "+tc.mode+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			f := &initFlags{}
			fs := pflag.NewFlagSet("init", pflag.ContinueOnError)
			f.register(fs)
			if err := fs.Parse([]string{"--config=" + path, "--dry-run"}); err != nil {
				t.Fatal(err)
			}
			cfg, err := f.loadConfig(fs, "")
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, w := range cfg.Warnings {
				if strings.Contains(w, `"mode" is set to "ipvs" which has been deprecated since version v1.35`) {
					n++
				}
			}
			if n != tc.want {
				t.Fatalf("%d ipvs warnings in %q, want %d", n, cfg.Warnings, tc.want)
			}
		})
	}
}
