package kubeconfig

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	kc "github.com/kubeadm-cleanroom/kubeadm/app/kubeconfig"
	"github.com/kubeadm-cleanroom/kubeadm/app/kubeconfig/kubeconfigtest"
)

var update = flag.Bool("update", false, "rewrite golden files")

const (
	localURL = "https://192.0.2.10:6443"
	cpeURL   = "https://cp.example.com:6443"
)

// testInput returns an init input writing to a fresh directory.
func testInput(t *testing.T) Input {
	t.Helper()
	ca, caKey := kubeconfigtest.LoadCA(t, "testdata")
	return Input{
		Cluster: &kubeadm.ClusterConfiguration{
			ClusterName:               "kubernetes",
			ControlPlaneEndpoint:      "cp.example.com",
			EncryptionAlgorithm:       kubeadm.EncryptionAlgorithmECDSAP256,
			CertificateValidityPeriod: &metav1.Duration{Duration: 90 * 24 * time.Hour},
		},
		NodeName:         "cp-1",
		LocalAPIEndpoint: kubeadm.APIEndpoint{AdvertiseAddress: "192.0.2.10", BindPort: 6443},
		CACert:           ca,
		CAKey:            caKey,
		OutDir:           t.TempDir(),
		Now:              func() time.Time { return kubeconfigtest.FixedNow },
	}
}

type wantFile struct {
	phase, file, server, cn string
	orgs                    []string
}

func wantFiles(cpe string) []wantFile {
	return []wantFile{
		{"admin", "admin.conf", cpe, "kubernetes-admin", []string{"kubeadm:cluster-admins"}},
		{"super-admin", "super-admin.conf", cpe, "kubernetes-super-admin", []string{"system:masters"}},
		{"kubelet", "kubelet.conf", localURL, "system:node:cp-1", []string{"system:nodes"}},
		{"controller-manager", "controller-manager.conf", localURL, "system:kube-controller-manager", nil},
		{"scheduler", "scheduler.conf", localURL, "system:kube-scheduler", nil},
	}
}

func TestRunCreatesEveryFile(t *testing.T) {
	tests := []struct {
		name    string
		cpe     string
		alg     kubeadm.EncryptionAlgorithmType
		wantCPE string
		keyOK   func(any) bool
	}{
		{name: "with control plane endpoint", cpe: "cp.example.com", alg: "ECDSA-P256", wantCPE: cpeURL,
			keyOK: func(k any) bool { _, ok := k.(*ecdsa.PublicKey); return ok }},
		{name: "without control plane endpoint", cpe: "", alg: "RSA-2048", wantCPE: localURL,
			keyOK: func(k any) bool { r, ok := k.(*rsa.PublicKey); return ok && r.N.BitLen() == 2048 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := testInput(t)
			in.Cluster.ControlPlaneEndpoint = tt.cpe
			in.Cluster.EncryptionAlgorithm = tt.alg
			results, err := Run(in)
			if err != nil {
				t.Fatal(err)
			}
			want := wantFiles(tt.wantCPE)
			if len(results) != len(want) {
				t.Fatalf("%d results, want %d", len(results), len(want))
			}
			for i, w := range want {
				r := results[i]
				path := filepath.Join(in.OutDir, w.file)
				if r.Phase != w.phase || r.Path != path || r.Action != Created || r.Server != w.server {
					t.Errorf("result %d = %+v, want phase %s path %s server %s created", i, r, w.phase, path, w.server)
				}
				checkFile(t, path, w, in.CACert, tt.keyOK)
			}
		})
	}
}

