package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/certs"
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/certs/renewal"
	kcphase "github.com/kubeadm-cleanroom/kubeadm/app/phases/kubeconfig"
	"github.com/kubeadm-cleanroom/kubeadm/app/pki"
)

// certsNode makes a control-plane node's PKI and kubeconfig files (P-256
// keys) in a temporary directory and returns it; the certificates are in
// <dir>/pki.
func certsNode(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	cfg := &kubeadm.ClusterConfiguration{CertificatesDir: filepath.Join(dir, "pki"), EncryptionAlgorithm: kubeadm.EncryptionAlgorithmECDSAP256}
	kubeadm.SetClusterDefaults(cfg)
	if _, err := certs.Run(certs.Inputs{Cluster: cfg, NodeName: "cp-1", AdvertiseAddress: "192.0.2.10"}); err != nil {
		t.Fatal(err)
	}
	ca, caKey, err := pki.ReadCertAndKey(cfg.CertificatesDir, "ca")
	if err != nil {
		t.Fatal(err)
	}
	_, err = kcphase.Run(kcphase.Input{Cluster: cfg, NodeName: "cp-1", CACert: ca, CAKey: caKey, OutDir: dir,
		LocalAPIEndpoint: kubeadm.APIEndpoint{AdvertiseAddress: "192.0.2.10", BindPort: 6443}})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// certsArgs are the flags pointing renew and check-expiration at dir,
// without a cluster to read the configuration from.
func certsArgs(dir string, args ...string) []string {
	return append(args, "--cert-dir", filepath.Join(dir, "pki"), "--kubeconfig-dir", dir, "--kubeconfig", filepath.Join(dir, "none.conf"))
}

func TestCertsBadInput(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"certs", "renew"}, []string{"name the certificate to renew", "admin.conf, apiserver", "or all"}},
		{[]string{"certs", "renew", "apiservr"}, []string{`unknown certificate "apiservr"`, "super-admin.conf or all"}},
		{[]string{"certs", "renew", "apiserver", "extra"}, []string{`unknown command "extra"`}},
		{[]string{"certs", "renew", "all", "--cert-dir", "pki", "--kubeconfig", filepath.Join(dir, "none.conf")}, []string{"--cert-dir", "absolute"}},
		{[]string{"certs", "renew", "all", "--config", filepath.Join(dir, "nope.yaml")}, []string{"nope.yaml"}},
		{[]string{"certs", "check-expiration", "-o", "xml"}, []string{"--output", "text, json, yaml", "jsonpath"}},
		{[]string{"certs", "check-expiration", "extra"}, []string{`unknown command "extra"`}},
		{[]string{"certificates", "generate-csr", "--config", filepath.Join(dir, "nope.yaml")}, []string{"nope.yaml"}},
		{[]string{"certs", "nonsense"}, []string{`unknown command "nonsense"`}},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, out, errOut := runArgs(tc.args...)
			if code == 0 {
				t.Fatalf("exit 0, stdout %q", out)
			}
			for _, w := range tc.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr %q lacks %q", errOut, w)
				}
			}
			if strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
				t.Errorf("error is several lines:\n%s", errOut)
			}
		})
	}
}

func TestCertsRenewCommand(t *testing.T) {
	dir := certsNode(t)
	os.Remove(filepath.Join(dir, "scheduler.conf"))
	code, out, errOut := runArgs(certsArgs(dir, "certs", "renew", "all")...)
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	want := `certificate embedded in the kubeconfig file for the admin to use and for kubeadm itself renewed
certificate for serving the Kubernetes API renewed
certificate the apiserver uses to access etcd renewed
certificate for the API server to connect to kubelet renewed
certificate embedded in the kubeconfig file for the controller manager to use renewed
certificate for liveness probes to healthcheck etcd renewed
certificate for etcd nodes to communicate with each other renewed
certificate for serving etcd renewed
certificate for the front proxy client renewed
MISSING! certificate embedded in the kubeconfig file for the scheduler manager to use
certificate embedded in the kubeconfig file for the super-admin renewed

Done renewing certificates. You must restart the kube-apiserver, kube-controller-manager, kube-scheduler and etcd, so that they can use the new certificates.
`
	if out != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", out, want)
	}
	code, out, _ = runArgs(certsArgs(dir, "certs", "renew", "etcd-peer")...)
	if code != 0 || out != "certificate for etcd nodes to communicate with each other renewed\n" {
		t.Errorf("renew etcd-peer: exit %d, stdout %q", code, out)
	}
}

