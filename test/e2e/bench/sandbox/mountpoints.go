package sandbox

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// mountpointsRecord lists the host directories the bench created only to
// mount over them; clean-up removes them again.
func mountpointsRecord() string { return filepath.Join(StateRoot(), "created-mountpoints") }

// ensureMountpoints creates the host directories that node mounts need and
// records which ones did not exist before.
func ensureMountpoints() error {
	var targets []string
	for _, b := range binds {
		targets = append(targets, b.dst)
	}
	targets = append(targets, tmpfsMounts...)
	created := readMountpoints()
	have := map[string]bool{}
	for _, c := range created {
		have[c] = true
	}
	for _, t := range targets {
		// Record every missing level, so /etc/cni and /etc/cni/net.d both go.
		var missing []string
		for d := t; d != "/"; d = filepath.Dir(d) {
			if _, err := os.Lstat(d); errors.Is(err, fs.ErrNotExist) {
				missing = append(missing, d)
			}
		}
		if len(missing) == 0 {
			continue
		}
		if err := os.MkdirAll(t, 0o755); err != nil {
			return fmt.Errorf("create mount point %s: %w", t, err)
		}
		for _, d := range missing {
			if !have[d] {
				have[d] = true
				created = append(created, d)
			}
		}
	}
	if err := os.MkdirAll(StateRoot(), 0o755); err != nil {
		return err
	}
	return writeFileAtomic(mountpointsRecord(), []byte(strings.Join(created, "\n")+"\n"), 0o644)
}

func readMountpoints() []string {
	b, err := os.ReadFile(mountpointsRecord())
	if err != nil {
		return nil
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// removeMountpoints removes the directories ensureMountpoints created,
// deepest first, as long as they are empty.
func removeMountpoints() error {
	dirs := readMountpoints()
	sort.Slice(dirs, func(i, j int) bool { return strings.Count(dirs[i], "/") > strings.Count(dirs[j], "/") })
	var errs []error
	for _, d := range dirs {
		if err := os.Remove(d); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("remove mount point %s: %w", d, err))
		}
	}
	if len(errs) == 0 {
		_ = os.Remove(mountpointsRecord())
	}
	return errors.Join(errs...)
}
