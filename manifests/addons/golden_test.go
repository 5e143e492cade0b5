package addons

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// goldenCase is one cluster configuration whose addon objects are pinned in
// testdata/<name>.yaml.
type goldenCase struct {
	name         string
	cfg          kubeadm.ClusterConfiguration
	advertise    string
	apiServerURL string
	proxyDoc     string // user KubeProxyConfiguration, if any
}

func baseConfig() kubeadm.ClusterConfiguration {
	return kubeadm.ClusterConfiguration{
		KubernetesVersion: "v1.37.1",
		Networking:        kubeadm.Networking{ServiceSubnet: "10.96.0.0/12", DNSDomain: "cluster.local"},
	}
}

func goldenCases() []goldenCase {
	custom := baseConfig()
	custom.Networking = kubeadm.Networking{ServiceSubnet: "172.20.0.0/16", DNSDomain: "corp.example"}

	ipv6 := baseConfig()
	ipv6.Networking = kubeadm.Networking{ServiceSubnet: "fd00:10:96::/112,10.96.0.0/12", PodSubnet: "fd00:10:244::/56", DNSDomain: "cluster.local"}

	pods := baseConfig()
	pods.Networking.PodSubnet = "10.244.0.0/16"
	pods.ControlPlaneEndpoint = "cp.example:6443"

	images := baseConfig()
	images.ImageRepository = "mirror.example/k8s"
	images.DNS.ImageMeta = kubeadm.ImageMeta{ImageRepository: "dns.example", ImageTag: "v1.14.99"}

	user := baseConfig()
	user.Networking.PodSubnet = "10.244.0.0/16"

	const url = "https://192.168.0.10:6443"
	return []goldenCase{
		{name: "default", cfg: baseConfig(), advertise: "192.168.0.10", apiServerURL: url},
		{name: "custom-networking", cfg: custom, advertise: "192.168.0.10", apiServerURL: url},
		{name: "ipv6", cfg: ipv6, advertise: "fd00::10", apiServerURL: "https://[fd00::10]:6443"},
		{name: "pod-subnet", cfg: pods, advertise: "192.168.0.10", apiServerURL: "https://cp.example:6443"},
		{name: "custom-images", cfg: images, advertise: "192.168.0.10", apiServerURL: url},
		{name: "user-kube-proxy-config", cfg: user, advertise: "192.168.0.10", apiServerURL: url, proxyDoc: `
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: nftables
conntrack:
  maxPerCore: 0
clusterCIDR: 10.200.0.0/16
`},
	}
}

// renderCase renders everything the addon phase would print for c, with
// KubeProxyConfig's warnings as leading YAML comments.
func renderCase(t *testing.T, c goldenCase) []byte {
	t.Helper()
	var out bytes.Buffer
	pc, warnings, err := KubeProxyConfig(&c.cfg, c.advertise, []byte(c.proxyDoc))
	if err != nil {
		t.Fatalf("KubeProxyConfig: %v", err)
	}
	for _, w := range warnings {
		out.WriteString("# warning: " + w + "\n")
	}
	dns, err := CoreDNS(&c.cfg, DefaultCoreDNSReplicas)
	if err != nil {
		t.Fatalf("CoreDNS: %v", err)
	}
	doc, err := MarshalKubeProxyConfig(pc)
	if err != nil {
		t.Fatalf("MarshalKubeProxyConfig: %v", err)
	}
	proxy, err := KubeProxy(&c.cfg, doc, c.apiServerURL)
	if err != nil {
		t.Fatalf("KubeProxy: %v", err)
	}
	for _, r := range []func() ([]byte, error){dns.YAML, proxy.YAML} {
		b, err := r()
		if err != nil {
			t.Fatalf("YAML: %v", err)
		}
		out.WriteString("---\n")
		out.Write(b)
	}
	return out.Bytes()
}

func TestGolden(t *testing.T) {
	for _, c := range goldenCases() {
		t.Run(c.name, func(t *testing.T) {
			got := renderCase(t, c)
			path := filepath.Join("testdata", c.name+".yaml")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("reading golden file (run with -update to create it): %v", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the generated output; run `go test ./manifests/addons/ -update` and review the diff.\n%s",
					path, firstDiff(string(want), string(got)))
			}
		})
	}
}

// firstDiff describes the first differing line of two texts.
func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return "line " + strconv.Itoa(i+1) + ":\n  want: " + wl + "\n  got:  " + gl
		}
	}
	return "(no line differs)"
}
