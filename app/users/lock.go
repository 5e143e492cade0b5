package users

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"
)

// lockWait is how long a locked file is waited for, and lockRetry how often
// the lock is tried, as upstream kubeadm does.
const (
	lockWait  = 5 * time.Second
	lockRetry = 200 * time.Millisecond
)

// openLocked opens path for reading and writing and takes an fcntl write
// lock on the whole file, retrying until lockWait has passed.
func openLocked(ctx context.Context, path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	ctx, cancel := context.WithTimeout(ctx, lockWait)
	defer cancel()
	lock := syscall.Flock_t{Type: syscall.F_WRLCK, Whence: io.SeekStart}
	for {
		err := syscall.FcntlFlock(f.Fd(), syscall.F_SETLK, &lock)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, syscall.EAGAIN) && !errors.Is(err, syscall.EACCES) {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("lock %s: another program holds it: %w", path, ctx.Err())
		case <-time.After(lockRetry):
		}
	}
}

// rewrite replaces f's content in place (the file may be a bind mount,
// which a rename cannot replace) and syncs it.
func rewrite(f *os.File, text string) error {
	if _, err := f.WriteAt([]byte(text), 0); err != nil {
		return fmt.Errorf("write %s: %w", f.Name(), err)
	}
	if err := f.Truncate(int64(len(text))); err != nil {
		return fmt.Errorf("truncate %s: %w", f.Name(), err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", f.Name(), err)
	}
	return nil
}

// withLocked locks both files, parses them and calls change, which edits
// the texts of db; when it reports a change, the group file and then the
// passwd file are rewritten. Closing the files releases the locks.
func withLocked(ctx context.Context, files Files, change func(db *database) (bool, error)) error {
	pf, err := openLocked(ctx, files.Passwd)
	if err != nil {
		return err
	}
	defer pf.Close()
	gf, err := openLocked(ctx, files.Group)
	if err != nil {
		return err
	}
	defer gf.Close()
	p, err := io.ReadAll(pf)
	if err != nil {
		return fmt.Errorf("read %s: %w", files.Passwd, err)
	}
	g, err := io.ReadAll(gf)
	if err != nil {
		return fmt.Errorf("read %s: %w", files.Group, err)
	}
	db, err := parseDatabase(files, string(p), string(g))
	if err != nil {
		return err
	}
	changed, err := change(db)
	if err != nil || !changed {
		return err
	}
	if db.groupText != string(g) {
		if err := rewrite(gf, db.groupText); err != nil {
			return err
		}
	}
	if db.passwdText != string(p) {
		return rewrite(pf, db.passwdText)
	}
	return nil
}
