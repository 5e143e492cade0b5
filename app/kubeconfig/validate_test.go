package kubeconfig

import (
	"crypto"
	"crypto/x509"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/kubeconfig/kubeconfigtest"
)

// adminConfig builds an admin-like kubeconfig signed by ca.
func adminConfig(t *testing.T, ca *x509.Certificate, caKey crypto.Signer, server, cn string, notAfter time.Time) *clientcmdapi.Config {
	t.Helper()
	certPEM, keyPEM, err := NewClientCert(ClientCertSpec{
		CACert: ca, CAKey: caKey, CommonName: cn,
		Organizations: []string{constants.ClusterAdminsGroupAndClusterRoleBinding},
		NotAfter:      notAfter, EncryptionAlgorithm: "ECDSA-P256",
	})
	if err != nil {
		t.Fatal(err)
	}
	return NewWithClientCert(server, "kubernetes", cn, EncodeCertPEM(ca.Raw), certPEM, keyPEM)
}

func TestCheckFile(t *testing.T) {
	ca, caKey := kubeconfigtest.LoadCA(t, "testdata")
	other, otherKey := kubeconfigtest.NewCA(t, "other-ca")
	const server = "https://cp.example.com:6443"
	later := fixedNow().AddDate(1, 0, 0)
	want := Expectation{
		CACerts: []*x509.Certificate{ca}, Servers: []string{server},
		CommonName:    constants.AdminUser,
		Organizations: []string{constants.ClusterAdminsGroupAndClusterRoleBinding},
		Now:           fixedNow(),
	}
	tests := []struct {
		name     string
		file     func(t *testing.T) *clientcmdapi.Config // nil: no file
		raw      string                                  // written instead of file when set
		want     func(e Expectation) Expectation
		wantErr  error  // errors.Is target
		errText  string // substring of the error
		wantWarn error  // errors.Is target of the only warning
	}{
		{name: "matching file", file: func(t *testing.T) *clientcmdapi.Config {
			return adminConfig(t, ca, caKey, server, constants.AdminUser, later)
		}},
		{name: "missing file", wantErr: fs.ErrNotExist},
		{name: "not a kubeconfig", raw: "{{{", errText: "load kubeconfig"},
		{name: "other CA", file: func(t *testing.T) *clientcmdapi.Config {
			return adminConfig(t, other, otherKey, server, constants.AdminUser, later)
		}, wantErr: ErrUntrustedCA, errText: `file has "CN=other-ca"`},
		{name: "other server", file: func(t *testing.T) *clientcmdapi.Config {
			return adminConfig(t, ca, caKey, "https://10.0.0.1:6443", constants.AdminUser, later)
		}, wantWarn: ErrServerMismatch},
		{name: "server among alternatives", file: func(t *testing.T) *clientcmdapi.Config {
			return adminConfig(t, ca, caKey, "https://10.0.0.1:6443", constants.AdminUser, later)
		}, want: func(e Expectation) Expectation { e.Servers = append(e.Servers, "https://10.0.0.1:6443"); return e }},
		{name: "wrong identity", file: func(t *testing.T) *clientcmdapi.Config {
			return adminConfig(t, ca, caKey, server, "mallory", later)
		}, wantWarn: ErrClientCert},
		{name: "expired client cert", file: func(t *testing.T) *clientcmdapi.Config {
			return adminConfig(t, ca, caKey, server, constants.AdminUser, fixedNow().Add(-time.Hour))
		}, wantWarn: ErrClientCert},
		{name: "token user has no client cert", file: func(t *testing.T) *clientcmdapi.Config {
			return NewWithToken(server, "kubernetes", constants.AdminUser, EncodeCertPEM(ca.Raw), "t")
		}, wantWarn: ErrClientCert},
		{name: "identity not checked without CN", file: func(t *testing.T) *clientcmdapi.Config {
			return NewWithToken(server, "kubernetes", "x", EncodeCertPEM(ca.Raw), "t")
		}, want: func(e Expectation) Expectation { e.CommonName = ""; return e }},
		{name: "CA in bundle", file: func(t *testing.T) *clientcmdapi.Config {
			return adminConfig(t, other, otherKey, server, constants.AdminUser, later)
		}, want: func(e Expectation) Expectation { e.CACerts = []*x509.Certificate{ca, other}; return e }},
		{name: "no current context", file: func(t *testing.T) *clientcmdapi.Config {
			c := adminConfig(t, ca, caKey, server, constants.AdminUser, later)
			c.CurrentContext = "nope"
			return c
		}, errText: `current context "nope" not found`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "admin.conf")
			switch {
			case tt.raw != "":
				if err := os.WriteFile(path, []byte(tt.raw), 0o600); err != nil {
					t.Fatal(err)
				}
			case tt.file != nil:
				if err := WriteFile(path, tt.file(t)); err != nil {
					t.Fatal(err)
				}
			}
			w := want
			if tt.want != nil {
				w = tt.want(w)
			}
			warnings, err := CheckFile(path, w)
			if tt.wantErr != nil || tt.errText != "" {
				if err == nil {
					t.Fatal("want error")
				}
				if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
					t.Errorf("error %v is not %v", err, tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.errText) || !strings.Contains(err.Error(), path) {
					t.Errorf("error %q should name %s and contain %q", err, path, tt.errText)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantWarn == nil {
				if len(warnings) != 0 {
					t.Errorf("unexpected warnings %v", warnings)
				}
				return
			}
			if len(warnings) != 1 || !errors.Is(warnings[0], tt.wantWarn) {
				t.Errorf("warnings %v, want one %v", warnings, tt.wantWarn)
			}
		})
	}
}
