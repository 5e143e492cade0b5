// Package etcdbackup writes, reads, lists and prunes etcd backups: a
// snapshot taken through the etcd API together with what a restore needs
// from the node it came from (the cluster CAs, the service-account keys,
// the etcd CA and the ClusterConfiguration).
//
// A backup is one file, an uncompressed tar archive of two entries:
// metadata.json, which is never encrypted and never holds a secret, and
// payload, a gzip-compressed tar of snapshot.db, pki/<file> and
// cluster-configuration.yaml, sealed with AES-256-GCM under a 32-byte key
// when the backup is encrypted (as kubeadm-certs is, under the
// certificate key). The metadata records the SHA-256 of the payload as
// stored and of the snapshot, so integrity is checked without the key.
package etcdbackup

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/kubeadm-cleanroom/kubeadm/app/atomicfile"
	"github.com/kubeadm-cleanroom/kubeadm/app/phases/uploadcerts"
)

const (
	// FormatVersion is the version of the backup format this tool writes.
	FormatVersion = 1
	// Prefix and Ext begin and end the name of every backup file save
	// writes.
	Prefix = "kubeadm-etcd-"
	Ext    = ".tar"

	metadataEntry = "metadata.json"
	payloadEntry  = "payload"
	snapshotEntry = "snapshot.db"
	configEntry   = "cluster-configuration.yaml"
	pkiPrefix     = "pki/"

	maxMetadata = 1 << 20
	// MaxPayload bounds what a backup may hold, snapshot included: a backup
	// is held in memory while written and read.
	MaxPayload = 4 << 30
)

var (
	// ErrCorrupt means the backup's integrity check failed.
	ErrCorrupt = errors.New("the backup is damaged")
	// ErrWrongKey means the key given does not open the encrypted backup.
	ErrWrongKey = errors.New("the encryption key does not open the backup")
	// ErrNeedKey means the backup is encrypted and no key was given.
	ErrNeedKey = errors.New("the backup is encrypted: give its key with --encryption-key or --encryption-key-file")
)

// Metadata describes a backup. It holds no secret.
type Metadata struct {
	Format  int       `json:"format"`
	Created time.Time `json:"created"`
	// Node is the node the backup was taken on.
	Node string `json:"node,omitempty"`
	// MemberName and MemberID name the etcd member the snapshot came from.
	MemberName string `json:"memberName,omitempty"`
	MemberID   string `json:"memberID,omitempty"`
	// ClusterID is the etcd cluster's ID at the time.
	ClusterID string `json:"clusterID,omitempty"`
	// Members are the etcd members at the time (names and peer URLs).
	Members []Member `json:"members,omitempty"`
	// Revision is the etcd revision of the snapshot: writes after it are
	// not in the backup.
	Revision  int64 `json:"revision"`
	TotalKeys int   `json:"totalKeys"`
	// SnapshotSize is the size of the snapshot in bytes.
	SnapshotSize   int64  `json:"snapshotSize"`
	SnapshotSHA256 string `json:"snapshotSHA256"`
	// EtcdVersion is the storage version the snapshot records.
	EtcdVersion       string `json:"etcdVersion,omitempty"`
	KubernetesVersion string `json:"kubernetesVersion,omitempty"`
	// ClusterCAHash is "sha256:<hex>" of the cluster CA's public key, as
	// --discovery-token-ca-cert-hash takes it: it tells clusters apart.
	ClusterCAHash string `json:"clusterCAHash,omitempty"`
	// Files are the certificate files held, relative to the certificates
	// directory.
	Files []string `json:"files,omitempty"`
	// ClusterConfiguration is true when the backup holds one.
	ClusterConfiguration bool `json:"clusterConfiguration"`
	Encrypted            bool `json:"encrypted"`
	// PayloadSHA256 is the SHA-256 of the payload as stored.
	PayloadSHA256 string `json:"payloadSHA256"`
}

// Member is an etcd member recorded in a backup.
type Member struct {
	Name     string   `json:"name"`
	ID       string   `json:"id"`
	PeerURLs []string `json:"peerURLs"`
	Learner  bool     `json:"learner,omitempty"`
}

// Backup is a backup's content.
type Backup struct {
	Metadata
	// Snapshot is the etcd snapshot as the snapshot API streamed it, with
	// its trailing SHA-256.
	Snapshot []byte
	// Files maps certificate files, relative to the certificates
	// directory, to their content.
	Files map[string][]byte
	// ClusterConfiguration is the kubeadm ClusterConfiguration document.
	ClusterConfiguration []byte
}

