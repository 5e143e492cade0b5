package certs

import (
	"crypto/x509"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/pki"
)

func TestRerunReusesEverything(t *testing.T) {
	in := newInputs(t, kubeadm.EncryptionAlgorithmECDSAP256)
	dir := in.Cluster.CertificatesDir
	mustRunAll(t, in)
	before := snapshot(t, dir)
	in.Now = func() time.Time { return testNow.Add(24 * time.Hour) }
	for _, r := range mustRunAll(t, in) {
		if r.Action != Reused {
			t.Errorf("%s: %s, want reused", r.Name, r.Action)
		}
		if r.External {
			t.Errorf("%s: reported external", r.Name)
		}
		if r.Name != "sa" && r.Cert == nil {
			t.Errorf("%s: no certificate in the result", r.Name)
		}
	}
	if !maps.Equal(before, snapshot(t, dir)) {
		t.Error("files changed on re-run")
	}
}

func TestReuseAcceptsExtraSANs(t *testing.T) {
	in := newInputs(t, kubeadm.EncryptionAlgorithmECDSAP256)
	mustRunAll(t, in)
	in.Cluster.APIServer.CertSANs = in.Cluster.APIServer.CertSANs[:1]
	r, err := subPhase(t, "apiserver").Run(in)
	if err != nil || r.Action != Reused {
		t.Fatalf("got %v, %v", r.Action, err)
	}
}

// TestExistingMismatch changes the inputs or the files after a full run;
// the affected sub-phase must fail naming the file and leave it alone.
func TestExistingMismatch(t *testing.T) {
	tests := []struct {
		name  string
		phase string
		file  string
		want  string
		spoil func(t *testing.T, in *Inputs)
	}{
		{"new apiserver SAN", "apiserver", "apiserver.crt", "lacks required SANs DNS:new.example.com, IP:10.20.30.40",
			func(t *testing.T, in *Inputs) {
				in.Cluster.APIServer.CertSANs = append(in.Cluster.APIServer.CertSANs, "new.example.com", "10.20.30.40")
			}},
		{"new advertise address", "etcd-server", "etcd/server.crt", "lacks required SANs IP:192.168.0.99",
			func(t *testing.T, in *Inputs) { in.AdvertiseAddress = "192.168.0.99" }},
		{"new peer SAN", "etcd-peer", "etcd/peer.crt", "lacks required SANs DNS:peer2.example.com",
			func(t *testing.T, in *Inputs) { in.Cluster.Etcd.Local.PeerCertSANs = []string{"peer2.example.com"} }},
		{"new node name", "apiserver", "apiserver.crt", "DNS:node-2",
			func(t *testing.T, in *Inputs) { in.NodeName = "node-2" }},
		{"signed by another CA", "front-proxy-client", "front-proxy-client.crt", `not signed by CA "front-proxy-ca"`,
			func(t *testing.T, in *Inputs) {
				replaceWithForeign(t, in.Cluster.CertificatesDir, "front-proxy-client")
			}},
		{"expired", "apiserver-kubelet-client", "apiserver-kubelet-client.crt", "expired at",
			func(t *testing.T, in *Inputs) { in.Now = func() time.Time { return testNow.Add(400 * 24 * time.Hour) } }},
		{"key does not match", "etcd-healthcheck-client", "etcd/healthcheck-client.key", "does not match",
			func(t *testing.T, in *Inputs) {
				copyFile(t, filepath.Join(in.Cluster.CertificatesDir, "etcd/peer.key"), filepath.Join(in.Cluster.CertificatesDir, "etcd/healthcheck-client.key"))
			}},
		{"key missing", "apiserver", "apiserver.key", "has no key",
			func(t *testing.T, in *Inputs) { remove(t, in.Cluster.CertificatesDir, "apiserver.key") }},
		{"cert missing", "apiserver-etcd-client", "apiserver-etcd-client.crt", "has no certificate",
			func(t *testing.T, in *Inputs) { remove(t, in.Cluster.CertificatesDir, "apiserver-etcd-client.crt") }},
		{"CA key does not match", "apiserver", "ca.key", "does not match",
			func(t *testing.T, in *Inputs) {
				copyFile(t, filepath.Join(in.Cluster.CertificatesDir, "front-proxy-ca.key"), filepath.Join(in.Cluster.CertificatesDir, "ca.key"))
			}},
		{"CA not a CA", "etcd-ca", "etcd/ca.crt", "is not a CA certificate",
			func(t *testing.T, in *Inputs) {
				dir := in.Cluster.CertificatesDir
				copyFile(t, filepath.Join(dir, "etcd/peer.crt"), filepath.Join(dir, "etcd/ca.crt"))
				copyFile(t, filepath.Join(dir, "etcd/peer.key"), filepath.Join(dir, "etcd/ca.key"))
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := newInputs(t, kubeadm.EncryptionAlgorithmECDSAP256)
			dir := in.Cluster.CertificatesDir
			mustRunAll(t, in)
			tc.spoil(t, &in)
			before := snapshot(t, dir)
			_, err := subPhase(t, tc.phase).Run(in)
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			if !strings.Contains(msg, filepath.Join(dir, tc.file)) || !strings.Contains(msg, tc.want) || strings.Contains(msg, "\n") {
				t.Errorf("error %q, want one line naming %s and saying %q", msg, tc.file, tc.want)
			}
			if testing.Verbose() {
				t.Log(msg)
			}
			if !maps.Equal(before, snapshot(t, dir)) {
				t.Error("files changed")
			}
			if _, err := Run(in); err == nil {
				t.Error("full run succeeded")
			}
		})
	}
}

