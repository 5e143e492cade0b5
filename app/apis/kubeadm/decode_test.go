package kubeadm

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestDecodeErrors(t *testing.T) {
	cases := []struct {
		name string
		doc  string
		want []string
	}{
		{"unknown field", "apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nnetworking:\n  podSubnett: 10.0.0.0/8\n",
			[]string{"cfg.yaml, document 1 (ClusterConfiguration)", `unknown field "networking.podSubnett"`}},
		{"unknown kind", "apiVersion: kubeadm.k8s.io/v1beta4\nkind: FooConfiguration\n",
			[]string{"document 1 (FooConfiguration)", "unknown kind", "InitConfiguration"}},
		{"old version", "apiVersion: kubeadm.k8s.io/v1beta2\nkind: InitConfiguration\n",
			[]string{"kubeadm.k8s.io/v1beta2 is no longer supported", "v1beta4"}},
		{"unknown version", "apiVersion: kubeadm.k8s.io/v9\nkind: InitConfiguration\n", []string{"unknown version kubeadm.k8s.io/v9"}},
		{"foreign kind", "apiVersion: v1\nkind: Pod\n", []string{"unknown kind v1 Pod"}},
		{"second document", "apiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\n---\napiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\n",
			[]string{"document 2 (InitConfiguration): a second InitConfiguration"}},
		{"kubelet unknown field", "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncgroupDrivr: systemd\n",
			[]string{"document 1 (KubeletConfiguration)", `unknown field "cgroupDrivr"`}},
		{"kubelet swap behavior", "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nmemorySwap:\n  swapBehavior: UnlimitedSwap\n",
			[]string{"document 1 (KubeletConfiguration)", `memorySwap.swapBehavior "UnlimitedSwap"`, "NoSwap, LimitedSwap"}},
		{"bad token", "apiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\nbootstrapTokens:\n- token: nope\n",
			[]string{"document 1 (InitConfiguration)", "not of the form"}},
		{"no kind", "apiVersion: kubeadm.k8s.io/v1beta4\n", []string{"apiVersion and kind must be set"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Decode("cfg.yaml", []byte(c.doc))
			if err == nil {
				t.Fatal("expected an error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
		})
	}
}

func TestDecodeAllKinds(t *testing.T) {
	doc := `# a comment
apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
bootstrapTokens:
- token: abcdef.0123456789abcdef
nodeRegistration:
  kubeletExtraArgs:
  - name: v
    value: "2"
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
kubernetesVersion: v1.36.3
---
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: cgroupfs
---
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
`
	d, err := Decode("cfg.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if d.Init.BootstrapTokens[0].Token.String() != "abcdef.0123456789abcdef" || d.Init.NodeRegistration.KubeletExtraArgs[0].Value != "2" {
		t.Errorf("init: %+v", d.Init)
	}
	if d.Cluster.KubernetesVersion != "v1.36.3" || d.Kubelet.CgroupDriver != "cgroupfs" || string(d.KubeProxy.Mode) != "iptables" || len(d.KubeProxyRaw) == 0 {
		t.Errorf("documents: %+v %+v %+v", d.Cluster, d.Kubelet, d.KubeProxy)
	}
	if len(d.Warnings) != 0 {
		t.Errorf("warnings: %v", d.Warnings)
	}
}

func TestDecodeV1beta3(t *testing.T) {
	doc := `apiVersion: kubeadm.k8s.io/v1beta3
kind: ClusterConfiguration
apiServer:
  extraArgs:
    v: "4"
    audit-log-path: /var/log/audit.log
  timeoutForControlPlane: 4m0s
etcd:
  local:
    extraArgs:
      snapshot-count: "5000"
---
apiVersion: kubeadm.k8s.io/v1beta3
kind: JoinConfiguration
discovery:
  timeout: 2m0s
  bootstrapToken:
    token: abcdef.0123456789abcdef
    apiServerEndpoint: 10.0.0.1:6443
    unsafeSkipCAVerification: true
nodeRegistration:
  kubeletExtraArgs:
    node-labels: a=b
`
	d, err := Decode("old.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	args := d.Cluster.APIServer.ExtraArgs
	if len(args) != 2 || args[0] != (Arg{"audit-log-path", "/var/log/audit.log"}) || args[1] != (Arg{"v", "4"}) {
		t.Errorf("apiServer.extraArgs %v", args)
	}
	if d.Cluster.Etcd.Local.ExtraArgs[0] != (Arg{"snapshot-count", "5000"}) {
		t.Errorf("etcd extraArgs %v", d.Cluster.Etcd.Local.ExtraArgs)
	}
	if d.Join.Timeouts == nil || d.Join.Timeouts.Discovery.Duration.String() != "2m0s" || d.Join.NodeRegistration.KubeletExtraArgs[0].Name != "node-labels" {
		t.Errorf("join %+v", d.Join)
	}
	if cp := d.Join.Timeouts.ControlPlaneComponentHealthCheck; cp == nil || cp.Duration.String() != "4m0s" {
		t.Errorf("apiServer.timeoutForControlPlane moves to the JoinConfiguration's timeouts: %v", cp)
	}
	joined := strings.Join(d.Warnings, "\n")
	if !strings.Contains(joined, "v1beta3 is deprecated") || strings.Contains(joined, "timeoutForControlPlane") {
		t.Errorf("warnings %v", d.Warnings)
	}
}

// TestDecodeV1beta3ControlPlaneTimeout checks where a v1beta3
// apiServer.timeoutForControlPlane goes, as upstream converts it.
func TestDecodeV1beta3ControlPlaneTimeout(t *testing.T) {
	const cluster = "apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\napiServer:\n  timeoutForControlPlane: 7m\n"
	str := func(d *metav1.Duration) string {
		if d == nil {
			return ""
		}
		return d.Duration.String()
	}
	cases := []struct {
		name, doc string
		init      string // the InitConfiguration's controlPlaneComponentHealthCheck, "" for no InitConfiguration
		kept      string // V1beta3ControlPlaneTimeout
	}{
		{"init", cluster + "---\napiVersion: kubeadm.k8s.io/v1beta3\nkind: InitConfiguration\n", "7m0s", "7m0s"},
		{"v1beta4 init keeps its own", cluster + "---\napiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\ntimeouts:\n  controlPlaneComponentHealthCheck: 1m\n", "1m0s", "7m0s"},
		{"alone", cluster, "", "7m0s"},
		{"zero", "apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\napiServer:\n  timeoutForControlPlane: 0s\n", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := Decode("old.yaml", []byte(c.doc))
			if err != nil {
				t.Fatal(err)
			}
			if d.Init != nil && str(d.Init.Timeouts.ControlPlaneComponentHealthCheck) != c.init {
				t.Errorf("init timeout %v, want %q", d.Init.Timeouts, c.init)
			}
			if str(d.V1beta3ControlPlaneTimeout) != c.kept {
				t.Errorf("kept timeout %v, want %q", d.V1beta3ControlPlaneTimeout, c.kept)
			}
			if strings.Contains(strings.Join(d.Warnings, "\n"), "timeoutForControlPlane") {
				t.Errorf("warnings %v", d.Warnings)
			}
		})
	}
	if _, err := Decode("old.yaml", []byte("apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\napiServer:\n  timeoutForControlPlane: soon\n")); err == nil || !strings.Contains(err.Error(), "apiServer.timeoutForControlPlane") {
		t.Errorf("a bad duration must name the field: %v", err)
	}
}

func TestValidateReportsEveryErrorWithItsPath(t *testing.T) {
	ic, cc := &InitConfiguration{}, &ClusterConfiguration{}
	SetClusterDefaults(cc)
	SetInitDefaults(ic)
	ic.LocalAPIEndpoint.AdvertiseAddress = "not-an-ip"
	ic.LocalAPIEndpoint.BindPort = 70000
	cc.Networking.ServiceSubnet = "10.96.0.0/8"
	cc.Networking.PodSubnet = "banana"
	cc.KubernetesVersion = "v1.35.0"
	cc.EncryptionAlgorithm = "RSA-1024"
	cc.APIServer.ExtraArgs = []Arg{{Name: "--v", Value: "2"}}
	cc.FeatureGates = map[string]bool{"Nope": true}
	ic.NodeRegistration.IgnorePreflightErrors = []string{"all", "Swap"}
	errs := ValidateInit(ic, cc)
	got := errs.ToAggregate().Error()
	for _, want := range []string{
		"localAPIEndpoint.advertiseAddress", "localAPIEndpoint.bindPort", "networking.serviceSubnet", "too large",
		"networking.podSubnet", "kubernetesVersion", "encryptionAlgorithm", "apiServer.extraArgs[0].name",
		"featureGates[Nope]", "nodeRegistration.ignorePreflightErrors",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("validation lacks %q:\n%s", want, got)
		}
	}
	if len(errs) < 9 {
		t.Errorf("%d errors, want every one reported: %v", len(errs), errs)
	}

	ic, cc = &InitConfiguration{}, &ClusterConfiguration{}
	SetClusterDefaults(cc)
	SetInitDefaults(ic)
	ic.LocalAPIEndpoint.AdvertiseAddress = "10.0.0.1"
	if errs := ValidateInit(ic, cc); len(errs) != 0 {
		t.Errorf("defaults do not validate: %v", errs)
	}
}
