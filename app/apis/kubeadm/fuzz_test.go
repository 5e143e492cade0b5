package kubeadm

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzDecode feeds the configuration decoder arbitrary files. It must never
// panic, must name the file in every error, and whatever strict decoding
// accepts, lenient decoding accepts too. Its seed corpus runs with the unit
// tests; `make fuzz` explores further.
func FuzzDecode(f *testing.F) {
	seeds := []string{
		"apiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\n",
		"apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nnetworking:\n  podSubnet: 10.244.0.0/16\n---\napiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\nbootstrapTokens:\n- token: abcdef.0123456789abcdef\n",
		"apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\napiServer:\n  timeoutForControlPlane: 4m\n",
		"apiVersion: kubeadm.k8s.io/v1beta4\nkind: JoinConfiguration\ndiscovery:\n  bootstrapToken:\n    apiServerEndpoint: 10.0.0.1:6443\n    token: abcdef.0123456789abcdef\n    unsafeSkipCAVerification: true\n",
		"apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncgroupDriver: cgroupfs\n---\napiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmode: ipvs\n",
		"apiVersion: kubeadm.k8s.io/v1beta4\nkind: UpgradeConfiguration\napply:\n  forceUpgrade: true\n",
		"apiVersion: kubeadm.k8s.io/v1beta4\nkind: ResetConfiguration\nforce: true\n",
		"---\n---\n# comment\n---\napiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\n",
		"apiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\nnodeRegistration:\n  name: a\n  name: b\n",
		"apiVersion: v1\nkind: ConfigMap\n",
		"a: &a [*a]\n",
		"{\"apiVersion\":\"kubeadm.k8s.io/v1beta4\",\"kind\":\"InitConfiguration\"}",
		"apiVersion: kubeadm.k8s.io/v1beta4\r\nkind: InitConfiguration\r\n",
		"\xff\xfe",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	// The callers' configurations of the e2e tier (kind, Cluster API,
	// kubespray, kinder) are seeds too.
	files, _ := filepath.Glob(filepath.Join("..", "..", "..", "test", "e2e", "testdata", "callers", "*.yaml"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, strictErr := Decode("fuzz.yaml", data)
		if strictErr != nil && !strings.Contains(strictErr.Error(), "fuzz.yaml") {
			t.Errorf("strict error does not name the file: %v", strictErr)
		}
		_, lenientErr := DecodeLenient("fuzz.yaml", data)
		if lenientErr != nil && !strings.Contains(lenientErr.Error(), "fuzz.yaml") {
			t.Errorf("lenient error does not name the file: %v", lenientErr)
		}
		if strictErr == nil && lenientErr != nil {
			t.Errorf("strict decoding accepted what lenient decoding refused: %v", lenientErr)
		}
	})
}
