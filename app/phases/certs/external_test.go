package certs

import (
	"maps"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
)

// TestExternalCA removes a CA key after a full run: the CA becomes
// external, present leaves are reused, and a missing leaf is an error
// naming it instead of a new certificate.
func TestExternalCA(t *testing.T) {
	tests := []struct {
		ca      string
		caKey   string
		leaves  []string // sub-phases signed by the CA
		missing string   // file base removed in the second part
	}{
		{"ca", "ca.key", []string{"apiserver", "apiserver-kubelet-client"}, "apiserver"},
		{"front-proxy-ca", "front-proxy-ca.key", []string{"front-proxy-client"}, "front-proxy-client"},
		{"etcd-ca", "etcd/ca.key", []string{"etcd-server", "etcd-peer", "etcd-healthcheck-client", "apiserver-etcd-client"}, "etcd/peer"},
	}
	for _, tc := range tests {
		t.Run(tc.ca, func(t *testing.T) {
			in := newInputs(t, kubeadm.EncryptionAlgorithmECDSAP256)
			dir := in.Cluster.CertificatesDir
			mustRunAll(t, in)
			remove(t, dir, tc.caKey)

			ext, err := UsingExternalCA(in, tc.ca)
			if !ext || err != nil {
				t.Fatalf("UsingExternalCA = %v, %v; want true, nil", ext, err)
			}
			r := runNamed(t, in, tc.ca)[0]
			if r.Action != Reused || !r.External || len(r.Files) != 1 {
				t.Errorf("CA result %+v", r)
			}
			for _, leaf := range runNamed(t, in, tc.leaves...) {
				if leaf.Action != Reused {
					t.Errorf("%s: %s", leaf.Name, leaf.Action)
				}
			}
			if _, err := Run(in); err != nil {
				t.Errorf("full run with external %s: %v", tc.ca, err)
			}

			remove(t, dir, tc.missing+".crt", tc.missing+".key")
			before := snapshot(t, dir)
			ext, err = UsingExternalCA(in, tc.ca)
			if !ext || err == nil || !strings.Contains(err.Error(), filepath.Join(dir, tc.missing+".crt")) {
				t.Errorf("UsingExternalCA = %v, %v; want true and an error naming %s.crt", ext, err, tc.missing)
			}
			_, err = Run(in)
			if err == nil {
				t.Fatal("full run succeeded with a leaf missing")
			}
			msg := err.Error()
			if !strings.Contains(msg, filepath.Join(dir, tc.missing+".crt")) || !strings.Contains(msg, "external CA") || strings.Contains(msg, "\n") {
				t.Errorf("error %q", msg)
			}
			if !maps.Equal(before, snapshot(t, dir)) {
				t.Error("files changed")
			}
		})
	}
}

func TestUsingExternalCANotExternal(t *testing.T) {
	in := newInputs(t, kubeadm.EncryptionAlgorithmECDSAP256)
	if ext, err := UsingExternalCA(in, "ca"); ext || err != nil {
		t.Errorf("no CA: %v, %v", ext, err)
	}
	runNamed(t, in, "ca")
	if ext, err := UsingExternalCA(in, "ca"); ext || err != nil {
		t.Errorf("CA with key: %v, %v", ext, err)
	}
	if _, err := UsingExternalCA(in, "apiserver"); err == nil {
		t.Error("a leaf accepted as a CA")
	}
}

func TestExternalCAWithoutSAKey(t *testing.T) {
	in := newInputs(t, kubeadm.EncryptionAlgorithmECDSAP256)
	dir := in.Cluster.CertificatesDir
	mustRunAll(t, in)
	remove(t, dir, "ca.key", "sa.key", "sa.pub")
	_, err := subPhase(t, "sa").Run(in)
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "sa.key")) || !strings.Contains(err.Error(), "external CA") {
		t.Errorf("got %v", err)
	}
}
