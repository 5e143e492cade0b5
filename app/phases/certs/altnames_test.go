package certs

import (
	"net"
	"slices"
	"strings"
	"testing"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
)

func TestAPIServerAltNames(t *testing.T) {
	tests := []struct {
		name     string
		mutate   func(*Inputs)
		dns, ips []string
	}{
		{"endpoint IP", func(in *Inputs) {
			in.Cluster.ControlPlaneEndpoint = "10.1.1.1:6443"
			in.Cluster.APIServer.CertSANs = nil
		}, []string{"kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local", "node-1"},
			[]string{"10.96.0.1", "192.168.0.10", "10.1.1.1"}},
		{"endpoint without port, no DNS domain, no node name", func(in *Inputs) {
			in.Cluster.ControlPlaneEndpoint = "lb.example.com"
			in.Cluster.Networking.DNSDomain = ""
			in.Cluster.APIServer.CertSANs = nil
			in.NodeName = ""
		}, []string{"kubernetes", "kubernetes.default", "kubernetes.default.svc", "lb.example.com"},
			[]string{"10.96.0.1", "192.168.0.10"}},
		{"IPv6 first, dual stack", func(in *Inputs) {
			in.Cluster.ControlPlaneEndpoint = "[fd00::1]:6443"
			in.Cluster.Networking.ServiceSubnet = "fd00:10:96::/112,10.96.0.0/12"
			in.AdvertiseAddress = "fd00::10"
			in.Cluster.APIServer.CertSANs = []string{"*.example.com", "fd00::10"}
		}, []string{"*.example.com", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local", "node-1"},
			[]string{"fd00:10:96::1", "fd00::10", "fd00::1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := newInputs(t, "")
			tc.mutate(&in)
			s, _ := SpecByName("apiserver")
			cfg, _, err := s.Config(in)
			if err != nil {
				t.Fatal(err)
			}
			var ips []string
			for _, ip := range cfg.AltNames.IPs {
				ips = append(ips, ip.String())
			}
			if !slices.Equal(cfg.AltNames.DNSNames, tc.dns) || !slices.Equal(ips, tc.ips) {
				t.Errorf("got %q %q, want %q %q", cfg.AltNames.DNSNames, ips, tc.dns, tc.ips)
			}
		})
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name, phase, want string
		mutate            func(*Inputs)
	}{
		{"bad advertise address", "apiserver", "advertise address", func(in *Inputs) { in.AdvertiseAddress = "node-1" }},
		{"bad advertise address etcd", "etcd-peer", "advertise address", func(in *Inputs) { in.AdvertiseAddress = "" }},
		{"bad service subnet", "apiserver", "service subnet", func(in *Inputs) { in.Cluster.Networking.ServiceSubnet = "10.96.0.0" }},
		{"full service subnet", "apiserver", "service subnet", func(in *Inputs) { in.Cluster.Networking.ServiceSubnet = "10.0.0.5/32" }},
		{"bad endpoint port", "apiserver", "control-plane endpoint", func(in *Inputs) { in.Cluster.ControlPlaneEndpoint = "cp:99999" }},
		{"bad endpoint host", "apiserver", "control-plane endpoint", func(in *Inputs) { in.Cluster.ControlPlaneEndpoint = "bad_host:6443" }},
		{"no node name for etcd CN", "etcd-server", "node name", func(in *Inputs) { in.NodeName = "" }},
		{"no config", "ca", "cluster configuration", func(in *Inputs) { in.Cluster = nil }},
		{"no dir", "ca", "certificates directory", func(in *Inputs) { in.Cluster.CertificatesDir = "" }},
		{"bad algorithm", "ca", "unknown encryption algorithm", func(in *Inputs) { in.Cluster.EncryptionAlgorithm = "RSA-1024" }},
		{"CA missing", "front-proxy-client", "front-proxy-ca.crt not found", func(*Inputs) {}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := newInputs(t, kubeadm.EncryptionAlgorithmECDSAP256)
			if tc.phase != "ca" && tc.phase != "front-proxy-client" {
				runNamed(t, in, "ca", "etcd-ca")
			}
			tc.mutate(&in)
			_, err := subPhase(t, tc.phase).Run(in)
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("got %v, want a one-line error about %s", err, tc.want)
			}
		})
	}
}

func TestServiceVIP(t *testing.T) {
	for in, want := range map[string]string{
		"10.96.0.0/12":             "10.96.0.1",
		"10.96.0.5/12":             "10.96.0.1",
		" 172.16.0.0/16 , fd::/64": "172.16.0.1",
		"fd00::/108":               "fd00::1",
	} {
		ip, err := serviceVIP(in)
		if err != nil || !ip.Equal(net.ParseIP(want)) {
			t.Errorf("serviceVIP(%q) = %v, %v; want %s", in, ip, err, want)
		}
	}
}
