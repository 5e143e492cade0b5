package certs

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/pki"
)

func TestServiceAccountKey(t *testing.T) {
	tests := []struct {
		name   string
		spoil  func(t *testing.T, dir string)
		action Action
		err    string
	}{
		{"reused", func(*testing.T, string) {}, Reused, ""},
		{"public key derived when missing", func(t *testing.T, dir string) { remove(t, dir, "sa.pub") }, Reused, ""},
		{"public key of another key", func(t *testing.T, dir string) {
			key, err := pki.NewPrivateKey(kubeadm.EncryptionAlgorithmECDSAP256)
			if err != nil {
				t.Fatal(err)
			}
			if err := pki.WritePublicKey(dir, "sa", key.Public()); err != nil {
				t.Fatal(err)
			}
		}, "", "sa.pub does not match"},
		{"public key without private key", func(t *testing.T, dir string) { remove(t, dir, "sa.key") }, "", "sa.pub exists without"},
		{"unreadable private key", func(t *testing.T, dir string) {
			if err := os.WriteFile(filepath.Join(dir, "sa.key"), []byte("junk"), 0o600); err != nil {
				t.Fatal(err)
			}
		}, "", "sa.key"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := newInputs(t, kubeadm.EncryptionAlgorithmECDSAP256)
			dir := in.Cluster.CertificatesDir
			first := runNamed(t, in, "sa")[0]
			key, err := pki.ReadKey(dir, "sa")
			if err != nil {
				t.Fatal(err)
			}
			tc.spoil(t, dir)
			before := snapshot(t, dir)
			r, err := subPhase(t, "sa").Run(in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), dir) {
					t.Errorf("got %v, want an error naming the file and saying %q", err, tc.err)
				}
				if !maps.Equal(before, snapshot(t, dir)) {
					t.Error("files changed")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.Action != tc.action || !slices.Equal(r.Files, first.Files) {
				t.Errorf("got %s %v", r.Action, r.Files)
			}
			pub, err := pki.ReadPublicKey(dir, "sa")
			if err != nil || !pki.SamePublicKey(pub, key.Public()) {
				t.Errorf("sa.pub: %v", err)
			}
			if fi, err := os.Stat(filepath.Join(dir, "sa.pub")); err != nil || fi.Mode().Perm() != 0o600 {
				t.Errorf("sa.pub mode: %v %v", fi, err)
			}
		})
	}
}
