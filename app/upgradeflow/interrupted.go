package upgradeflow

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/kubeadm-cleanroom/kubeadm/app/atomicfile"
	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/progress"
)

// controlPlaneComponents are the static Pods an upgrade rewrites.
var controlPlaneComponents = []string{constants.Etcd, constants.KubeAPIServer, constants.KubeControllerManager, constants.KubeScheduler}

// putBackInterrupted restores the manifests that an upgrade killed between
// taking a component away and writing its successor left missing, from
// that upgrade's backup (the newest), before this run looks at the node:
// the node then runs its whole control plane again, at the old version for
// those components, and this run upgrades them as if nothing had happened.
// Only a control plane (one of its manifests is there) is repaired, and
// only with the components the newest backup holds, so that a node reset
// since, or one that never ran local etcd, is left alone.
func (d *Data) putBackInterrupted(out progress.Phase) error {
	dir := d.run.ManifestsDir
	var present, missing []string
	for _, c := range controlPlaneComponents {
		if _, err := os.Stat(filepath.Join(dir, c+".yaml")); err == nil {
			present = append(present, c)
		} else if errors.Is(err, os.ErrNotExist) {
			missing = append(missing, c)
		}
	}
	if len(present) == 0 || len(missing) == 0 {
		return nil
	}
	backups, _ := filepath.Glob(filepath.Join(d.KubernetesDir, "tmp", "kubeadm-backup-manifests-*"))
	if len(backups) == 0 {
		return nil
	}
	sort.Strings(backups) // the stamp sorts by time
	newest := backups[len(backups)-1]
	for _, c := range missing {
		b, err := os.ReadFile(filepath.Join(newest, c+".yaml"))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("read the backup of the %s manifest: %w", c, err)
		}
		if d.Settings.DryRun {
			out.Infof("an earlier upgrade stopped part-way without a %s manifest: would put back %s", c, filepath.Join(newest, c+".yaml"))
			continue
		}
		if err := atomicfile.Write(filepath.Join(dir, c+".yaml"), b, 0o600); err != nil {
			return fmt.Errorf("put back the %s manifest: %w", c, err)
		}
		out.Infof("an earlier upgrade stopped part-way without a %s manifest: put back %s; this run upgrades it", c, filepath.Join(newest, c+".yaml"))
	}
	return nil
}