// Write stores b at path atomically with mode 0600, sealed under key when
// key is not nil. It fills in the metadata's checksums, file list and
// encryption flag.
func Write(path string, b *Backup, key []byte) error {
	sum := sha256.Sum256(b.Snapshot)
	b.Format, b.SnapshotSize, b.SnapshotSHA256 = FormatVersion, int64(len(b.Snapshot)), hex.EncodeToString(sum[:])
	b.Metadata.Files = slices.Sorted(maps.Keys(b.Files))
	b.Metadata.ClusterConfiguration = len(b.ClusterConfiguration) > 0
	b.Encrypted, b.PayloadSHA256 = key != nil, ""
	payload, err := b.payload()
	if err != nil {
		return err
	}
	if key != nil {
		if payload, err = uploadcerts.Encrypt(payload, key); err != nil {
			return fmt.Errorf("encrypt the backup: %w", err)
		}
	}
	sum = sha256.Sum256(payload)
	b.PayloadSHA256 = hex.EncodeToString(sum[:])
	meta, err := json.MarshalIndent(b.Metadata, "", "  ")
	if err != nil {
		return fmt.Errorf("encode the backup metadata: %w", err)
	}
	var out bytes.Buffer
	tw := tar.NewWriter(&out)
	for _, e := range []struct {
		name string
		data []byte
	}{{metadataEntry, meta}, {payloadEntry, payload}} {
		if err := addEntry(tw, e.name, e.data); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("write the backup archive: %w", err)
	}
	if err := atomicfile.Write(path, out.Bytes(), 0o600); err != nil {
		return fmt.Errorf("write the backup %s: %w", path, err)
	}
	return nil
}

func (b *Backup) payload() ([]byte, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	// A copy of the metadata (without the payload's hash) inside the
	// payload: the metadata outside cannot be altered unnoticed.
	inner, err := json.Marshal(b.Metadata)
	if err != nil {
		return nil, fmt.Errorf("encode the backup metadata: %w", err)
	}
	if err := addEntry(tw, metadataEntry, inner); err != nil {
		return nil, err
	}
	if err := addEntry(tw, snapshotEntry, b.Snapshot); err != nil {
		return nil, err
	}
	for _, f := range slices.Sorted(maps.Keys(b.Files)) {
		if err := addEntry(tw, pkiPrefix+f, b.Files[f]); err != nil {
			return nil, err
		}
	}
	if len(b.ClusterConfiguration) > 0 {
		if err := addEntry(tw, configEntry, b.ClusterConfiguration); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("write the backup payload: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("compress the backup payload: %w", err)
	}
	return buf.Bytes(), nil
}

func addEntry(tw *tar.Writer, name string, data []byte) error {
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: int64(len(data)), Typeflag: tar.TypeReg}); err != nil {
		return fmt.Errorf("write %s into the backup: %w", name, err)
	}
	if _, err := tw.Write(data); err != nil {
		return fmt.Errorf("write %s into the backup: %w", name, err)
	}
	return nil
}

// ReadMetadata reads a backup's metadata only, without checking its
// payload.
func ReadMetadata(path string) (Metadata, error) {
	f, err := os.Open(path)
	if err != nil {
		return Metadata{}, fmt.Errorf("open the backup: %w", err)
	}
	defer f.Close()
	tr := tar.NewReader(f)
	m, err := readMetadata(tr)
	if err != nil {
		return Metadata{}, fmt.Errorf("read the backup %s: %w", path, err)
	}
	return m, nil
}

func readMetadata(tr *tar.Reader) (Metadata, error) {
	h, err := tr.Next()
	if err != nil || h.Name != metadataEntry {
		return Metadata{}, fmt.Errorf("%w: not a backup this tool wrote (no %s first)", ErrCorrupt, metadataEntry)
	}
	if h.Size > maxMetadata {
		return Metadata{}, fmt.Errorf("%w: %s is %d bytes, more than %d", ErrCorrupt, metadataEntry, h.Size, maxMetadata)
	}
	var m Metadata
	dec := json.NewDecoder(io.LimitReader(tr, maxMetadata))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return Metadata{}, fmt.Errorf("%w: %s: %v", ErrCorrupt, metadataEntry, err)
	}
	if m.Format != FormatVersion {
		return Metadata{}, fmt.Errorf("backup format %d: this tool reads format %d", m.Format, FormatVersion)
	}
	return m, nil
}

