package users

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/manifests"
)

// FileOwner changes who owns a file and its mode.
type FileOwner interface {
	Lchown(path string, uid, gid int) error
	Chmod(path string, mode os.FileMode) error
}

// OS is the FileOwner of the host's file system.
type OS struct{}

// Lchown changes the owner of path (not of a symlink's target).
func (OS) Lchown(path string, uid, gid int) error { return os.Lchown(path, uid, gid) }

// Chmod changes the mode of path.
func (OS) Chmod(path string, mode os.FileMode) error { return os.Chmod(path, mode) }

// Paths are where a node keeps what the components read.
type Paths struct {
	// PKIDir is the certificates directory, KubeDir the kubeconfigs'.
	PKIDir, KubeDir string
	// EtcdDataDir is the local etcd member's data directory; LocalEtcd
	// says whether this node runs one.
	EtcdDataDir string
	LocalEtcd   bool
}

// PathsOf are the paths of a node of cluster c whose certificates are in
// pkiDir and kubeconfigs in kubeDir.
func PathsOf(c *kubeadm.ClusterConfiguration, pkiDir, kubeDir string) Paths {
	p := Paths{PKIDir: pkiDir, KubeDir: kubeDir}
	if c.Etcd.Local != nil && c.Etcd.External == nil {
		p.LocalEtcd, p.EtcdDataDir = true, c.Etcd.Local.DataDir
	}
	return p
}

// handover is one file given to a user and group with a mode.
type handover struct {
	path     string
	uid, gid int64
	mode     os.FileMode
	// optional files are skipped when absent (ca.key in external-CA mode).
	optional bool
}

// handovers lists what component reads that only its user may: its private
// keys and kubeconfig (0600, its own), and the service-account signing key,
// which the API server and controller manager share through the readers
// group (0640, root-owned).
func handovers(component string, ids *manifests.NonRootIDs, p Paths) []handover {
	pki := func(name string) string { return filepath.Join(p.PKIDir, name) }
	saKey := handover{path: pki("sa.key"), uid: 0, gid: ids.ServiceAccountKeyReaders, mode: 0o640}
	switch component {
	case constants.KubeAPIServer:
		u := ids.APIServer
		list := []handover{saKey}
		for _, f := range []string{"sa.pub", "apiserver.key", "apiserver-kubelet-client.key", "front-proxy-client.key"} {
			list = append(list, handover{path: pki(f), uid: u.UID, gid: u.GID, mode: 0o600})
		}
		if p.LocalEtcd {
			list = append(list, handover{path: pki("apiserver-etcd-client.key"), uid: u.UID, gid: u.GID, mode: 0o600})
		}
		return list
	case constants.KubeControllerManager:
		u := ids.ControllerManager
		return []handover{saKey,
			{path: filepath.Join(p.KubeDir, constants.ControllerManagerKubeConfig), uid: u.UID, gid: u.GID, mode: 0o600},
			{path: pki("ca.key"), uid: u.UID, gid: u.GID, mode: 0o600, optional: true},
		}
	case constants.KubeScheduler:
		u := ids.Scheduler
		return []handover{{path: filepath.Join(p.KubeDir, constants.SchedulerKubeConfig), uid: u.UID, gid: u.GID, mode: 0o600}}
	case constants.Etcd:
		u := ids.Etcd
		return []handover{
			{path: pki("etcd/server.key"), uid: u.UID, gid: u.GID, mode: 0o600},
			{path: pki("etcd/peer.key"), uid: u.UID, gid: u.GID, mode: 0o600},
		}
	}
	return nil
}

// Handover gives component's files to its user, and for etcd the whole data
// directory. A file the component needs that is missing is an error.
func Handover(owner FileOwner, component string, ids *manifests.NonRootIDs, p Paths) error {
	for _, h := range handovers(component, ids, p) {
		if err := owner.Lchown(h.path, int(h.uid), int(h.gid)); err != nil {
			if h.optional && errors.Is(err, fs.ErrNotExist) {
				continue
			}
			return fmt.Errorf("give %s to %d:%d for %s: %w", h.path, h.uid, h.gid, component, err)
		}
		if err := owner.Chmod(h.path, h.mode); err != nil {
			return fmt.Errorf("set the mode of %s to %o for %s: %w", h.path, h.mode, component, err)
		}
	}
	if component == constants.Etcd && p.LocalEtcd {
		return OwnTree(owner, p.EtcdDataDir, ids.Etcd)
	}
	return nil
}

// OwnTree gives dir and everything under it to ug: the etcd data directory,
// also after a snapshot was restored into it as root.
func OwnTree(owner FileOwner, dir string, ug manifests.UserGroup) error {
	return filepath.WalkDir(dir, func(path string, _ fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("give %s to %d:%d: %w", dir, ug.UID, ug.GID, err)
		}
		if err := owner.Lchown(path, int(ug.UID), int(ug.GID)); err != nil {
			return fmt.Errorf("give %s to %d:%d: %w", path, ug.UID, ug.GID, err)
		}
		return nil
	})
}
