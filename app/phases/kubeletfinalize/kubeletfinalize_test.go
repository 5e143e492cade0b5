package kubeletfinalize

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

const user = "system:node:cp-1"

// writeKubeletConf writes a kubelet.conf as the kubeconfig phase does: the
// first client certificate embedded.
func writeKubeletConf(t *testing.T, path string, mode os.FileMode, mutate func(*clientcmdapi.Config)) {
	t.Helper()
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["kubernetes"] = &clientcmdapi.Cluster{Server: "https://10.0.0.1:6443", CertificateAuthorityData: []byte("CA")}
	cfg.AuthInfos[user] = &clientcmdapi.AuthInfo{ClientCertificateData: []byte("CERT"), ClientKeyData: []byte("KEY")}
	cfg.Contexts[user+"@kubernetes"] = &clientcmdapi.Context{Cluster: "kubernetes", AuthInfo: user}
	cfg.CurrentContext = user + "@kubernetes"
	if mutate != nil {
		mutate(cfg)
	}
	b, err := clientcmd.Write(*cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

func setup(t *testing.T, withPEM bool) (conf, pem string) {
	t.Helper()
	dir := t.TempDir()
	conf = filepath.Join(dir, "kubelet.conf")
	pem = filepath.Join(dir, "pki", "kubelet-client-current.pem")
	writeKubeletConf(t, conf, 0o644, nil)
	if withPEM {
		if err := os.MkdirAll(filepath.Dir(pem), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(pem, []byte("PEM"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return conf, pem
}

func TestEnableClientCertRotation(t *testing.T) {
	conf, pem := setup(t, true)

	res, err := EnableClientCertRotation(conf, pem)
	if err != nil {
		t.Fatalf("EnableClientCertRotation: %v", err)
	}
	if res != Updated {
		t.Fatalf("result %q, want %q", res, Updated)
	}
	cfg, err := clientcmd.LoadFromFile(conf)
	if err != nil {
		t.Fatal(err)
	}
	u := cfg.AuthInfos[user]
	if u.ClientCertificate != pem || u.ClientKey != pem {
		t.Fatalf("user points at %q / %q, want %q", u.ClientCertificate, u.ClientKey, pem)
	}
	if len(u.ClientCertificateData) != 0 || len(u.ClientKeyData) != 0 {
		t.Fatal("the embedded certificate and key were kept")
	}
	if c := cfg.Clusters["kubernetes"]; c == nil || c.Server != "https://10.0.0.1:6443" || string(c.CertificateAuthorityData) != "CA" {
		t.Fatalf("cluster changed: %+v", cfg.Clusters)
	}
	if cfg.CurrentContext != user+"@kubernetes" {
		t.Fatalf("current context %q", cfg.CurrentContext)
	}
	st, err := os.Stat(conf)
	if err != nil {
		t.Fatal(err)
	}
	if m := st.Mode().Perm(); m != 0o600 {
		t.Fatalf("kubelet.conf mode %o, want 600", m)
	}

	// A re-run is a no-op.
	before, _ := os.ReadFile(conf)
	res, err = EnableClientCertRotation(conf, pem)
	if err != nil || res != AlreadyDone {
		t.Fatalf("second run = %q, %v; want %q", res, err, AlreadyDone)
	}
	after, _ := os.ReadFile(conf)
	if !bytes.Equal(before, after) {
		t.Fatal("second run rewrote kubelet.conf")
	}
}

func TestEnableClientCertRotationNoPEM(t *testing.T) {
	conf, pem := setup(t, false)
	before, _ := os.ReadFile(conf)
	res, err := EnableClientCertRotation(conf, pem)
	if err != nil || res != NoRotatingPEM {
		t.Fatalf("result %q, %v; want %q", res, err, NoRotatingPEM)
	}
	after, _ := os.ReadFile(conf)
	if !bytes.Equal(before, after) {
		t.Fatal("kubelet.conf changed without a rotating certificate")
	}
}

func TestEnableClientCertRotationErrors(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*clientcmdapi.Config)
		want   string
	}{
		{"no-current-context", func(c *clientcmdapi.Config) { c.CurrentContext = "" }, "has no user"},
		{"unknown-current-context", func(c *clientcmdapi.Config) { c.CurrentContext = "other" }, `"other"`},
		{"context-without-user", func(c *clientcmdapi.Config) { c.Contexts[c.CurrentContext].AuthInfo = "" }, "has no user"},
		{"unknown-user", func(c *clientcmdapi.Config) { delete(c.AuthInfos, user) }, user},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			conf, pem := setup(t, true)
			writeKubeletConf(t, conf, 0o600, tc.mutate)
			res, err := EnableClientCertRotation(conf, pem)
			if err == nil {
				t.Fatalf("result %q, want an error", res)
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), conf) {
				t.Fatalf("error %q should mention %q and the file", err, tc.want)
			}
		})
	}

	t.Run("missing-kubeconfig", func(t *testing.T) {
		_, pem := setup(t, true)
		missing := filepath.Join(t.TempDir(), "kubelet.conf")
		if _, err := EnableClientCertRotation(missing, pem); err == nil || !strings.Contains(err.Error(), missing) {
			t.Fatalf("error %v should name %s", err, missing)
		}
	})
	t.Run("garbage-kubeconfig", func(t *testing.T) {
		conf, pem := setup(t, true)
		if err := os.WriteFile(conf, []byte("{not yaml"), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := EnableClientCertRotation(conf, pem); err == nil {
			t.Fatal("a malformed kubelet.conf was accepted")
		}
	})
}

func TestEnableClientCertRotationPartial(t *testing.T) {
	// The file already names the pem but still embeds the old certificate:
	// it is rewritten.
	conf, pem := setup(t, true)
	writeKubeletConf(t, conf, 0o600, func(c *clientcmdapi.Config) {
		u := c.AuthInfos[user]
		u.ClientCertificate, u.ClientKey = pem, pem
		u.ClientKeyData = nil
	})
	res, err := EnableClientCertRotation(conf, pem)
	if err != nil || res != Updated {
		t.Fatalf("result %q, %v; want %q", res, err, Updated)
	}
	cfg, _ := clientcmd.LoadFromFile(conf)
	if len(cfg.AuthInfos[user].ClientCertificateData) != 0 {
		t.Fatal("embedded certificate kept")
	}
}
