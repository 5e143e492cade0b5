package addons

import (
	"strings"
	"testing"
)

func TestKubeProxyConfigDefaults(t *testing.T) {
	for _, tc := range []struct {
		advertise, podSubnet, wantBind, wantCIDR string
	}{
		{advertise: "192.168.0.10", wantBind: "0.0.0.0"},
		{advertise: "192.168.0.10", podSubnet: "10.244.0.0/16", wantBind: "0.0.0.0", wantCIDR: "10.244.0.0/16"},
		{advertise: "fd00::10", podSubnet: "fd00:10:244::/56,10.244.0.0/16", wantBind: "::", wantCIDR: "fd00:10:244::/56,10.244.0.0/16"},
		{advertise: "", wantBind: "::"}, // upstream: anything not IPv4 is treated as IPv6
	} {
		cfg := baseConfig()
		cfg.Networking.PodSubnet = tc.podSubnet
		pc, warnings, err := KubeProxyConfig(&cfg, tc.advertise, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(warnings) != 0 {
			t.Errorf("unexpected warnings: %q", warnings)
		}
		if pc.BindAddress != tc.wantBind || pc.ClusterCIDR != tc.wantCIDR {
			t.Errorf("advertise %q podSubnet %q: bindAddress %q clusterCIDR %q; want %q %q",
				tc.advertise, tc.podSubnet, pc.BindAddress, pc.ClusterCIDR, tc.wantBind, tc.wantCIDR)
		}
		if pc.ClientConnection.Kubeconfig != KubeProxyKubeconfigPath || pc.Mode != "iptables" || pc.FeatureGates == nil {
			t.Errorf("kubeconfig %q mode %q featureGates %v", pc.ClientConnection.Kubeconfig, pc.Mode, pc.FeatureGates)
		}
	}
}

func TestKubeProxyConfigUserOverrides(t *testing.T) {
	cfg := baseConfig()
	cfg.Networking.PodSubnet = "10.244.0.0/16"
	doc := `apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
bindAddress: 10.1.2.3
clusterCIDR: 10.200.0.0/16
clientConnection:
  kubeconfig: /etc/my.conf
  qps: 7
mode: ipvs
conntrack:
  maxPerCore: 0
  min: 1024
unknownField: 1
`
	pc, warnings, err := KubeProxyConfig(&cfg, "192.168.0.10", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if pc.BindAddress != "10.1.2.3" || pc.ClusterCIDR != "10.200.0.0/16" || pc.ClientConnection.Kubeconfig != "/etc/my.conf" ||
		pc.ClientConnection.QPS != 7 || pc.Mode != "ipvs" || pc.Conntrack.MaxPerCore == nil || *pc.Conntrack.MaxPerCore != 0 ||
		pc.Conntrack.Min == nil || *pc.Conntrack.Min != 1024 {
		t.Errorf("user values were not kept: %+v", pc)
	}
	want := []string{
		`unknown field "unknownField"`,
		`"bindAddress" in "KubeProxyConfiguration" is: 0.0.0.0; the provided value is: 10.1.2.3`,
		`"clusterCIDR" in "KubeProxyConfiguration" is: 10.244.0.0/16; the provided value is: 10.200.0.0/16`,
		`"clientConnection.kubeconfig" in "KubeProxyConfiguration" is: /var/lib/kube-proxy/kubeconfig.conf; the provided value is: /etc/my.conf`,
		`"mode" is set to "ipvs" which has been deprecated`,
	}
	if len(warnings) != len(want) {
		t.Fatalf("warnings = %q, want %d", warnings, len(want))
	}
	for i, w := range want {
		if !strings.Contains(warnings[i], w) {
			t.Errorf("warning %d = %q, want it to contain %q", i, warnings[i], w)
		}
	}
}

func TestKubeProxyConfigBindAddressWarnings(t *testing.T) {
	cfg := baseConfig()
	for _, tc := range []struct{ bind, warn string }{
		{bind: "0.0.0.0"},
		{bind: "'::'"},
		{bind: "fd00::1", warn: `is: ::; the provided value is: fd00::1`},
		{bind: "nonsense", warn: `The bindAddress "nonsense" in "KubeProxyConfiguration" is not a valid IP address`},
	} {
		doc := "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nbindAddress: " + tc.bind + "\n"
		_, warnings, err := KubeProxyConfig(&cfg, "192.168.0.10", []byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		got := strings.Join(warnings, "\n")
		if (tc.warn == "") != (got == "") || !strings.Contains(got, tc.warn) {
			t.Errorf("bindAddress %s: warnings %q, want %q", tc.bind, got, tc.warn)
		}
	}
}

func TestKubeProxyConfigRejectsBadDocuments(t *testing.T) {
	cfg := baseConfig()
	for _, tc := range []struct{ doc, err string }{
		{doc: "apiVersion: kubeproxy.config.k8s.io/v1beta1\nkind: KubeProxyConfiguration\n", err: "not supported"},
		{doc: "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n", err: "is not a KubeProxyConfiguration"},
		{doc: "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: Other\n", err: "is not a KubeProxyConfiguration"},
		{doc: "kind: KubeProxyConfiguration\n", err: "is not a KubeProxyConfiguration"},
		{doc: "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmode: [\n", err: "reading the KubeProxyConfiguration"},
		{doc: "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nbindAddressHardFail: maybe\n", err: "decoding the KubeProxyConfiguration"},
		{doc: "apiVersion: a/b/c\nkind: KubeProxyConfiguration\n", err: "apiVersion"},
	} {
		if _, _, err := KubeProxyConfig(&cfg, "192.168.0.10", []byte(tc.doc)); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("doc %q: err = %v, want one containing %q", tc.doc, err, tc.err)
		}
	}
}

func TestKubeProxyConfigCaseSensitive(t *testing.T) {
	cfg := baseConfig()
	doc := "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nMode: nftables\n"
	pc, warnings, err := KubeProxyConfig(&cfg, "192.168.0.10", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if pc.Mode != "iptables" || len(warnings) != 1 || !strings.Contains(warnings[0], `unknown field "Mode"`) {
		t.Errorf("mode %q warnings %q: a miscased key must be ignored with a warning", pc.Mode, warnings)
	}
}
