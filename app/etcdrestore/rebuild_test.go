package etcdrestore

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubeadm-cleanroom/kubeadm/app/etcd"
	"github.com/kubeadm-cleanroom/kubeadm/app/etcd/etcdtest"
	"github.com/kubeadm-cleanroom/kubeadm/app/etcdbackup"
	"github.com/kubeadm-cleanroom/kubeadm/app/nodeenv"
	"github.com/kubeadm-cleanroom/kubeadm/app/progress"
)

type rebuildHost struct{}

func (rebuildHost) Hostname() (string, error)           { return "newcp", nil }
func (rebuildHost) DefaultRouteIP(bool) (net.IP, error) { return net.ParseIP("10.0.0.9"), nil }
func (rebuildHost) DetectCRISocket() (string, error) {
	return "unix:///run/containerd/containerd.sock", nil
}

// rebuildBackup saves a backup of a real member whose ClusterConfiguration
// puts the certificates and etcd's data under root.
func rebuildBackup(t *testing.T, root string) string {
	t.Helper()
	m := etcdtest.StartSingle(t, "cp1")
	c, err := etcd.New([]string{m.ClientURL}, nil, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	certs := filepath.Join(t.TempDir(), "oldpki")
	writeCA(t, certs)
	cluster := "apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nkubernetesVersion: v1.37.1\ncontrolPlaneEndpoint: 10.0.0.100:6443\ncertificatesDir: " + filepath.Join(root, "pki") +
		"\netcd:\n  local:\n    dataDir: " + filepath.Join(root, "etcd") + "\n---\napiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncgroupDriver: cgroupfs\n---\napiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmode: iptables\n"
	saved, err := etcdbackup.Save(t.Context(), c, etcdbackup.SaveOptions{Dir: t.TempDir(), Node: "cp1", Endpoint: m.ClientURL, CertsDir: certs, LocalEtcd: true, ClusterConfiguration: []byte(cluster)})
	if err != nil {
		t.Fatal(err)
	}
	return saved.Path
}

func writeCA(t *testing.T, dir string) {
	t.Helper()
	files := map[string]string{"ca.crt": selfSignedCA(t), "ca.key": "K", "sa.key": "S", "sa.pub": "P", "front-proxy-ca.crt": "F", "front-proxy-ca.key": "FK", "etcd/ca.crt": "E", "etcd/ca.key": "EK"}
	for f, c := range files {
		write(t, filepath.Join(dir, f), c)
	}
}

// selfSignedCA is a CA certificate in PEM, for its public key hash only.
func selfSignedCA(t *testing.T) string {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "kubernetes"}, NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

func rebuildOpts(root, from string) RebuildOptions {
	return RebuildOptions{From: from, Host: rebuildHost{}, Out: &progress.Human{W: &bytes.Buffer{}},
		Deps: Deps{Machine: nodeenv.Machine{KubernetesDir: filepath.Join(root, "kubernetes")}}}
}

// TestPrepareRebuild writes the backup's certificates and the restored
// member data where the backup's ClusterConfiguration says, and an init
// configuration that joins this node's InitConfiguration, the backup's
// ClusterConfiguration and KubeletConfiguration, and the KubeProxyConfiguration
// given instead of the backup's.
func TestPrepareRebuild(t *testing.T) {
	root := t.TempDir()
	from := rebuildBackup(t, root)
	o := rebuildOpts(root, from)
	o.InitConfiguration = []byte("apiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\nnodeRegistration:\n  name: cp9\n---\napiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmode: nftables\n")
	r, err := PrepareRebuild(o)
	if err != nil {
		t.Fatalf("PrepareRebuild: %v", err)
	}
	if info, err := os.Stat(filepath.Join(root, "pki", "sa.key")); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("sa.key: %v %v", info, err)
	}
	if b, _ := os.ReadFile(filepath.Join(root, "pki", "etcd", "ca.key")); string(b) != "EK" {
		t.Errorf("etcd/ca.key is %q", b)
	}
	if _, err := os.Stat(filepath.Join(root, "etcd", "member", "snap", "db")); err != nil {
		t.Errorf("no restored etcd data: %v", err)
	}
	cfg, _ := os.ReadFile(r.ConfigPath)
	for _, want := range []string{"name: cp9", "kind: ClusterConfiguration", "controlPlaneEndpoint: 10.0.0.100:6443", "cgroupDriver: cgroupfs", "mode: nftables"} {
		if !strings.Contains(string(cfg), want) {
			t.Errorf("the init configuration lacks %q:\n%s", want, cfg)
		}
	}
	if strings.Contains(string(cfg), "mode: iptables") {
		t.Errorf("the backup's KubeProxyConfiguration was kept beside the one given:\n%s", cfg)
	}
	if r.IgnorePreflight != "DirAvailable-"+strings.ReplaceAll(filepath.Join(root, "etcd"), "/", "-") {
		t.Errorf("ignore %s", r.IgnorePreflight)
	}
}

