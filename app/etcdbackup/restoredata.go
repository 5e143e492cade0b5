package etcdbackup

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"go.etcd.io/etcd/etcdutl/v3/snapshot"
	"go.uber.org/zap"

	"github.com/kubeadm-cleanroom/kubeadm/app/users"
	"github.com/kubeadm-cleanroom/kubeadm/manifests"
)

// DefaultToken is etcd's --initial-cluster-token when none is given.
const DefaultToken = "etcd-cluster"

// DataOptions say how a snapshot becomes a member's data.
type DataOptions struct {
	// SnapshotPath is the snapshot file.
	SnapshotPath string
	// Name and PeerURL are the member's, as its manifest gives them; it is
	// restored as the only member of a new cluster.
	Name, PeerURL string
	// Token is --initial-cluster-token ("" is etcd's default).
	Token string
	// DataDir is the member's data directory (its member directory is
	// replaced).
	DataDir string
	// KeepDir receives the member directory that is replaced.
	KeepDir string
	// RevisionBump raises the revision past any a client has seen and marks
	// the old ones compacted, so that watchers (API servers, kubelets)
	// relist instead of waiting for revisions that will never come.
	RevisionBump uint64
}

// RestoreData replaces the data of a stopped member with the snapshot. The
// data it had is moved to KeepDir, or, where that is another file system,
// to member.failed in the data directory; kept says where ("" when there
// was none).
func RestoreData(o DataOptions) (kept string, err error) {
	staging := filepath.Join(o.DataDir, "kubeadm-restore")
	if err := os.RemoveAll(staging); err != nil {
		return "", fmt.Errorf("clear %s: %w", staging, err)
	}
	token := o.Token
	if token == "" {
		token = DefaultToken
	}
	err = snapshot.NewV3(zap.NewNop()).Restore(snapshot.RestoreConfig{
		SnapshotPath:        o.SnapshotPath,
		Name:                o.Name,
		OutputDataDir:       staging,
		PeerURLs:            []string{o.PeerURL},
		InitialCluster:      o.Name + "=" + o.PeerURL,
		InitialClusterToken: token,
		RevisionBump:        o.RevisionBump,
		MarkCompacted:       o.RevisionBump > 0,
	})
	if err != nil {
		os.RemoveAll(staging)
		return "", fmt.Errorf("restore %s into %s: %w", o.SnapshotPath, staging, err)
	}
	member := filepath.Join(o.DataDir, "member")
	if err := os.MkdirAll(o.KeepDir, 0o700); err != nil {
		return "", fmt.Errorf("create %s: %w", o.KeepDir, err)
	}
	if kept, err = moveAside(member, filepath.Join(o.KeepDir, "member")); err != nil {
		return "", err
	}
	if err := os.Rename(filepath.Join(staging, "member"), member); err != nil {
		return kept, fmt.Errorf("put the restored etcd data in place: %w", err)
	}
	if err := ownLikeParent(member, o.DataDir); err != nil {
		return kept, err
	}
	return kept, os.RemoveAll(staging)
}

// ownLikeParent gives the restored data the owner of the data directory:
// etcd's own user when it runs as non-root (RootlessControlPlane), since
// the restore ran as root.
func ownLikeParent(member, dataDir string) error {
	info, err := os.Stat(dataDir)
	if err != nil {
		return fmt.Errorf("read the owner of %s: %w", dataDir, err)
	}
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok || st.Uid == 0 && st.Gid == 0 {
		return nil
	}
	return users.OwnTree(users.OS{}, member, manifests.UserGroup{UID: int64(st.Uid), GID: int64(st.Gid)})
}

// moveAside moves dir to dst; across file systems (a data directory on its
// own disk) it falls back to a rename inside dir's parent.
func moveAside(dir, dst string) (string, error) {
	if _, err := os.Stat(dir); os.IsNotExist(err) {
		return "", nil
	}
	if err := os.Rename(dir, dst); err == nil {
		return dst, nil
	}
	alt := dir + ".failed"
	os.RemoveAll(alt)
	if err := os.Rename(dir, alt); err != nil {
		return "", fmt.Errorf("move the etcd data %s aside: %w", dir, err)
	}
	return alt, nil
}
