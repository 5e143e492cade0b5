package upgradeflow

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"go.etcd.io/etcd/etcdutl/v3/snapshot"
	"go.uber.org/zap"

	"github.com/kubeadm-cleanroom/kubeadm/app/users"
	"github.com/kubeadm-cleanroom/kubeadm/manifests"
)

// defaultEtcdToken is etcd's --initial-cluster-token when none is given.
const defaultEtcdToken = "etcd-cluster"

// saveSnapshot streams a snapshot of the local member into path, written
// to a temporary name first so that a cut-off snapshot never looks whole.
func saveSnapshot(ctx context.Context, c EtcdClient, path string) (int64, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return 0, fmt.Errorf("create etcd backup directory: %w", err)
	}
	tmp := path + ".part"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return 0, fmt.Errorf("create etcd snapshot %s: %w", tmp, err)
	}
	if err := c.Snapshot(ctx, f); err != nil {
		f.Close()
		os.Remove(tmp)
		return 0, fmt.Errorf("take etcd snapshot: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(tmp)
		return 0, fmt.Errorf("sync etcd snapshot %s: %w", tmp, err)
	}
	st, _ := f.Stat()
	if err := f.Close(); err != nil {
		return 0, fmt.Errorf("close etcd snapshot %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return 0, fmt.Errorf("store etcd snapshot %s: %w", path, err)
	}
	return st.Size(), nil
}

// restoreSnapshot replaces the data of the stopped local member with the
// snapshot. The failed data is kept next to the backup, in failedDir, and
// where that is another file system, as member.failed in the data
// directory; kept says where.
func restoreSnapshot(snapshotPath string, lcp LocalControlPlane, failedDir string) (kept string, err error) {
	dataDir := lcp.EtcdDataDir
	staging := filepath.Join(dataDir, "kubeadm-restore")
	if err := os.RemoveAll(staging); err != nil {
		return "", fmt.Errorf("clear %s: %w", staging, err)
	}
	token := lcp.EtcdToken
	if token == "" {
		token = defaultEtcdToken
	}
	name, peer := lcp.Etcd.Name, lcp.PeerURL()
	err = snapshot.NewV3(zap.NewNop()).Restore(snapshot.RestoreConfig{
		SnapshotPath:        snapshotPath,
		Name:                name,
		OutputDataDir:       staging,
		PeerURLs:            []string{peer},
		InitialCluster:      name + "=" + peer,
		InitialClusterToken: token,
	})
	if err != nil {
		os.RemoveAll(staging)
		return "", fmt.Errorf("restore %s into %s: %w", snapshotPath, staging, err)
	}
	member := filepath.Join(dataDir, "member")
	if err := os.MkdirAll(failedDir, 0o700); err != nil {
		return "", fmt.Errorf("create %s: %w", failedDir, err)
	}
	if kept, err = moveAside(member, filepath.Join(failedDir, "member")); err != nil {
		return "", err
	}
	if err := os.Rename(filepath.Join(staging, "member"), member); err != nil {
		return kept, fmt.Errorf("put the restored etcd data in place: %w", err)
	}
	if err := ownLikeParent(member, dataDir); err != nil {
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
		return "", fmt.Errorf("move the failed etcd data %s aside: %w", dir, err)
	}
	return alt, nil
}
