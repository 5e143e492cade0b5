package reset

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/etcdpod"
	"github.com/kubeadm-cleanroom/kubeadm/app/progress"
	"github.com/kubeadm-cleanroom/kubeadm/app/users"
)

// runCleanupNode reverts what init and join wrote on the node: it stops
// the kubelet, deletes the static Pod manifests (so a kubelet still
// running stops the control plane instead of restarting it), stops and
// removes the kubelet's pod sandboxes, unmounts and empties the kubelet
// directory, deletes the kubeconfig files, certificates and init state
// under the Kubernetes directory and empties the local etcd data
// directory. Deletion failures do not stop it; they fail the phase at the
// end, naming every path that stays. A clean node is left as it is.
func runCleanupNode(ctx context.Context, out progress.Phase, d *Data) error {
	etcdDataDir := d.etcdDataDir(out) // before its manifest goes
	d.stopKubelet(ctx, out)
	c := &cleaner{out: out, dryRun: d.cfg.DryRun}
	c.dirs(d.manifestsDir())
	d.removePods(ctx, out)
	if d.cfg.DryRun {
		out.Infof("would unmount the mounts under %s", d.KubeletDir)
	} else if err := d.unmountUnder(out, d.KubeletDir); err != nil {
		return err
	}
	if d.cfg.CertificatesDir != constants.DefaultCertsDir {
		out.Warnf("cleaning a non-default certificates directory: %s", d.cfg.CertificatesDir)
	}
	tmp := filepath.Join(d.KubernetesDir, "tmp")
	dirs := []string{d.KubeletDir, d.cfg.CertificatesDir, etcdDataDir}
	if d.cfg.CleanupTmpDir {
		dirs = append(dirs, tmp)
	}
	c.dirs(dirs...)
	var files []string
	for _, f := range []string{constants.AdminKubeConfig, constants.SuperAdminKubeConfig, constants.KubeletKubeConfig,
		constants.KubeletBootstrapKubeConfig, constants.ControllerManagerKubeConfig, constants.SchedulerKubeConfig} {
		files = append(files, filepath.Join(d.KubernetesDir, f))
	}
	// Without it init refuses the node as finished; the rest of tmp holds
	// backups that --cleanup-tmp-dir deletes.
	files = append(files, filepath.Join(tmp, constants.InitStateFile), filepath.Join(tmp, constants.JoinStateFile),
		filepath.Join(tmp, constants.JoinInventoryFile))
	c.files(files...)
	d.removeUsers(ctx, out)
	return c.err()
}

// removeUsers deletes the users and groups RootlessControlPlane created,
// when the node has them. Upstream reads the feature gate from the
// cluster first; this works from the node alone, so that a node whose
// cluster is gone is cleaned all the same. A failure is only a warning,
// as upstream's.
func (d *Data) removeUsers(ctx context.Context, out progress.Phase) {
	present, err := users.Present(d.Users)
	if err != nil || !present {
		if err != nil {
			out.Warnf("read the users database: %v", err)
		}
		return
	}
	if d.cfg.DryRun {
		out.Infof("would remove the users and groups created for the RootlessControlPlane feature gate")
		return
	}
	n, err := users.Remove(ctx, d.Users)
	if err != nil {
		out.Warnf("remove the users and groups created for the RootlessControlPlane feature gate: %v", err)
		return
	}
	out.Infof("removed the %d users and groups created for the RootlessControlPlane feature gate", n)
}

// etcdDataDir is the local etcd's data directory, from its manifest or
// the default.
func (d *Data) etcdDataDir(out progress.Phase) string {
	l, err := etcdpod.Read(d.etcdManifest())
	switch {
	case err == nil:
		return l.DataDir
	case !errors.Is(err, fs.ErrNotExist):
		out.Warnf("%v; cleaning the default etcd data directory %s", err, d.EtcdDataDir)
	}
	return d.EtcdDataDir
}

// cleaner deletes directories' contents and files, reports what it did
// and keeps the failures for the end.
type cleaner struct {
	out    progress.Phase
	dryRun bool
	failed []string
}

func (c *cleaner) dirs(dirs ...string) {
	if c.dryRun {
		c.out.Infof("would delete the contents of the directories: %s", strings.Join(dirs, ", "))
		return
	}
	var cleaned, clean []string
	for _, dir := range dirs {
		n, err := cleanDir(dir)
		if err != nil {
			c.failed = append(c.failed, err.Error())
		}
		if n > 0 {
			cleaned = append(cleaned, dir)
		} else if err == nil {
			clean = append(clean, dir)
		}
	}
	if len(cleaned) > 0 {
		c.out.Infof("deleted the contents of the directories: %s", strings.Join(cleaned, ", "))
	}
	if len(clean) > 0 {
		c.out.Infof("nothing to delete in: %s", strings.Join(clean, ", "))
	}
}

func (c *cleaner) files(files ...string) {
	if c.dryRun {
		c.out.Infof("would delete the files: %s", strings.Join(files, ", "))
		return
	}
	removed, err := removeFiles(files)
	if err != nil {
		c.failed = append(c.failed, err.Error())
	}
	if len(removed) > 0 {
		c.out.Infof("deleted the files: %s", strings.Join(removed, ", "))
	} else if err == nil {
		c.out.Infof("no kubeconfig or init state file to delete")
	}
}

func (c *cleaner) err() error {
	if len(c.failed) == 0 {
		return nil
	}
	return fmt.Errorf("some of the node's files could not be deleted: %s", strings.Join(c.failed, "; "))
}
