// Package atomicfile writes files so that readers see either the old or the
// new content, never a part: a temporary file in the same directory is
// written, synced, given its mode and renamed over the target.
package atomicfile

import (
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"syscall"
)

// Observer, when set, hears of every file written (op "wrote") and of every
// file read through Read (op "read"); the command line sets it at -v 5 and
// above so that each phase shows what it reads and writes.
type Observer func(op, path string, size int, mode os.FileMode)

var observer atomic.Pointer[Observer]

// SetObserver installs o (nil removes it).
func SetObserver(o Observer) {
	if o == nil {
		observer.Store(nil)
		return
	}
	observer.Store(&o)
}

// Write replaces path with data, creating its directory (0755 unless it
// exists) and leaving the file with exactly mode.
func Write(path string, data []byte, mode os.FileMode) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create directory %s: %w", dir, err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmpName := tmp.Name()
	cleanup := func(err error) error {
		tmp.Close()
		os.Remove(tmpName)
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Chmod(mode); err != nil {
		return cleanup(err)
	}
	if err := keepOwner(tmp, path); err != nil {
		return cleanup(err)
	}
	if _, err := tmp.Write(data); err != nil {
		return cleanup(err)
	}
	if err := tmp.Sync(); err != nil {
		return cleanup(err)
	}
	if err := tmp.Close(); err != nil {
		return cleanup(err)
	}
	if err := os.Rename(tmpName, path); err != nil {
		os.Remove(tmpName)
		return fmt.Errorf("write %s: %w", path, err)
	}
	if o := observer.Load(); o != nil {
		(*o)("wrote", path, len(data), mode)
	}
	return nil
}

// keepOwner gives tmp the owner of the file it replaces, when that is
// another user: a key or kubeconfig handed to a component's own user
// (RootlessControlPlane) stays readable by it when renewed.
func keepOwner(tmp *os.File, path string) error {
	old, err := os.Stat(path)
	if err != nil {
		return nil // nothing replaced
	}
	st, ok := old.Sys().(*syscall.Stat_t)
	if !ok || int(st.Uid) == os.Geteuid() && int(st.Gid) == os.Getegid() {
		return nil
	}
	return tmp.Chown(int(st.Uid), int(st.Gid))
}

// Read reads a file as os.ReadFile does, telling the observer.
func Read(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		if o := observer.Load(); o != nil {
			(*o)("read", path, len(b), 0)
		}
	}
	return b, err
}
