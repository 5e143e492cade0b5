package renewal

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
)

func TestCheckExpirationGolden(t *testing.T) {
	day := 24 * time.Hour
	tests := []struct {
		name string
		prep func(t *testing.T, c cluster)
		opts func(*RenewOptions)
	}{
		{name: "fresh"},
		{name: "missing-and-external", prep: func(t *testing.T, c cluster) {
			remove(t, c.opts.PKIDir, "etcd/peer.crt")
			remove(t, c.opts.KubernetesDir, "scheduler.conf")
			remove(t, c.opts.PKIDir, "front-proxy-ca.key")
		}},
		{name: "missing-ca", prep: func(t *testing.T, c cluster) { remove(t, c.opts.PKIDir, "etcd/ca.crt") }},
		{name: "external-etcd", opts: func(o *RenewOptions) { o.ExternalEtcd = true }},
		{name: "expired", opts: func(o *RenewOptions) { o.Now = t0.Add(400 * day) }},
		{name: "renewed", prep: func(t *testing.T, c cluster) {
			o := c.opts
			o.Now = t0.Add(300 * day)
			if _, err := Renew(o, []string{"apiserver", "admin.conf"}); err != nil {
				t.Fatal(err)
			}
		}, opts: func(o *RenewOptions) { o.Now = t0.Add(301 * day) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := fixture(t, kubeadm.EncryptionAlgorithmECDSAP256)
			if tc.prep != nil {
				tc.prep(t, c)
			}
			if tc.opts != nil {
				tc.opts(&c.opts)
			}
			info, err := CheckExpiration(c.opts)
			if err != nil {
				t.Fatal(err)
			}
			goldenFile(t, "check-expiration-"+tc.name+".txt", []byte(info.Text()))

			// JSON and YAML parse back to the same report.
			js, err := json.MarshalIndent(info, "", "    ")
			if err != nil {
				t.Fatal(err)
			}
			if tc.name == "missing-and-external" {
				goldenFile(t, "check-expiration-"+tc.name+".json", append(js, '\n'))
			}
			ya, err := yaml.Marshal(info)
			if err != nil {
				t.Fatal(err)
			}
			for format, data := range map[string][]byte{"json": js, "yaml": ya} {
				var back ExpirationInfo
				if err := yaml.Unmarshal(data, &back); err != nil {
					t.Fatalf("%s: %v", format, err)
				}
				if !reflect.DeepEqual(utc(&back), utc(info)) {
					t.Errorf("%s round trip:\n%+v\nwant\n%+v", format, back, *info)
				}
			}
		})
	}
}

func TestCheckExpirationRows(t *testing.T) {
	c := fixture(t, kubeadm.EncryptionAlgorithmECDSAP256)
	remove(t, c.opts.PKIDir, "ca.key")
	remove(t, c.opts.KubernetesDir, "admin.conf")
	info, err := CheckExpiration(c.opts)
	if err != nil {
		t.Fatal(err)
	}
	if info.APIVersion != "output.kubeadm.k8s.io/v1alpha3" || info.Kind != "CertificateExpirationInfo" {
		t.Errorf("type %+v", info.TypeMeta)
	}
	if len(info.Certificates) != 11 || len(info.CertificateAuthorities) != 3 {
		t.Fatalf("%d certificates, %d CAs", len(info.Certificates), len(info.CertificateAuthorities))
	}
	for _, row := range info.Certificates {
		c, _ := CertByName(row.Name)
		switch {
		case row.Name == "admin.conf":
			if !row.Missing || row.CAName != "" || !row.ExpirationDate.IsZero() {
				t.Errorf("admin.conf: %+v, want missing", row)
			}
		case row.Missing:
			t.Errorf("%s: missing", row.Name)
		case row.ExternallyManaged != (c.CAName == "ca"):
			t.Errorf("%s: externally managed %t, CA %s", row.Name, row.ExternallyManaged, c.CAName)
		case row.ResidualTimeSeconds != int64((265*24*time.Hour)/time.Second):
			t.Errorf("%s: residual %ds", row.Name, row.ResidualTimeSeconds)
		}
	}
	if ca := info.CertificateAuthorities[0]; ca.Name != "ca" || !ca.ExternallyManaged || ca.CAName != "" {
		t.Errorf("ca row %+v", ca)
	}
}

func TestCheckExpirationErrors(t *testing.T) {
	tests := []struct {
		name string
		prep func(t *testing.T, c cluster)
		want string
	}{
		{name: "bad certificate", want: "check expiration of etcd-server",
			prep: func(t *testing.T, c cluster) { write(t, c.opts.PKIDir+"/etcd/server.crt", "junk") }},
		{name: "bad CA", want: "check expiration of front-proxy-ca",
			prep: func(t *testing.T, c cluster) { write(t, c.opts.PKIDir+"/front-proxy-ca.crt", "junk") }},
		{name: "token kubeconfig", want: "check expiration of controller-manager.conf",
			prep: func(t *testing.T, c cluster) {
				write(t, c.opts.KubernetesDir+"/controller-manager.conf", `apiVersion: v1
kind: Config
clusters: [{name: k, cluster: {server: "https://x:6443"}}]
users: [{name: u, user: {token: abc}}]
contexts: [{name: c, context: {cluster: k, user: u}}]
current-context: c
`)
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := fixture(t, kubeadm.EncryptionAlgorithmECDSAP256)
			tc.prep(t, c)
			_, err := CheckExpiration(c.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
	if _, err := CheckExpiration(RenewOptions{}); err == nil {
		t.Error("no directories accepted")
	}
}

// utc returns a copy of info with its dates in UTC, since metav1.Time
// decodes to the local zone.
func utc(info *ExpirationInfo) ExpirationInfo {
	out := *info
	fix := func(rows []CertificateExpiration) []CertificateExpiration {
		rows = slices.Clone(rows)
		for i := range rows {
			if !rows[i].ExpirationDate.IsZero() {
				rows[i].ExpirationDate = metav1.NewTime(rows[i].ExpirationDate.UTC())
			}
		}
		return rows
	}
	out.Certificates, out.CertificateAuthorities = fix(out.Certificates), fix(out.CertificateAuthorities)
	return out
}
