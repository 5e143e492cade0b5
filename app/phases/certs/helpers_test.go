package certs

import (
	"crypto/x509"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/pki"
)

// testNow is the clock of every test, truncated as certificates store it.
var testNow = time.Now().UTC().Truncate(time.Second)

// newInputs returns inputs for node "node-1" at 192.168.0.10 writing to a
// fresh temporary directory.
func newInputs(t *testing.T, alg kubeadm.EncryptionAlgorithmType) Inputs {
	t.Helper()
	return Inputs{
		Cluster: &kubeadm.ClusterConfiguration{
			CertificatesDir:      t.TempDir(),
			EncryptionAlgorithm:  alg,
			ControlPlaneEndpoint: "cp.example.com:6443",
			Networking:           kubeadm.Networking{ServiceSubnet: "10.96.0.0/12", DNSDomain: "cluster.local"},
			APIServer:            kubeadm.APIServer{CertSANs: []string{"10.10.10.10", "api.example.com", "not_valid!"}},
			Etcd: kubeadm.Etcd{Local: &kubeadm.LocalEtcd{
				ServerCertSANs: []string{"etcd.example.com", "10.0.0.50"},
				PeerCertSANs:   []string{"peer.example.com"},
			}},
		},
		NodeName:         "node-1",
		AdvertiseAddress: "192.168.0.10",
		Now:              func() time.Time { return testNow },
	}
}

// runNamed runs the named sub-phases in order, failing the test on error.
func runNamed(t *testing.T, in Inputs, names ...string) []Result {
	t.Helper()
	var out []Result
	for _, name := range names {
		r, err := subPhase(t, name).Run(in)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out = append(out, r)
	}
	return out
}

func subPhase(t *testing.T, name string) SubPhase {
	t.Helper()
	for _, p := range SubPhases() {
		if p.Name == name {
			return p
		}
	}
	t.Fatalf("no sub-phase %q", name)
	return SubPhase{}
}

func mustRunAll(t *testing.T, in Inputs) []Result {
	t.Helper()
	res, err := Run(in)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func readCert(t *testing.T, dir, name string) *x509.Certificate {
	t.Helper()
	c, err := pki.ReadCert(dir, name)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// snapshot returns the content of every file under dir.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		out[p] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func remove(t *testing.T, dir string, rels ...string) {
	t.Helper()
	for _, r := range rels {
		if err := os.Remove(filepath.Join(dir, r)); err != nil {
			t.Fatal(err)
		}
	}
}