func TestExpiredCAIsReusedWithWarning(t *testing.T) {
	in := newInputs(t, kubeadm.EncryptionAlgorithmECDSAP256)
	runNamed(t, in, "ca")
	in.Now = func() time.Time { return testNow.Add(11 * 365 * 24 * time.Hour) }
	r := runNamed(t, in, "ca")[0]
	if r.Action != Reused || len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "expired") {
		t.Errorf("got %s %q", r.Action, r.Warnings)
	}
}

func TestDryRunWritesOnlyToDir(t *testing.T) {
	in := newInputs(t, kubeadm.EncryptionAlgorithmECDSAP256)
	real := in.Cluster.CertificatesDir
	runNamed(t, in, "ca", "apiserver")
	before := snapshot(t, real)

	in.Dir = t.TempDir()
	results := mustRunAll(t, in)
	if !maps.Equal(before, snapshot(t, real)) {
		t.Error("dry run changed the certificates directory")
	}
	if results[0].Action != Reused || results[1].Action != Reused || results[2].Action != Generated {
		t.Errorf("actions %s %s %s", results[0].Action, results[1].Action, results[2].Action)
	}
	// The CA was copied so that the leaves could be signed in the dry-run
	// directory.
	for _, f := range []string{"ca.crt", "ca.key", "apiserver-kubelet-client.crt", "etcd/ca.crt", "etcd/server.key", "sa.key", "sa.pub"} {
		if !pki.Exists(filepath.Join(in.Dir, f)) {
			t.Errorf("%s not in the dry-run directory", f)
		}
	}
	if before[filepath.Join(real, "ca.crt")] != snapshot(t, in.Dir)[filepath.Join(in.Dir, "ca.crt")] {
		t.Error("CA copy differs")
	}
	leaf := readCert(t, in.Dir, "apiserver-kubelet-client")
	if err := pki.VerifySignedBy(leaf, nil, readCert(t, real, "ca"), testNow); err != nil {
		t.Error(err)
	}
	// A second dry run in the same directory reuses what the first wrote.
	for _, r := range mustRunAll(t, in) {
		if r.Action != Reused {
			t.Errorf("%s: %s", r.Name, r.Action)
		}
	}
}

func replaceWithForeign(t *testing.T, dir, name string) {
	t.Helper()
	ca, caKey, err := pki.NewCA(pki.CertConfig{CommonName: "front-proxy-ca", KeyAlgorithm: kubeadm.EncryptionAlgorithmECDSAP256})
	if err != nil {
		t.Fatal(err)
	}
	orig := readCert(t, dir, name)
	cert, key, err := pki.NewCertAndKey(pki.CertConfig{
		CommonName: orig.Subject.CommonName, Usages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		NotBefore: testNow.Add(-time.Hour), NotAfter: testNow.Add(time.Hour), KeyAlgorithm: kubeadm.EncryptionAlgorithmECDSAP256,
	}, ca, caKey)
	if err != nil {
		t.Fatal(err)
	}
	if err := pki.WriteCertAndKey(dir, name, cert, key); err != nil {
		t.Fatal(err)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}