func TestCertsRenewExternalCA(t *testing.T) {
	dir := certsNode(t)
	os.Remove(filepath.Join(dir, "pki", "front-proxy-ca.key"))
	before, _ := pki.ReadCert(filepath.Join(dir, "pki"), "apiserver")
	code, out, errOut := runArgs(certsArgs(dir, "certs", "renew", "all")...)
	if code == 0 || strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	for _, w := range []string{"front-proxy-client", filepath.Join(dir, "pki", "front-proxy-ca.key") + " is missing", "external CA"} {
		if !strings.Contains(errOut, w) {
			t.Errorf("stderr %q lacks %q", errOut, w)
		}
	}
	after, _ := pki.ReadCert(filepath.Join(dir, "pki"), "apiserver")
	if !strings.Contains(out, "certificate for serving the Kubernetes API renewed") || after.Equal(before) {
		t.Errorf("the other certificates were not renewed: %s", out)
	}
}

func TestCertsRenewWithConfig(t *testing.T) {
	dir := certsNode(t)
	cfg := filepath.Join(dir, "kubeadm.yaml")
	body := "apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\ncertificateValidityPeriod: 48h\ncertificatesDir: " + filepath.Join(dir, "pki") + "\n"
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	code, _, errOut := runArgs("certs", "renew", "apiserver", "--config", cfg, "--kubeconfig-dir", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	cert, _ := pki.ReadCert(filepath.Join(dir, "pki"), "apiserver")
	if d := cert.NotAfter.Sub(start); d < 47*time.Hour || d > 49*time.Hour {
		t.Errorf("validity %v, want 48h from the config", d)
	}
}

func TestCertsCheckExpirationCommand(t *testing.T) {
	dir := certsNode(t)
	os.Remove(filepath.Join(dir, "pki", "etcd", "peer.crt"))
	code, out, errOut := runArgs(certsArgs(dir, "certs", "check-expiration")...)
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 17 || !strings.HasPrefix(lines[0], "CERTIFICATE  ") || !strings.HasPrefix(lines[13], "CERTIFICATE AUTHORITY") ||
		!strings.HasPrefix(lines[7], "!MISSING! etcd-peer") || !strings.Contains(lines[2], "364d") {
		t.Errorf("unexpected table:\n%s", out)
	}
	for _, format := range []string{"json", "yaml"} {
		code, out, errOut := runArgs(certsArgs(dir, "certs", "check-expiration", "-o", format)...)
		if code != 0 || errOut != "" {
			t.Fatalf("%s: exit %d: %s", format, code, errOut)
		}
		var info renewal.ExpirationInfo
		var err error
		if format == "json" {
			err = json.Unmarshal([]byte(out), &info)
		} else {
			err = yaml.Unmarshal([]byte(out), &info)
		}
		if err != nil {
			t.Fatalf("%s does not parse: %v\n%s", format, err, out)
		}
		if info.Kind != "CertificateExpirationInfo" || len(info.Certificates) != 11 || !info.Certificates[6].Missing || len(info.CertificateAuthorities) != 3 {
			t.Errorf("%s: %+v", format, info)
		}
	}
}

func TestCertsGenerateCSRCommand(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "kubeadm.yaml")
	body := `apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
localAPIEndpoint:
  advertiseAddress: 10.0.0.9
nodeRegistration:
  name: cp-9
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
encryptionAlgorithm: ECDSA-P256
`
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"certs", "generate-csr", "--config", cfg, "--cert-dir", filepath.Join(dir, "pki"), "--kubeconfig-dir", dir}
	code, out, errOut := runArgs(args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.HasPrefix(out, "generating keys and CSRs in "+filepath.Join(dir, "pki")+"\n  apiserver\n") ||
		!strings.Contains(out, "generating keys and CSRs in "+dir+"\n  admin.conf\n") {
		t.Errorf("stdout:\n%s", out)
	}
	data, err := os.ReadFile(filepath.Join(dir, "pki", "etcd", "server.csr"))
	if err != nil {
		t.Fatal(err)
	}
	csr, err := pki.ParseCSRPEM(data)
	if err != nil || csr.Subject.CommonName != "cp-9" || !strings.Contains(strings.Join(csr.DNSNames, ","), "localhost") {
		t.Errorf("etcd/server.csr: %v %v", csr.Subject, err)
	}
	code, _, errOut = runArgs(args...)
	if code == 0 || !strings.Contains(errOut, "already exists") || strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
		t.Errorf("second run: exit %d, stderr %q", code, errOut)
	}
}
