package addons

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

func kubeDNS(data map[string]string) *corev1.ConfigMap {
	return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "kube-dns", Namespace: "kube-system"}, Data: data}
}

func coreDNS(corefile string) corev1.ConfigMap {
	return corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "coredns", Namespace: "kube-system"}, Data: map[string]string{"Corefile": corefile}}
}

// TestMigrateKubeDNS migrates only a configured kube-dns ConfigMap, and
// only while the cluster has no CoreDNS ConfigMap.
func TestMigrateKubeDNS(t *testing.T) {
	conf := map[string]string{"stubDomains": `{"acme.test": ["10.0.0.53"]}`, "upstreamNameservers": `["8.8.8.8"]`}
	for _, tc := range []struct {
		name     string
		objs     []corev1.ConfigMap
		wantNote string
		wantErr  string
		keep     bool
		wantData string // the Corefile cm ends with when nothing is migrated
	}{
		{name: "kube-dns configured", objs: []corev1.ConfigMap{*kubeDNS(conf)}, wantNote: "stub domains acme.test; upstream name servers 8.8.8.8"},
		{name: "no kube-dns", wantNote: ""},
		{name: "kube-dns without configuration", objs: []corev1.ConfigMap{*kubeDNS(nil)}, wantNote: ""},
		{name: "CoreDNS already configured", objs: []corev1.ConfigMap{*kubeDNS(conf), coreDNS("user's")}, wantNote: "", wantData: "default"},
		{name: "CoreDNS already configured, kept", objs: []corev1.ConfigMap{*kubeDNS(conf), coreDNS("user's")}, keep: true, wantNote: "", wantData: "user's"},
		{name: "bad kube-dns", objs: []corev1.ConfigMap{*kubeDNS(map[string]string{"upstreamNameservers": `["nope"]`})}, wantErr: `"nope" is not an IP address`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := fake.NewClientset()
			for i := range tc.objs {
				if _, err := c.CoreV1().ConfigMaps("kube-system").Create(context.Background(), &tc.objs[i], metav1.CreateOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "coredns", Namespace: "kube-system"}, Data: map[string]string{"Corefile": "default"}}
			note, err := MigrateKubeDNS(context.Background(), c, cm, "cluster.local", tc.keep)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || !strings.Contains(note, tc.wantNote) || (tc.wantNote == "") != (note == "") {
				t.Fatalf("note %q, err %v; want %q", note, err, tc.wantNote)
			}
			if tc.wantData != "" && cm.Data["Corefile"] != tc.wantData {
				t.Errorf("Corefile %q, want %q", cm.Data["Corefile"], tc.wantData)
			}
			migrated := cm.Data["Corefile"] != "default" && cm.Data["Corefile"] != "user's"
			if migrated != (tc.wantNote != "") {
				t.Errorf("Corefile migrated: %v:\n%s", migrated, cm.Data["Corefile"])
			}
			if migrated && (!strings.Contains(cm.Data["Corefile"], "acme.test:53 {") || !strings.Contains(cm.Data["Corefile"], "forward . 8.8.8.8 {")) {
				t.Errorf("Corefile:\n%s", cm.Data["Corefile"])
			}
		})
	}
}
