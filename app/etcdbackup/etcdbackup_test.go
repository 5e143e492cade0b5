package etcdbackup_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/kubeadm-cleanroom/kubeadm/app/etcd"
	"github.com/kubeadm-cleanroom/kubeadm/app/etcd/etcdtest"
	"github.com/kubeadm-cleanroom/kubeadm/app/etcdbackup"
)

// certsDir writes a CA certificate and stand-ins for the other shared
// files, and returns the directory.
func certsDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "kubernetes"}, NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{"ca.crt": pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
	for _, f := range []string{"ca.key", "sa.key", "sa.pub", "front-proxy-ca.crt", "front-proxy-ca.key", "etcd/ca.crt", "etcd/ca.key"} {
		files[f] = []byte("SECRET-" + f)
	}
	for f, b := range files {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, f)), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func clients(t *testing.T, m *etcdtest.Member) (*etcd.Client, *clientv3.Client) {
	t.Helper()
	c, err := etcd.New([]string{m.ClientURL}, nil, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := clientv3.New(clientv3.Config{Endpoints: []string{m.ClientURL}, DialTimeout: 2 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(); raw.Close() })
	return c, raw
}

func put(t *testing.T, raw *clientv3.Client, prefix string, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		if _, err := raw.Put(t.Context(), fmt.Sprintf("%s/%03d", prefix, i), "value"); err != nil {
			t.Fatal(err)
		}
	}
}

func save(t *testing.T, c *etcd.Client, m *etcdtest.Member, dir, certs string, key []byte, at time.Time) etcdbackup.Saved {
	t.Helper()
	saved, err := etcdbackup.Save(t.Context(), c, etcdbackup.SaveOptions{Dir: dir, Key: key, Node: "cp1", Endpoint: m.ClientURL, CertsDir: certs, LocalEtcd: true,
		ClusterConfiguration: []byte("kind: ClusterConfiguration\n"), KubernetesVersion: "v1.37.1", Now: func() time.Time { return at }})
	if err != nil {
		t.Fatalf("Save: %v", err)
	}
	return saved
}

// TestSaveThenRestoreOnRealEtcd backs up a real member holding 200 keys,
// writes more afterwards, restores the backup as a new member's data and
// starts it: the 200 keys are back, the later write is not, and the
// revision is raised past every revision the old member had.
func TestSaveThenRestoreOnRealEtcd(t *testing.T) {
	m := etcdtest.StartSingle(t, "cp1")
	c, raw := clients(t, m)
	put(t, raw, "/registry/configmaps/default", 200)
	certs, dir := certsDir(t), t.TempDir()
	saved := save(t, c, m, dir, certs, nil, time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC))
	after, err := raw.Put(t.Context(), "/registry/after-backup", "lost")
	if err != nil {
		t.Fatal(err)
	}

	info, err := os.Stat(saved.Path)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("backup %s: %v, mode %v; want 0600", saved.Path, err, info.Mode())
	}
	if !strings.HasPrefix(filepath.Base(saved.Path), "kubeadm-etcd-cp1-20261203T120000.000Z") {
		t.Errorf("backup name %s", saved.Path)
	}
	md := saved.Metadata
	if md.TotalKeys < 200 || md.Revision < 201 || md.MemberName != "cp1" || md.MemberID == "" || md.ClusterID == "" || len(md.Members) != 1 ||
		md.KubernetesVersion != "v1.37.1" || !strings.HasPrefix(md.ClusterCAHash, "sha256:") || md.Encrypted || !md.ClusterConfiguration {
		t.Errorf("metadata %+v", md)
	}
	b, err := etcdbackup.Read(saved.Path, nil)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if len(b.Files) != 8 || string(b.Files["etcd/ca.key"]) != "SECRET-etcd/ca.key" || string(b.ClusterConfiguration) != "kind: ClusterConfiguration\n" {
		t.Errorf("files %v, configuration %q", b.Metadata.Files, b.ClusterConfiguration)
	}

	r := etcdtest.New(t, "restored")
	snap := filepath.Join(t.TempDir(), "snapshot.db")
	if err := os.WriteFile(snap, b.Snapshot, 0o600); err != nil {
		t.Fatal(err)
	}
	kept, err := etcdbackup.RestoreData(etcdbackup.DataOptions{SnapshotPath: snap, Name: r.Name, PeerURL: r.PeerURL, DataDir: r.Dir, KeepDir: t.TempDir(), RevisionBump: 1000})
	if err != nil || kept != "" {
		t.Fatalf("RestoreData: kept %q, %v", kept, err)
	}
	if err := r.Start(r.Name+"="+r.PeerURL, "new", false); err != nil {
		t.Fatal(err)
	}
	_, rraw := clients(t, r)
	got, err := rraw.Get(t.Context(), "/registry/configmaps/default/", clientv3.WithPrefix(), clientv3.WithCountOnly())
	if err != nil || got.Count != 200 {
		t.Fatalf("restored keys: %v, %v; want 200", got, err)
	}
	lost, err := rraw.Get(t.Context(), "/registry/after-backup")
	if err != nil || lost.Count != 0 {
		t.Errorf("the write after the backup is back: %v %v", lost, err)
	}
	if got.Header.Revision <= after.Header.Revision+900 {
		t.Errorf("restored revision %d is not raised past %d", got.Header.Revision, after.Header.Revision)
	}
}

