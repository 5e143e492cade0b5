package renewal

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	kc "github.com/kubeadm-cleanroom/kubeadm/app/kubeconfig"
	"github.com/kubeadm-cleanroom/kubeadm/app/pki"
)

func TestRenewableNames(t *testing.T) {
	want := []string{"admin.conf", "apiserver", "apiserver-etcd-client", "apiserver-kubelet-client", "controller-manager.conf",
		"etcd-healthcheck-client", "etcd-peer", "etcd-server", "front-proxy-client", "scheduler.conf", "super-admin.conf"}
	if got := RenewableNames(); !slices.Equal(got, want) {
		t.Errorf("RenewableNames() = %v, want %v", got, want)
	}
	for _, c := range Certs() {
		if c.LongName == "" || c.CAName == "" || c.CABaseName == "" {
			t.Errorf("%s: incomplete %+v", c.Name, c)
		}
	}
	if c, _ := CertByName("etcd-peer"); c.CAName != "etcd-ca" || c.CABaseName != "etcd/ca" || c.File != "etcd/peer" || !c.Etcd {
		t.Errorf("etcd-peer: %+v", c)
	}
	if c, _ := CertByName("front-proxy-client"); c.CAName != "front-proxy-ca" || c.CABaseName != "front-proxy-ca" {
		t.Errorf("front-proxy-client: %+v", c)
	}
}

func TestComponentNames(t *testing.T) {
	tests := []struct {
		component    string
		externalEtcd bool
		want         []string
	}{
		{"etcd", false, []string{"etcd-server", "etcd-peer", "etcd-healthcheck-client"}},
		{"etcd", true, nil},
		{"kube-apiserver", false, []string{"apiserver", "apiserver-kubelet-client", "front-proxy-client", "apiserver-etcd-client"}},
		{"kube-apiserver", true, []string{"apiserver", "apiserver-kubelet-client", "front-proxy-client"}},
		{"kube-controller-manager", false, []string{"controller-manager.conf"}},
		{"kube-scheduler", true, []string{"scheduler.conf"}},
		{"kube-proxy", false, nil},
	}
	for _, tc := range tests {
		got := ComponentNames(tc.component, tc.externalEtcd)
		if !slices.Equal(got, tc.want) {
			t.Errorf("ComponentNames(%s, %t) = %v, want %v", tc.component, tc.externalEtcd, got, tc.want)
		}
		for _, n := range got {
			if _, err := CertByName(n); err != nil {
				t.Error(err)
			}
		}
	}
}

// before reads every renewable certificate and its public key.
func readAll(t *testing.T, opts RenewOptions) map[string]*certAndKey {
	t.Helper()
	out := map[string]*certAndKey{}
	for _, c := range Certs() {
		ck := readCertAndKey(t, c, opts)
		if ck != nil {
			out[c.Name] = ck
		}
	}
	return out
}