// Read reads the backup at path and checks its integrity: the payload's
// and the snapshot's SHA-256 and the snapshot's own trailing hash. An
// encrypted backup is opened with key; errors wrap ErrCorrupt, ErrNeedKey
// or ErrWrongKey.
func Read(path string, key []byte) (*Backup, error) {
	b, err := read(path, key)
	if err != nil {
		return nil, fmt.Errorf("read the backup %s: %w", path, err)
	}
	return b, nil
}

func read(path string, key []byte) (*Backup, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	tr := tar.NewReader(f)
	m, err := readMetadata(tr)
	if err != nil {
		return nil, err
	}
	h, err := tr.Next()
	if err != nil || h.Name != payloadEntry {
		return nil, fmt.Errorf("%w: no %s after the metadata", ErrCorrupt, payloadEntry)
	}
	if h.Size > MaxPayload {
		return nil, fmt.Errorf("%w: the payload is %d bytes, more than %d", ErrCorrupt, h.Size, MaxPayload)
	}
	payload, err := io.ReadAll(tr)
	if err != nil || int64(len(payload)) != h.Size {
		return nil, fmt.Errorf("%w: the payload is cut short", ErrCorrupt)
	}
	if sum := sha256.Sum256(payload); hex.EncodeToString(sum[:]) != m.PayloadSHA256 {
		return nil, fmt.Errorf("%w: the payload's SHA-256 is not the one recorded", ErrCorrupt)
	}
	if m.Encrypted {
		if key == nil {
			return nil, ErrNeedKey
		}
		if payload, err = uploadcerts.Decrypt(payload, key); err != nil {
			return nil, ErrWrongKey
		}
	}
	b := &Backup{Metadata: m, Files: map[string][]byte{}}
	inner, err := b.unpack(payload)
	if err != nil {
		return nil, err
	}
	outer := m
	outer.PayloadSHA256 = ""
	if want, _ := json.Marshal(outer); !bytes.Equal(inner, want) {
		return nil, fmt.Errorf("%w: %s is not the one the payload records", ErrCorrupt, metadataEntry)
	}
	if sum := sha256.Sum256(b.Snapshot); hex.EncodeToString(sum[:]) != m.SnapshotSHA256 {
		return nil, fmt.Errorf("%w: the snapshot's SHA-256 is not the one recorded", ErrCorrupt)
	}
	if err := CheckSnapshotHash(b.Snapshot); err != nil {
		return nil, err
	}
	return b, nil
}

func (b *Backup) unpack(payload []byte) (inner []byte, err error) {
	zr, err := gzip.NewReader(bytes.NewReader(payload))
	if err != nil {
		return nil, fmt.Errorf("%w: the payload is not gzip: %v", ErrCorrupt, err)
	}
	tr := tar.NewReader(io.LimitReader(zr, MaxPayload))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: the payload: %v", ErrCorrupt, err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			return nil, fmt.Errorf("%w: the payload's %s: %v", ErrCorrupt, h.Name, err)
		}
		switch name := h.Name; {
		case name == metadataEntry:
			inner = data
		case name == snapshotEntry:
			b.Snapshot = data
		case name == configEntry:
			b.ClusterConfiguration = data
		case strings.HasPrefix(name, pkiPrefix):
			rel := path.Clean(strings.TrimPrefix(name, pkiPrefix))
			if rel == "." || strings.HasPrefix(rel, "../") || path.IsAbs(rel) {
				return nil, fmt.Errorf("%w: the payload names the file %q outside the certificates directory", ErrCorrupt, name)
			}
			b.Files[rel] = data
		default:
			return nil, fmt.Errorf("%w: the payload holds the unknown entry %q", ErrCorrupt, name)
		}
	}
	if b.Snapshot == nil {
		return nil, fmt.Errorf("%w: the payload holds no %s", ErrCorrupt, snapshotEntry)
	}
	return inner, nil
}

// CheckSnapshotHash checks the SHA-256 that etcd's snapshot API appends to
// the database it streams.
func CheckSnapshotHash(snap []byte) error {
	if len(snap)%512 != sha256.Size {
		return fmt.Errorf("%w: the snapshot (%d bytes) carries no integrity hash", ErrCorrupt, len(snap))
	}
	n := len(snap) - sha256.Size
	if sum := sha256.Sum256(snap[:n]); !bytes.Equal(sum[:], snap[n:]) {
		return fmt.Errorf("%w: the snapshot's integrity hash does not match its content", ErrCorrupt)
	}
	return nil
}
