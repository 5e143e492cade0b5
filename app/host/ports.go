package host

import (
	"net"
	"os"
	"syscall"
	"time"
)

// Listening reports whether the TCP address (host:port) accepts a
// connection within a second.
func Listening(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// Unlocked reports whether nobody holds a lock on the file at path, as
// etcd holds one on its database while it runs; a missing file is
// unlocked.
func Unlocked(path string) bool {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return os.IsNotExist(err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return false
	}
	_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	return true
}
