package kubeletstart

import (
	"errors"
	"slices"
	"testing"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
)

const containerdSocket = "unix:///var/run/containerd/containerd.sock"

func resolved(active bool, err error) ServiceActiveFunc {
	return func() (bool, error) { return active, err }
}

func TestInstanceConfig(t *testing.T) {
	got := string(InstanceConfig(containerdSocket))
	want := "containerRuntimeEndpoint: \"unix:///var/run/containerd/containerd.sock\"\n"
	if got != want {
		t.Errorf("InstanceConfig = %q, want %q", got, want)
	}
	checkGolden(t, "instance-config", InstanceConfig(containerdSocket))
}

func TestLocalKubeletConfig(t *testing.T) {
	tests := []struct {
		name     string
		user     string
		resolved ServiceActiveFunc
		warnings []string
	}{
		{name: "default", resolved: resolved(false, nil)},
		{name: "systemd-resolved", resolved: resolved(true, nil)},
		{
			name:     "resolved-probe-error",
			resolved: resolved(false, errors.New("no init system")),
			warnings: []string{"cannot determine if systemd-resolved is active: no init system"},
		},
		{
			name:     "user-resolv-conf",
			user:     "resolvConf: /etc/my-resolv.conf\n",
			resolved: resolved(true, nil),
			warnings: []string{`The recommended value for "resolvConf" in "KubeletConfiguration" is: /run/systemd/resolve/resolv.conf; the provided value is: /etc/my-resolv.conf`},
		},
		{name: "bench-user", user: benchUserDoc, resolved: resolved(true, nil)},
	}
	nodeReg := &kubeadm.NodeRegistrationOptions{Name: "node-a", CRISocket: containerdSocket}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cluster, _, err := ClusterKubeletConfig(defaultedCluster("10.96.0.0/12", "cluster.local"), userKubelet(t, tc.user))
			if err != nil {
				t.Fatalf("ClusterKubeletConfig: %v", err)
			}
			shared, err := MarshalKubeletConfig(cluster)
			if err != nil {
				t.Fatal(err)
			}
			got, warns, err := LocalKubeletConfig(cluster, nodeReg, tc.resolved)
			if err != nil {
				t.Fatalf("LocalKubeletConfig: %v", err)
			}
			if !slices.Equal(warns, tc.warnings) {
				t.Errorf("warnings:\n got %q\nwant %q", warns, tc.warnings)
			}
			// Node-local changes must not leak into the cluster-wide object.
			if after, _ := MarshalKubeletConfig(cluster); string(after) != string(shared) {
				t.Error("LocalKubeletConfig modified the cluster-wide configuration")
			}
			checkGolden(t, "local-"+tc.name, got)
		})
	}
}

func TestLocalKubeletConfigErrors(t *testing.T) {
	cluster, _, err := ClusterKubeletConfig(defaultedCluster("10.96.0.0/12", "cluster.local"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := LocalKubeletConfig(nil, &kubeadm.NodeRegistrationOptions{}, nil); err == nil {
		t.Error("expected an error for a nil cluster configuration")
	}
	if _, _, err := LocalKubeletConfig(cluster, nil, nil); err == nil {
		t.Error("expected an error for nil NodeRegistrationOptions")
	}
	if _, err := PatchWithInstanceConfig([]byte("a: b\n"), []byte("- not\n- a map\n")); err == nil {
		t.Error("expected an error for a patch that is not a mapping")
	}
}

func TestPatchWithInstanceConfigMultiDoc(t *testing.T) {
	base := []byte("apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nmaxPods: 110\n")
	patch := []byte("containerRuntimeEndpoint: \"unix:///a.sock\"\n---\n\n---\nmaxPods: 50\n")
	got, err := PatchWithInstanceConfig(base, patch)
	if err != nil {
		t.Fatal(err)
	}
	want := "apiVersion: kubelet.config.k8s.io/v1beta1\ncontainerRuntimeEndpoint: unix:///a.sock\nkind: KubeletConfiguration\nmaxPods: 50\n"
	if string(got) != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}
