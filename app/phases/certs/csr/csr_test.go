package csr

import (
	"crypto/x509"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	kc "github.com/kubeadm-cleanroom/kubeadm/app/kubeconfig"
	"github.com/kubeadm-cleanroom/kubeadm/app/pki"
)

func testOptions(t *testing.T) Options {
	t.Helper()
	dir := t.TempDir()
	return Options{
		Cluster: &kubeadm.ClusterConfiguration{
			ClusterName:          "prod",
			CertificatesDir:      filepath.Join(dir, "pki"),
			EncryptionAlgorithm:  kubeadm.EncryptionAlgorithmECDSAP256,
			ControlPlaneEndpoint: "cp.example.com:6443",
			Networking:           kubeadm.Networking{ServiceSubnet: "10.96.0.0/12", DNSDomain: "cluster.local"},
			APIServer:            kubeadm.APIServer{CertSANs: []string{"api.example.com", "bad_name"}},
			Etcd:                 kubeadm.Etcd{Local: &kubeadm.LocalEtcd{ServerCertSANs: []string{"etcd.example.com"}}},
		},
		NodeName:         "cp-1",
		LocalAPIEndpoint: kubeadm.APIEndpoint{AdvertiseAddress: "192.0.2.10", BindPort: 6443},
		KubeconfigDir:    dir,
	}
}

func TestGenerate(t *testing.T) {
	opts := testOptions(t)
	res, err := Generate(opts)
	if err != nil {
		t.Fatal(err)
	}
	wantCerts := []string{"apiserver", "apiserver-kubelet-client", "front-proxy-client", "etcd/server", "etcd/peer",
		"etcd/healthcheck-client", "apiserver-etcd-client"}
	wantKubeconfigs := []string{"admin.conf", "super-admin.conf", "kubelet.conf", "controller-manager.conf", "scheduler.conf"}
	if !slices.Equal(res.Certs, wantCerts) || !slices.Equal(res.Kubeconfigs, wantKubeconfigs) {
		t.Errorf("wrote %v and %v", res.Certs, res.Kubeconfigs)
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "bad_name") {
		t.Errorf("warnings %q", res.Warnings)
	}

	tests := []struct {
		name, dir string
		cn        string
		orgs      []string
		dns, ips  []string
		server    string
	}{
		{name: "apiserver", cn: "kube-apiserver",
			dns: []string{"api.example.com", "cp-1", "cp.example.com", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"},
			ips: []string{"10.96.0.1", "192.0.2.10"}},
		{name: "apiserver-kubelet-client", cn: "kube-apiserver-kubelet-client"},
		{name: "front-proxy-client", cn: "front-proxy-client"},
		{name: "etcd/server", cn: "cp-1", dns: []string{"cp-1", "etcd.example.com", "localhost"}, ips: []string{"192.0.2.10", "127.0.0.1", "::1"}},
		{name: "etcd/peer", cn: "cp-1", dns: []string{"cp-1", "localhost"}, ips: []string{"192.0.2.10", "127.0.0.1", "::1"}},
		{name: "etcd/healthcheck-client", cn: "kube-etcd-healthcheck-client"},
		{name: "apiserver-etcd-client", cn: "kube-apiserver-etcd-client"},
		{name: "admin.conf", dir: "kc", cn: "kubernetes-admin", orgs: []string{"kubeadm:cluster-admins"}, server: "https://cp.example.com:6443"},
		{name: "super-admin.conf", dir: "kc", cn: "kubernetes-super-admin", orgs: []string{"system:masters"}, server: "https://cp.example.com:6443"},
		{name: "kubelet.conf", dir: "kc", cn: "system:node:cp-1", orgs: []string{"system:nodes"}, server: "https://192.0.2.10:6443"},
		{name: "controller-manager.conf", dir: "kc", cn: "system:kube-controller-manager", server: "https://192.0.2.10:6443"},
		{name: "scheduler.conf", dir: "kc", cn: "system:kube-scheduler", server: "https://192.0.2.10:6443"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := opts.Cluster.CertificatesDir
			if tc.dir == "kc" {
				dir = opts.KubeconfigDir
			}
			data, err := os.ReadFile(pki.CSRPath(dir, tc.name))
			if err != nil {
				t.Fatal(err)
			}
			csr, err := pki.ParseCSRPEM(data)
			if err != nil {
				t.Fatal(err)
			}
			if csr.Subject.CommonName != tc.cn || !slices.Equal(csr.Subject.Organization, tc.orgs) {
				t.Errorf("subject %v, want CN=%s O=%v", csr.Subject, tc.cn, tc.orgs)
			}
			if !slices.Equal(csr.DNSNames, tc.dns) || !slices.Equal(ipStrings(csr), tc.ips) {
				t.Errorf("SANs %v %v, want %v %v", csr.DNSNames, ipStrings(csr), tc.dns, tc.ips)
			}
			checkMode(t, pki.CSRPath(dir, tc.name))
			var keyPub any
			if tc.dir == "kc" {
				keyPub = checkPartialKubeconfig(t, filepath.Join(dir, tc.name), tc.server, tc.cn)
			} else {
				key, err := pki.ReadKey(dir, tc.name)
				if err != nil {
					t.Fatal(err)
				}
				checkMode(t, pki.KeyPath(dir, tc.name))
				keyPub = key.Public()
			}
			if alg, _ := pki.KeyAlgorithm(csr.PublicKey); alg != kubeadm.EncryptionAlgorithmECDSAP256 || !pki.SamePublicKey(csr.PublicKey, keyPub) {
				t.Errorf("CSR key %s does not match the written key", alg)
			}
		})
	}
}