func TestRenewAll(t *testing.T) {
	for _, alg := range []kubeadm.EncryptionAlgorithmType{kubeadm.EncryptionAlgorithmECDSAP256, kubeadm.EncryptionAlgorithmECDSAP384} {
		t.Run(string(alg), func(t *testing.T) {
			c := fixture(t, alg)
			c.opts.Validity = 90 * 24 * time.Hour
			old := readAll(t, c.opts)
			ca, _ := pki.ReadCert(c.opts.PKIDir, "ca")
			results, err := Renew(c.opts, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(results) != len(RenewableNames()) {
				t.Fatalf("%d results, want %d", len(results), len(RenewableNames()))
			}
			wantNotAfter := c.opts.Now.Add(90 * 24 * time.Hour)
			for i, r := range results {
				if r.Name != RenewableNames()[i] || r.Status != StatusRenewed || r.CappedAtCA || !r.NotAfter.Equal(wantNotAfter) {
					t.Errorf("result %d: %+v", i, r)
				}
				now := readCertAndKey(t, r.Cert, c.opts)
				was := old[r.Name]
				sameIdentity(t, r.Name, was.cert, now.cert)
				if !pki.SamePublicKey(was.cert.PublicKey, now.cert.PublicKey) || !pki.SamePublicKey(now.key.Public(), now.cert.PublicKey) {
					t.Errorf("%s: the key changed or does not match", r.Name)
				}
				if got, _ := pki.KeyAlgorithm(now.cert.PublicKey); got != alg {
					t.Errorf("%s: key type %s, want %s", r.Name, got, alg)
				}
				if !now.cert.NotBefore.Equal(c.opts.Now.Add(-pki.CertificateBackdate)) || !now.cert.NotAfter.Equal(wantNotAfter) {
					t.Errorf("%s: validity %v..%v", r.Name, now.cert.NotBefore, now.cert.NotAfter)
				}
				if now.cert.SerialNumber.Cmp(was.cert.SerialNumber) == 0 {
					t.Errorf("%s: serial number reused", r.Name)
				}
				caCert, _ := pki.ReadCert(c.opts.PKIDir, r.CABaseName)
				if err := pki.VerifySignedBy(now.cert, nil, caCert, c.opts.Now); err != nil {
					t.Errorf("%s: %v", r.Name, err)
				}
				st, _ := os.Stat(r.Path)
				if want := os.FileMode(0o644); r.Kind == Kubeconfig && st.Mode().Perm() != 0o600 || r.Kind == PKIFile && st.Mode().Perm() != want {
					t.Errorf("%s: mode %v", r.Name, st.Mode().Perm())
				}
				if r.Kind == Kubeconfig {
					cfg, _ := kc.LoadFile(r.Path)
					cas, _ := kc.CACertificates(cfg)
					server, _ := kc.ServerURL(cfg)
					if len(cas) != 1 || !cas[0].Equal(ca) || server == "" {
						t.Errorf("%s: CA %d server %q", r.Name, len(cas), server)
					}
				}
			}
		})
	}
}

func TestRenewReportsWithoutWriting(t *testing.T) {
	tests := []struct {
		name   string
		cert   string
		prep   func(t *testing.T, c cluster)
		opts   func(*RenewOptions)
		status Status
		caKey  string
	}{
		{name: "missing certificate", cert: "etcd-peer", status: StatusMissing,
			prep: func(t *testing.T, c cluster) { remove(t, c.opts.PKIDir, "etcd/peer.crt") }},
		{name: "missing kubeconfig", cert: "super-admin.conf", status: StatusMissing,
			prep: func(t *testing.T, c cluster) { remove(t, c.opts.KubernetesDir, "super-admin.conf") }},
		{name: "external front-proxy CA", cert: "front-proxy-client", status: StatusExternalCA, caKey: "front-proxy-ca.key",
			prep: func(t *testing.T, c cluster) { remove(t, c.opts.PKIDir, "front-proxy-ca.key") }},
		{name: "external CA for a kubeconfig", cert: "admin.conf", status: StatusExternalCA, caKey: "ca.key",
			prep: func(t *testing.T, c cluster) { remove(t, c.opts.PKIDir, "ca.key") }},
		{name: "external etcd CA", cert: "apiserver-etcd-client", status: StatusExternalCA, caKey: "etcd/ca.key",
			prep: func(t *testing.T, c cluster) { remove(t, c.opts.PKIDir, "etcd/ca.key") }},
		{name: "external etcd", cert: "etcd-server", status: StatusExternalEtcd,
			opts: func(o *RenewOptions) { o.ExternalEtcd = true }},
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
			cert, _ := CertByName(tc.cert)
			var before []byte
			if pki.Exists(cert.Path(c.opts)) {
				before = readBytes(t, cert.Path(c.opts))
			}
			results, err := Renew(c.opts, []string{tc.cert})
			if err != nil {
				t.Fatal(err)
			}
			r := results[0]
			if r.Status != tc.status || r.Path != cert.Path(c.opts) {
				t.Errorf("got %+v, want status %s", r, tc.status)
			}
			if tc.caKey != "" && r.CAKeyPath != filepath.Join(c.opts.PKIDir, tc.caKey) {
				t.Errorf("CA key path %q, want %s", r.CAKeyPath, tc.caKey)
			}
			if before == nil && pki.Exists(r.Path) {
				t.Error("a missing file was created")
			}
			if before != nil && string(before) != string(readBytes(t, r.Path)) {
				t.Error("the file changed")
			}
		})
	}
}

