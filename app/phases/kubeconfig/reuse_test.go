package kubeconfig

import (
	"bytes"
	"crypto/x509"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	kc "github.com/kubeadm-cleanroom/kubeadm/app/kubeconfig"
	"github.com/kubeadm-cleanroom/kubeadm/app/kubeconfig/kubeconfigtest"
)

func TestRerunReusesFiles(t *testing.T) {
	in := testInput(t)
	if _, err := Run(in); err != nil {
		t.Fatal(err)
	}
	before := map[string][]byte{}
	for _, p := range SubPhases() {
		b, err := os.ReadFile(filepath.Join(in.OutDir, p.File))
		if err != nil {
			t.Fatal(err)
		}
		before[p.File] = b
	}
	in.Now = func() time.Time { return kubeconfigtest.FixedNow.Add(time.Hour) }
	results, err := Run(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		if r.Action != Reused || len(r.Warnings) != 0 {
			t.Errorf("%s: action %s warnings %v, want reused without warnings", r.Phase, r.Action, r.Warnings)
		}
		after, _ := os.ReadFile(r.Path)
		if !bytes.Equal(before[filepath.Base(r.Path)], after) {
			t.Errorf("%s was rewritten", r.Path)
		}
	}
}

// writeStale puts a file for name made by another input (other CA,
// server or node) in place before the phase runs.
func writeStale(t *testing.T, in Input, name string, mutate func(*Input)) string {
	t.Helper()
	other := in
	cluster := *in.Cluster
	other.Cluster = &cluster
	mutate(&other)
	if _, err := RunPhase(other, name); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(in.OutDir, name+".conf")
}

func TestExistingFileMismatch(t *testing.T) {
	otherCA, otherKey := kubeconfigtest.NewCA(t, "other-ca")
	tests := []struct {
		name      string
		phase     string
		mutate    func(*Input)
		strict    bool
		wantErr   error
		wantWarn  error
		errSubstr string
	}{
		{name: "other CA is an error", phase: "admin",
			mutate:  func(o *Input) { o.CACert, o.CAKey = otherCA, otherKey },
			wantErr: kc.ErrUntrustedCA, errSubstr: `file has "CN=other-ca"`},
		{name: "other server is reused with a warning", phase: "scheduler",
			mutate:   func(o *Input) { o.LocalAPIEndpoint.AdvertiseAddress = "192.0.2.99" },
			wantWarn: kc.ErrServerMismatch},
		{name: "other server is an error when strict", phase: "admin", strict: true,
			mutate:  func(o *Input) { o.Cluster.ControlPlaneEndpoint = "old.example.com" },
			wantErr: kc.ErrServerMismatch, errSubstr: `"https://old.example.com:6443", want "https://cp.example.com:6443"`},
		{name: "other node identity is reused with a warning", phase: "kubelet",
			mutate:   func(o *Input) { o.NodeName = "cp-2" },
			wantWarn: kc.ErrClientCert},
		{name: "expired client cert is an error when strict", phase: "controller-manager", strict: true,
			mutate: func(o *Input) {
				o.Now = func() time.Time { return kubeconfigtest.FixedNow.Add(-365 * 24 * time.Hour) }
			},
			wantErr: kc.ErrClientCert, errSubstr: "expired"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := testInput(t)
			in.Strict = tt.strict
			path := writeStale(t, in, tt.phase, tt.mutate)
			before, _ := os.ReadFile(path)
			r, err := RunPhase(in, tt.phase)
			after, _ := os.ReadFile(path)
			if !bytes.Equal(before, after) {
				t.Error("existing file was overwritten")
			}
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("error %v, want %v", err, tt.wantErr)
				}
				if msg := err.Error(); !strings.Contains(msg, path) || !strings.Contains(msg, tt.errSubstr) {
					t.Errorf("error %q should name %s and contain %q", msg, path, tt.errSubstr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.Action != Reused || len(r.Warnings) != 1 || !errors.Is(r.Warnings[0], tt.wantWarn) {
				t.Errorf("result %+v, want reused with one %v", r, tt.wantWarn)
			}
		})
	}
}

func TestExternalCA(t *testing.T) {
	in := testInput(t)
	ext := in
	ext.CAKey = nil

	// Nothing on disk: the first file is reported missing, on one line.
	_, err := Run(ext)
	if err == nil {
		t.Fatal("external CA mode without files accepted")
	}
	adminPath := filepath.Join(in.OutDir, "admin.conf")
	if msg := err.Error(); !strings.Contains(msg, adminPath) || strings.Contains(msg, "\n") || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("error %q should be one line naming %s", msg, adminPath)
	}
	if _, err := ValidateExternalCA(ext); err == nil || !strings.Contains(err.Error(), "controller-manager.conf") {
		t.Errorf("ValidateExternalCA error %v should name controller-manager.conf, checked first", err)
	}

	// Files made while the key was present are accepted and left alone.
	if _, err := Run(in); err != nil {
		t.Fatal(err)
	}
	results, err := Run(ext)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		if r.Action != External || len(r.Warnings) != 0 {
			t.Errorf("%s: %+v, want external without warnings", r.Phase, r)
		}
	}
	if results, err := ValidateExternalCA(ext); err != nil || len(results) != 5 {
		t.Errorf("ValidateExternalCA: %d results, %v", len(results), err)
	}

	// kubelet.conf pointing at the control plane endpoint is also fine.
	kubelet := filepath.Join(in.OutDir, "kubelet.conf")
	cfg, err := kc.LoadFile(kubelet)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cfg.Clusters {
		c.Server = cpeURL
	}
	if err := kc.WriteFile(kubelet, cfg); err != nil {
		t.Fatal(err)
	}
	if r, err := RunPhase(ext, "kubelet"); err != nil || len(r.Warnings) != 0 {
		t.Errorf("kubelet.conf at the control plane endpoint: %+v, %v", r, err)
	}

	// A file trusting another CA is refused.
	otherCA, _ := kubeconfigtest.NewCA(t, "other-ca")
	ext.CACert = otherCA
	if _, err := RunPhase(ext, "scheduler"); !errors.Is(err, kc.ErrUntrustedCA) {
		t.Errorf("error %v, want ErrUntrustedCA", err)
	}
	// The intermediates of ca.crt are trusted too.
	ext.CAIntermediates = []*x509.Certificate{in.CACert}
	if _, err := RunPhase(ext, "scheduler"); err != nil {
		t.Errorf("CA among the intermediates refused: %v", err)
	}
	ext.CACert = nil
	if _, err := RunPhase(ext, "scheduler"); err == nil {
		t.Error("external CA mode without CA certificate accepted")
	}
}
