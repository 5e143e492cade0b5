package reset

import (
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/kubeadm-cleanroom/kubeadm/app/progress"
)

// Mounter lists and unmounts the host's mounts.
type Mounter interface {
	// MountPoints lists every mount point, as /proc/mounts does.
	MountPoints() ([]string, error)
	// Unmount unmounts path with the named unmount2() flags (MNT_FORCE,
	// MNT_DETACH, MNT_EXPIRE, UMOUNT_NOFOLLOW). It reports ErrNotMounted
	// when path is no mount point any more (an earlier unmount of a shared
	// peer took it).
	Unmount(path string, flags []string) error
}

// ErrNotMounted means the path is not a mount point.
var ErrNotMounted = errors.New("not mounted")

// unmountUnder unmounts every mount below dir (not dir itself), deepest
// first, and returns one error naming every mount that stays.
func (d *Data) unmountUnder(out progress.Phase, dir string) error {
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		out.Infof("no mounts to unmount: %v", err)
		return nil
	}
	points, err := d.Mounts.MountPoints()
	if err != nil {
		return fmt.Errorf("list the mounts under %s: %w", dir, err)
	}
	prefix := strings.TrimSuffix(real, "/") + "/"
	var under []string
	for _, p := range points {
		if strings.HasPrefix(p, prefix) {
			under = append(under, p)
		}
	}
	sort.Slice(under, func(i, j int) bool { return len(under[i]) > len(under[j]) })
	var failed []string
	unmounted := 0
	for _, p := range under {
		switch err := d.Mounts.Unmount(p, d.cfg.UnmountFlags); {
		case err == nil:
			unmounted++
		case errors.Is(err, ErrNotMounted):
		default:
			failed = append(failed, fmt.Sprintf("%s: %v", p, err))
		}
	}
	if unmounted > 0 {
		out.Infof("unmounted %d mount(s) under %s", unmounted, dir)
	}
	if len(failed) > 0 {
		return fmt.Errorf("unmount %d mount(s) under %s: %s; stop what uses them (or set unmountFlags: [MNT_DETACH] in a ResetConfiguration) and reset again",
			len(failed), dir, strings.Join(failed, "; "))
	}
	return nil
}