// TestEncryptedBackup: the metadata stays readable without the key, the
// secrets are not in the file, and only the right key opens it.
func TestEncryptedBackup(t *testing.T) {
	m := etcdtest.StartSingle(t, "cp1")
	c, raw := clients(t, m)
	put(t, raw, "/k", 5)
	key := bytes.Repeat([]byte{7}, 32)
	saved := save(t, c, m, t.TempDir(), certsDir(t), key, time.Now())
	md, err := etcdbackup.ReadMetadata(saved.Path)
	if err != nil || !md.Encrypted || md.Revision == 0 {
		t.Fatalf("ReadMetadata: %+v, %v", md, err)
	}
	raw2, _ := os.ReadFile(saved.Path)
	if bytes.Contains(raw2, []byte("SECRET-")) {
		t.Error("the encrypted backup holds a key in the clear")
	}
	if _, err := etcdbackup.Read(saved.Path, nil); !errors.Is(err, etcdbackup.ErrNeedKey) {
		t.Errorf("Read without key: %v, want ErrNeedKey", err)
	}
	if _, err := etcdbackup.Read(saved.Path, bytes.Repeat([]byte{8}, 32)); !errors.Is(err, etcdbackup.ErrWrongKey) {
		t.Errorf("Read with another key: %v, want ErrWrongKey", err)
	}
	b, err := etcdbackup.Read(saved.Path, key)
	if err != nil || string(b.Files["ca.key"]) != "SECRET-ca.key" {
		t.Fatalf("Read with the key: %v", err)
	}
}

// TestDamagedBackupsAreRefused alters a byte of every part of a backup,
// cuts it short, and alters the recorded revision: each is ErrCorrupt.
func TestDamagedBackupsAreRefused(t *testing.T) {
	m := etcdtest.StartSingle(t, "cp1")
	c, raw := clients(t, m)
	put(t, raw, "/k", 5)
	saved := save(t, c, m, t.TempDir(), certsDir(t), nil, time.Now())
	good, _ := os.ReadFile(saved.Path)
	revision := fmt.Sprintf(`"revision": %d`, saved.Metadata.Revision)
	cases := map[string][]byte{
		"cut short":         good[:len(good)/2],
		"payload byte":      flip(good, len(good)-2048),
		"revision recorded": bytes.Replace(good, []byte(revision), []byte(fmt.Sprintf(`"revision": %d`, saved.Metadata.Revision+9)), 1),
		"not a backup":      []byte("hello"),
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "b.tar")
			if err := os.WriteFile(p, data, 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := etcdbackup.Read(p, nil); !errors.Is(err, etcdbackup.ErrCorrupt) {
				t.Errorf("Read: %v, want ErrCorrupt", err)
			}
		})
	}
	b, _ := etcdbackup.Read(saved.Path, nil)
	if err := etcdbackup.CheckSnapshotHash(flip(b.Snapshot, 100)); !errors.Is(err, etcdbackup.ErrCorrupt) {
		t.Errorf("a damaged snapshot passes its hash check: %v", err)
	}
}

func flip(b []byte, i int) []byte {
	out := bytes.Clone(b)
	out[i] ^= 0xff
	return out
}

// TestListAndPrune lists backups and an upgrade's snapshot oldest first,
// marks an unreadable file, and prunes the oldest backups only.
func TestListAndPrune(t *testing.T) {
	m := etcdtest.StartSingle(t, "cp1")
	c, raw := clients(t, m)
	put(t, raw, "/k", 3)
	certs, dir, tmp := certsDir(t), t.TempDir(), t.TempDir()
	base := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	var paths []string
	for i := 0; i < 3; i++ {
		paths = append(paths, save(t, c, m, dir, certs, nil, base.Add(time.Duration(i)*time.Hour)).Path)
	}
	b, _ := etcdbackup.Read(paths[0], nil)
	up := filepath.Join(tmp, "kubeadm-backup-etcd-2026-11-30-00-00-00", "snapshot.db")
	os.MkdirAll(filepath.Dir(up), 0o700)
	os.WriteFile(up, b.Snapshot, 0o600)
	os.Chtimes(up, base.Add(-time.Hour), base.Add(-time.Hour))
	junk := filepath.Join(dir, etcdbackup.Prefix+"junk"+etcdbackup.Ext)
	os.WriteFile(junk, []byte("junk"), 0o600)
	os.Chtimes(junk, base.Add(10*time.Hour), base.Add(10*time.Hour))

	list, err := etcdbackup.List(dir, tmp)
	if err != nil || len(list) != 5 {
		t.Fatalf("List: %d entries, %v", len(list), err)
	}
	if list[0].Kind != etcdbackup.KindUpgrade || list[0].Revision != b.Revision || list[0].Problem != "" {
		t.Errorf("first entry %+v, want the upgrade's snapshot", list[0])
	}
	for i, p := range paths {
		if list[i+1].Path != p || list[i+1].Kind != etcdbackup.KindBackup {
			t.Errorf("entry %d is %s, want %s", i+1, list[i+1].Path, p)
		}
	}
	if list[4].Path != junk || list[4].Problem == "" {
		t.Errorf("the junk file is not marked unreadable: %+v", list[4])
	}
	if _, err := etcdbackup.ReadSnapshotFile(up); err != nil {
		t.Errorf("the upgrade's snapshot does not read as a backup: %v", err)
	}
	removed, err := etcdbackup.Prune(dir, 2)
	if err != nil || len(removed) != 2 || removed[0] != paths[0] || removed[1] != paths[1] {
		t.Fatalf("Prune: %v, %v", removed, err)
	}
	if _, err := os.Stat(up); err != nil {
		t.Errorf("prune removed the upgrade's snapshot: %v", err)
	}
}
