package reset

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// checkCleanable refuses to empty a directory that is not an absolute
// path below the root: a wrong setting must not wipe the host.
func checkCleanable(dir string) error {
	if !filepath.IsAbs(dir) || filepath.Clean(dir) == "/" {
		return fmt.Errorf("refusing to delete the contents of %q: not an absolute directory below /", dir)
	}
	return nil
}

// removeAll deletes a path and what is under it; tests replace it.
var removeAll = os.RemoveAll

// cleanDir deletes everything in dir, keeping dir itself, and returns how
// many entries it deleted. A missing directory holds nothing.
func cleanDir(dir string) (int, error) {
	if err := checkCleanable(dir); err != nil {
		return 0, err
	}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read %s: %w", dir, err)
	}
	n := 0
	var failed []string
	for _, e := range entries {
		if err := removeAll(filepath.Join(dir, e.Name())); err != nil {
			failed = append(failed, err.Error())
			continue
		}
		n++
	}
	if len(failed) > 0 {
		return n, fmt.Errorf("delete the contents of %s: %s", dir, strings.Join(failed, "; "))
	}
	return n, nil
}

// removeFiles deletes the files that exist and returns those it deleted.
func removeFiles(paths []string) ([]string, error) {
	var removed, failed []string
	for _, p := range paths {
		err := os.Remove(p)
		switch {
		case err == nil:
			removed = append(removed, p)
		case errors.Is(err, fs.ErrNotExist):
		default:
			failed = append(failed, err.Error())
		}
	}
	if len(failed) > 0 {
		return removed, errors.New(strings.Join(failed, "; "))
	}
	return removed, nil
}
