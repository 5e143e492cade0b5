package upgradeflow

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/kubeadm-cleanroom/kubeadm/app/etcdbackup"
)

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
	return etcdbackup.RestoreData(etcdbackup.DataOptions{SnapshotPath: snapshotPath, Name: lcp.Etcd.Name, PeerURL: lcp.PeerURL(),
		Token: lcp.EtcdToken, DataDir: lcp.EtcdDataDir, KeepDir: failedDir})
}
