package kubeconfig

import (
	"testing"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
)

func TestEndpointURLs(t *testing.T) {
	v4 := kubeadm.APIEndpoint{AdvertiseAddress: "10.0.0.1", BindPort: 6443}
	v6 := kubeadm.APIEndpoint{AdvertiseAddress: "fd00:0::1", BindPort: 6443}
	tests := []struct {
		name      string
		cpe       string
		local     kubeadm.APIEndpoint
		wantLocal string
		wantCPE   string
		wantErr   bool
	}{
		{name: "no cpe", local: v4, wantLocal: "https://10.0.0.1:6443", wantCPE: "https://10.0.0.1:6443"},
		{name: "ipv6 local", local: v6, wantLocal: "https://[fd00::1]:6443", wantCPE: "https://[fd00::1]:6443"},
		{name: "dns cpe takes bind port", cpe: "cp.example.com", local: v4, wantLocal: "https://10.0.0.1:6443", wantCPE: "https://cp.example.com:6443"},
		{name: "cpe port wins", cpe: "cp.example.com:8443", local: v4, wantLocal: "https://10.0.0.1:6443", wantCPE: "https://cp.example.com:8443"},
		{name: "ipv6 cpe", cpe: "[fd00::10]:443", local: v4, wantLocal: "https://10.0.0.1:6443", wantCPE: "https://[fd00::10]:443"},
		{name: "ip cpe", cpe: "10.0.0.100", local: v4, wantLocal: "https://10.0.0.1:6443", wantCPE: "https://10.0.0.100:6443"},
		{name: "bad cpe host", cpe: "Not_Valid", local: v4, wantLocal: "https://10.0.0.1:6443", wantErr: true},
		{name: "bad cpe port", cpe: "cp.example.com:99999", local: v4, wantLocal: "https://10.0.0.1:6443", wantErr: true},
		{name: "cpe needs no local address", cpe: "cp.example.com:443", local: kubeadm.APIEndpoint{}, wantCPE: "https://cp.example.com:443"},
		{name: "cpe without port needs the bind port", cpe: "cp.example.com", local: kubeadm.APIEndpoint{AdvertiseAddress: "10.0.0.1"}, wantErr: true},
		{name: "bad address", local: kubeadm.APIEndpoint{AdvertiseAddress: "host", BindPort: 6443}, wantErr: true},
		{name: "bad port", local: kubeadm.APIEndpoint{AdvertiseAddress: "10.0.0.1"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gotLocal, errLocal := LocalAPIEndpointURL(tt.local)
			if tt.wantLocal != "" && (errLocal != nil || gotLocal != tt.wantLocal) {
				t.Errorf("local = %q, %v; want %q", gotLocal, errLocal, tt.wantLocal)
			}
			got, err := ControlPlaneEndpointURL(tt.cpe, tt.local)
			if tt.wantErr {
				if err == nil {
					t.Errorf("want error, got %q", got)
				}
				return
			}
			if err != nil || got != tt.wantCPE {
				t.Errorf("cpe = %q, %v; want %q", got, err, tt.wantCPE)
			}
		})
	}
}
