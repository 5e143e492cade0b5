package sandbox

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// cgroupMounts returns the mount points of every cgroup hierarchy (v1
// controllers, named hierarchies and the v2 unified one).
func cgroupMounts() ([]string, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var mounts []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		for i, x := range fields {
			if x == "-" && i+1 < len(fields) && (fields[i+1] == "cgroup" || fields[i+1] == "cgroup2") {
				mounts = append(mounts, fields[4])
			}
		}
	}
	sort.Strings(mounts)
	return mounts, sc.Err()
}

// cgroupCreate creates rel (e.g. "kubeadm-bench/c1/n1/system") in every
// hierarchy, copying cpuset.cpus and cpuset.mems from the parent at each
// level so that tasks can join.
func cgroupCreate(rel string) ([]string, error) {
	mounts, err := cgroupMounts()
	if err != nil {
		return nil, err
	}
	var dirs []string
	for _, m := range mounts {
		parts := strings.Split(rel, "/")
		for i := range parts {
			dir := filepath.Join(m, filepath.Join(parts[:i+1]...))
			if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
				return nil, fmt.Errorf("create cgroup %s: %w", dir, err)
			}
			for _, f := range []string{"cpuset.cpus", "cpuset.mems"} {
				cur, err := os.ReadFile(filepath.Join(dir, f))
				if err != nil || strings.TrimSpace(string(cur)) != "" {
					continue
				}
				parent, err := os.ReadFile(filepath.Join(filepath.Dir(dir), f))
				if err != nil {
					return nil, fmt.Errorf("read %s of %s: %w", f, filepath.Dir(dir), err)
				}
				if err := os.WriteFile(filepath.Join(dir, f), parent, 0o644); err != nil {
					return nil, fmt.Errorf("write %s of %s: %w", f, dir, err)
				}
			}
		}
		dirs = append(dirs, filepath.Join(m, rel))
	}
	return dirs, nil
}

// cgroupTree returns every directory at and below rel in every hierarchy,
// deepest first.
func cgroupTree(rel string) ([]string, error) {
	mounts, err := cgroupMounts()
	if err != nil {
		return nil, err
	}
	var dirs []string
	for _, m := range mounts {
		root := filepath.Join(m, rel)
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return fs.SkipDir
				}
				return err
			}
			if d.IsDir() {
				dirs = append(dirs, p)
			}
			return nil
		})
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	sort.Slice(dirs, func(i, j int) bool { return strings.Count(dirs[i], "/") > strings.Count(dirs[j], "/") })
	return dirs, nil
}

// cgroupPIDs returns the processes in rel or below, in any hierarchy.
func cgroupPIDs(rel string) ([]int, error) {
	dirs, err := cgroupTree(rel)
	if err != nil {
		return nil, err
	}
	seen := map[int]bool{}
	var pids []int
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join(d, "cgroup.procs"))
		if err != nil {
			continue
		}
		for _, f := range strings.Fields(string(b)) {
			if pid, err := strconv.Atoi(f); err == nil && !seen[pid] {
				seen[pid] = true
				pids = append(pids, pid)
			}
		}
	}
	return pids, nil
}

// cgroupKill kills every process in rel or below (all of them were started
// by the bench inside that cgroup) and waits until none is left.
func cgroupKill(rel string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		pids, err := cgroupPIDs(rel)
		if err != nil {
			return err
		}
		if len(pids) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("processes %v in cgroup %s did not exit within %s", pids, rel, timeout)
		}
		for _, pid := range pids {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// cgroupRemove removes rel and everything below it from every hierarchy.
func cgroupRemove(rel string) error {
	dirs, err := cgroupTree(rel)
	if err != nil {
		return err
	}
	var errs []error
	for _, d := range dirs {
		var err error
		for try := 0; try < 50; try++ { // a just-killed task may linger for a moment
			if err = os.Remove(d); err == nil || errors.Is(err, fs.ErrNotExist) {
				err = nil
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("remove cgroup %s: %w", d, err))
		}
	}
	return errors.Join(errs...)
}

// cgroupProcsFiles returns the cgroup.procs file of rel in every hierarchy.
func cgroupProcsFiles(rel string) ([]string, error) {
	mounts, err := cgroupMounts()
	if err != nil {
		return nil, err
	}
	var files []string
	for _, m := range mounts {
		files = append(files, filepath.Join(m, rel, "cgroup.procs"))
	}
	return files, nil
}
