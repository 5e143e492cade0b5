package initflow

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/kubeadm-cleanroom/kubeadm/app/progress"
)

const ipvsDeprecation = `The "KubeProxyConfiguration" field "mode" is set to "ipvs" which has been deprecated since version v1.35. ` +
	`For newer Linux kernel versions, we recommend using the "nftables" mode, which has been GA since v1.33. ` +
	`For older Linux kernel versions, you can use the "iptables" mode which is still the default one.`

// TestIPVSWarningOnce: the deprecation of mode ipvs is a configuration
// warning (given when the configuration is loaded) and the kube-proxy phase
// does not repeat it; its other warnings stay with the phase.
func TestIPVSWarningOnce(t *testing.T) {
	tests := []struct {
		name       string
		doc        string // the user's KubeProxyConfiguration; "" none
		wantConfig []string
		wantPhase  []string // parts of the phase's output
		notInPhase []string
	}{
		{name: "no KubeProxyConfiguration"},
		{name: "mode nftables", doc: "mode: nftables\n"},
		{name: "mode ipvs", doc: "mode: ipvs\n", wantConfig: []string{ipvsDeprecation}, notInPhase: []string{`"ipvs"`}},
		{name: "mode ipvs with another warning", doc: "mode: ipvs\nbindAddress: 10.0.0.7\n", wantConfig: []string{ipvsDeprecation},
			wantPhase: []string{`The recommended value for "bindAddress"`}, notInPhase: []string{`"ipvs"`}},
		{name: "a document the addon refuses", doc: "mode: ipvs\nclusterCIDR: 5\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(t)
			if tc.doc != "" {
				js, err := yaml.YAMLToJSON([]byte("apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\n" + tc.doc))
				if err != nil {
					t.Fatal(err)
				}
				cfg.KubeProxyRaw = js
				if err := yaml.Unmarshal(js, &cfg.KubeProxy); err != nil {
					t.Fatal(err)
				}
				if strings.Contains(tc.doc, "ipvs") && cfg.KubeProxy.Mode != "ipvs" {
					t.Fatalf("mode %q decoded", cfg.KubeProxy.Mode)
				}
			}
			got := ConfigWarnings(cfg)
			if strings.Join(got, "\n") != strings.Join(tc.wantConfig, "\n") {
				t.Fatalf("configuration warnings %q, want %q", got, tc.wantConfig)
			}
			if strings.HasPrefix(tc.name, "a document the addon refuses") {
				return
			}
			var buf bytes.Buffer
			d := &Data{Options: Options{PrintManifest: io.Discard}, cfg: cfg}
			if err := runKubeProxy(context.Background(), progress.Phase{R: &progress.Human{W: &buf}, Name: "addon/kube-proxy"}, d); err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.wantPhase {
				if !strings.Contains(buf.String(), w) {
					t.Errorf("the phase did not warn %q:\n%s", w, buf.String())
				}
			}
			for _, w := range tc.notInPhase {
				if strings.Contains(buf.String(), w) {
					t.Errorf("the phase repeated %q:\n%s", w, buf.String())
				}
			}
		})
	}
}
