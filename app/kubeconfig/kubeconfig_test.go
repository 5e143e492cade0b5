package kubeconfig

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/kubeconfig/kubeconfigtest"
)

var update = flag.Bool("update", false, "rewrite golden files")

var local = kubeadm.APIEndpoint{AdvertiseAddress: "192.0.2.10", BindPort: 6443}

func fixedNow() time.Time { return kubeconfigtest.FixedNow }

// TestGoldenShapes pins the YAML of every kubeconfig shape this package
// builds; client certificates and keys are replaced by descriptions.
func TestGoldenShapes(t *testing.T) {
	ca, caKey := kubeconfigtest.LoadCA(t, "testdata")
	caPEM := EncodeCertPEM(ca.Raw)
	cluster := &kubeadm.ClusterConfiguration{
		ClusterName:          "kubernetes",
		ControlPlaneEndpoint: "cp.example.com",
		EncryptionAlgorithm:  kubeadm.EncryptionAlgorithmECDSAP256,
	}
	certPEM, keyPEM, err := NewClientCert(ClientCertSpec{
		CACert: ca, CAKey: caKey, CommonName: constants.AdminUser,
		Organizations:       []string{constants.ClusterAdminsGroupAndClusterRoleBinding},
		NotAfter:            fixedNow().Add(constants.DefaultCertValidity),
		EncryptionAlgorithm: kubeadm.EncryptionAlgorithmECDSAP256,
	})
	if err != nil {
		t.Fatal(err)
	}
	build := func(o UserOptions) *clientcmdapi.Config {
		cfg, err := ForUser(o)
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	tests := []struct {
		name string
		cfg  *clientcmdapi.Config
	}{
		{"client-cert", NewWithClientCert("https://cp.example.com:6443", "kubernetes", constants.AdminUser, caPEM, certPEM, keyPEM)},
		{"bootstrap-token", NewWithToken("https://192.0.2.10:6443", "kubernetes", constants.TLSBootstrapUser, caPEM, "abcdef.0123456789abcdef")},
		{"basic", NewBasic("https://192.0.2.10:6443", "kubernetes", "someone", caPEM)},
		{"user-cert", build(UserOptions{
			Cluster: cluster, LocalAPIEndpoint: local, CACert: ca, CAKey: caKey,
			ClientName: "jane", Organizations: []string{"dev", "ops"},
			ValidityPeriod: 48 * time.Hour, Now: fixedNow,
		})},
		{"user-token", build(UserOptions{
			Cluster: cluster, LocalAPIEndpoint: local, CACert: ca,
			ClientName: "robot", Token: "abcdef.0123456789abcdef", Now: fixedNow,
		})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := Marshal(tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			got := kubeconfigtest.Redact(data, ca)
			kubeconfigtest.Golden(t, filepath.Join("testdata", tt.name+".golden"), got, *update)
		})
	}
}

func TestWriteFileModeAndRoundTrip(t *testing.T) {
	ca, _ := kubeconfigtest.LoadCA(t, "testdata")
	path := filepath.Join(t.TempDir(), "sub", "x.conf")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	// A pre-existing file with loose permissions must end up 0600.
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	in := NewWithToken("https://192.0.2.10:6443", "c1", "u1", EncodeCertPEM(ca.Raw), "tok")
	if err := WriteFile(path, in); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", st.Mode().Perm())
	}
	out, err := LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if out.CurrentContext != "u1@c1" {
		t.Errorf("current context %q", out.CurrentContext)
	}
	if out.AuthInfos["u1"].Token != "tok" {
		t.Errorf("token not kept: %+v", out.AuthInfos["u1"])
	}
}

