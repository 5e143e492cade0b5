package etcdbackup

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Kinds of backup a listing shows.
const (
	// KindBackup is a backup `etcd snapshot save` wrote.
	KindBackup = "backup"
	// KindUpgrade is the snapshot an upgrade took before it replaced etcd
	// (<kubernetes dir>/tmp/kubeadm-backup-etcd-<time>/snapshot.db): a bare
	// snapshot, without certificates or configuration.
	KindUpgrade = "upgrade"
)

// Entry is one backup in a listing.
type Entry struct {
	Path string `json:"path"`
	// Kind is KindBackup or KindUpgrade.
	Kind string `json:"type"`
	Metadata
	// Problem says why the backup could not be read, if it could not.
	Problem string `json:"problem,omitempty"`
}

// List returns the backups in dir and the upgrade snapshots under
// upgradeDir (the kubeadm tmp directory; "" leaves them out), oldest
// first. A directory that does not exist holds none.
func List(dir, upgradeDir string) ([]Entry, error) {
	var out []Entry
	names, err := backupsIn(dir)
	if err != nil {
		return nil, err
	}
	for _, p := range names {
		e := Entry{Path: p, Kind: KindBackup}
		m, err := ReadMetadata(p)
		if err != nil {
			e.Problem = err.Error()
			if info, serr := os.Stat(p); serr == nil {
				e.Created = info.ModTime().UTC()
			}
		}
		if err == nil {
			e.Metadata = m
		}
		out = append(out, e)
	}
	if upgradeDir != "" {
		snaps, _ := filepath.Glob(filepath.Join(upgradeDir, "kubeadm-backup-etcd-*", "snapshot.db"))
		for _, p := range snaps {
			out = append(out, upgradeEntry(p))
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Created.Before(out[j].Created) })
	return out, nil
}

func upgradeEntry(p string) Entry {
	e := Entry{Path: p, Kind: KindUpgrade}
	b, err := ReadSnapshotFile(p)
	if err != nil {
		e.Problem = err.Error()
		if info, serr := os.Stat(p); serr == nil {
			e.Created = info.ModTime().UTC()
		}
		return e
	}
	e.Metadata = b.Metadata
	return e
}

// ReadSnapshotFile reads a bare snapshot, as an upgrade stores it, as a
// backup without certificates or configuration; its integrity hash and
// database are checked.
func ReadSnapshotFile(p string) (*Backup, error) {
	info, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("read the snapshot: %w", err)
	}
	if info.Size() > MaxPayload {
		return nil, fmt.Errorf("the snapshot %s is %d bytes, more than %d", p, info.Size(), MaxPayload)
	}
	snap, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("read the snapshot: %w", err)
	}
	if err := CheckSnapshotHash(snap); err != nil {
		return nil, fmt.Errorf("the snapshot %s: %w", p, err)
	}
	st, err := fileStatus(p)
	if err != nil {
		return nil, err
	}
	b := &Backup{Snapshot: snap, Files: map[string][]byte{}}
	b.Format, b.Created, b.Revision, b.TotalKeys, b.EtcdVersion, b.SnapshotSize = FormatVersion, info.ModTime().UTC(), st.Revision, st.TotalKey, st.Version, int64(len(snap))
	return b, nil
}

// IsBackupFile reports whether p is an archive as save writes it (and not
// a bare snapshot).
func IsBackupFile(p string) bool {
	_, err := ReadMetadata(p)
	return err == nil
}

func backupsIn(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list the backups in %s: %w", dir, err)
	}
	var out []string
	for _, e := range ents {
		if n := e.Name(); e.Type().IsRegular() && strings.HasPrefix(n, Prefix) && strings.HasSuffix(n, Ext) {
			out = append(out, filepath.Join(dir, n))
		}
	}
	return out, nil
}

// Prune removes the oldest backups save wrote in dir so that keep remain,
// and returns those it removed. Upgrade snapshots are not touched.
func Prune(dir string, keep int) ([]string, error) {
	all, err := List(dir, "")
	if err != nil {
		return nil, err
	}
	var removed []string
	for i := 0; i < len(all)-keep; i++ {
		if err := os.Remove(all[i].Path); err != nil {
			return removed, fmt.Errorf("remove the old backup %s: %w", all[i].Path, err)
		}
		removed = append(removed, all[i].Path)
	}
	return removed, nil
}
