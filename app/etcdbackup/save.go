package etcdbackup

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"go.etcd.io/etcd/etcdutl/v3/snapshot"
	"go.uber.org/zap"

	"github.com/kubeadm-cleanroom/kubeadm/app/etcd"
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/showjoin"
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/uploadcerts"
)

// Source is what Save needs from the local etcd member.
type Source interface {
	Snapshot(ctx context.Context, w io.Writer) error
	Members(ctx context.Context) ([]etcd.Member, error)
	EndpointStatus(ctx context.Context, ep string) (etcd.MemberStatus, error)
}

// SaveOptions say what to back up and where.
type SaveOptions struct {
	// Dir is the directory the backup is written into.
	Dir string
	// Key, when not nil, encrypts the backup (32 bytes, AES-256-GCM).
	Key []byte
	// Keep, when above zero, is how many backups Dir keeps: the oldest
	// beyond it are removed once the new one is written.
	Keep int
	// Node is this node's name.
	Node string
	// Endpoint is the local member's client URL.
	Endpoint string
	// CertsDir is the certificates directory whose CAs and service-account
	// keys the backup holds.
	CertsDir string
	// LocalEtcd includes the etcd CA.
	LocalEtcd bool
	// ClusterConfiguration is the ClusterConfiguration document, if known.
	ClusterConfiguration []byte
	// KubernetesVersion is the version the control plane runs.
	KubernetesVersion string
	Now               func() time.Time
}

// Saved is what Save did.
type Saved struct {
	Path     string
	Metadata Metadata
	// Pruned are the older backups removed to keep SaveOptions.Keep.
	Pruned []string
}

// Save snapshots the local member through the snapshot API, checks the
// snapshot's integrity hash and database, and writes it with the
// certificates and configuration as one backup file.
func Save(ctx context.Context, src Source, o SaveOptions) (Saved, error) {
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	created := now().UTC()
	var snap bytes.Buffer
	if err := src.Snapshot(ctx, &snap); err != nil {
		return Saved{}, err
	}
	if err := CheckSnapshotHash(snap.Bytes()); err != nil {
		return Saved{}, fmt.Errorf("the snapshot etcd sent: %w", err)
	}
	b := &Backup{Snapshot: snap.Bytes(), ClusterConfiguration: o.ClusterConfiguration, Files: map[string][]byte{}}
	b.Created, b.Node, b.KubernetesVersion = created, o.Node, o.KubernetesVersion
	if err := os.MkdirAll(o.Dir, 0o700); err != nil {
		return Saved{}, fmt.Errorf("create the backup directory: %w", err)
	}
	st, err := SnapshotStatus(o.Dir, b.Snapshot)
	if err != nil {
		return Saved{}, err
	}
	b.Revision, b.TotalKeys, b.EtcdVersion = st.Revision, st.TotalKey, st.Version
	if err := b.describeMember(ctx, src, o.Endpoint); err != nil {
		return Saved{}, err
	}
	if err := b.readCerts(o.CertsDir, o.LocalEtcd); err != nil {
		return Saved{}, err
	}
	name := Prefix + o.Node + "-" + created.Format("20060102T150405.000Z") + Ext
	out := Saved{Path: filepath.Join(o.Dir, name)}
	if err := Write(out.Path, b, o.Key); err != nil {
		return Saved{}, err
	}
	out.Metadata = b.Metadata
	if o.Keep > 0 {
		out.Pruned, err = Prune(o.Dir, o.Keep)
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// SnapshotStatus reads the revision, key count and storage version of a
// snapshot by opening it as etcd's database, in a temporary file in dir.
func SnapshotStatus(dir string, snap []byte) (snapshot.Status, error) {
	f, err := os.CreateTemp(dir, ".snapshot-*.db")
	if err != nil {
		return snapshot.Status{}, fmt.Errorf("check the snapshot: %w", err)
	}
	defer os.Remove(f.Name())
	_, err = f.Write(snap)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return snapshot.Status{}, fmt.Errorf("check the snapshot: %w", err)
	}
	return fileStatus(f.Name())
}

func fileStatus(path string) (st snapshot.Status, err error) {
	defer func() { // bbolt panics on some damaged files
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: the snapshot %s is not an etcd database: %v", ErrCorrupt, path, r)
		}
	}()
	st, err = snapshot.NewV3(zap.NewNop()).Status(path)
	if err != nil {
		return st, fmt.Errorf("%w: the snapshot %s is not an etcd database: %v", ErrCorrupt, path, err)
	}
	return st, nil
}

func (b *Backup) describeMember(ctx context.Context, src Source, ep string) error {
	st, err := src.EndpointStatus(ctx, ep)
	if err != nil {
		return fmt.Errorf("read the status of the local etcd member: %w", err)
	}
	members, err := src.Members(ctx)
	if err != nil {
		return fmt.Errorf("list the etcd members: %w", err)
	}
	b.MemberID, b.ClusterID = strconv.FormatUint(st.ID, 16), strconv.FormatUint(st.ClusterID, 16)
	for _, m := range members {
		if m.ID == st.ID {
			b.MemberName = m.Name
		}
		b.Members = append(b.Members, Member{Name: m.Name, ID: strconv.FormatUint(m.ID, 16), PeerURLs: m.PeerURLs, Learner: m.IsLearner})
	}
	return nil
}

// readCerts reads the files kubeadm-certs shares; the cluster CA
// certificate is required, a key that is absent (external CA) is left out.
func (b *Backup) readCerts(certsDir string, localEtcd bool) error {
	for _, f := range uploadcerts.Files(localEtcd) {
		data, err := os.ReadFile(filepath.Join(certsDir, f))
		if errors.Is(err, os.ErrNotExist) && f != "ca.crt" {
			continue
		}
		if err != nil {
			return fmt.Errorf("read %s for the backup: %w", f, err)
		}
		b.Files[f] = data
	}
	hash, err := CAHash(b.Files["ca.crt"])
	if err != nil {
		return fmt.Errorf("read %s: %w", filepath.Join(certsDir, "ca.crt"), err)
	}
	b.ClusterCAHash = hash
	return nil
}

// CAHash returns "sha256:<hex>" of the public key of the first certificate
// in caPEM.
func CAHash(caPEM []byte) (string, error) {
	blk, _ := pem.Decode(caPEM)
	if blk == nil {
		return "", errors.New("no PEM certificate")
	}
	ca, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		return "", fmt.Errorf("parse the CA certificate: %w", err)
	}
	return showjoin.CACertHash(ca), nil
}
