package upgradeflow

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/manifests"
)

func testCluster(version string) *kubeadm.ClusterConfiguration {
	c := &kubeadm.ClusterConfiguration{KubernetesVersion: version}
	kubeadm.SetClusterDefaults(c)
	return c
}

// writeNode writes the four manifests of a control plane at version.
func writeNode(t *testing.T, dir, version string, node manifests.EtcdNode) LocalControlPlane {
	t.Helper()
	lcp := LocalControlPlane{Endpoint: kubeadm.APIEndpoint{AdvertiseAddress: node.AdvertiseAddress, BindPort: 6443}, Etcd: &node}
	for _, c := range []string{constants.Etcd, constants.KubeAPIServer, constants.KubeControllerManager, constants.KubeScheduler} {
		b, err := Render(testCluster(version), lcp, c, manifests.Options{}, nil)
		if err != nil {
			t.Fatalf("render %s: %v", c, err)
		}
		if err := os.WriteFile(filepath.Join(dir, c+".yaml"), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return lcp
}

func TestReadLocalControlPlaneRendersTheSameManifests(t *testing.T) {
	nodes := []manifests.EtcdNode{
		{Name: "cp1", AdvertiseAddress: "10.0.0.1"},
		{Name: "cp2", AdvertiseAddress: "10.0.0.2", InitialClusterState: manifests.EtcdClusterExisting,
			InitialCluster: []manifests.EtcdMember{{Name: "cp1", PeerURL: "https://10.0.0.1:2380"}, {Name: "cp2", PeerURL: "https://10.0.0.2:2380"}}},
	}
	for _, n := range nodes {
		t.Run(n.Name, func(t *testing.T) {
			dir := t.TempDir()
			writeNode(t, dir, "v1.36.3", n)
			lcp, ok, err := ReadLocalControlPlane(dir)
			if err != nil || !ok {
				t.Fatalf("ReadLocalControlPlane: ok=%v err=%v", ok, err)
			}
			if lcp.Endpoint.AdvertiseAddress != n.AdvertiseAddress || lcp.Endpoint.BindPort != 6443 || lcp.EtcdDataDir != constants.EtcdDataDir {
				t.Errorf("read %+v", lcp)
			}
			// At the same version the manifests come out byte for byte the
			// same: an upgrade changes only what the version changes.
			for _, c := range []string{constants.Etcd, constants.KubeAPIServer, constants.KubeControllerManager, constants.KubeScheduler} {
				b, err := Render(testCluster("v1.36.3"), lcp, c, manifests.Options{}, nil)
				if err != nil {
					t.Fatal(err)
				}
				have, _ := os.ReadFile(filepath.Join(dir, c+".yaml"))
				if string(have) != string(b) {
					t.Errorf("%s rendered differently from the file it was read from", c)
				}
			}
			b, err := Render(testCluster("v1.37.1"), lcp, constants.Etcd, manifests.Options{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(b), "etcd:3.7.0-0") || !strings.Contains(string(b), "--name="+n.Name) {
				t.Errorf("etcd at v1.37.1 does not run 3.7.0-0 as member %s:\n%s", n.Name, b)
			}
		})
	}
}

func TestReadLocalControlPlaneWorkerAndErrors(t *testing.T) {
	dir := t.TempDir()
	if _, ok, err := ReadLocalControlPlane(dir); ok || err != nil {
		t.Fatalf("worker: ok=%v err=%v", ok, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "kube-apiserver.yaml"), []byte("apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec:\n  containers:\n  - name: a\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ReadLocalControlPlane(dir); err == nil || !strings.Contains(err.Error(), "advertise-address.endpoint") {
		t.Fatalf("missing endpoint annotation: err=%v", err)
	}
}

func TestRenderRefusesUnknownComponent(t *testing.T) {
	if _, err := Render(testCluster("v1.37.1"), LocalControlPlane{}, "kube-proxy", manifests.Options{}, nil); err == nil {
		t.Fatal("want error")
	}
	if _, err := Render(testCluster("v1.37.1"), LocalControlPlane{}, constants.Etcd, manifests.Options{}, nil); err == nil {
		t.Fatal("want error for etcd without a local member")
	}
}
