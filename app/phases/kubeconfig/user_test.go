package kubeconfig

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kubeadm-cleanroom/kubeadm/app/atomicfile"
	kc "github.com/kubeadm-cleanroom/kubeadm/app/kubeconfig"
	"github.com/kubeadm-cleanroom/kubeadm/app/kubeconfig/kubeconfigtest"
)

// userNode is a control-plane node's /etc/kubernetes: pki/ca.{crt,key}
// and an admin.conf pointing at https://lb.example.com:8443, cluster "prod".
func userNode(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"ca.crt", "ca.key"} {
		data, err := os.ReadFile(filepath.Join("testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := atomicfile.Write(filepath.Join(dir, "pki", f), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	ca, _ := kubeconfigtest.LoadCA(t, "testdata")
	admin := kc.NewBasic("https://lb.example.com:8443", "prod", "kubernetes-admin", kc.EncodeCertPEM(ca.Raw))
	if err := kc.WriteFile(filepath.Join(dir, "admin.conf"), admin); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestUser(t *testing.T) {
	ca, _ := kubeconfigtest.LoadCA(t, "testdata")
	config := func(t *testing.T, dir, body string) string {
		p := filepath.Join(t.TempDir(), "kubeadm.yaml")
		body = "apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nencryptionAlgorithm: ECDSA-P256\ncertificatesDir: " + dir + "/pki\n" + body
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name    string
		req     func(t *testing.T, dir string) UserRequest
		server  string
		context string
		golden  string
		token   string
		err     []string
	}{
		{name: "admin.conf's server", golden: "user-no-config.golden", server: "https://lb.example.com:8443", context: "jane@prod",
			req: func(t *testing.T, dir string) UserRequest {
				return UserRequest{ClientName: "jane", Organizations: []string{"dev", "ops"}, Validity: 48 * time.Hour}
			}},
		{name: "token without CA key", server: "https://lb.example.com:8443", context: "robot@prod", token: "abc.def",
			req: func(t *testing.T, dir string) UserRequest {
				os.Remove(filepath.Join(dir, "pki", "ca.key"))
				return UserRequest{ClientName: "robot", Token: "abc.def"}
			}},
		{name: "config control plane endpoint", server: "https://cp.example.com:6443", context: "jane@other",
			req: func(t *testing.T, dir string) UserRequest {
				return UserRequest{ClientName: "jane", ConfigPath: config(t, dir, "clusterName: other\ncontrolPlaneEndpoint: cp.example.com\n")}
			}},
		{name: "config advertise address", server: "https://10.0.0.7:6443", context: "jane@kubernetes",
			req: func(t *testing.T, dir string) UserRequest {
				body := "---\napiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\nlocalAPIEndpoint:\n  advertiseAddress: 10.0.0.7\n"
				return UserRequest{ClientName: "jane", ConfigPath: config(t, dir, body)}
			}},
		{name: "config without address", server: "https://lb.example.com:8443", context: "jane@kubernetes",
			req: func(t *testing.T, dir string) UserRequest {
				return UserRequest{ClientName: "jane", ConfigPath: config(t, dir, "")}
			}},
		{name: "no admin.conf", err: []string{"no API server address", "admin.conf"},
			req: func(t *testing.T, dir string) UserRequest {
				os.Remove(filepath.Join(dir, "admin.conf"))
				return UserRequest{ClientName: "jane"}
			}},
		{name: "external CA", err: []string{"ca.key is missing", "--token"},
			req: func(t *testing.T, dir string) UserRequest {
				os.Remove(filepath.Join(dir, "pki", "ca.key"))
				return UserRequest{ClientName: "jane"}
			}},
		{name: "no CA", err: []string{"cluster CA", "ca.crt"},
			req: func(t *testing.T, dir string) UserRequest {
				os.Remove(filepath.Join(dir, "pki", "ca.crt"))
				return UserRequest{ClientName: "jane", Token: "x"}
			}},
		{name: "invalid config", err: []string{"kubeadm.yaml", "controlPlaneEndpoint"},
			req: func(t *testing.T, dir string) UserRequest {
				return UserRequest{ClientName: "jane", ConfigPath: config(t, dir, "controlPlaneEndpoint: bad_host:x\n")}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := userNode(t)
			req := tc.req(t, dir)
			req.KubernetesDir, req.Now = dir, func() time.Time { return kubeconfigtest.FixedNow }
			cfg, _, err := User(req)
			if len(tc.err) > 0 {
				for _, w := range tc.err {
					if err == nil || !strings.Contains(err.Error(), w) {
						t.Errorf("error %v, want %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s, _ := kc.ServerURL(cfg); s != tc.server || cfg.CurrentContext != tc.context {
				t.Errorf("server %q context %q, want %q %q", s, cfg.CurrentContext, tc.server, tc.context)
			}
			_, auth, _ := kc.CurrentAuthInfo(cfg)
			if tc.token != "" {
				if auth.Token != tc.token || len(auth.ClientCertificateData) != 0 {
					t.Errorf("user %+v", auth)
				}
				return
			}
			cert, err := kc.ClientCertificate(cfg)
			if err != nil || cert.CheckSignatureFrom(ca) != nil || cert.Subject.CommonName != strings.Split(tc.context, "@")[0] {
				t.Errorf("client certificate %v: %v", cert.Subject, err)
			}
			if tc.golden != "" {
				data, err := kc.Marshal(cfg)
				if err != nil {
					t.Fatal(err)
				}
				kubeconfigtest.Golden(t, filepath.Join("testdata", tc.golden), kubeconfigtest.Redact(data, ca), *update)
				if !slices.Equal(cert.Subject.Organization, []string{"dev", "ops"}) {
					t.Errorf("organizations %v", cert.Subject.Organization)
				}
			}
		})
	}
}