func TestRenewCapsAtCAExpiry(t *testing.T) {
	c := fixture(t, kubeadm.EncryptionAlgorithmECDSAP256)
	c.opts.Validity = 20 * 365 * 24 * time.Hour
	results, err := Renew(c.opts, []string{"apiserver", "scheduler.conf"})
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := pki.ReadCert(c.opts.PKIDir, "ca")
	for _, r := range results {
		now := readCertAndKey(t, r.Cert, c.opts)
		if !r.CappedAtCA || !r.NotAfter.Equal(ca.NotAfter) || !now.cert.NotAfter.Equal(ca.NotAfter) {
			t.Errorf("%s: NotAfter %v capped %t, want the CA's %v", r.Name, now.cert.NotAfter, r.CappedAtCA, ca.NotAfter)
		}
	}
}

func TestRenewErrors(t *testing.T) {
	tests := []struct {
		name  string
		names []string
		prep  func(t *testing.T, c cluster)
		opts  func(*RenewOptions)
		want  []string
	}{
		{name: "unknown name", names: []string{"apiserver", "kubelet.conf"}, want: []string{`unknown certificate "kubelet.conf"`, "admin.conf, apiserver"}},
		{name: "no directories", names: []string{"apiserver"}, opts: func(o *RenewOptions) { o.PKIDir = "" }, want: []string{"certificates directory"}},
		{name: "missing leaf key", names: []string{"apiserver"}, want: []string{"renew apiserver", "apiserver.key"},
			prep: func(t *testing.T, c cluster) { remove(t, c.opts.PKIDir, "apiserver.key") }},
		{name: "key of another certificate", names: []string{"apiserver"}, want: []string{"renew apiserver", "does not match"},
			prep: func(t *testing.T, c cluster) { copyFile(t, c.opts.PKIDir, "front-proxy-client.key", "apiserver.key") }},
		{name: "missing CA", names: []string{"front-proxy-client"}, want: []string{"renew front-proxy-client", "front-proxy-ca.crt"},
			prep: func(t *testing.T, c cluster) {
				remove(t, c.opts.PKIDir, "front-proxy-ca.crt")
				remove(t, c.opts.PKIDir, "front-proxy-ca.key")
			}},
		{name: "expired CA", names: []string{"apiserver"}, want: []string{"CA certificate", "ca.crt expired at 2036-02-27"},
			opts: func(o *RenewOptions) { o.Now = t0.Add(11 * 365 * 24 * time.Hour) }},
		{name: "kubeconfig without embedded certificate", names: []string{"admin.conf"}, want: []string{"admin.conf", "no embedded client certificate"},
			prep: func(t *testing.T, c cluster) {
				path := filepath.Join(c.opts.KubernetesDir, "admin.conf")
				cfg, _ := kc.LoadFile(path)
				for _, u := range cfg.AuthInfos {
					u.ClientCertificateData, u.ClientCertificate = nil, "/nonexistent/admin.crt"
				}
				if err := kc.WriteFile(path, cfg); err != nil {
					t.Fatal(err)
				}
			}},
		{name: "unparsable kubeconfig", names: []string{"scheduler.conf"}, want: []string{"scheduler.conf"},
			prep: func(t *testing.T, c cluster) { write(t, filepath.Join(c.opts.KubernetesDir, "scheduler.conf"), "{") }},
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
			before := readBytes(t, filepath.Join(c.cfg.CertificatesDir, "apiserver.crt"))
			_, err := Renew(c.opts, tc.names)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is several lines: %q", err)
			}
			if string(before) != string(readBytes(t, filepath.Join(c.cfg.CertificatesDir, "apiserver.crt"))) {
				t.Error("apiserver.crt changed although renewal failed")
			}
		})
	}
}