// checkFile asserts mode, names, server, identity and validity of a file.
func checkFile(t *testing.T, path string, w wantFile, ca *x509.Certificate, keyOK func(any) bool) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("%s: mode %v, want 0600", w.file, st.Mode().Perm())
	}
	cfg, err := kc.LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := w.cn + "@kubernetes"; cfg.CurrentContext != want {
		t.Errorf("%s: context %q, want %q", w.file, cfg.CurrentContext, want)
	}
	if cfg.Contexts[cfg.CurrentContext].AuthInfo != w.cn {
		t.Errorf("%s: user %q, want %q", w.file, cfg.Contexts[cfg.CurrentContext].AuthInfo, w.cn)
	}
	if s, _ := kc.ServerURL(cfg); s != w.server {
		t.Errorf("%s: server %q, want %q", w.file, s, w.server)
	}
	cert, err := kc.ClientCertificate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if cert.Subject.CommonName != w.cn || !slices.Equal(cert.Subject.Organization, w.orgs) {
		t.Errorf("%s: identity CN=%s O=%v, want CN=%s O=%v", w.file, cert.Subject.CommonName, cert.Subject.Organization, w.cn, w.orgs)
	}
	if err := cert.CheckSignatureFrom(ca); err != nil {
		t.Errorf("%s: not signed by the CA: %v", w.file, err)
	}
	if want := kubeconfigtest.FixedNow.Add(90 * 24 * time.Hour); !cert.NotAfter.Equal(want) {
		t.Errorf("%s: notAfter %v, want %v", w.file, cert.NotAfter, want)
	}
	if keyOK != nil && !keyOK(cert.PublicKey) {
		t.Errorf("%s: key type %T", w.file, cert.PublicKey)
	}
}

func TestGoldenFiles(t *testing.T) {
	in := testInput(t)
	if _, err := Run(in); err != nil {
		t.Fatal(err)
	}
	for _, p := range SubPhases() {
		t.Run(p.Name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(in.OutDir, p.File))
			if err != nil {
				t.Fatal(err)
			}
			got := kubeconfigtest.Redact(data, in.CACert)
			kubeconfigtest.Golden(t, filepath.Join("testdata", p.File+".golden"), got, *update)
		})
	}
}

func TestSubPhasesOrder(t *testing.T) {
	var names []string
	for _, p := range SubPhases() {
		names = append(names, p.Name)
	}
	want := []string{"admin", "super-admin", "kubelet", "controller-manager", "scheduler"}
	if !slices.Equal(names, want) {
		t.Errorf("sub-phases %v, want %v", names, want)
	}
}

func TestRunPhase(t *testing.T) {
	in := testInput(t)
	r, err := RunPhase(in, "kubelet")
	if err != nil {
		t.Fatal(err)
	}
	if r.Action != Created || r.Server != localURL {
		t.Errorf("result %+v", r)
	}
	entries, _ := os.ReadDir(in.OutDir)
	if len(entries) != 1 || entries[0].Name() != "kubelet.conf" {
		t.Errorf("files %v, want only kubelet.conf", entries)
	}
	if _, err := RunPhase(in, "etcd"); err == nil {
		t.Error("unknown sub-phase accepted")
	}
	in.NodeName = ""
	in.OutDir = t.TempDir()
	if _, err := RunPhase(in, "kubelet"); err == nil {
		t.Error("kubelet.conf without a node name accepted")
	}
	if _, err := RunPhase(in, "admin"); err != nil {
		t.Errorf("admin.conf needs no node name: %v", err)
	}
}

func TestJoinControlPlaneFiles(t *testing.T) {
	in := testInput(t)
	results, err := RunFiles(in, JoinControlPlaneFiles()...)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range results {
		got = append(got, filepath.Base(r.Path))
	}
	if want := []string{"admin.conf", "controller-manager.conf", "scheduler.conf"}; !slices.Equal(got, want) {
		t.Errorf("files %v, want %v", got, want)
	}
	if _, err := RunFiles(in, "bogus.conf"); err == nil {
		t.Error("unknown file accepted")
	}
}

func TestInvalidEndpoint(t *testing.T) {
	in := testInput(t)
	in.LocalAPIEndpoint.AdvertiseAddress = "not-an-ip"
	if _, err := Run(in); err == nil {
		t.Fatal("invalid advertise address accepted")
	}
	in = testInput(t)
	in.Cluster = nil
	if _, err := Run(in); err == nil {
		t.Fatal("nil cluster configuration accepted")
	}
}
