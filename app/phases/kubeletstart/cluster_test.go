package kubeletstart

import (
	"slices"
	"testing"

	kubeletv1beta1 "k8s.io/kubelet/config/v1beta1"
	"sigs.k8s.io/yaml"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
)

// defaultedCluster is a ClusterConfiguration after kubeadm's defaulting.
func defaultedCluster(serviceSubnet, dnsDomain string) *kubeadm.ClusterConfiguration {
	return &kubeadm.ClusterConfiguration{
		Networking:      kubeadm.Networking{ServiceSubnet: serviceSubnet, DNSDomain: dnsDomain},
		CertificatesDir: "/etc/kubernetes/pki",
	}
}

// userKubelet decodes a user's KubeletConfiguration document.
func userKubelet(t *testing.T, doc string) *kubeletv1beta1.KubeletConfiguration {
	t.Helper()
	if doc == "" {
		return nil
	}
	cfg := &kubeletv1beta1.KubeletConfiguration{}
	if err := yaml.UnmarshalStrict([]byte(doc), cfg); err != nil {
		t.Fatalf("decode user KubeletConfiguration: %v", err)
	}
	return cfg
}

const benchUserDoc = `apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: cgroupfs
failCgroupV1: false
failSwapOn: false
`

const overridingUserDoc = `apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
clusterDNS: [10.0.0.53]
healthzPort: 12345
readOnlyPort: 10255
rotateCertificates: false
authentication:
  anonymous:
    enabled: true
`

func TestClusterKubeletConfig(t *testing.T) {
	tests := []struct {
		name     string
		cluster  *kubeadm.ClusterConfiguration
		user     string
		wantDNS  []string
		warnings []string
	}{
		{
			name:    "default",
			cluster: defaultedCluster("10.96.0.0/12", "cluster.local"),
			wantDNS: []string{"10.96.0.10"},
		},
		{
			name:    "custom-subnet",
			cluster: defaultedCluster("10.100.0.0/16", "corp.internal"),
			wantDNS: []string{"10.100.0.10"},
		},
		{
			name:    "dual-stack",
			cluster: defaultedCluster("10.96.0.0/16,fd00:10:96::/112", "cluster.local"),
			wantDNS: []string{"10.96.0.10"},
		},
		{
			name:    "dual-stack-ipv6-first",
			cluster: defaultedCluster("fd00:10:96::/112,10.96.0.0/16", "cluster.local"),
			wantDNS: []string{"fd00:10:96::a"},
		},
		{
			name:    "unparsable-subnet",
			cluster: defaultedCluster("not-a-cidr", "cluster.local"),
			wantDNS: []string{"10.96.0.10"},
		},
		{
			name:    "bench-user",
			cluster: defaultedCluster("10.96.0.0/12", "cluster.local"),
			user:    benchUserDoc,
			wantDNS: []string{"10.96.0.10"},
		},
		{
			name:    "user-overrides",
			cluster: defaultedCluster("10.96.0.0/12", "cluster.local"),
			user:    overridingUserDoc,
			wantDNS: []string{"10.0.0.53"},
			warnings: []string{
				`The recommended value for "clusterDNS" in "KubeletConfiguration" is: [10.96.0.10]; the provided value is: [10.0.0.53]`,
				`The recommended value for "authentication.anonymous.enabled" in "KubeletConfiguration" is: false; the provided value is: true`,
				`The recommended value for "healthzPort" in "KubeletConfiguration" is: 10248; the provided value is: 12345`,
				`The recommended value for "readOnlyPort" in "KubeletConfiguration" is: 0; the provided value is: 10255`,
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			user := userKubelet(t, tc.user)
			var before []byte
			if user != nil {
				before, _ = yaml.Marshal(user)
			}
			got, warns, err := ClusterKubeletConfig(tc.cluster, user)
			if err != nil {
				t.Fatalf("ClusterKubeletConfig: %v", err)
			}
			if !slices.Equal(warns, tc.warnings) {
				t.Errorf("warnings:\n got %q\nwant %q", warns, tc.warnings)
			}
			if !slices.Equal(got.ClusterDNS, tc.wantDNS) {
				t.Errorf("clusterDNS = %v, want %v", got.ClusterDNS, tc.wantDNS)
			}
			if !got.RotateCertificates {
				t.Error("rotateCertificates must always be true")
			}
			if user != nil {
				after, _ := yaml.Marshal(user)
				if string(before) != string(after) {
					t.Error("the user's KubeletConfiguration was modified")
				}
			}
			b, err := MarshalKubeletConfig(got)
			if err != nil {
				t.Fatalf("MarshalKubeletConfig: %v", err)
			}
			checkGolden(t, "cluster-"+tc.name, b)
		})
	}
}

func TestClusterKubeletConfigNilCluster(t *testing.T) {
	if _, _, err := ClusterKubeletConfig(nil, nil); err == nil {
		t.Fatal("expected an error for a nil ClusterConfiguration")
	}
}

func TestClusterDNS(t *testing.T) {
	for subnet, want := range map[string]string{
		"10.96.0.0/12":               "10.96.0.10",
		"192.168.0.0/24":             "192.168.0.10",
		"fd00::/108":                 "fd00::a",
		"10.96.0.0/12,fd00::/108":    "10.96.0.10",
		"192.168.0.0/29":             "10.96.0.10", // too small: fallback
		"":                           "10.96.0.10",
		"192.168.0.0/24, fd00::/108": "10.96.0.10", // blank after comma fails to parse: fallback
	} {
		if got := ClusterDNS(subnet); got != want {
			t.Errorf("ClusterDNS(%q) = %q, want %q", subnet, got, want)
		}
	}
}