// TestPrepareRebuildRefusals refuses, writing nothing, a node that already
// runs static Pods, a configuration with its own ClusterConfiguration, and
// a bare snapshot without certificates.
func TestPrepareRebuildRefusals(t *testing.T) {
	root := t.TempDir()
	from := rebuildBackup(t, root)
	b, _ := etcdbackup.Read(from, nil)
	bare := filepath.Join(t.TempDir(), "snapshot.db")
	write(t, bare, string(b.Snapshot))
	for name, tc := range map[string]struct {
		prepare func(o *RebuildOptions)
		want    string
	}{
		"static Pods": {func(o *RebuildOptions) { write(t, filepath.Join(o.KubernetesDir, "manifests", "x.yaml"), "x") }, "run 'kubeadm reset' first"},
		"own ClusterConfiguration": {func(o *RebuildOptions) {
			o.InitConfiguration = []byte("apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\n")
		}, "leave the ClusterConfiguration out"},
		"bare snapshot": {func(o *RebuildOptions) { o.From = bare }, "must hold the ClusterConfiguration"},
	} {
		t.Run(name, func(t *testing.T) {
			o := rebuildOpts(root, from)
			tc.prepare(&o)
			_, err := PrepareRebuild(o)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want %q", err, tc.want)
			}
			for _, p := range []string{filepath.Join(root, "pki"), filepath.Join(root, "etcd")} {
				if _, err := os.Stat(p); err == nil {
					t.Errorf("a refusal wrote %s", p)
				}
			}
		})
	}
}

// TestBackupOfAnotherClusterIsRefused: a backup whose cluster CA is not
// the node's is refused before anything moves.
func TestBackupOfAnotherClusterIsRefused(t *testing.T) {
	n := newFakeNode(t)
	write(t, filepath.Join(n.kube, "pki", "ca.crt"), selfSignedCA(t))
	other := selfSignedCA(t)
	hash, err := etcdbackup.CAHash([]byte(other))
	if err != nil {
		t.Fatal(err)
	}
	db := bytes.Repeat([]byte{1}, 512)
	sum := sha256.Sum256(db)
	b := &etcdbackup.Backup{Snapshot: append(db, sum[:]...), Files: map[string][]byte{"ca.crt": []byte(other)}}
	b.ClusterCAHash, b.Created = hash, time.Now()
	from := filepath.Join(t.TempDir(), "other.tar")
	if err := etcdbackup.Write(from, b, nil); err != nil {
		t.Fatal(err)
	}
	before := listTree(t, n.kube)
	_, err = run(n, Options{From: from, Force: true})
	if err == nil || !strings.Contains(err.Error(), "is of another cluster") {
		t.Fatalf("err %v, want a refusal naming another cluster", err)
	}
	if listTree(t, n.kube) != before {
		t.Error("the refusal changed the node")
	}
}