func TestForUser(t *testing.T) {
	ca, caKey := kubeconfigtest.LoadCA(t, "testdata")
	base := func() UserOptions {
		return UserOptions{
			Cluster:          &kubeadm.ClusterConfiguration{ClusterName: "prod", EncryptionAlgorithm: kubeadm.EncryptionAlgorithmECDSAP384},
			LocalAPIEndpoint: local, CACert: ca, CAKey: caKey, ClientName: "jane", Now: fixedNow,
		}
	}
	tests := []struct {
		name      string
		mod       func(*UserOptions)
		wantErr   bool
		server    string
		orgs      []string
		notAfter  time.Time
		wantToken string
	}{
		{name: "default validity, local server", mod: func(*UserOptions) {},
			server: "https://192.0.2.10:6443", notAfter: fixedNow().Add(constants.DefaultCertValidity)},
		{name: "orgs and validity", mod: func(o *UserOptions) {
			o.Organizations = []string{"a", "b"}
			o.ValidityPeriod = time.Hour
			o.Cluster.ControlPlaneEndpoint = "lb.example.com:443"
		}, server: "https://lb.example.com:443", orgs: []string{"a", "b"}, notAfter: fixedNow().Add(time.Hour)},
		{name: "token needs no CA key", mod: func(o *UserOptions) { o.Token = "t0k"; o.CAKey = nil },
			server: "https://192.0.2.10:6443", wantToken: "t0k"},
		{name: "explicit server wins", mod: func(o *UserOptions) {
			o.Server = "https://10.1.1.1:8443"
			o.Cluster.ControlPlaneEndpoint = "bad_host"
		}, server: "https://10.1.1.1:8443", notAfter: fixedNow().Add(constants.DefaultCertValidity)},
		{name: "no client name", mod: func(o *UserOptions) { o.ClientName = "" }, wantErr: true},
		{name: "no CA key for a certificate", mod: func(o *UserOptions) { o.CAKey = nil }, wantErr: true},
		{name: "bad endpoint", mod: func(o *UserOptions) { o.Cluster.ControlPlaneEndpoint = "bad_host" }, wantErr: true},
		{name: "bad algorithm", mod: func(o *UserOptions) { o.Cluster.EncryptionAlgorithm = "DSA" }, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := base()
			tt.mod(&o)
			cfg, err := ForUser(o)
			if tt.wantErr {
				if err == nil {
					t.Fatal("want error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.CurrentContext != "jane@prod" {
				t.Errorf("context %q, want jane@prod", cfg.CurrentContext)
			}
			if s, _ := ServerURL(cfg); s != tt.server {
				t.Errorf("server %q, want %q", s, tt.server)
			}
			if tt.wantToken != "" {
				if cfg.AuthInfos["jane"].Token != tt.wantToken {
					t.Errorf("token %q", cfg.AuthInfos["jane"].Token)
				}
				return
			}
			cert, err := ClientCertificate(cfg)
			if err != nil {
				t.Fatal(err)
			}
			assertIdentity(t, cert, "jane", tt.orgs)
			if !cert.NotAfter.Equal(tt.notAfter) {
				t.Errorf("notAfter %v, want %v", cert.NotAfter, tt.notAfter)
			}
		})
	}
}

func TestClusterOfFile(t *testing.T) {
	dir := t.TempDir()
	ca, _ := kubeconfigtest.LoadCA(t, "testdata")
	good := filepath.Join(dir, "admin.conf")
	if err := WriteFile(good, NewBasic("https://cp.example.com:6443", "prod", "admin", EncodeCertPEM(ca.Raw))); err != nil {
		t.Fatal(err)
	}
	noServer := filepath.Join(dir, "noserver.conf")
	if err := WriteFile(noServer, NewBasic("", "prod", "admin", nil)); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path, server, cluster, err string
	}{
		{path: good, server: "https://cp.example.com:6443", cluster: "prod"},
		{path: noServer, err: "has no server"},
		{path: filepath.Join(dir, "missing.conf"), err: "missing.conf"},
	}
	for _, tc := range tests {
		server, cluster, err := ClusterOfFile(tc.path)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: error %v, want %q", tc.path, err, tc.err)
			}
			continue
		}
		if err != nil || server != tc.server || cluster != tc.cluster {
			t.Errorf("%s: %q %q %v", tc.path, server, cluster, err)
		}
	}
}
