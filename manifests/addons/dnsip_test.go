package addons

import (
	"strings"
	"testing"
)

func TestDNSIP(t *testing.T) {
	for _, tc := range []struct {
		subnet, want, err string
	}{
		{subnet: "10.96.0.0/12", want: "10.96.0.10"},
		{subnet: "172.20.0.0/16", want: "172.20.0.10"},
		{subnet: "10.96.5.7/12", want: "10.96.0.10"}, // host bits are ignored
		{subnet: "10.0.0.0/28", want: "10.0.0.10"},
		{subnet: "10.0.0.250/24", want: "10.0.0.10"},
		{subnet: "10.0.255.250/23", want: "10.0.254.10"},
		{subnet: "010.096.000.000/12", want: "10.96.0.10"},
		{subnet: "fd00:10:96::/112", want: "fd00:10:96::a"},
		{subnet: "2001:db8::/64", want: "2001:db8::a"},
		{subnet: "fd00:10:96::/112,10.96.0.0/12", want: "fd00:10:96::a"},
		{subnet: "10.96.0.0/12,fd00:10:96::/112", want: "10.96.0.10"},
		{subnet: "10.0.0.0/29", err: "too small"},
		{subnet: "fd00::/125", err: "too small"},
		{subnet: "10.0.0.0/32", err: "too small"},
		{subnet: "", err: "parsing service subnet"},
		{subnet: "10.96.0.0", err: "parsing service subnet"},
		{subnet: "10.96.0.0/33", err: "parsing service subnet"},
		{subnet: "10.96.0.0/12,bogus", err: "parsing service subnet"},
		{subnet: "10.96.0.0/12, fd00::/112", err: "parsing service subnet"},
	} {
		ip, err := DNSIP(tc.subnet)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("DNSIP(%q) = %v, %v; want error containing %q", tc.subnet, ip, err, tc.err)
			}
			continue
		}
		if err != nil || ip.String() != tc.want {
			t.Errorf("DNSIP(%q) = %v, %v; want %s", tc.subnet, ip, err, tc.want)
		}
	}
}

func TestCoreDNSRejectsBadServiceSubnet(t *testing.T) {
	cfg := baseConfig()
	cfg.Networking.ServiceSubnet = "not-a-cidr"
	if _, err := CoreDNS(&cfg, DefaultCoreDNSReplicas); err == nil || !strings.Contains(err.Error(), "CoreDNS Service") {
		t.Fatalf("CoreDNS with a bad service subnet: err = %v", err)
	}
}

func TestCorefileWithoutDomain(t *testing.T) {
	got := Corefile("")
	if !strings.Contains(got, "    kubernetes  in-addr.arpa ip6.arpa {\n") || !strings.Contains(got, "    cache 30\n    loop\n") {
		t.Errorf("Corefile(\"\") =\n%s", got)
	}
}

func TestCoreDNSReplicasAndOrder(t *testing.T) {
	cfg := baseConfig()
	o, err := CoreDNS(&cfg, 5)
	if err != nil {
		t.Fatal(err)
	}
	if *o.Deployment.Spec.Replicas != 5 {
		t.Errorf("replicas = %d, want 5", *o.Deployment.Spec.Replicas)
	}
	var kinds []string
	for _, obj := range o.All() {
		kinds = append(kinds, obj.GetObjectKind().GroupVersionKind().Kind)
	}
	want := "ConfigMap ClusterRole ClusterRoleBinding ServiceAccount Deployment Service"
	if got := strings.Join(kinds, " "); got != want {
		t.Errorf("All() kinds = %s, want %s", got, want)
	}
}