// checkPartialKubeconfig checks a kubeconfig with a server and a client key
// only, and returns the key's public half.
func checkPartialKubeconfig(t *testing.T, path, server, user string) any {
	t.Helper()
	checkMode(t, path)
	cfg, err := kc.LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	name, c, err := kc.CurrentCluster(cfg)
	if err != nil || name != "prod" || c.Server != server || len(c.CertificateAuthorityData) != 0 {
		t.Errorf("cluster %q %+v, %v", name, c, err)
	}
	u, auth, err := kc.CurrentAuthInfo(cfg)
	if err != nil || u != user || len(auth.ClientCertificateData) != 0 {
		t.Fatalf("user %q %+v, %v", u, auth, err)
	}
	key, err := pki.ParsePrivateKeyPEM(auth.ClientKeyData)
	if err != nil {
		t.Fatal(err)
	}
	return key.Public()
}

func TestGenerateRefusesToOverwrite(t *testing.T) {
	tests := []struct {
		name, file string
		inKC       bool
	}{
		{"certificate key", "etcd/peer.key", false},
		{"certificate CSR", "apiserver.csr", false},
		{"kubeconfig", "scheduler.conf", true},
		{"kubeconfig CSR", "admin.conf.csr", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := testOptions(t)
			dir := opts.Cluster.CertificatesDir
			if tc.inKC {
				dir = opts.KubeconfigDir
			}
			path := filepath.Join(dir, tc.file)
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte("keep"), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Generate(opts)
			if err == nil || !strings.Contains(err.Error(), path+" already exists") {
				t.Fatalf("error %v, want one naming %s", err, path)
			}
			if pki.Exists(pki.KeyPath(opts.Cluster.CertificatesDir, "apiserver-kubelet-client")) || pki.Exists(filepath.Join(opts.KubeconfigDir, "kubelet.conf")) {
				t.Error("files were written although one existed")
			}
		})
	}
}

func TestGenerateBadInput(t *testing.T) {
	opts := testOptions(t)
	opts.LocalAPIEndpoint.AdvertiseAddress = "not-an-ip"
	if _, err := Generate(opts); err == nil || !strings.Contains(err.Error(), "not-an-ip") {
		t.Errorf("bad advertise address: %v", err)
	}
	if _, err := Generate(Options{}); err == nil {
		t.Error("empty options accepted")
	}
}

func ipStrings(csr *x509.CertificateRequest) []string {
	var out []string
	for _, ip := range csr.IPAddresses {
		out = append(out, ip.String())
	}
	return out
}

func checkMode(t *testing.T, path string) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("%s: mode %v, want 0600", path, st.Mode().Perm())
	}
}
