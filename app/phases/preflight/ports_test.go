package preflight

import (
	"context"
	"net"
	"reflect"
	"strconv"
	"testing"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/host"
)

func TestControlPlanePorts(t *testing.T) {
	args := func(kv ...string) []kubeadm.Arg {
		var out []kubeadm.Arg
		for i := 0; i < len(kv); i += 2 {
			out = append(out, kubeadm.Arg{Name: kv[i], Value: kv[i+1]})
		}
		return out
	}
	local := kubeadm.APIEndpoint{AdvertiseAddress: "10.0.0.5", BindPort: 6443}
	type port struct {
		name, address string
	}
	tests := []struct {
		name    string
		cluster kubeadm.ClusterConfiguration
		local   kubeadm.APIEndpoint
		want    []port
	}{
		{"defaults with local etcd", kubeadm.ClusterConfiguration{Etcd: kubeadm.Etcd{Local: &kubeadm.LocalEtcd{}}}, local,
			[]port{{"Port-6443", ""}, {"Port-10259", ""}, {"Port-10257", ""}, {"Port-2379", "10.0.0.5"}, {"Port-2380", "10.0.0.5"}}},
		{"external etcd has no etcd ports", kubeadm.ClusterConfiguration{Etcd: kubeadm.Etcd{External: &kubeadm.ExternalEtcd{}}}, local,
			[]port{{"Port-6443", ""}, {"Port-10259", ""}, {"Port-10257", ""}}},
		{"bind addresses, the last one wins", kubeadm.ClusterConfiguration{
			APIServer:         kubeadm.APIServer{ControlPlaneComponent: kubeadm.ControlPlaneComponent{ExtraArgs: args("bind-address", "0.0.0.0", "bind-address", "10.0.0.5")}},
			Scheduler:         kubeadm.ControlPlaneComponent{ExtraArgs: args("bind-address", "127.0.0.1")},
			ControllerManager: kubeadm.ControlPlaneComponent{ExtraArgs: args("v", "2", "bind-address", "::1")},
		}, kubeadm.APIEndpoint{AdvertiseAddress: "10.0.0.5", BindPort: 8443},
			[]port{{"Port-8443", "10.0.0.5"}, {"Port-10259", "127.0.0.1"}, {"Port-10257", "::1"}}},
		{"etcd on the API server's advertise-address", kubeadm.ClusterConfiguration{
			APIServer: kubeadm.APIServer{ControlPlaneComponent: kubeadm.ControlPlaneComponent{ExtraArgs: args("advertise-address", "192.168.1.1", "advertise-address", "192.168.1.2")}},
			Etcd:      kubeadm.Etcd{Local: &kubeadm.LocalEtcd{}},
		}, local,
			[]port{{"Port-6443", ""}, {"Port-10259", ""}, {"Port-10257", ""}, {"Port-2379", "192.168.1.2"}, {"Port-2380", "192.168.1.2"}}},
		{"etcd without any advertise address listens on all", kubeadm.ClusterConfiguration{Etcd: kubeadm.Etcd{Local: &kubeadm.LocalEtcd{}}}, kubeadm.APIEndpoint{BindPort: 6443},
			[]port{{"Port-6443", ""}, {"Port-10259", ""}, {"Port-10257", ""}, {"Port-2379", ""}, {"Port-2380", ""}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := goodHost()
			var got []port
			for _, c := range ControlPlanePorts(h, &tc.cluster, tc.local) {
				if _, err := c.Run(context.Background()); err != nil {
					t.Fatalf("%s: %v", c.Name, err)
				}
				p, _ := strconv.Atoi(c.Name[len("Port-"):])
				got = append(got, port{c.Name, h.asked[p]})
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("checks %v, want %v", got, tc.want)
			}
		})
	}
}

// TestControlPlanePortsHeldElsewhere: a port another process holds on a
// different address than the component's does not fail the check; one held
// on the component's address, or a component on all addresses, does.
func TestControlPlanePortsHeldElsewhere(t *testing.T) {
	cluster := &kubeadm.ClusterConfiguration{
		APIServer: kubeadm.APIServer{ControlPlaneComponent: kubeadm.ControlPlaneComponent{ExtraArgs: []kubeadm.Arg{{Name: "bind-address", Value: "10.0.0.5"}}}},
		Etcd:      kubeadm.Etcd{Local: &kubeadm.LocalEtcd{}},
	}
	h := goodHost()
	h.usedOn = map[string]bool{"127.0.0.1:6443": true, "127.0.0.1:2379": true, "127.0.0.1:10259": true, "10.0.0.5:2380": true}
	r := Run(context.Background(), ControlPlanePorts(h, cluster, kubeadm.APIEndpoint{AdvertiseAddress: "10.0.0.5", BindPort: 6443}), nil)
	var failed []string
	for _, f := range r.Failures {
		failed = append(failed, f.Name+": "+f.Err.Error())
	}
	if want := []string{"Port-10259: Port 10259 is in use", "Port-2380: Port 2380 is in use"}; !reflect.DeepEqual(failed, want) {
		t.Fatalf("failed %q, want %q", failed, want)
	}
}

// TestPortOnLocalHost checks the Port check through the real host on a
// loopback port held on its address (host.Local's own test covers the
// addresses one by one).
func TestPortOnLocalHost(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Skipf("no loopback: %v", err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	if _, err := Port(host.Local{}, "127.0.0.1", port).Run(context.Background()); err == nil {
		t.Fatalf("the Port check passes on 127.0.0.1:%d, which is held", port)
	}
}
